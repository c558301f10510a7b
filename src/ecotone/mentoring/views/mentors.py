"""Mentoring pages: mentors — sign-up, their own profile, the backbone's list and a mentor's
page with screening, the screening steps' configuration, renewals due, employers' rosters.

Contact details show only with `mentoring.view_mentor_contact`; self-identification only to
the mentor and the backbone team, never to programs (and never in an export).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone import concurrency
from ecotone.directory.stem_profile import label as stem_label
from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view, get_organization
from ecotone.ecosystems.models import Role
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import engine
from ..access import get_mentor, get_screening_step, own_mentor
from ..forms.mentors import (
    LANGUAGES,
    MentorFilterForm,
    MentorProfileForm,
    MentorStatusForm,
    RosterFilterForm,
    ScreeningRecordForm,
    ScreeningStepForm,
)
from ..models import (
    IDENTITY_TAGS,
    ConsentKind,
    HourLog,
    HourStatus,
    Match,
    Mentor,
    MentorStatus,
    Mode,
    ScreeningRecord,
    ScreeningStep,
    Weekday,
    holding,
    published,
)
from ..services import profiles, screening

PAGE_SIZE = 25
SORTS = {
    "name": ("user__name", "user__email"),
    "-joined": ("-created_at",),
    "joined": ("created_at",),
    "employer": ("employer__name", "employer_name", "user__name"),
    "status": ("status", "user__name"),
}
_LANGUAGE_LABELS = dict(LANGUAGES)
_IDENTITY_LABELS = dict(IDENTITY_TAGS)


# Shared helpers ------------------------------------------------------------------------------


def _with_records(mentors: QuerySet[Mentor]) -> QuerySet[Mentor]:
    return mentors.prefetch_related(
        Prefetch("screening_records", queryset=ScreeningRecord.objects.select_related("step"))
    )


def _standing(mentor: Mentor, steps: list[ScreeningStep]) -> screening.Standing:
    return screening.standing(
        mentor, records=list(mentor.screening_records.all()), ecosystem_steps=steps
    )


def _labels(codes: Iterable[str], facet: str | None = None, names: Any = None) -> str:
    shown = []
    for code in codes:
        if facet is not None:
            shown.append(str(stem_label(facet, code)))
        else:
            shown.append(str(names.get(code, code)))
    return ", ".join(shown)


def _availability(mentor: Mentor) -> list[str]:
    return [
        f"{Weekday(day).label} {start // 60:02d}:{start % 60:02d}–{end // 60:02d}:{end % 60:02d}"
        for day, start, end in sorted(mentor.availability)
    ]


def _profile_lines(mentor: Mentor) -> list[tuple[str, str]]:
    """The profile as (label, value) rows, in the readers' words (no contact, no identity)."""
    modes = [str(Mode(m).label) for m in mentor.modes if m in Mode.values]
    rows = [
        (_("Occupation"), mentor.occupation),
        (_("STEM field"), str(stem_label("stem_field", mentor.stem_field))),
        (_("Career stage"), mentor.get_career_stage_display()),
        (_("Employer"), mentor.employer_label),
        (_("Topics"), _labels(mentor.topics, "stem_field")),
        (_("Skills"), ", ".join(mentor.skills)),
        (_("Languages"), _labels(mentor.languages, names=_LANGUAGE_LABELS)),
        (_("Grades"), _labels(mentor.grade_bands, "grade_band")),
        (_("How"), ", ".join(modes)),
        (_("Travel"), _("up to %(mi)s miles") % {"mi": mentor.travel_radius_mi}),
        (_("Available"), "; ".join(_availability(mentor))),
        (_("Hours a month"), str(mentor.hours_per_month)),
        (_("Matches at a time"), str(mentor.max_matches)),
        (_("About"), mentor.bio),
    ]
    return [(label, value) for label, value in rows if value]


