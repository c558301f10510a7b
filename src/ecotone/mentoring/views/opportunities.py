"""Mentoring pages: opportunities (programs' needs) and self-service matching.

Who sees what at `opportunities/`:
- backbone staff (`mentoring.change_opportunity` on the ecosystem): every opportunity, with
  filters, search, sort, pages and CSV/XLSX;
- partner staff (`mentoring.post_opportunities`): the same list, of their organizations' own
  opportunities;
- mentors (`mentoring.browse_opportunities`): the open opportunities ranked for them by the
  engine, only those where they are a candidate, each with why it ranks where it does;
- other members (reviewers, plain members) hold `mentoring.view_mentoring` for the mentoring
  home only: 403 here. The page is declared with `mentoring.view_mentoring` because it serves
  two roles; the view then requires one of the two role permissions above.

Records are fetched through `_opportunities` (scoped to the ecosystem and the person's role):
partner staff asking for another organization's opportunity get 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone import concurrency
from ecotone.directory import stem_profile
from ecotone.directory.models import Program
from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import engine
from ..access import get_mentor, get_opportunity, own_mentor, visible_opportunities
from ..forms.opportunities import MentorBrowseForm, OpportunityFilterForm, OpportunityForm
from ..models import (
    MatchStatus,
    Mentor,
    MentorStatus,
    Mode,
    Opportunity,
    OpportunityStatus,
    ScreeningRecord,
    Weekday,
    holding,
    published,
)
from ..services import matches as match_services
from ..services import opportunities as services
from ..services import screening

PAGE_SIZE = 25
MESSAGE_MAX = 2000


# --- access -----------------------------------------------------------------------------------


def _sees_all(request: HttpRequest) -> bool:
    """Backbone staff: may change any opportunity of the ecosystem."""
    return bool(request.user.has_perm("mentoring.change_opportunity", current_ecosystem(request)))


def _posts(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("mentoring.post_opportunities", current_ecosystem(request)))


def _browses(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("mentoring.browse_opportunities", current_ecosystem(request)))


def _require_a_role(request: HttpRequest) -> None:
    if not (_posts(request) or _browses(request)):
        raise PermissionDenied


def _my_organizations(request: HttpRequest) -> frozenset[int]:
    return roles.organizations_in(request.user, current_ecosystem(request))


def _programs(request: HttpRequest) -> QuerySet[Program]:
    """Programs this person may post for: any (backbone), their organizations' (partner)."""
    programs = Program.objects.filter(ecosystem=current_ecosystem(request)).select_related(
        "organization"
    )
    if not _sees_all(request):
        programs = programs.filter(organization_id__in=_my_organizations(request))
    return programs.order_by("organization__name", "name", "pk")


def _page(request: HttpRequest, items: Any) -> Any:
    return Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))


def _url(name: str, ecosystem: Ecosystem, *args: Any) -> str | None:
    """A page of another area, when that area is installed (people's profile, life's match)."""
    try:
        return reverse(f"mentoring:{name}", args=[ecosystem.slug, *args])
    except NoReverseMatch:
        return None


def public_name(mentor: Mentor) -> str:
    """A mentor's name for programs: never the email address it falls back to elsewhere."""
    return str(mentor.user.name) or _("Mentor %(n)s") % {"n": mentor.pk}


def _labels(codes: list[str], terms: Any) -> list[str]:
    names = dict(terms)
    return [str(names.get(code, code)) for code in codes]


# --- the list ---------------------------------------------------------------------------------


@ecosystem_view("mentoring.view_mentoring")
def opportunity_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    _require_a_role(request)
    if _browses(request) and (not _posts(request) or request.GET.get("as") == "mentor"):
        return _mentor_browse(request)
    return _staff_list(request)


