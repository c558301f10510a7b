"""Awarding badges: one at a time or from a CSV of recipients (the shared upload lifecycle), the
awarded list of an achievement or of every achievement the person keeps, and revocation.

No page shows or exports an address: an award is known by its id, achievement, program,
dates and status. The rules are `services.awards`' (signing, revoking) and
`services.award_imports`' (the bulk file)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.upload_actions import upload_action
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, csv_stream, table_response

from .. import access
from ..forms.badges import AwardImportForm, AwardOneForm, AwardSearchForm, RevokeForm
from ..models import Achievement, Award, AwardImport, AwardStatus
from ..services import award_imports
from ..services import awards as award_service

MANAGE = "pathways.manage_badges"
AWARD = "pathways.award_badges"
PAGE_SIZE = 50
EXPORT_HEADERS = (
    "id",
    "achievement",
    "organization",
    "program",
    "awarded",
    "valid_until",
    "status",
    "revoked",
)


def _may_award(request: HttpRequest, record: Any) -> None:
    if not request.user.has_perm(AWARD, record):
        raise PermissionDenied


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def award_one(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    achievement = access.get_achievement(request, pk)
    _may_award(request, achievement)
    if achievement.archived_at is not None:
        raise Http404
    form = AwardOneForm(request.POST or None, programs=award_service.programs_of(achievement))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        recipient = award_service.Recipient(
            email=data["email"],
            under_13=data["under_13"],
            guardian_email=data["guardian_email"] or "",
            guardian_consent=data["guardian_consent"],
            language=data["language"] or "",
        )
        problems = award_service.check_recipient(recipient)
        for field, message in problems.items():
            form.add_error(field if field in form.fields else None, message)
        if not problems:
            try:
                award_service.award(request.user, achievement, recipient, program=data["program"])
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request,
                    _("The badge is awarded; the credential is on its way by email."),
                )
                return redirect("badges:achievement_awards", ecosystem_slug, achievement.pk)
    return render(
        request, "pathways/badges/award_one.html", {"form": form, "achievement": achievement}
    )


def _filtered(
    request: HttpRequest, found: QuerySet[Award]
) -> tuple[QuerySet[Award], AwardSearchForm, bool]:
    form = AwardSearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    zone = ZoneInfo(current_ecosystem(request).timezone)
    for word in (data.get("q") or "").split()[:8]:
        found = found.filter(
            Q(achievement__name__icontains=word)
            | Q(achievement__name_es__icontains=word)
            | Q(program__name__icontains=word)
        )
    if data.get("status"):
        found = found.filter(status=data["status"])
    if data.get("since"):
        found = found.filter(awarded_at__gte=datetime.combine(data["since"], time.min, zone))
    if data.get("until"):
        found = found.filter(awarded_at__lte=datetime.combine(data["until"], time.max, zone))
    filtered = any(data.get(k) for k in ("q", "status", "since", "until"))
    return found.order_by("-awarded_at", "-pk"), form, filtered


def _export_rows(found: QuerySet[Award], zone: ZoneInfo) -> Any:
    def day(value: datetime | None) -> str:
        return value.astimezone(zone).date().isoformat() if value else ""

    for award in found.iterator(chunk_size=2000):
        yield [
            str(award.public_id),
            award.achievement.name,
            award.achievement.organization.name,
            award.program.name if award.program else "",
            day(award.awarded_at),
            day(award.valid_until),
            award.status,
            day(award.revoked_at),
        ]


def _award_list(request: HttpRequest, achievement: Achievement | None) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    found = access.awards_of(request.user, ecosystem)
    if achievement is not None:
        found = found.filter(achievement=achievement)
    found, form, filtered = _filtered(request, found)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        name = f"{ecosystem.slug}-badges" + (f"-{achievement.pk}" if achievement else "")
        return table_response(
            name, fmt, EXPORT_HEADERS, _export_rows(found, ZoneInfo(ecosystem.timezone))
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pathways/badges/award_list.html",
        {"form": form, "page": page, "filtered": filtered, "achievement": achievement},
    )


@ecosystem_view(MANAGE)
def award_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """Every badge of the achievements the person keeps."""
    return _award_list(request, None)


@ecosystem_view(MANAGE)
def achievement_awards(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    achievement = access.get_achievement(request, pk)
    _may_award(request, achievement)
    return _award_list(request, achievement)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def award_revoke(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    """Revoke a badge with a reason, after a confirmation (the same page)."""
    award = access.get_award(request, pk)
    _may_award(request, award)
    form = RevokeForm(request.POST or None)
    if award.status != AwardStatus.AWARDED:
        messages.info(request, _("This badge is not live: it cannot be revoked."))
        return redirect("badges:achievement_awards", ecosystem_slug, award.achievement_id)
    if request.method == "POST" and form.is_valid():
        try:
            award_service.revoke(request.user, award, form.cleaned_data["reason"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The badge is revoked; verifying it now says so."))
            return redirect("badges:achievement_awards", ecosystem_slug, award.achievement_id)
    return render(request, "pathways/badges/award_revoke.html", {"form": form, "award": award})


# The bulk import ----------------------------------------------------------------------------


def _import_url(run: AwardImport) -> str:
    return reverse("badges:award_import", args=[run.ecosystem.slug, run.pk])


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def award_import_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    organizations = access.partners_of(request.user, ecosystem)
    form = AwardImportForm(request.POST or None, request.FILES or None, organizations=organizations)
    if request.method == "POST" and form.is_valid():
        organization = form.cleaned_data["organization"]
        _may_award(request, organization)
        try:
            run = award_imports.check_file(
                ecosystem, organization, form.cleaned_data["file"], user=request.user
            )
        except DomainError as error:
            form.add_error("file", str(error))
        else:
            return redirect(_import_url(run))
    runs = access.award_imports_of(request.user, ecosystem)
    page = Paginator(runs, 20).get_page(request.GET.get("page"))
    return render(
        request,
        "pathways/badges/award_import_list.html",
        {
            "form": form,
            "page": page,
            "columns": award_imports.COLUMNS,
            "max_mb": award_imports.MAX_BYTES >> 20,
            "max_rows": award_imports.MAX_ROWS,
        },
    )


@ecosystem_view(MANAGE)
def award_import_template(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    response = StreamingHttpResponse(
        csv_stream(award_imports.COLUMNS, award_imports.TEMPLATE_ROWS),
        content_type="text/csv; charset=utf-8",
    )
    response["Content-Disposition"] = 'attachment; filename="badge-recipients-template.csv"'
    return response


def _run_context(run: AwardImport) -> dict[str, Any]:
    return {
        "run": run,
        "report": run.report,
        "can_apply": run.can_apply,
        "interrupted": run.is_interrupted,
        "polling": run.status == "applying" and not run.is_interrupted,
    }


@ecosystem_view(MANAGE)
def award_import(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    run = access.get_award_import(request, pk)
    return render(request, "pathways/badges/award_import.html", _run_context(run))


@ecosystem_view(MANAGE)
def award_import_status(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    run = access.get_award_import(request, pk)
    return render(request, "pathways/badges/_award_import_status.html", _run_context(run))


@ecosystem_view(MANAGE)
def award_import_file(request: HttpRequest, ecosystem_slug: str, pk: int) -> FileResponse:
    """The file as received, while it is kept (it is deleted once applied or given up)."""
    run = access.get_award_import(request, pk)
    if not run.file:
        raise Http404
    return FileResponse(
        run.file.open("rb"), as_attachment=True, filename=run.original_filename or "recipients.csv"
    )


award_import_apply = upload_action(
    MANAGE,
    access.get_award_import,
    _import_url,
    award_imports.queue_import,
    unconfirmed=gettext_lazy("Tick the box to confirm that these badges should be awarded."),
)
award_import_retry = upload_action(
    MANAGE, access.get_award_import, _import_url, award_imports.retry_import
)
award_import_discard = upload_action(
    MANAGE,
    access.get_award_import,
    _import_url,
    award_imports.discard_import,
    done=gettext_lazy("The interrupted import is discarded."),
)


urlpatterns = [
    path("awarded/", award_list, name="awards"),
    path("achievements/<int:pk>/awarded/", achievement_awards, name="achievement_awards"),
    path("achievements/<int:pk>/award/", award_one, name="award_one"),
    path("awarded/<int:pk>/revoke/", award_revoke, name="award_revoke"),
    path("imports/", award_import_list, name="award_imports"),
    path("imports/template.csv", award_import_template, name="award_import_template"),
    path("imports/<int:pk>/", award_import, name="award_import"),
    path("imports/<int:pk>/status/", award_import_status, name="award_import_status"),
    path("imports/<int:pk>/file/", award_import_file, name="award_import_file"),
    path("imports/<int:pk>/apply/", award_import_apply, name="award_import_apply"),
    path("imports/<int:pk>/retry/", award_import_retry, name="award_import_retry"),
    path("imports/<int:pk>/discard/", award_import_discard, name="award_import_discard"),
]
