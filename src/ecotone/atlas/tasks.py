"""Background work of the atlas (django-tasks): applying area imports, computing analyses."""

from __future__ import annotations

import logging

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone.errors import DomainError

from .models import AnalysisRun, AreaImport, AreaImportStatus, RunStatus

logger = logging.getLogger(__name__)


@task()
def apply_area_import_run(run_id: int, user_id: int | None) -> str:
    """Apply a queued area import; returns the run's final status ("gone" if not queued)."""
    from .area_import import apply_area_import as apply_now

    run = AreaImport.objects.select_related("ecosystem").filter(pk=run_id).first()
    if run is None or run.status != AreaImportStatus.APPLYING:
        return "gone"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        return str(apply_now(run, user=user).status)
    except DomainError:
        # Applied meanwhile by the apply a retry replaced (or discarded): left as it is.
        run.refresh_from_db()
        return str(run.status)
    except Exception:
        # The transaction rolled back; the run must say so rather than stay "applying".
        logger.exception("Area import %s failed", run_id)
        problem = {
            "where": "",
            "field": "",
            "message": _("The import failed unexpectedly; nothing was changed."),
        }
        AreaImport.objects.filter(pk=run_id, status=AreaImportStatus.APPLYING).update(
            status=AreaImportStatus.FAILED, report={**run.report, "problems": [problem]}
        )
        return str(AreaImportStatus.FAILED)


@task()
def compute_analysis_run(run_id: int) -> str:
    """Compute a queued analysis run, saving its progress and stage as it goes; returns the
    run's final status ("gone" when it was deleted meanwhile)."""
    from .services import compute_run

    run = (
        AnalysisRun.objects.select_related("analysis__ecosystem", "scenario")
        .filter(pk=run_id)
        .first()
    )
    if run is None:
        return "gone"
    if run.status != RunStatus.QUEUED:
        return str(run.status)
    return str(compute_run(run).status)