def _staff_list(request: HttpRequest) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = OpportunityFilterForm(request.GET, programs=_programs(request))
    data = form.cleaned_data if form.is_valid() else {}
    found = visible_opportunities(request).annotate(
        live=Count("matches", filter=holding("matches__"))
    )
    if q := data.get("q"):
        found = found.filter(
            Q(title__icontains=q)
            | Q(description__icontains=q)
            | Q(program__name__icontains=q)
            | Q(program__organization__name__icontains=q)
        )
    for name in ("status", "kind", "mode"):
        if value := data.get(name):
            found = found.filter(**{name: value})
    if organization := data.get("organization"):
        found = found.filter(program__organization=organization)
    if program := data.get("program"):
        found = found.filter(program=program)
    if data.get("room"):
        found = found.filter(status=OpportunityStatus.OPEN, mentors_needed__gt=F("live"))
    sort = data.get("sort") or "-created_at"
    if sort == "-open_places":
        found = found.annotate(open_places=F("mentors_needed") - F("live"))
    found = found.order_by(sort, "pk")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-opportunities",
            fmt,
            [
                _("Title"),
                _("Program"),
                _("Partner"),
                _("Kind"),
                _("Mode"),
                _("Status"),
                _("Mentors needed"),
                _("Matched or offered"),
                _("Grades"),
                _("Topics"),
                _("Starts"),
                _("Ends"),
                _("Equity priority"),
            ],
            (
                (
                    o.title,
                    o.program.name,
                    o.program.organization.name,
                    o.get_kind_display(),
                    o.get_mode_display(),
                    o.get_status_display(),
                    o.mentors_needed,
                    o.live,
                    ", ".join(o.grade_bands),
                    ", ".join(o.topics),
                    o.starts_on.isoformat() if o.starts_on else "",
                    o.ends_on.isoformat() if o.ends_on else "",
                    o.equity_priority,
                )
                for o in found.iterator()
            ),
        )
    return render(
        request,
        "mentoring/opportunity_list.html",
        {
            "form": form,
            "page": _page(request, found),
            "sees_all": _sees_all(request),
            "also_mentor": _browses(request),
        },
    )


def _mentor_browse(request: HttpRequest) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    mentor = own_mentor(request)
    context: dict[str, Any] = {"mentor": mentor, "also_staff": _posts(request)}
    if mentor is None:
        context["profile_url"] = (
            _url("profile", ecosystem) or _url("join", ecosystem) or _url("sign_up", ecosystem)
        )
        return render(request, "mentoring/opportunity_browse.html", context)
    form = MentorBrowseForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    ranked = services.ranked_for_mentor(mentor)
    saved = set(mentor.saved_opportunities.values_list("pk", flat=True))
    mine = {m.opportunity_id: m for m in mentor.matches.filter(holding()).order_by("created_at")}
    q = (data.get("q") or "").lower()
    rows = []
    for opportunity, check in ranked:
        text = f"{opportunity.title} {opportunity.description} {opportunity.program.name}"
        if q and q not in text.lower():
            continue
        if data.get("kind") and opportunity.kind != data["kind"]:
            continue
        if data.get("mode") == "in_person" and not check.in_person:
            continue
        if data.get("mode") == "virtual" and check.in_person:
            continue
        if data.get("saved") and opportunity.pk not in saved:
            continue
        rows.append(
            {
                "opportunity": opportunity,
                "check": check,
                "why": services.reasons(
                    check.breakdown,
                    opportunity,
                    mentor,
                    distance_mi=check.distance_mi,
                    in_person=check.in_person,
                ),
                "saved": opportunity.pk in saved,
                "match": mine.get(opportunity.pk),
            }
        )
    standing = screening.standing(mentor)
    context.update(
        {
            "form": form,
            "page": _page(request, rows),
            "any_ranked": bool(ranked),
            "standing": standing,
            "missing_supervised": services.step_names(standing.missing_supervised, ecosystem),
            "missing_direct": services.step_names(standing.missing_direct, ecosystem),
            "room": match_services.mentor_room(mentor),
            "available": mentor.status == MentorStatus.ACTIVE,
        }
    )
    return render(request, "mentoring/opportunity_browse.html", context)


# --- posting, editing, closing ----------------------------------------------------------------


