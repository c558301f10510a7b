"""Linkage runs: who is one young person across an epoch's rosters, and what it lets the
ecosystem publish (issue 17 items 3 and 4; docs/reach.md, "Linkage runs and reports").

`request_linkage(epoch)` records a queued `LinkageRun` (a newer request replaces a run still
queued) and, once the caller's transaction commits, links the epoch: at once when it has fewer
than REACH_SYNC_MAX_ROWS rows (a partner's roster page then shows the new reach), else as the
task `link_epoch`, its progress saved as it goes. A run reads every row of the epoch in order
(roster, row), links them (`linkage.link`: exact hashes, then CLKs within blocks), writes each
row's person, then in one transaction replaces the ecosystem-wide values of the unduplicated
reach indicator (`counts`) and stores the report's counts (`tallies`) and the linkage quality
figures on the run. Hashes are read here and nowhere else; nothing written holds one.
"""

from __future__ import annotations

import logging
import time as clock
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone.atlas.models import PopulationArea
from ecotone.atlas.nearest import program_areas
from ecotone.directory.models import Program
from ecotone.errors import DomainError

from ... import linkage, tallies
from ...models import DimensionCombo, LinkageEpoch, LinkageRun, LinkageStatus, RosterRow
from .. import dashboards, facts
from ..epochs import epoch_periods
from . import counts, published

logger = logging.getLogger(__name__)
SYNC_MAX_ROWS = 5_000


def sync_max_rows() -> int:
    return int(getattr(settings, "REACH_SYNC_MAX_ROWS", SYNC_MAX_ROWS))


def request_linkage(epoch: LinkageEpoch) -> LinkageRun:
    """A new queued run of the epoch, replacing one still queued; it starts once the caller's
    transaction commits (now, outside one)."""
    with transaction.atomic():
        LinkageRun.objects.filter(epoch=epoch, status=LinkageStatus.QUEUED).delete()
        run = LinkageRun.objects.create(ecosystem_id=epoch.ecosystem_id, epoch=epoch)
    transaction.on_commit(lambda: start(run.pk))
    return run


def start(run_id: int) -> None:
    """Link now when the epoch is small, else hand the run to a worker."""
    rows = RosterRow.objects.filter(roster__epoch__runs=run_id).count()
    if rows < sync_max_rows():
        run = LinkageRun.objects.filter(pk=run_id, status=LinkageStatus.QUEUED).first()
        if run is not None:
            run_linkage(run)
    else:
        link_epoch.enqueue(run_id)


@task()
def link_epoch(run_id: int) -> str:
    """Link a queued run's epoch; its final status ("gone" when a newer request replaced it)."""
    run = LinkageRun.objects.filter(pk=run_id).first()
    if run is None:
        return "gone"
    if run.status != LinkageStatus.QUEUED:
        return str(run.status)
    return str(run_linkage(run).status)


def latest_run(epoch: LinkageEpoch) -> LinkageRun | None:
    return LinkageRun.objects.filter(epoch=epoch).order_by("-created_at", "-pk").first()


def latest_done_run(epoch: LinkageEpoch) -> LinkageRun | None:
    return (
        LinkageRun.objects.filter(epoch=epoch, status=LinkageStatus.DONE)
        .order_by("-created_at", "-pk")
        .first()
    )


def _progress(run: LinkageRun, percent: int) -> None:
    run.progress = percent
    LinkageRun.objects.filter(pk=run.pk).update(progress=percent, updated_at=timezone.now())


def run_linkage(run: LinkageRun) -> LinkageRun:
    """Link the run's epoch now, saving progress as it goes; a failure is recorded on the run."""
    started = clock.monotonic()
    run.status = LinkageStatus.RUNNING
    run.started_at = timezone.now()
    run.progress = 0
    run.save(update_fields=["status", "started_at", "progress", "updated_at"])
    try:
        _link(run, started)
    except Exception as error:
        logger.exception("Linkage run %s failed", run.pk)
        run.status = LinkageStatus.FAILED
        run.error = (
            str(error)
            if isinstance(error, DomainError)
            else _("The linkage failed unexpectedly. It runs again with the next roster.")
        )
        run.finished_at = timezone.now()
        run.save()
        return run
    # Keep the latest finished run (the one read) and any run still to come.
    LinkageRun.objects.filter(epoch_id=run.epoch_id, created_at__lt=run.created_at).exclude(
        status__in=(LinkageStatus.QUEUED, LinkageStatus.RUNNING)
    ).delete()
    _publish(run)
    return run


