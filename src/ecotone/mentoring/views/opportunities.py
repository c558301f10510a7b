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

import datetime
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, URLPattern, path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ecotone import concurrency
from ecotone.directory import stem_profile
from ecotone.directory.models import Location, Program
from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response
from ecotone.limits import SEARCH_TEXT, SHORT_TEXT, distinct_choices

from .. import engine
from ..access import get_mentor
from ..mentor_forms import LANGUAGES
from ..models import (
    IDENTITY_TAGS,
    LIVE_STATUSES,
    MatchStatus,
    Mentor,
    MentorStatus,
    Mode,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    Weekday,
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


def _mentor_of(request: HttpRequest) -> Mentor | None:
    if not request.user.is_authenticated:
        return None
    return (
        Mentor.objects.filter(ecosystem=current_ecosystem(request), user=request.user)
        .select_related("user", "ecosystem")
        .first()
    )


def _my_organizations(request: HttpRequest) -> frozenset[int]:
    return roles.organizations_in(request.user, current_ecosystem(request))


def _opportunities(request: HttpRequest) -> QuerySet[Opportunity]:
    """The opportunities this person may open: all (backbone), their organizations' (partner
    staff), and, for mentors, the open ones and those they have a match with."""
    ecosystem = current_ecosystem(request)
    found = Opportunity.objects.filter(ecosystem=ecosystem).select_related(
        "ecosystem", "program__organization", "location"
    )
    if _sees_all(request):
        return found
    visible = Q(pk__in=[])
    if _posts(request):
        visible |= Q(program__organization_id__in=_my_organizations(request))
    if _browses(request):
        visible |= Q(status=OpportunityStatus.OPEN)
        mentor = _mentor_of(request)
        if mentor is not None:
            visible |= Q(pk__in=mentor.matches.values("opportunity_id"))
    return found.filter(visible)


def _get(request: HttpRequest, opportunity_id: int) -> Opportunity:
    return get_object_or_404(_opportunities(request), pk=opportunity_id)


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


# --- forms ------------------------------------------------------------------------------------


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.replace(";", ",").split(",") if part.strip()]


