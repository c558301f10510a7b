"""Mentoring pages: hours.

`hours/` is the review list for program staff (their organizations' programs) and backbone
staff (the whole ecosystem): filters, then approve or reject the chosen logs at once (all or
none, `services.hours`). `hours/export.csv` and `.xlsx` give the same filtered logs for
employers' volunteering reports. Mentors log and see their hours on their matches' pages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from ecotone.directory.models import Program
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Organization
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response
from ecotone.replicas import read_replica

from ..access import reviewable_logs
from ..forms.matches import HourFilterForm, HourReviewForm
from ..models import HourLog, HourStatus
from ..services import hours as hours_service

PAGE_SIZE = 50
SORTS = {
    "-date": ("-date", "-pk"),
    "date": ("date", "pk"),
    "mentor": ("mentor__user__name", "mentor__user__email", "-date"),
    "program": ("match__opportunity__program__name", "-date"),
}


def _filter_form(request: HttpRequest, scope: QuerySet[HourLog]) -> HourFilterForm:
    programs = Program.objects.filter(
        pk__in=scope.values("match__opportunity__program_id").order_by()
    ).order_by("name")
    employers = Organization.objects.filter(
        pk__in=scope.values("mentor__employer_id").order_by()
    ).order_by("name")
    data = request.GET.copy()
    # The review list opens on what is waiting; "any status" is an explicit empty choice.
    if "status" not in data:
        data["status"] = HourStatus.PENDING
    return HourFilterForm(data, programs=programs, employers=employers)


def _filtered(scope: QuerySet[HourLog], form: HourFilterForm, sort: str) -> QuerySet[HourLog]:
    logs = scope.select_related(
        "mentor__user", "mentor__employer", "match__opportunity__program__organization"
    )
    data = form.cleaned_data if form.is_valid() else {}
    if q := data.get("q"):
        logs = logs.filter(
            Q(mentor__user__name__icontains=q)
            | Q(mentor__user__email__icontains=q)
            | Q(activity__icontains=q)
            | Q(match__opportunity__title__icontains=q)
        )
    if status := data.get("status"):
        logs = logs.filter(status=status)
    if program := data.get("program"):
        logs = logs.filter(match__opportunity__program=program)
    if employer := data.get("employer"):
        logs = logs.filter(mentor__employer=employer)
    if date_from := data.get("date_from"):
        logs = logs.filter(date__gte=date_from)
    if date_to := data.get("date_to"):
        logs = logs.filter(date__lte=date_to)
    return logs.order_by(*SORTS.get(sort, SORTS["-date"]))


def _review(request: HttpRequest, scope: QuerySet[HourLog]) -> HttpResponse:
    form = HourReviewForm(request.POST)
    back = redirect(request.get_full_path())
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(str(e) for e in errors))
        return back
    ids = set(form.cleaned_data["logs"])
    logs = list(scope.filter(pk__in=ids))
    if len(logs) != len(ids):
        messages.error(
            request, _("Some of the chosen hours are not yours to review; nothing was changed.")
        )
        return back
    note = form.cleaned_data["note"]
    try:
        if form.cleaned_data["action"] == "approve":
            done = hours_service.approve(logs, request.user, note)
            message = ngettext(
                "%(n)s log of hours approved.", "%(n)s logs of hours approved.", len(done)
            )
        else:
            done = hours_service.reject(logs, request.user, note)
            message = ngettext(
                "%(n)s log of hours not approved.", "%(n)s logs of hours not approved.", len(done)
            )
    except DomainError as error:
        messages.error(request, str(error))
        return back
    messages.success(request, message % {"n": len(done)})
    return back


@ecosystem_view("mentoring.review_hours")
@require_http_methods(["GET", "POST"])
def hour_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    scope = reviewable_logs(request)
    if request.method == "POST":
        return _review(request, scope)
    form = _filter_form(request, scope)
    sort = request.GET.get("sort", "-date")
    logs = _filtered(scope, form, sort)
    page = Paginator(logs, PAGE_SIZE).get_page(request.GET.get("page"))
    for log in page.object_list:
        log.may_review = log.status == HourStatus.PENDING and log.mentor.user_id != request.user.pk
    return render(
        request,
        "mentoring/hour_list.html",
        {
            "form": form,
            "page": page,
            "summary": hours_service.summary(logs),
            "sort": sort,
            "sorts": [
                ("-date", _("Newest first")),
                ("date", _("Oldest first")),
                ("mentor", _("Mentor")),
                ("program", _("Program")),
            ],
            "can_export": request.user.has_perm("mentoring.export_hours", ecosystem),
            "export_query": _export_query(request),
        },
    )


def _export_query(request: HttpRequest) -> str:
    """The list's filters for the export links (the page and sort aside)."""
    query = request.GET.copy()
    query.setdefault("status", HourStatus.PENDING)
    for key in ("page", "sort"):
        query.pop(key, None)
    return str(query.urlencode())


def export_rows(logs: QuerySet[HourLog], fmt: str) -> Any:
    for log in logs.iterator(chunk_size=2000):
        yield (
            log.mentor.display_name,
            log.mentor.employer_label,
            log.match.opportunity.program.name,
            log.match.opportunity.program.organization.name,
            log.match.opportunity.title,
            log.date.isoformat(),
            float(log.hours) if fmt == "xlsx" else f"{log.hours.normalize():f}",
            log.activity,
            log.get_status_display(),
        )


@read_replica
@ecosystem_view("mentoring.export_hours")
def hour_export(request: HttpRequest, ecosystem_slug: str, fmt: str) -> HttpResponseBase:
    """The filtered logs as a table (every status unless one is chosen)."""
    if fmt not in FORMATS:
        raise Http404
    ecosystem = current_ecosystem(request)
    scope = reviewable_logs(request)
    data = request.GET.copy()
    data.setdefault("status", "")
    employers = Organization.objects.filter(ecosystem=ecosystem)
    programs = Program.objects.filter(ecosystem=ecosystem)
    form = HourFilterForm(data, programs=programs, employers=employers)
    logs = _filtered(scope, form, "date")
    return table_response(
        f"{ecosystem.slug}-mentor-hours",
        fmt,
        [
            _("Mentor"),
            _("Employer"),
            _("Program"),
            _("Organization"),
            _("Opportunity"),
            _("Date"),
            _("Hours"),
            _("Activity"),
            _("Status"),
        ],
        export_rows(logs, fmt),
    )


urlpatterns: list[URLPattern] = [
    path("hours/", hour_list, name="hours"),
    path("hours/export.<str:fmt>", hour_export, name="hours_export"),
]
