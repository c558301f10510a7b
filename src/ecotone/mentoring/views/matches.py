"""Mentoring pages: a match's life.

`matches/` lists the matches the person may see: backbone staff all of the ecosystem's,
partner staff their organizations', a mentor their own. A proposal of a matching round
(status proposed) is backbone staff's until the round is published: nobody else sees it in
the list, and its page answers them 404, like any match outside their reach.

`matches/<id>/` shows why the pair was made (the score's parts), where the match stands, and
the forms the viewer may use; each form posts to its own address, which calls the service
(`services.matches`, `services.hours`) and comes back to the page.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from ecotone.directory.models import Program
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response
from ecotone.replicas import read_replica

from ..access import get_check_in, get_match, is_backbone, visible_matches
from ..forms.matches import (
    AgreementForm,
    CheckInForm,
    ClosureForm,
    DeclineForm,
    HourLogForm,
    MatchFilterForm,
    WithdrawForm,
)
from ..models import CheckIn, HourLog, Match, MatchStatus
from ..notifications import program_contact
from ..services import hours as hours_service
from ..services import matches as match_service
from ..services import screening

PAGE_SIZE = 25
# A check-in's survey opens this many days before it is due (as its reminder does).
CHECK_IN_OPENS_DAYS = 3
SORT_FIELDS = {
    "-created_at": ("-created_at", "-pk"),
    "created_at": ("created_at", "pk"),
    "mentor": ("mentor__user__name", "mentor__user__email", "pk"),
    "opportunity": ("opportunity__title", "pk"),
    "status": ("status", "-created_at"),
    "-score": ("-score", "-created_at"),
    "start_on": ("start_on", "pk"),
}
COMPONENT_LABELS = {
    "base": gettext_lazy("Fits every requirement"),
    "topics": gettext_lazy("Topics and skills in common"),
    "distance": gettext_lazy("Close by"),
    "language": gettext_lazy("Speaks the students' language"),
    "identity": gettext_lazy("Shares identities the program welcomes"),
    "interest": gettext_lazy("The mentor's own interest"),
    "equity": gettext_lazy("Program serving high-need or rural students"),
}


# The list --------------------------------------------------------------------------------------


def _filtered(request: HttpRequest, form: MatchFilterForm) -> QuerySet[Match]:
    matches = visible_matches(request).select_related(
        "mentor__user", "mentor__employer", "opportunity__program__organization"
    )
    data = form.cleaned_data if form.is_valid() else {}
    if q := data.get("q"):
        matches = matches.filter(
            Q(mentor__user__name__icontains=q)
            | Q(mentor__user__email__icontains=q)
            | Q(opportunity__title__icontains=q)
            | Q(opportunity__program__name__icontains=q)
            | Q(opportunity__program__organization__name__icontains=q)
        )
    if status := data.get("status"):
        matches = matches.filter(status=status)
    if source := data.get("source"):
        matches = matches.filter(source=source)
    if program := data.get("program"):
        matches = matches.filter(opportunity__program=program)
    if data.get("at_risk"):
        at_risk = screening.matches_at_risk(current_ecosystem(request))
        matches = matches.filter(pk__in=[m.pk for m in at_risk])
    if data.get("flagged"):
        matches = matches.filter(check_ins__needs_attention=True).distinct()
    return matches.order_by(*SORT_FIELDS.get(data.get("sort") or "-created_at", ("-pk",)))


def _programs_of(matches: QuerySet[Match]) -> QuerySet[Program]:
    return Program.objects.filter(
        pk__in=matches.values("opportunity__program_id").order_by()
    ).order_by("name")


def _export(ecosystem: Any, fmt: str, matches: QuerySet[Match]) -> HttpResponseBase:
    return table_response(
        f"{ecosystem.slug}-matches",
        fmt,
        [
            _("Mentor"),
            _("Employer"),
            _("Opportunity"),
            _("Program"),
            _("Organization"),
            _("Status"),
            _("How it began"),
            _("Score"),
            _("Meets"),
            _("Duration (weeks)"),
            _("Starts"),
            _("Expected end"),
            _("Closed"),
            _("Closure"),
        ],
        (
            (
                m.mentor.display_name,
                m.mentor.employer_label,
                m.opportunity.title,
                m.opportunity.program.name,
                m.opportunity.program.organization.name,
                m.get_status_display(),
                m.get_source_display(),
                m.score,
                m.get_frequency_display(),
                m.duration_weeks,
                m.start_on.isoformat() if m.start_on else "",
                m.expected_end_on.isoformat() if m.expected_end_on else "",
                m.closed_on.isoformat() if m.closed_on else "",
                m.get_closure_kind_display(),
            )
            for m in matches.iterator(chunk_size=2000)
        ),
    )


@read_replica
@ecosystem_view("mentoring.view_mentoring")
def match_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    backbone = is_backbone(request)
    form = MatchFilterForm(
        request.GET, programs=_programs_of(visible_matches(request)), show_proposed=backbone
    )
    matches = _filtered(request, form)
    can_export = request.user.has_perm("mentoring.browse_mentors", ecosystem)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        if not can_export:
            raise Http404
        return _export(ecosystem, fmt, matches)
    context: dict[str, Any] = {
        "form": form,
        "page": Paginator(matches, PAGE_SIZE).get_page(request.GET.get("page")),
        "can_export": can_export,
        "is_backbone": backbone,
    }
    # A mentor's own hours, on all their matches here.
    my_hours = HourLog.objects.filter(ecosystem=ecosystem, mentor__user_id=request.user.pk or 0)
    if my_hours.exists():
        context["my_hours"] = my_hours.select_related("match__opportunity")[:20]
        context["my_hours_summary"] = hours_service.summary(my_hours)
    return render(request, "mentoring/match_list.html", context)


# The page of one match -------------------------------------------------------------------------


def _breakdown(match: Match, *, with_identity: bool) -> list[dict[str, Any]]:
    """The score's parts, largest first. Identity points are left out for people who may not
    know the mentor's self-identification (program staff): identity is never shown to them."""
    rows = [
        {"component": name, "label": COMPONENT_LABELS.get(name, name), "points": points}
        for name, points in (match.score_breakdown or {}).items()
        if points and (with_identity or name != "identity")
    ]
    return sorted(rows, key=lambda row: -row["points"])