def _publish(run: LinkageRun) -> None:
    """Work out what the report publishes of the run now (`published`), so that no reader
    waits for its audits; a failure here leaves the run done (the report works it out when
    first read)."""
    ecosystem = run.epoch.ecosystem
    try:
        published.published(
            run, counts.reach_indicator(ecosystem), int(ecosystem.suppression_threshold)
        )
    except Exception:
        logger.exception("Linkage run %s: its published figures were not worked out", run.pk)


def _link(run: LinkageRun, started: float) -> None:
    epoch = run.epoch
    rows = list(
        RosterRow.objects.filter(roster__epoch=epoch)
        .order_by("roster_id", "pk")
        .values_list(
            "pk",
            "roster_id",
            "exact",
            "clk",
            "block",
            "combo_id",
            "roster__period_id",
            "roster__organization_id",
            "roster__program_id",
        )
    )
    # Each combination's codes read once (a few hundred), not decoded from JSON on every row.
    parts_of = dict(
        DimensionCombo.objects.filter(pk__in={row[5] for row in rows}).values_list("pk", "parts")
    )
    _progress(run, 10)
    ids = [row[0] for row in rows]
    rosters = [row[1] for row in rows]
    exact = [bytes(row[2]).hex() for row in rows]
    people = linkage.link(
        rosters,
        exact,
        [bytes(row[3]) for row in rows],
        [bytes(row[4]).hex() for row in rows],
        threshold=linkage.THRESHOLD,
    ).tolist()
    _progress(run, 60)

    programs = list(Program.objects.filter(pk__in={row[8] for row in rows}))
    types = dashboards.program_types(epoch.ecosystem_id, [p.slug for p in programs])
    type_of = {p.pk: types[p.slug] for p in programs}
    area_of = program_areas(epoch.ecosystem, programs)
    area_code = dict(
        PopulationArea.objects.filter(pk__in={a for a in area_of.values() if a}).values_list(
            "pk", "code"
        )
    )
    linked = [
        tallies.Row(
            person=person,
            period=period_id,
            organization=organization_id,
            program=program_id,
            program_type=type_of[program_id],
            area=area_code.get(area_of.get(program_id) or 0),
            codes=parts_of[combo_id] or {},
        )
        for (*_hashes, combo_id, period_id, organization_id, program_id), person in zip(
            rows, people, strict=True
        )
    ]
    by_period = tallies.people_of_period(linked)
    periods = epoch_periods(epoch)
    report: dict[str, Any] = {}
    for period in periods:
        found = by_period.get(period.pk)
        if not found:
            continue
        entry: dict[str, Any] = tallies.period_tally(found)
        following = next((p for p in periods if p.start.year == period.start.year + 1), None)
        if following is not None and following.pk in by_period:
            entry["next"] = {
                "period": following.pk,
                **tallies.next_year_tally(found, by_period[following.pk]),
            }
        report[str(period.pk)] = entry
    _progress(run, 80)

    distinct = len(set(exact))
    linked_people = len(set(people))
    figures = {
        "rows": len(rows),
        "rosters": len(set(rosters)),
        "exact_hashes": distinct,
        "exact_links": len(rows) - distinct,
        "clk_links": distinct - linked_people,
        "people": linked_people,
        "threshold": linkage.THRESHOLD,
        "report": report,
    }
    # One writer per epoch at a time, and never one that read the rosters before a run that has
    # finished since: two runs of an epoch may overlap (a roster sent while a worker links; two
    # workers), and the older, finishing last, would put back persons and values of rosters
    # since replaced or withdrawn while the report read the newer run's counts. The run is
    # marked done in the same transaction, so the next writer sees it.
    with transaction.atomic():
        LinkageEpoch.objects.select_for_update().filter(pk=epoch.pk).first()
        later = LinkageRun.objects.filter(epoch=epoch, status=LinkageStatus.DONE, pk__gt=run.pk)
        if later.exists():
            raise DomainError(
                _("A later linkage of these rosters finished first; its figures stand.")
            )
        facts.update_column(RosterRow, "person", zip(ids, people, strict=True))
        figures["values_written"] = counts.replace_values(epoch, periods, by_period)
        figures["seconds"] = round(clock.monotonic() - started, 3)
        run.figures = figures
        run.status = LinkageStatus.DONE
        run.progress = 100
        run.finished_at = timezone.now()
        run.save()
