"""Backbone staff's import and export pages: upload, check, review duplicates, apply, download.

Every page calls the services of `imports.runs`; a bad file is a message on the page, never an
error page. Runs are fetched through `access.get_import_run`, which starts from the request's
ecosystem.
"""

from __future__ import annotations

import shutil
import tempfile
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone.ecosystems.access import ecosystem_view
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.upload_actions import upload_action
from ecotone.errors import DomainError
from ecotone.replicas import read_replica

from ..access import get_import_run
from ..forms import UploadForm
from ..hsds import export as hsds
from ..hsds import tabular as hsds_tabular
from ..hsds.imports import ImportReport
from ..hsds.readers import MAX_BYTES
from ..models import ImportRun, ImportStatus
from . import runs as import_runs

PAGE_SIZE = 20
KIND_LABELS = {
    "organization": gettext_lazy("Organizations"),
    "service": gettext_lazy("Programs"),
    "location": gettext_lazy("Locations"),
    "taxonomy": gettext_lazy("Taxonomies"),
    "taxonomy_term": gettext_lazy("Taxonomy terms"),
}
DECISION_CHOICES = (
    ("", gettext_lazy("Not decided (not created)")),
    ("create", gettext_lazy("Create it anyway")),
    ("update", gettext_lazy("Update the existing program with it")),
    ("skip", gettext_lazy("Skip it")),
)
# A look-alike of an earlier record of the same file: the file lists both, so both are kept
# unless the reviewer skips one; there is no program yet to update.
IN_FILE_DECISION_CHOICES = (
    ("", gettext_lazy("Not decided (created: the file lists both)")),
    ("create", gettext_lazy("Create it")),
    ("skip", gettext_lazy("Skip it")),
)


@ecosystem_view("directory.import_programs")
def import_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The imports of this ecosystem, newest first, and the form to upload a file."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            run = import_runs.check_upload(ecosystem, request.user, upload, upload.name)
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            return redirect(run.get_absolute_url())
    runs = ecosystem.import_runs.select_related("created_by", "applied_by")
    page = Paginator(runs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "directory/import_list.html",
        {
            "form": form,
            "page": page,
            "rows": [(run, ImportReport.from_json(run.report)) for run in page.object_list],
            "max_megabytes": MAX_BYTES >> 20,
        },
    )


def _run_context(run: ImportRun) -> dict[str, Any]:
    report = ImportReport.from_json(run.report)
    return {
        "run": run,
        "report": report,
        "counts": [
            (KIND_LABELS.get(kind, kind), report.counts[kind])
            for kind in KIND_LABELS
            if kind in report.counts
        ],
        "duplicates": [
            (flag, IN_FILE_DECISION_CHOICES if flag.in_file else DECISION_CHOICES)
            for flag in report.duplicates
        ],
        "interrupted": run.is_interrupted,
        "polling": run.status == ImportStatus.APPLYING and not run.is_interrupted,
    }


@ecosystem_view("directory.import_programs")
def import_run(request: HttpRequest, ecosystem_slug: str, run_id: int) -> HttpResponse:
    """One import: its problems, counts, likely duplicates with a choice each, and Apply."""
    run = get_import_run(request, run_id)
    if request.method == "POST":
        decisions = {
            key.removeprefix("decision-"): str(value)
            for key, value in request.POST.items()
            if key.startswith("decision-") and value
        }
        try:
            import_runs.decide_duplicates(run, request.user, decisions)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your choices are saved; the counts below include them."))
        return redirect(run.get_absolute_url())
    return render(request, "directory/import_run.html", _run_context(run))


@ecosystem_view("directory.import_programs")
def import_status(request: HttpRequest, ecosystem_slug: str, run_id: int) -> HttpResponse:
    """The run's status and counts, for the run page to poll while it is applying."""
    run = get_import_run(request, run_id)
    return render(request, "directory/_import_status.html", _run_context(run))


import_apply = upload_action(
    "directory.import_programs",
    get_import_run,
    ImportRun.get_absolute_url,
    import_runs.apply_run,
    id_name="run_id",
    unconfirmed=gettext_lazy("Tick the box to confirm that the directory should change."),
)
# Apply an interrupted import again.
import_retry = upload_action(
    "directory.import_programs",
    get_import_run,
    ImportRun.get_absolute_url,
    import_runs.retry_run,
    id_name="run_id",
)
# Give up an interrupted import: it is marked failed, and nothing was changed.
import_discard = upload_action(
    "directory.import_programs",
    get_import_run,
    ImportRun.get_absolute_url,
    import_runs.discard_run,
    id_name="run_id",
    done=gettext_lazy("The interrupted import is discarded."),
)


@ecosystem_view("directory.import_programs")
def import_file(request: HttpRequest, ecosystem_slug: str, run_id: int) -> FileResponse:
    """The uploaded file, exactly as it was received."""
    run = get_import_run(request, run_id)
    return FileResponse(
        run.file.open("rb"), as_attachment=True, filename=run.original_filename or "import"
    )


@read_replica
@ecosystem_view("directory.export_programs")
def export_hsds_json(request: HttpRequest, ecosystem_slug: str) -> StreamingHttpResponse:
    """Every published program as one HSDS JSON array of full services, streamed."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    response = StreamingHttpResponse(
        hsds.iter_services_json(ecosystem), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{ecosystem.slug}-hsds.json"'
    return response


def _zipped_package(ecosystem: Ecosystem) -> Iterator[bytes]:
    """The data package written to a scratch folder, zipped there, then sent in pieces."""
    scratch = Path(tempfile.mkdtemp(prefix="hsds-export-"))
    try:
        hsds_tabular.write_package(ecosystem, scratch / "package")
        archive = scratch / "package.zip"
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
            for file in sorted((scratch / "package").iterdir()):
                out.write(file, file.name)
        with archive.open("rb") as handle:
            while chunk := handle.read(64 * 1024):
                yield chunk
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@read_replica
@ecosystem_view("directory.export_programs")
def export_hsds_package(request: HttpRequest, ecosystem_slug: str) -> StreamingHttpResponse:
    """The HSDS tabular data package (CSV files + datapackage.json) as a .zip."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    response = StreamingHttpResponse(_zipped_package(ecosystem), content_type="application/zip")
    response["Content-Disposition"] = f'attachment; filename="{ecosystem.slug}-hsds.zip"'
    return response