@ecosystem_view("mentoring.post_opportunities")
@require_http_methods(["GET", "POST"])
def opportunity_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    programs = _programs(request)
    initial: dict[str, Any] = {"status": OpportunityStatus.OPEN}
    if (chosen := request.GET.get("program", "")).isdigit():
        initial["program"] = int(chosen)
    form = OpportunityForm(request.POST or None, programs=programs, initial=initial)
    if request.method == "POST" and form.is_valid():
        program = form.cleaned_data["program"]
        try:
            opportunity = services.create_opportunity(
                program, request.user, **form.service_fields()
            )
        except services.InvalidOpportunityError as error:
            form.show(error)
        else:
            messages.success(request, _("The opportunity was posted."))
            return redirect("mentoring:opportunity", ecosystem_slug, opportunity.pk)
    return render(
        request,
        "mentoring/opportunity_form.html",
        {"form": form, "opportunity": None, "no_programs": not programs.exists()},
    )


def _changeable(request: HttpRequest, opportunity_id: int) -> Opportunity:
    opportunity = get_opportunity(request, opportunity_id)
    if not request.user.has_perm("mentoring.change_opportunity", opportunity):
        raise PermissionDenied
    return opportunity


@ecosystem_view("mentoring.post_opportunities")
@require_http_methods(["GET", "POST"])
def opportunity_edit(
    request: HttpRequest, ecosystem_slug: str, opportunity_id: int
) -> HttpResponse:
    opportunity = _changeable(request, opportunity_id)
    if opportunity.status == OpportunityStatus.CLOSED:
        messages.info(request, _("A closed opportunity cannot be edited."))
        return redirect("mentoring:opportunity", ecosystem_slug, opportunity.pk)
    edit = concurrency.EditPage(
        request.POST,
        concurrency.version_of(opportunity),
        OpportunityForm.initial_of(opportunity),
    )
    form = OpportunityForm(
        request.POST or None,
        programs=_programs(request),
        fixed_program=opportunity.program,
        initial=OpportunityForm.initial_of(opportunity),
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_opportunity(
                opportunity,
                request.user,
                expected_version=edit.expected_version,
                **form.service_fields(),
            )
        except concurrency.EditConflictError as error:
            edit.refused(error, form)
        except services.InvalidOpportunityError as error:
            form.show(error)
        else:
            messages.success(request, _("The opportunity was saved."))
            return redirect("mentoring:opportunity", ecosystem_slug, opportunity.pk)
    return render(
        request,
        "mentoring/opportunity_form.html",
        {**edit.context(), "form": form, "opportunity": opportunity},
    )


@ecosystem_view("mentoring.post_opportunities")
@require_http_methods(["GET", "POST"])
def opportunity_close(
    request: HttpRequest, ecosystem_slug: str, opportunity_id: int
) -> HttpResponse:
    opportunity = _changeable(request, opportunity_id)
    # A round's proposal is withdrawn too, unseen: it is not counted to the person closing.
    pending = opportunity.matches.filter(
        status__in=(MatchStatus.OFFERED, MatchStatus.ACCEPTED)
    ).count()
    if request.method == "POST":
        try:
            services.close_opportunity(
                opportunity, request.user, request.POST.get("reason", "")[:MESSAGE_MAX]
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("The opportunity was closed."))
        return redirect("mentoring:opportunity", ecosystem_slug, opportunity.pk)
    return render(
        request,
        "mentoring/opportunity_close.html",
        {"opportunity": opportunity, "pending": pending},
    )


def _clock(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


# --- the detail -------------------------------------------------------------------------------


@ecosystem_view("mentoring.view_mentoring")
def opportunity_detail(
    request: HttpRequest, ecosystem_slug: str, opportunity_id: int
) -> HttpResponse:
    _require_a_role(request)
    ecosystem = current_ecosystem(request)
    opportunity = get_opportunity(request, opportunity_id)
    can_change = request.user.has_perm("mentoring.change_opportunity", opportunity)
    required = opportunity.required_steps()
    context: dict[str, Any] = {
        "opportunity": opportunity,
        "can_change": can_change,
        "can_browse_mentors": can_change
        and request.user.has_perm("mentoring.browse_mentors", ecosystem),
        "required": required,
        "missing_floor": opportunity.missing_floor(),
        "topics": _labels(opportunity.topics, stem_profile.STEM_FIELDS.terms),
        "grades": _labels(opportunity.grade_bands, stem_profile.GRADE_BANDS.terms),
        "schedule": [
            (Weekday(day).label, _clock(start), _clock(end))
            for day, start, end in opportunity.schedule
        ],
        "room": match_services.opportunity_room(opportunity),
    }
    if can_change:
        shown = opportunity.matches.select_related("mentor__user").order_by("-created_at")
        if not _sees_all(request):
            shown = shown.filter(published())
        context["matches"] = [
            {"match": m, "name": public_name(m.mentor), "url": _url("match", ecosystem, m.pk)}
            for m in shown
        ]
    mentor = own_mentor(request) if _browses(request) else None
    if mentor is not None:
        check = engine.check_pair(mentor, opportunity)
        held = mentor.current_step_codes()
        context.update(
            {
                "mentor": mentor,
                "check": check,
                "why": services.reasons(
                    check.breakdown,
                    opportunity,
                    mentor,
                    distance_mi=check.distance_mi,
                    in_person=check.in_person,
                )
                if check.candidate
                else [],
                "steps": [(step, step.code in held) for step in required],
                "lacks_steps": any(step.code not in held for step in required),
                "saved": mentor.saved_opportunities.filter(pk=opportunity.pk).exists(),
                "my_match": mentor.matches.filter(holding(), opportunity=opportunity).first(),
            }
        )
    return render(request, "mentoring/opportunity_detail.html", context)


# --- mentors' self-service --------------------------------------------------------------------


def _back(request: HttpRequest, fallback: str) -> HttpResponse:
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect(fallback)


@ecosystem_view("mentoring.browse_opportunities")
@require_POST
def opportunity_join(
    request: HttpRequest, ecosystem_slug: str, opportunity_id: int
) -> HttpResponse:
    opportunity = get_opportunity(request, opportunity_id)
    detail = reverse("mentoring:opportunity", args=[ecosystem_slug, opportunity.pk])
    mentor = own_mentor(request)
    if mentor is None:
        messages.error(request, _("Create your mentor profile first."))
        return redirect(detail)
    message = request.POST.get("message", "").strip()[:MESSAGE_MAX]
    try:
        match_services.request_to_join(opportunity, mentor, request.user, message)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(detail)
    messages.success(
        request,
        _("You asked to join “%(title)s”. The program will answer; we will email you.")
        % {"title": opportunity.title},
    )
    return redirect(detail)


@ecosystem_view("mentoring.browse_opportunities")
@require_POST
def opportunity_save(
    request: HttpRequest, ecosystem_slug: str, opportunity_id: int
) -> HttpResponse:
    """Star or unstar: the mentor's own interest earns points in the engine's score."""
    opportunity = get_opportunity(request, opportunity_id)
    detail = reverse("mentoring:opportunity", args=[ecosystem_slug, opportunity.pk])
    mentor = own_mentor(request)
    if mentor is None:
        messages.error(request, _("Create your mentor profile first."))
        return redirect(detail)
    try:
        saved = services.toggle_saved(mentor, opportunity, request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(detail)
    if saved:
        messages.success(request, _("Saved: it now ranks higher for you in matching."))
    else:
        messages.success(request, _("Removed from your saved opportunities."))
    return _back(request, detail)


# --- programs' self-service -------------------------------------------------------------------


def _profile_cards(mentors: list[Mentor], ecosystem: Ecosystem) -> dict[int, dict[str, Any]]:
    """What a program may know of each mentor before inviting them: topics and skills, grades,
    how and when they mentor, and where their screening stands (the stage, not the records).
    Never contact details or self-identification: those are not the program's before a match."""
    steps = screening.steps(ecosystem)
    records: dict[int, list[ScreeningRecord]] = {m.pk: [] for m in mentors}
    for record in ScreeningRecord.objects.filter(mentor__in=mentors).select_related("step"):
        records[record.mentor_id].append(record)
    return {
        mentor.pk: {
            "topics": _labels(mentor.topics, stem_profile.STEM_FIELDS.terms),
            "skills": _labels(mentor.skills, stem_profile.STEM_FIELDS.terms),
            "grades": _labels(mentor.grade_bands, stem_profile.GRADE_BANDS.terms),
            "modes": [str(Mode(m).label) for m in mentor.modes if m in Mode.values],
            "availability": [
                f"{Weekday(day).label} {_clock(start)}–{_clock(end)}"
                for day, start, end in sorted(mentor.availability)
            ],
            "hours_per_month": mentor.hours_per_month,
            "screening": screening.standing(
                mentor, records=records[mentor.pk], ecosystem_steps=steps
            ).label,
        }
        for mentor in mentors
    }


@ecosystem_view("mentoring.browse_mentors")
@require_http_methods(["GET", "POST"])
def opportunity_mentors(
    request: HttpRequest, ecosystem_slug: str, opportunity_id: int
) -> HttpResponse:
    """Screened mentors ranked for this opportunity, for its program's staff (and backbone):
    no contact details, no identity; invite one with a message."""
    opportunity = _changeable(request, opportunity_id)
    if request.method == "POST":
        # Only a mentor the person may see (`access.visible_mentors`): for partner staff, one
        # available to programs or already matched with theirs; any other id answers 404.
        posted = str(request.POST.get("mentor", ""))
        mentor = get_mentor(request, int(posted) if posted.isascii() and posted.isdigit() else 0)
        message = request.POST.get("message", "").strip()[:MESSAGE_MAX]
        try:
            match_services.invite(opportunity, mentor, request.user, message)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s was invited. They will answer by email or on their mentoring page.")
                % {"name": public_name(mentor)},
            )
        return redirect("mentoring:opportunity_mentors", ecosystem_slug, opportunity.pk)
    # Ranked by their ids and scores; only the page's mentors are loaded.
    page = _page(request, services.rank_mentors_for(opportunity))
    ranked = services.load_ranked(page.object_list)
    cards = _profile_cards([r.mentor for r in ranked], current_ecosystem(request))
    rows = [
        {
            "mentor": r.mentor,
            "name": public_name(r.mentor),
            "card": cards[r.mentor.pk],
            "score": r.score,
            "distance_mi": r.distance_mi,
            "in_person": r.in_person,
            "why": services.reasons(
                r.breakdown,
                opportunity,
                r.mentor,
                distance_mi=r.distance_mi,
                in_person=r.in_person,
                for_mentor=False,
            ),
        }
        for r in ranked
    ]
    return render(
        request,
        "mentoring/opportunity_mentors.html",
        {
            "opportunity": opportunity,
            "page": page,
            "rows": rows,
            "room": match_services.opportunity_room(opportunity),
        },
    )


urlpatterns: list[URLPattern] = [
    path("opportunities/", opportunity_list, name="opportunities"),
    path("opportunities/new/", opportunity_create, name="opportunity_create"),
    path("opportunities/<int:opportunity_id>/", opportunity_detail, name="opportunity"),
    path("opportunities/<int:opportunity_id>/edit/", opportunity_edit, name="opportunity_edit"),
    path("opportunities/<int:opportunity_id>/close/", opportunity_close, name="opportunity_close"),
    path("opportunities/<int:opportunity_id>/join/", opportunity_join, name="opportunity_join"),
    path("opportunities/<int:opportunity_id>/save/", opportunity_save, name="opportunity_save"),
    path(
        "opportunities/<int:opportunity_id>/mentors/",
        opportunity_mentors,
        name="opportunity_mentors",
    ),
]