def _timeline(match: Match, check_ins: list[CheckIn]) -> list[dict[str, Any]]:
    """What happened to the match, in order, from its own dates."""
    events: list[tuple[Any, str, str]] = []
    origin = {
        "engine": _("Proposed by a matching round"),
        "mentor": _("The mentor asked to join"),
        "program": _("The program invited the mentor"),
        "staff": _("Backbone staff made the match"),
    }
    events.append((match.created_at, origin.get(match.source, _("Created")), ""))
    if match.round is not None and match.round.published_at and match.source == "engine":
        events.append((match.round.published_at, _("Proposal published to both sides"), ""))
    if match.mentor_accepted_at:
        events.append((match.mentor_accepted_at, _("The mentor accepted"), ""))
    if match.program_accepted_at:
        by = match.program_accepted_by.get_short_name() if match.program_accepted_by else ""
        events.append((match.program_accepted_at, _("The program accepted"), by))
    if match.start_on:
        events.append(
            (
                match.start_on,
                _("Started: meets %(frequency)s for %(weeks)s weeks")
                % {
                    "frequency": match.get_frequency_display().lower(),
                    "weeks": match.duration_weeks,
                },
                "",
            )
        )
    for check_in in check_ins:
        if check_in.done_on:
            events.append((check_in.done_on, _("Check-in done"), ""))
    if match.status == MatchStatus.DECLINED:
        by = match.declined_by.get_short_name() if match.declined_by else ""
        events.append((match.updated_at, _("Declined"), match.decline_reason or by))
    if match.status == MatchStatus.WITHDRAWN:
        events.append((match.updated_at, _("Withdrawn"), match.decline_reason))
    if match.status == MatchStatus.ON_HOLD and match.held_at:
        events.append(
            (match.held_at, _("Put on hold: the mentor's screening does not cover the work"), "")
        )
    if match.closed_on:
        events.append((match.closed_on, _("Closed"), match.get_closure_kind_display()))

    def moment(value: Any) -> datetime.datetime:
        if isinstance(value, datetime.datetime):
            return timezone.localtime(value).replace(tzinfo=None)
        return datetime.datetime.combine(value, datetime.time.max)

    events.sort(key=lambda event: moment(event[0]))
    return [
        {
            "when": when,
            "is_date": not isinstance(when, datetime.datetime),
            "what": what,
            "note": note,
        }
        for when, what, note in events
    ]


