"""Background work of the atlas (django-tasks): computing a large ecosystem's analysis."""

from __future__ import annotations

from django_tasks import task

from .models import AnalysisRun, RunStatus


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