class OpportunitySearchForm(forms.Form):
    """What every list of opportunities filters by: words and kind."""

    q = forms.CharField(
        max_length=SEARCH_TEXT,
        label=gettext_lazy("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    kind = forms.ChoiceField(
        label=gettext_lazy("Kind"),
        required=False,
        choices=[("", gettext_lazy("Any kind")), *OpportunityKind.choices],
    )


class OpportunityFilterForm(OpportunitySearchForm):
    SORTS = (
        ("-created_at", gettext_lazy("Newest first")),
        ("title", gettext_lazy("Title (A–Z)")),
        ("program__name", gettext_lazy("Program")),
        ("status", gettext_lazy("Status")),
        ("-equity_priority", gettext_lazy("Equity priority")),
        ("-open_places", gettext_lazy("Most places open")),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *OpportunityStatus.choices],
    )
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"),
        required=False,
        choices=[("", gettext_lazy("Any mode")), *Mode.choices],
    )
    organization = forms.ModelChoiceField(
        label=gettext_lazy("Partner"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=gettext_lazy("All partners"),
    )
    program = forms.ModelChoiceField(
        label=gettext_lazy("Program"),
        required=False,
        queryset=Program.objects.none(),
        empty_label=gettext_lazy("All programs"),
    )
    room = forms.BooleanField(label=gettext_lazy("Open, still needing mentors"), required=False)
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["organization"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            pk__in=programs.values("organization_id")
        ).order_by("name")


class MentorBrowseForm(OpportunitySearchForm):
    mode = forms.ChoiceField(
        label=gettext_lazy("Mode"),
        required=False,
        choices=[
            ("", gettext_lazy("In person or virtual")),
            ("in_person", gettext_lazy("In person")),
            ("virtual", gettext_lazy("Virtual")),
        ],
    )
    saved = forms.BooleanField(label=gettext_lazy("Saved only"), required=False)


def _formfield(name: str, **kwargs: Any) -> forms.Field:
    model_field = Opportunity._meta.get_field(name)
    assert isinstance(model_field, models.Field)
    field = model_field.formfield(**kwargs)
    assert field is not None
    return field


class OpportunityForm(forms.Form):
    """What a program posts. The weekly schedule is one time window per weekday."""

    program = forms.ModelChoiceField(label=gettext_lazy("Program"), queryset=Program.objects.none())
    location = forms.ModelChoiceField(
        label=gettext_lazy("Where"),
        queryset=Location.objects.none(),
        required=False,
        empty_label=gettext_lazy("The program's first location"),
        help_text=gettext_lazy(
            "One of the program's locations. Empty: the program's first location on the map "
            "(virtual work needs none)."
        ),
    )
    title = _formfield("title")
    description = _formfield("description")
    kind = _formfield("kind")
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        choices=[c for c in OpportunityStatus.choices if c[0] != OpportunityStatus.CLOSED],
    )
    mode = _formfield("mode")
    one_to_one = _formfield("one_to_one")
    teacher_present = _formfield("teacher_present")
    topics = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=gettext_lazy("Topics"),
        required=False,
        choices=stem_profile.STEM_FIELDS.terms,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.CharField(
        max_length=SHORT_TEXT,
        label=gettext_lazy("Skills"),
        required=False,
        help_text=gettext_lazy("Separated by commas, e.g. python, soldering, public speaking."),
    )
    grade_bands = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=gettext_lazy("Grades"),
        required=False,
        choices=stem_profile.GRADE_BANDS.terms,
        widget=forms.CheckboxSelectMultiple,
    )
    language_required = forms.ChoiceField(
        label=gettext_lazy("Language the mentor must speak"),
        required=False,
        choices=[("", gettext_lazy("None required")), *LANGUAGES],
        help_text=gettext_lazy("Only mentors who speak it are suggested."),
    )
    languages = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=gettext_lazy("Students' languages"),
        required=False,
        choices=LANGUAGES,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("A mentor who speaks one of them scores higher."),
    )
    starts_on = forms.DateField(
        label=gettext_lazy("Starts"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=gettext_lazy("Ends"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    mentors_needed = _formfield("mentors_needed")
    depth = _formfield("depth")
    duration_weeks = _formfield("duration_weeks")
    hours_per_month = _formfield("hours_per_month")
    students_expected = _formfield("students_expected")
    welcomes_shared_identity = _formfield("welcomes_shared_identity")
    welcomes_identities = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=gettext_lazy("Identities you would welcome"),
        required=False,
        choices=IDENTITY_TAGS,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy(
            "Used only with mentors who chose to share theirs; programs never see a mentor's "
            "identity."
        ),
    )

    def __init__(
        self,
        *args: Any,
        programs: QuerySet[Program],
        fixed_program: Program | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Languages saved through the API that the lists lack stay offered (and kept).
        known = {code for code, _label in LANGUAGES}
        saved = [*(self.initial.get("languages") or []), self.initial.get("language_required")]
        extra = [(code, code) for code in dict.fromkeys(saved) if code and code not in known]
        self.fields["languages"].choices = [*LANGUAGES, *extra]  # type: ignore[attr-defined]
        self.fields["language_required"].choices = [  # type: ignore[attr-defined]
            ("", gettext_lazy("None required")),
            *LANGUAGES,
            *extra,
        ]
        if fixed_program is not None:
            del self.fields["program"]
            location_programs: Any = [fixed_program.pk]
        else:
            self.fields["program"].queryset = programs  # type: ignore[attr-defined]
            location_programs = programs.values("pk")
        self.fields["location"].queryset = (  # type: ignore[attr-defined]
            Location.objects.filter(program_locations__program_id__in=location_programs)
            .distinct()
            .order_by("name", "pk")
        )
        for day, label in Weekday.choices:
            self.fields[f"day{day}_start"] = forms.TimeField(
                label=_("%(day)s from") % {"day": label},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time", "step": 900}),
            )
            self.fields[f"day{day}_end"] = forms.TimeField(
                label=_("%(day)s until") % {"day": label},
                required=False,
                widget=forms.TimeInput(attrs={"type": "time", "step": 900}),
            )

    @property
    def schedule_rows(self) -> list[tuple[str, Any, Any]]:
        return [
            (str(label), self[f"day{day}_start"], self[f"day{day}_end"])
            for day, label in Weekday.choices
        ]

    def main_fields(self) -> list[Any]:
        return [f for f in self.visible_fields() if not f.name.startswith("day")]

    @staticmethod
    def initial_of(opportunity: Opportunity) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(opportunity, name)
            for name in services.OPPORTUNITY_FIELDS
            if name not in ("schedule", "skills", "languages", "location")
        }
        initial["location"] = opportunity.location_id
        initial["skills"] = ", ".join(opportunity.skills)
        initial["languages"] = list(opportunity.languages)
        for day, start, end in opportunity.schedule:
            if f"day{day}_start" not in initial:
                initial[f"day{day}_start"] = datetime.time(start // 60, start % 60)
                initial[f"day{day}_end"] = (
                    datetime.time(23, 59) if end >= 24 * 60 else datetime.time(end // 60, end % 60)
                )
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        schedule = []
        for day, _label in Weekday.choices:
            start, end = data.get(f"day{day}_start"), data.get(f"day{day}_end")
            if start is None and end is None:
                continue
            if start is None or end is None:
                self.add_error(f"day{day}_end", _("Give both a start and an end time."))
                continue
            end_min = 24 * 60 if end == datetime.time(23, 59) else end.hour * 60 + end.minute
            schedule.append([day, start.hour * 60 + start.minute, end_min])
        data["schedule"] = schedule
        return data

    def service_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields = {
            name: data[name]
            for name in services.OPPORTUNITY_FIELDS
            if name in data and name not in ("skills", "languages")
        }
        fields["skills"] = _split(data.get("skills") or "")
        fields["languages"] = list(data.get("languages") or [])
        return fields

    def show(self, error: services.InvalidOpportunityError) -> None:
        for name, messages_ in error.errors.items():
            target = name if name in self.fields else None
            if name == "schedule":
                target = None
            for message in messages_:
                self.add_error(target, message)


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
    found = _opportunities(request).annotate(
        live=Count("matches", filter=Q(matches__status__in=LIVE_STATUSES))
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
    mentor = _mentor_of(request)
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
    mine = {
        m.opportunity_id: m
        for m in mentor.matches.filter(status__in=LIVE_STATUSES).order_by("created_at")
    }
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
    opportunity = _get(request, opportunity_id)
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
    pending = opportunity.matches.filter(
        status__in=(MatchStatus.PROPOSED, MatchStatus.OFFERED, MatchStatus.ACCEPTED)
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
    opportunity = _get(request, opportunity_id)
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
            shown = shown.exclude(status=MatchStatus.PROPOSED)  # a round's, still in review
        context["matches"] = [
            {"match": m, "name": public_name(m.mentor), "url": _url("match", ecosystem, m.pk)}
            for m in shown
        ]
    mentor = _mentor_of(request) if _browses(request) else None
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
                "my_match": mentor.matches.filter(
                    opportunity=opportunity, status__in=LIVE_STATUSES
                ).first(),
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
    opportunity = _get(request, opportunity_id)
    detail = reverse("mentoring:opportunity", args=[ecosystem_slug, opportunity.pk])
    mentor = _mentor_of(request)
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
    opportunity = _get(request, opportunity_id)
    detail = reverse("mentoring:opportunity", args=[ecosystem_slug, opportunity.pk])
    mentor = _mentor_of(request)
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
    ranked = services.ranked_mentors_for(opportunity)
    page = _page(request, ranked)
    rows = [
        {
            "mentor": r.mentor,
            "name": public_name(r.mentor),
            "score": r.score,
            "distance_mi": r.distance_mi,
            "in_person": r.in_person,
            "topics": _labels([*r.mentor.topics, *r.mentor.skills], stem_profile.STEM_FIELDS.terms),
            "why": services.reasons(
                r.breakdown,
                opportunity,
                r.mentor,
                distance_mi=r.distance_mi,
                in_person=r.in_person,
                for_mentor=False,
            ),
        }
        for r in page.object_list
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
