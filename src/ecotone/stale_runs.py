"""When a background run counts as interrupted: an import being applied, a round being computed.

The work of such a run is one transaction that writes nothing to the run until it ends, so a
run still "applying" (or "queued", "running") that nothing has touched for longer than
`IMPORT_STALE_AFTER` minutes lost its task: a worker killed mid-apply, a deploy, a crash. Time
is the one sign both task backends give: the immediate backend keeps no task results, and the
database backend leaves a result "running" for ever when its worker dies.

Such a run may be retried (the interrupted transaction was rolled back, so nothing was half
written) or discarded. Both ask `is_stale`, here and nowhere else.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

# The statuses of runs whose task has not finished yet, across the models that use this rule.
IN_PROGRESS = frozenset({"applying", "queued", "running"})


def stale_after() -> timedelta:
    return timedelta(minutes=settings.IMPORT_STALE_AFTER)


def is_stale(status: str, updated_at: datetime | None, *, now: datetime | None = None) -> bool:
    """Whether a run in `status`, last written at `updated_at`, was interrupted."""
    if status not in IN_PROGRESS or updated_at is None:
        return False
    return updated_at < (now or timezone.now()) - stale_after()
