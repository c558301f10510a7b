"""Submission pages at `submissions/`.

Partner staff (`measures.submit_data`) upload their organization's file, read the check's
problems by row and field, submit a checked file and follow its review; backbone staff
(`measures.review_submissions`) list every submission (filter, CSV export), approve or return
it. Records are fetched through `access.get_submission`: another organization's submission is
a 404 to partner staff.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.upload_actions import upload_action
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response
from ecotone.uploads import UploadStatus, act_on_upload

from .. import checks
from ..access import collections_of, get_submission, submissions_of, submitting_organizations
from ..forms import ReturnForm, SubmissionFilterForm, SubmissionUploadForm
from ..models import Review, Submission
from ..services import submissions as services

PAGE_SIZE = 25


def _url(run: Submission) -> str:
    return reverse("measures:submission", args=[run.ecosystem.slug, run.pk])


def _reviews(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("measures.review_submissions", current_ecosystem(request)))


@ecosystem_view("measures.submit_data")
def submission_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """Every submission the person may see, newest first, with filters and a CSV export."""
    ecosystem = current_ecosystem(request)
    organizations = submitting_organizations(request.user, ecosystem)
    form = SubmissionFilterForm(request.GET, organizations=organizations)
    data = form.cleaned_data if form.is_valid() else {}
    found = submissions_of(request.user, ecosystem)
    if review := data.get("review"):
        found = found.filter(review=review)
    if organization := data.get("organization"):
        found = found.filter(organization=organization)
    if request.GET.get("format") in FORMATS:
        return table_response(
            f"{ecosystem.slug}-submissions",
            request.GET["format"],
            [
                _("Partner"),
                _("File"),
                _("Uploaded"),
                _("Check"),
                _("Review"),
                _("Submitted"),
                _("Reviewed"),
                _("Rows"),
                _("Problems"),
                _("Comments"),
            ],
            (
                (
                    s.organization.name,
                    s.original_filename,
                    s.created_at.isoformat(),
                    s.get_status_display(),
                    s.get_review_display(),
                    s.submitted_at.isoformat() if s.submitted_at else "",
                    s.reviewed_at.isoformat() if s.reviewed_at else "",
                    (s.report.get("counts") or {}).get("rows", ""),
                    len(s.report.get("problems") or []),
                    s.review_comment,
                )
                for s in found.iterator()
            ),
        )
    return render(
        request,
        "measures/submission_list.html",
        {
            "form": form,
            "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
            "reviews": _reviews(request),
        },
    )


@ecosystem_view("measures.submit_data")
@require_http_methods(["GET", "POST"])
def submission_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Submit data: upload a file, which is checked at once (nothing is sent yet)."""
    ecosystem = current_ecosystem(request)
    organizations = submitting_organizations(request.user, ecosystem)
    collections = collections_of(request.user, ecosystem).filter(closed_at__isnull=True)
    form = SubmissionUploadForm(
        request.POST or None,
        request.FILES or None,
        organizations=organizations,
        collections=collections,
        initial={"collection": request.GET.get("collection")},
    )
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["organization"]
        if not request.user.has_perm("measures.submit_for_organization", organization):
            raise PermissionDenied
        try:
            run = services.check_submission_file(
                organization,
                form.cleaned_data["file"],
                user=request.user,
                collection=form.cleaned_data.get("collection"),
            )
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            return redirect(_url(run))
    return render(
        request,
        "measures/submission_form.html",
        {
            "form": form,
            "organizations": organizations,
            "max_megabytes": services.MAX_BYTES >> 20,
            "columns": checks.COLUMNS,
        },
    )


@ecosystem_view("measures.submit_data")
def submission_template(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """A partner's template (CSV or XLSX): the rows to fill, numbers left empty."""
    ecosystem = current_ecosystem(request)
    organizations = submitting_organizations(request.user, ecosystem)
    slug = request.GET.get("organization")
    organization = get_object_or_404(organizations, slug=slug) if slug else organizations.first()
    if organization is None:
        raise Http404
    fmt = request.GET.get("format") or "csv"
    fmt = fmt if fmt in FORMATS else "csv"
    return table_response(
        f"{ecosystem.slug}-{organization.slug}-template",
        fmt,
        checks.COLUMNS,
        services.template_rows(ecosystem, organization),
    )


@ecosystem_view("measures.submit_data")
def submission_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    run = get_submission(request, pk)
    reviews = _reviews(request)
    return render(
        request,
        "measures/submission_detail.html",
        {
            "run": run,
            "report": run.report,
            "polling": False,  # no status endpoint yet: the page says to reload
            "interrupted": run.is_interrupted,
            "reviews": reviews,
            "can_submit": run.review == Review.DRAFT and run.status == UploadStatus.CHECKED,
            "can_review": reviews and run.review == Review.SUBMITTED,
            "return_form": ReturnForm(),
        },
    )


@ecosystem_view("measures.submit_data")
def submission_file(request: HttpRequest, ecosystem_slug: str, pk: int) -> FileResponse:
    """The file as it was received."""
    run = get_submission(request, pk)
    return FileResponse(run.file.open("rb"), as_attachment=True, filename=run.original_filename)


@ecosystem_view("measures.submit_data")
@require_POST
def submission_submit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    run = get_submission(request, pk)
    if not request.user.has_perm("measures.submit_for_organization", run.organization):
        raise PermissionDenied
    return act_on_upload(
        request,
        _url(run),
        lambda: services.submit_submission(run, user=request.user),
        unconfirmed=_("Tick the box to confirm that the numbers are ready for the backbone."),
        done=_("Submitted: the backbone will review it."),
    )


@ecosystem_view("measures.review_submissions")
@require_POST
def submission_approve(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    run = get_submission(request, pk)
    return act_on_upload(
        request,
        _url(run),
        lambda: services.approve_submission(run, user=request.user),
        unconfirmed=_("Tick the box to confirm the approval."),
    )


@ecosystem_view("measures.review_submissions")
@require_POST
def submission_return(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    run = get_submission(request, pk)
    form = ReturnForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what the partner should change."))
        return redirect(_url(run))
    try:
        services.return_submission(run, user=request.user, comment=form.cleaned_data["comment"])
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Returned to the partner with your comments."))
    return redirect(_url(run))


def _interrupted_action(action: Any) -> Any:
    return upload_action("measures.review_submissions", get_submission, _url, action)


urlpatterns = [
    path("submissions/", submission_list, name="submissions"),
    path("submissions/new/", submission_create, name="submission_create"),
    path("submissions/template/", submission_template, name="submission_template"),
    path("submissions/<int:pk>/", submission_detail, name="submission"),
    path("submissions/<int:pk>/file/", submission_file, name="submission_file"),
    path("submissions/<int:pk>/submit/", submission_submit, name="submission_submit"),
    path("submissions/<int:pk>/approve/", submission_approve, name="submission_approve"),
    path("submissions/<int:pk>/return/", submission_return, name="submission_return"),
    path(
        "submissions/<int:pk>/retry/",
        _interrupted_action(services.retry_submission),
        name="submission_retry",
    ),
    path(
        "submissions/<int:pk>/discard/",
        _interrupted_action(services.discard_submission),
        name="submission_discard",
    ),
]