def _permissions(request: HttpRequest, match: Match) -> dict[str, bool]:
    user = request.user
    as_mentor = bool(user.has_perm("mentoring.respond_as_mentor", match))
    as_program = bool(user.has_perm("mentoring.respond_as_program", match))
    status = match.status
    offered = status == MatchStatus.OFFERED
    held = status == MatchStatus.ON_HOLD
    answerable = status in (MatchStatus.OFFERED, MatchStatus.ACCEPTED) or (
        held and match.held_from in (MatchStatus.OFFERED, MatchStatus.ACCEPTED)
    )
    return {
        "as_mentor": as_mentor,
        "as_program": as_program,
        "mentor_may_accept": as_mentor and offered and not match.mentor_accepted_at,
        "program_may_accept": as_program and offered and not match.program_accepted_at,
        "mentor_may_decline": as_mentor and answerable,
        "program_may_decline": as_program and answerable,
        "may_start": as_program and status == MatchStatus.ACCEPTED,
        "may_check_in": (as_mentor or as_program) and status == MatchStatus.ACTIVE,
        "may_close": (as_mentor or as_program)
        and (status == MatchStatus.ACTIVE or (held and match.held_from == MatchStatus.ACTIVE)),
        "may_resume": as_program and held and match.held_from in match_service.RESUMABLE,
        "may_see_hold_reason": is_backbone(request) or as_mentor,
        "may_withdraw": is_backbone(request)
        and (
            status in match_service.NOT_STARTED
            or (held and match.held_from in match_service.NOT_STARTED)
        ),
        "may_log_hours": bool(user.has_perm("mentoring.log_hours", match))
        and status in hours_service.LOGGABLE_STATUSES,
        # The mentor knows their own address: they are shown whom to reach instead.
        "may_see_contact": bool(user.has_perm("mentoring.view_mentor_contact", match.mentor))
        and match.mentor.user_id != user.pk,
        "may_see_program_contact": as_mentor or is_backbone(request),
        "may_see_identity": is_backbone(request) or match.mentor.user_id == user.pk,
    }


def _render_detail(
    request: HttpRequest, match: Match, status: int = 200, **forms: Any
) -> HttpResponse:
    allowed = _permissions(request, match)
    check_ins = list(match.check_ins.select_related("done_by"))
    opens = timezone.localdate() + datetime.timedelta(CHECK_IN_OPENS_DAYS)
    due = [c for c in check_ins if c.done_on is None and c.due_on <= opens]
    check_in_forms = []
    if allowed["may_check_in"]:
        for check_in in due:
            bound = forms.get("check_in_form")
            if bound is not None and forms.get("check_in_id") == check_in.pk:
                check_in_forms.append((check_in, bound))
            else:
                check_in_forms.append((check_in, CheckInForm(prefix=f"checkin-{check_in.pk}")))
    logs = match.hour_logs.select_related("reviewed_by").order_by("-date", "-pk")
    agreement_initial = {
        "duration_weeks": match.duration_weeks or match.opportunity.duration_weeks,
        "start_on": match.opportunity.starts_on
        if match.opportunity.starts_on and match.opportunity.starts_on >= timezone.localdate()
        else timezone.localdate(),
        "frequency": match.frequency or "weekly",
    }
    program = match.opportunity.program
    context = {
        "match": match,
        "allowed": allowed,
        "program_contact": {
            "email": program_contact(program),
            "phone": program.phone or program.organization.phone,
            "network": match.ecosystem.contact_email,
        },
        "breakdown": _breakdown(match, with_identity=allowed["may_see_identity"]),
        "timeline": _timeline(match, check_ins),
        "check_ins": check_ins,
        "check_in_forms": check_in_forms,
        "hour_logs": logs,
        "hours_summary": hours_service.summary(logs),
        "decline_form": forms.get("decline_form") or DeclineForm(),
        "agreement_form": forms.get("agreement_form") or AgreementForm(initial=agreement_initial),
        "closure_form": forms.get("closure_form") or ClosureForm(),
        "withdraw_form": forms.get("withdraw_form") or WithdrawForm(),
        "hour_form": forms.get("hour_form") or HourLogForm(),
        "is_backbone": is_backbone(request),
        "missing_steps": match.missing_steps()
        if is_backbone(request) and match.status in (MatchStatus.PROPOSED, MatchStatus.OFFERED)
        else [],
    }
    return render(request, "mentoring/match_detail.html", context, status=status)