def _screening_rows(mentor: Mentor, steps: list[ScreeningStep]) -> list[dict[str, Any]]:
    by_step = {r.step_id: r for r in mentor.screening_records.all()}
    return [{"step": step, "record": by_step.get(step.pk)} for step in steps]


def _next_steps_message(steps: Sequence[ScreeningStep]) -> str:
    names = ", ".join(s.name for s in steps)
    return _(
        "Welcome, and thank you! Before you are matched with young people, the network's team "
        "screens every mentor. Your next steps: %(steps)s. We will be in touch by email."
    ) % {"steps": names}


# Sign-up and the mentor's own profile --------------------------------------------------------


def _save_name(user: Any, name: str) -> None:
    """The account's name, given on the mentor form: programs see it, never the email."""
    if name and user.name != name:
        user.name = name
        user.save(update_fields=["name"])


@ecosystem_view("mentoring.sign_up", public=True)
@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Anyone may volunteer: visitors read what mentoring involves and create an account (or
    sign in) to come back here; signed-in people fill in their profile."""
    ecosystem = current_ecosystem(request)
    steps = screening.steps(ecosystem)
    if not request.user.is_authenticated:
        here = reverse("mentoring:join", kwargs={"ecosystem_slug": ecosystem.slug})
        query = urlencode({"next": here})
        return render(
            request,
            "mentoring/signup_intro.html",
            {
                "steps": steps,
                "signup_url": f"{reverse('account_signup')}?{query}",
                "login_url": f"{reverse('account_login')}?{query}",
            },
        )
    if own_mentor(request) is not None:
        return redirect("mentoring:profile", ecosystem_slug=ecosystem.slug)
    form = MentorProfileForm(
        request.POST or None,
        ecosystem=ecosystem,
        signing_up=True,
        initial={"name": getattr(request.user, "name", "")},
    )
    if request.method == "POST" and form.is_valid():
        try:
            profiles.sign_up(ecosystem, request.user, request.user, **form.profile())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            _save_name(request.user, form.cleaned_data["name"])
            messages.success(request, _next_steps_message(steps))
            return redirect("mentoring:profile", ecosystem_slug=ecosystem.slug)
    return render(request, "mentoring/signup.html", {"form": form, "steps": steps})


@ecosystem_view("mentoring.view_mentoring")
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The mentor's own profile: change it, see where their screening stands, pause or
    withdraw."""
    ecosystem = current_ecosystem(request)
    mentor = own_mentor(request)
    if mentor is None:
        return redirect("mentoring:join", ecosystem_slug=ecosystem.slug)
    consents = profiles.active_consents(mentor)
    initial = MentorProfileForm.initial_from(mentor, ConsentKind.EMPLOYER in consents)
    edit = concurrency.EditPage(
        request.POST,
        concurrency.version_of(mentor),
        {**initial, "availability": _availability(mentor)},
    )
    form = MentorProfileForm(request.POST or None, ecosystem=ecosystem, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            profiles.update_profile(
                mentor, request.user, expected_version=edit.expected_version, **form.profile()
            )
        except concurrency.EditConflictError as error:
            edit.refused(error, form, {"availability": _("Availability")})
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            _save_name(request.user, form.cleaned_data["name"])
            messages.success(request, _("Your profile is saved."))
            return redirect("mentoring:profile", ecosystem_slug=ecosystem.slug)
    steps = screening.steps(ecosystem)
    mentor = _with_records(Mentor.objects.filter(pk=mentor.pk)).select_related("user").get()
    return render(
        request,
        "mentoring/mentor_profile.html",
        {
            **edit.context(),
            "mentor": mentor,
            "form": form,
            "standing": _standing(mentor, steps),
            "screening_rows": _screening_rows(mentor, steps),
            "consents": sorted(ConsentKind(k).label for k in consents),
        },
    )


@ecosystem_view("mentoring.view_mentoring")
@require_http_methods(["GET", "POST"])
def profile_status(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Pause, resume or withdraw: asks first (GET), changes on POST."""
    ecosystem = current_ecosystem(request)
    mentor = own_mentor(request)
    if mentor is None:
        raise Http404
    if not request.user.has_perm("mentoring.change_mentor", mentor):
        raise PermissionDenied
    data = request.POST if request.method == "POST" else request.GET
    form = MentorStatusForm(data)
    if not form.is_valid():
        return redirect("mentoring:profile", ecosystem_slug=ecosystem.slug)
    status = form.cleaned_data["status"]
    if request.method == "POST":
        try:
            profiles.set_status(mentor, request.user, status)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                {
                    MentorStatus.ACTIVE: _("You are available for matches again."),
                    MentorStatus.PAUSED: _("You are paused: nobody will propose new matches."),
                    MentorStatus.WITHDRAWN: _("You have withdrawn from mentoring."),
                }[status],
            )
        return redirect("mentoring:profile", ecosystem_slug=ecosystem.slug)
    return render(
        request,
        "mentoring/mentor_status_confirm.html",
        {
            "mentor": mentor,
            "form": form,
            "status": status,
            "status_label": MentorStatus(status).label,
            "pending_matches": mentor.matches.filter(published())
            .filter(status__in=profiles.NOT_STARTED)
            .count(),
            "active_matches": mentor.matches.filter(status="active").count(),
        },
    )


# The backbone's list of mentors --------------------------------------------------------------


def _filtered(form: MentorFilterForm, mentors: QuerySet[Mentor]) -> QuerySet[Mentor]:
    if not form.is_valid():
        return mentors.order_by(*SORTS["name"])
    data = form.cleaned_data
    if q := data["q"].strip():
        mentors = mentors.filter(
            Q(user__name__icontains=q)
            | Q(user__email__icontains=q)
            | Q(occupation__icontains=q)
            | Q(employer_name__icontains=q)
            | Q(employer__name__icontains=q)
        )
    if data["status"]:
        mentors = mentors.filter(status=data["status"])
    if data["employer"] is not None:
        mentors = mentors.filter(employer=data["employer"])
    return mentors.order_by(*SORTS.get(data["sort"] or "name", SORTS["name"]))


def _live_matches() -> Any:
    """How many places a mentor holds (`models.holding`), as a subquery on mentors."""
    return (
        Match.objects.filter(holding(), mentor_id=OuterRef("pk"))
        .order_by()
        .values("mentor_id")
        .annotate(n=Count("pk"))
        .values("n")
    )


@ecosystem_view("mentoring.manage_mentors")
def mentor_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """Every mentor of the ecosystem: search, filter by status, screening stage and
    employer, sort, page, download."""
    ecosystem = current_ecosystem(request)
    form = MentorFilterForm(request.GET or None, employers=profiles.employers(ecosystem))
    mentors = _with_records(
        Mentor.objects.filter(ecosystem=ecosystem).select_related("user", "employer")
    )
    mentors = _filtered(form, mentors)
    steps = screening.steps(ecosystem)
    stage = form.cleaned_data.get("stage") if form.is_bound and form.is_valid() else ""
    fmt = request.GET.get("format")
    rows: Any
    if stage:
        mentors = screening.with_stage(mentors, ecosystem, stage)
    if fmt in FORMATS:
        rows = []
        for mentor in mentors.annotate(live_matches=Coalesce(Subquery(_live_matches()), 0)):
            mentor.standing = _standing(mentor, steps)  # type: ignore[attr-defined]
            rows.append(mentor)
    else:
        rows = mentors
    if fmt in FORMATS:
        return table_response(f"{ecosystem.slug}-mentors", fmt, *_mentor_table(rows))
    # The page's ids in the list's order, then those mentors with their accounts and records: a
    # deep page skips its thousands of rows as narrow ids (page 2,000 of 100,000 mentors took
    # twice as long skipping whole rows with their accounts and employers).
    ids = rows.prefetch_related(None).values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(request.GET.get("page"))
    loaded = rows.in_bulk(list(page.object_list))
    # Live matches for the page's mentors only (a deep page skips thousands of rows first).
    shown = [loaded[pk] for pk in page.object_list if pk in loaded]
    live = engine.live_counts("mentor", [mentor.pk for mentor in shown])
    for mentor in shown:
        mentor.live_matches = live.get(mentor.pk, 0)
        if not hasattr(mentor, "standing"):
            mentor.standing = _standing(mentor, steps)
    page.object_list = shown
    return render(
        request,
        "mentoring/mentor_list.html",
        {
            "form": form,
            "page": page,
            "mentor_count": Mentor.objects.filter(ecosystem=ecosystem).count(),
        },
    )


def _mentor_table(mentors: Iterable[Any]) -> tuple[list[str], Iterable[list[Any]]]:
    """The list's download: no self-identification, ever."""
    headers = [
        _("Name"),
        _("Email"),
        _("Phone"),
        _("Status"),
        _("Screening"),
        _("Occupation"),
        _("STEM field"),
        _("Employer"),
        _("Ways to mentor"),
        _("Home ZIP code"),
        _("Work ZIP code"),
        _("Hours a month"),
        _("Matches at a time"),
        _("Live matches"),
        _("Joined"),
    ]
    rows = (
        [
            m.user.name,
            m.user.email,
            m.phone,
            m.get_status_display(),
            m.standing.label,
            m.occupation,
            m.stem_field,
            m.employer_label,
            " ".join(m.modes),
            m.home_postal_code,
            m.work_postal_code,
            m.hours_per_month,
            m.max_matches,
            m.live_matches,
            m.created_at.date().isoformat(),
        ]
        for m in mentors
    )
    return headers, rows


# One mentor ----------------------------------------------------------------------------------


@ecosystem_view("mentoring.view_mentors")
def mentor_detail(request: HttpRequest, ecosystem_slug: str, mentor_id: int) -> HttpResponse:
    """A mentor's page: profile, screening (with update forms for the backbone team), matches
    and hours. Programs' staff see only the mentors `access.visible_mentors` lets them see,
    neither contact details (unless matched with the mentor) nor self-identification, the
    screening stage but not each step's record, and only their own organizations' matches."""
    return _mentor_page(request, get_mentor(request, mentor_id))


def _step_form(
    step: ScreeningStep, record: ScreeningRecord | None, data: Any = None
) -> tuple[ScreeningRecordForm, concurrency.EditPage]:
    """One step's update form and its side of the concurrency check: the record's version and
    the values shown, or what was posted against them."""
    initial = {
        "status": record.status if record else "not_started",
        "started_on": record.started_on if record else None,
        "completed_on": record.completed_on if record else None,
        "hours": record.hours if record else None,
        "notes": record.notes if record else "",
    }
    edit = concurrency.EditPage(data, concurrency.version_of(record), initial)
    return ScreeningRecordForm(data, step=step, initial=initial), edit


def _mentor_page(
    request: HttpRequest,
    mentor: Mentor,
    refused: tuple[ScreeningStep, ScreeningRecordForm, concurrency.EditPage] | None = None,
) -> HttpResponse:
    """The mentor's page; `refused` is a step's form whose save met someone else's change,
    shown with the person's input and what changed."""
    ecosystem = current_ecosystem(request)
    user = request.user
    is_backbone = user.has_perm("mentoring.manage_mentors", ecosystem)
    is_self = mentor.user_id == user.pk
    matches = mentor.matches.select_related("opportunity__program__organization").order_by(
        "-created_at"
    )
    hours = HourLog.objects.filter(mentor=mentor)
    if not is_backbone:
        matches = matches.filter(published())
    if not (is_backbone or is_self):
        organizations = roles.organizations_in(user, ecosystem.pk)
        matches = matches.filter(opportunity__program__organization_id__in=organizations)
        hours = hours.filter(match__opportunity__program__organization_id__in=organizations)
    totals = {
        row["status"]: row["total"]
        for row in hours.values("status").annotate(total=Sum("hours")).order_by()
    }
    steps = screening.steps(ecosystem)
    mentor = (
        _with_records(Mentor.objects.filter(pk=mentor.pk)).select_related("user", "employer").get()
    )
    can_verify = user.has_perm("mentoring.verify_screening", ecosystem)
    # Each step's record (dates, hours, failures) is the mentor's and the screeners' business;
    # programs need only the stage, which says what work the mentor is cleared for.
    rows = _screening_rows(mentor, steps) if is_backbone or is_self else []
    if can_verify:
        for row in rows:
            if refused is not None and refused[0] == row["step"]:
                form, edit = refused[1], refused[2]
            else:
                form, edit = _step_form(row["step"], row["record"])
            row["form"] = form
            row.update(edit.context())
    show_identity = (is_backbone or is_self) and mentor.shares_identity
    return render(
        request,
        "mentoring/mentor_detail.html",
        {
            "mentor": mentor,
            "lines": _profile_lines(mentor),
            "can_see_contact": user.has_perm("mentoring.view_mentor_contact", mentor),
            "identity": _labels(mentor.identity_tags, names=_IDENTITY_LABELS)
            if show_identity
            else "",
            "standing": _standing(mentor, steps),
            "screening_rows": rows,
            "can_verify": can_verify,
            "is_backbone": is_backbone,
            "matches": list(matches),
            "hours_approved": totals.get(HourStatus.APPROVED, Decimal("0")),
            "hours_pending": totals.get(HourStatus.PENDING, Decimal("0")),
        },
    )


@ecosystem_view("mentoring.verify_screening")
@require_POST
def mentor_screening(
    request: HttpRequest, ecosystem_slug: str, mentor_id: int, step_id: int
) -> HttpResponse:
    """Record where a mentor stands on one step; passing verifies it (the services check
    minimum hours and compute the expiry). A result saved over someone else's newer one is
    refused: the mentor's page shows what they changed, the person's input kept."""
    ecosystem = current_ecosystem(request)
    mentor = get_mentor(request, mentor_id)
    step = get_screening_step(request, step_id)
    record = ScreeningRecord.objects.filter(mentor=mentor, step=step).first()
    form, edit = _step_form(step, record, request.POST)
    back = reverse("mentoring:mentor", args=[ecosystem.slug, mentor.pk]) + "#screening"
    if not form.is_valid():
        errors = "; ".join(
            f"{form.fields[f].label}: {' '.join(str(m) for m in e)}" for f, e in form.errors.items()
        )
        messages.error(
            request,
            _("%(step)s was not changed: %(errors)s")
            % {
                "step": step.name,
                "errors": errors,
            },
        )
        return redirect(back)
    try:
        screening.update_step(
            mentor,
            step,
            request.user,
            expected_version=edit.expected_version,
            **form.cleaned_data,
        )
    except concurrency.EditConflictError as error:
        edit.refused(error, form)
        return _mentor_page(request, mentor, refused=(step, form, edit))
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("%(step)s is updated.") % {"step": step.name})
    return redirect(back)


# Screening configuration and renewals --------------------------------------------------------


@ecosystem_view("mentoring.configure_screening")
def screening_steps(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The ecosystem's screening steps, in use or not."""
    ecosystem = current_ecosystem(request)
    steps = list(ScreeningStep.for_ecosystem(ecosystem).order_by("position", "pk"))
    return render(request, "mentoring/screening_steps.html", {"steps": steps})


@ecosystem_view("mentoring.configure_screening")
@require_http_methods(["GET", "POST"])
def screening_step_new(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = ScreeningStepForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items()}
        try:
            step = screening.create_step(ecosystem, request.user, code=data["name"], **data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The step “%(name)s” is added.") % {"name": step.name})
            return redirect("mentoring:screening_steps", ecosystem_slug=ecosystem.slug)
    return render(request, "mentoring/screening_step_form.html", {"form": form, "step": None})


@ecosystem_view("mentoring.configure_screening")
@require_http_methods(["GET", "POST"])
def screening_step_edit(request: HttpRequest, ecosystem_slug: str, step_id: int) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    step = get_screening_step(request, step_id)
    edit = concurrency.EditPage(
        request.POST,
        concurrency.version_of(step),
        concurrency.form_snapshot(ScreeningStepForm(instance=step)),
    )
    # A fresh instance: a refused change must not leave the form's copy half-changed.
    form = ScreeningStepForm(request.POST or None, instance=ScreeningStep.objects.get(pk=step.pk))
    if request.method == "POST" and form.is_valid():
        try:
            screening.change_step(
                step, request.user, expected_version=edit.expected_version, **form.cleaned_data
            )
        except concurrency.EditConflictError as error:
            edit.refused(error, form)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The step “%(name)s” is saved.") % {"name": step.name})
            return redirect("mentoring:screening_steps", ecosystem_slug=ecosystem.slug)
    return render(
        request,
        "mentoring/screening_step_form.html",
        {**edit.context(), "form": form, "step": step},
    )


@ecosystem_view("mentoring.manage_mentors")
def screening_expiring(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Screening that has expired or expires soon, soonest first, for staff to renew."""
    ecosystem = current_ecosystem(request)
    records = screening.renewals_due(ecosystem)
    page = Paginator(records, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentoring/screening_expiring.html",
        {"page": page, "today": timezone.localdate()},
    )


# Employers' rosters --------------------------------------------------------------------------


@ecosystem_view("mentoring.view_mentoring")
def employer_roster(request: HttpRequest, ecosystem_slug: str, org_slug: str) -> HttpResponseBase:
    """An employer's people who agreed to share it: status, screening, approved hours; the
    download is for the employer's volunteering reports."""
    ecosystem = current_ecosystem(request)
    organization = get_organization(request, org_slug, include_archived=True)
    if not request.user.has_perm("mentoring.view_employer_roster", organization):
        # Another organization's staff learn nothing about it; other members are refused.
        if Role.PARTNER_STAFF in roles.roles_in(request.user, ecosystem):
            raise Http404
        raise PermissionDenied
    form = RosterFilterForm(request.GET or None)
    start = end = None
    if form.is_bound and form.is_valid():
        start, end = form.cleaned_data["start"], form.cleaned_data["end"]
    rows = profiles.roster(organization, start=start, end=end)
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{organization.slug}-mentor-hours",
            fmt,
            [_("Name"), _("Status"), _("Screening"), _("Approved hours"), _("From"), _("To")],
            (
                [r.name, r.status, r.stage, float(r.approved_hours), start or "", end or ""]
                for r in rows
            ),
        )
    return render(
        request,
        "mentoring/mentor_roster.html",
        {
            "organization": organization,
            "rows": rows,
            "form": form,
            "total_hours": sum((r.approved_hours for r in rows), Decimal("0")),
        },
    )


urlpatterns: list[URLPattern] = [
    path("join/", join, name="join"),
    path("profile/", profile, name="profile"),
    path("profile/status/", profile_status, name="profile_status"),
    path("mentors/", mentor_list, name="mentors"),
    path("mentors/<int:mentor_id>/", mentor_detail, name="mentor"),
    path(
        "mentors/<int:mentor_id>/screening/<int:step_id>/",
        mentor_screening,
        name="mentor_screening",
    ),
    path("screening/", screening_steps, name="screening_steps"),
    path("screening/new/", screening_step_new, name="screening_step_new"),
    path("screening/<int:step_id>/", screening_step_edit, name="screening_step"),
    path("screening/expiring/", screening_expiring, name="screening_expiring"),
    path("employers/<slug:org_slug>/", employer_roster, name="employer_roster"),
]
