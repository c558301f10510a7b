"""Background work of the directory (django-tasks)."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django_tasks import task

from .import_runs import apply_now
from .models import ImportRun, ImportStatus


@task()
def apply_import_run(run_id: int, user_id: int | None) -> str:
    """Apply a checked import run; returns the run's final status."""
    run = ImportRun.objects.select_related("ecosystem").filter(pk=run_id).first()
    if run is None or run.status != ImportStatus.APPLYING:
        return "gone"
    user = get_user_model().objects.filter(pk=user_id).first() if user_id else None
    try:
        apply_now(run, user)
    except Exception:  # logged, and recorded on the run, by apply_now
        return ImportStatus.FAILED
    return run.status