@ecosystem_view("mentoring.view_mentoring")
def match_detail(request: HttpRequest, ecosystem_slug: str, match_id: int) -> HttpResponse:
    return _render_detail(request, get_match(request, match_id))


def _done(request: HttpRequest, match: Match, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("mentoring:match", ecosystem_slug=match.ecosystem.slug, match_id=match.pk)


def _refused(request: HttpRequest, match: Match, error: DomainError) -> HttpResponse:
    messages.error(request, str(error))
    return redirect("mentoring:match", ecosystem_slug=match.ecosystem.slug, match_id=match.pk)


def _side(request: HttpRequest, match: Match) -> str:
    """Which side the person answers for: the form says, the rules decide."""
    side = request.POST.get("side", "")
    permission = {
        match_service.MENTOR: "mentoring.respond_as_mentor",
        match_service.PROGRAM: "mentoring.respond_as_program",
    }.get(side)
    if permission is None or not request.user.has_perm(permission, match):
        raise PermissionDenied
    return side


@ecosystem_view("mentoring.view_mentoring")
@require_POST
def match_accept(request: HttpRequest, ecosystem_slug: str, match_id: int) -> HttpResponse:
    match = get_match(request, match_id)
    side = _side(request, match)
    try:
        match = match_service.accept(match, request.user, side=side)
    except DomainError as error:
        return _refused(request, match, error)
    if match.status == MatchStatus.ACCEPTED:
        return _done(request, match, _("Both sides have accepted. Next: the match agreement."))
    return _done(request, match, _("You accepted. The other side is asked to accept too."))


@ecosystem_view("mentoring.view_mentoring")
@require_POST
def match_decline(request: HttpRequest, ecosystem_slug: str, match_id: int) -> HttpResponse:
    match = get_match(request, match_id)
    side = _side(request, match)
    form = DeclineForm(request.POST)
    if not form.is_valid():
        return _render_detail(request, match, 400, decline_form=form)
    try:
        match_service.decline(match, request.user, side=side, reason=form.cleaned_data["reason"])
    except DomainError as error:
        return _refused(request, match, error)
    return _done(request, match, _("The match is declined."))


@ecosystem_view("mentoring.view_mentoring")
@require_POST
def match_start(request: HttpRequest, ecosystem_slug: str, match_id: int) -> HttpResponse:
    match = get_match(request, match_id)
    if not request.user.has_perm("mentoring.respond_as_program", match):
        raise PermissionDenied
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            match_service.start(match, request.user, **form.cleaned_data)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            return _done(request, match, _("The agreement is recorded and the match is active."))
    return _render_detail(request, match, 400, agreement_form=form)


@ecosystem_view("mentoring.view_mentoring")
@require_POST
def match_check_in(
    request: HttpRequest, ecosystem_slug: str, match_id: int, check_in_id: int
) -> HttpResponse:
    match = get_match(request, match_id)
    user = request.user
    if not (
        user.has_perm("mentoring.respond_as_mentor", match)
        or user.has_perm("mentoring.respond_as_program", match)
    ):
        raise PermissionDenied
    check_in = get_check_in(match, check_in_id)
    if check_in.done_on is not None:
        messages.info(request, _("This check-in was already recorded."))
        return redirect("mentoring:match", ecosystem_slug=ecosystem_slug, match_id=match.pk)
    form = CheckInForm(request.POST, prefix=f"checkin-{check_in.pk}")
    if form.is_valid():
        try:
            match_service.record_check_in(
                check_in,
                user,
                rating=form.cleaned_data["rating"],
                meeting_as_agreed=form.agreed(),
                notes=form.cleaned_data["notes"],
                needs_attention=form.cleaned_data["needs_attention"],
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            return _done(request, match, _("Thank you: the check-in is recorded."))
    return _render_detail(request, match, 400, check_in_form=form, check_in_id=check_in.pk)


@ecosystem_view("mentoring.view_mentoring")
@require_POST
def match_close(request: HttpRequest, ecosystem_slug: str, match_id: int) -> HttpResponse:
    match = get_match(request, match_id)
    user = request.user
    if not (
        user.has_perm("mentoring.respond_as_mentor", match)
        or user.has_perm("mentoring.respond_as_program", match)
    ):
        raise PermissionDenied
    form = ClosureForm(request.POST)
    if form.is_valid():
        try:
            match_service.close(
                match,
                user,
                kind=form.cleaned_data["kind"],
                reason=form.cleaned_data["reason"],
                survey=form.survey(),
                rematch=form.cleaned_data["rematch"],
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            return _done(request, match, _("The match is closed. Thank you for closing it well."))
    return _render_detail(request, match, 400, closure_form=form)


@ecosystem_view("mentoring.view_mentoring")
@require_POST
def match_withdraw(request: HttpRequest, ecosystem_slug: str, match_id: int) -> HttpResponse:
    match = get_match(request, match_id)
    if not is_backbone(request):
        raise PermissionDenied
    form = WithdrawForm(request.POST)
    if form.is_valid():
        try:
            match_service.withdraw(match, request.user, form.cleaned_data["reason"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            return _done(request, match, _("The match is withdrawn."))
    return _render_detail(request, match, 400, withdraw_form=form)


@ecosystem_view("mentoring.view_mentoring")
@require_POST
def match_resume(request: HttpRequest, ecosystem_slug: str, match_id: int) -> HttpResponse:
    match = get_match(request, match_id)
    if not request.user.has_perm("mentoring.respond_as_program", match):
        raise PermissionDenied
    try:
        match_service.resume(match, request.user)
    except DomainError as error:
        return _refused(request, match, error)
    return _done(request, match, _("The match is resumed."))


@ecosystem_view("mentoring.view_mentoring")
@require_POST
def match_log_hours(request: HttpRequest, ecosystem_slug: str, match_id: int) -> HttpResponse:
    match = get_match(request, match_id)
    if not request.user.has_perm("mentoring.log_hours", match):
        raise PermissionDenied
    form = HourLogForm(request.POST)
    if form.is_valid():
        try:
            log = hours_service.log_hours(
                match,
                request.user,
                date=form.cleaned_data["date"],
                hours=form.cleaned_data["hours"],
                activity=form.cleaned_data["activity"],
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            return _done(
                request,
                match,
                _("%(hours)s hours logged; program staff will review them.")
                % {"hours": hours_service.hours_label(log.hours)},
            )
    return _render_detail(request, match, 400, hour_form=form)


def _match_path(route: str, view: Callable[..., HttpResponse], name: str) -> URLPattern:
    return path(f"matches/<int:match_id>/{route}", view, name=name)


urlpatterns: list[URLPattern] = [
    path("matches/", match_list, name="matches"),
    _match_path("", match_detail, "match"),
    _match_path("accept/", match_accept, "match_accept"),
    _match_path("decline/", match_decline, "match_decline"),
    _match_path("agreement/", match_start, "match_start"),
    _match_path("check-ins/<int:check_in_id>/", match_check_in, "match_check_in"),
    _match_path("close/", match_close, "match_close"),
    _match_path("withdraw/", match_withdraw, "match_withdraw"),
    _match_path("resume/", match_resume, "match_resume"),
    _match_path("hours/", match_log_hours, "match_log_hours"),
]
