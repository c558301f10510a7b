"""The atlas's figures on a network's page (`ecotone.network_figures`): per ecosystem, the areas
and deserts of the default analysis's latest finished run (None where none finished). Counts of
areas, not of young people. One query for every ecosystem at once."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from ecotone.network_figures import Counts

from ..models import Analysis, AnalysisRun, RunStatus


def counts(ecosystem_ids: Sequence[int]) -> Counts:
    """Per ecosystem: `areas` and `deserts` as the atlas page shows them (its last finished
    run of today's programs, current or not)."""
    latest = AnalysisRun.objects.filter(
        analysis=OuterRef("pk"), scenario__isnull=True, is_preview=False, status=RunStatus.DONE
    ).order_by("-created_at", "-pk")
    rows = (
        Analysis.objects.filter(ecosystem_id__in=ecosystem_ids, is_default=True)
        .annotate(
            areas=Subquery(_summary(latest, "areas")),
            deserts=Subquery(_summary(latest, "deserts")),
        )
        .values_list("ecosystem_id", "areas", "deserts")
    )
    found: dict[int, dict[str, float | None]] = {
        pk: {"areas": None, "deserts": None} for pk in ecosystem_ids
    }
    for ecosystem_id, areas, deserts in rows:
        if deserts is not None:
            found[ecosystem_id] = {"areas": int(areas or 0), "deserts": int(deserts)}
    return found


def _summary(runs: QuerySet[AnalysisRun], key: str) -> QuerySet[Any, dict[str, Any]]:
    """The first run's summary figure `key`, read in the database (not the whole result)."""
    figure = Cast(KT(f"result__summary__{key}"), IntegerField())
    return runs.annotate(figure=figure).values("figure")[:1]
