"""Forms of the opportunity pages: the lists' search and filters (staff's, a mentor's browse) and
what a program posts. The rules (fields, schedule, places) are the service's
(`services.opportunities`), so the API obeys them too; these only read input.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.db import models
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone.directory import stem_profile
from ecotone.directory.models import Location, Program
from ecotone.ecosystems.models import Organization
from ecotone.limits import SEARCH_TEXT, SHORT_TEXT, distinct_choices
from ecotone.widgets import DatePicker

from ..models import IDENTITY_TAGS, Mode, Opportunity, OpportunityKind, OpportunityStatus, Weekday
from ..services.opportunities import OPPORTUNITY_FIELDS, InvalidOpportunityError
from .mentors import LANGUAGES


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
    starts_on = forms.DateField(label=gettext_lazy("Starts"), required=False, widget=DatePicker())
    ends_on = forms.DateField(label=gettext_lazy("Ends"), required=False, widget=DatePicker())
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
            for name in OPPORTUNITY_FIELDS
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
            for name in OPPORTUNITY_FIELDS
            if name in data and name not in ("skills", "languages")
        }
        fields["skills"] = _split(data.get("skills") or "")
        fields["languages"] = list(data.get("languages") or [])
        return fields

    def show(self, error: InvalidOpportunityError) -> None:
        for name, messages_ in error.errors.items():
            target = name if name in self.fields else None
            if name == "schedule":
                target = None
            for message in messages_:
                self.add_error(target, message)
