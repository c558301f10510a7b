"""Forms of the mentor pages: the profile (sign-up and changes), a screening step's record,
the screening steps' configuration and the mentor list's filters.

The forms shape input; the rules (codes, ZIP codes, consent, the safety floor) are the
services' (`services.profiles`, `services.screening`), so the API obeys them too.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecotone.directory.stem_profile import GRADE_BANDS, STEM_FIELDS
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.limits import LONG_TEXT, SEARCH_TEXT, distinct_choices
from ecotone.widgets import DatePicker

from ..models import (
    IDENTITY_TAGS,
    CareerStage,
    Mentor,
    MentorStatus,
    Mode,
    ScreeningStatus,
    ScreeningStep,
    Weekday,
)
from ..services import profiles
from ..services.hours import hours_label
from ..services.screening import STAGE_LABELS

# Languages offered as checkboxes (ISO 639-1); the most spoken in US homes after English.
LANGUAGES = (
    ("en", _("English")),
    ("es", _("Spanish")),
    ("zh", _("Chinese")),
    ("vi", _("Vietnamese")),
    ("tl", _("Tagalog")),
    ("ar", _("Arabic")),
    ("fr", _("French")),
    ("ht", _("Haitian Creole")),
    ("ko", _("Korean")),
    ("ru", _("Russian")),
    ("pt", _("Portuguese")),
    ("so", _("Somali")),
    ("hi", _("Hindi")),
    ("de", _("German")),
)
QUARTER_HOUR = 900  # seconds: the time inputs' step
MODE_CHOICES = [(Mode.IN_PERSON.value, Mode.IN_PERSON.label), (Mode.VIRTUAL.value, _("Virtually"))]


def _time_input() -> forms.TimeInput:
    return forms.TimeInput(attrs={"type": "time", "step": QUARTER_HOUR}, format="%H:%M")


def _minutes(value: datetime.time) -> int:
    return value.hour * 60 + value.minute


def _time(minutes: int) -> datetime.time:
    # Midnight at the end of a window shows as 00:00 (a quarter-hour time input takes it).
    return datetime.time(0, 0) if minutes >= 24 * 60 else datetime.time(*divmod(minutes, 60))


class WindowForm(forms.Form):
    """One weekly window: a weekday, from, to (quarter hours)."""

    weekday = forms.TypedChoiceField(
        label=_("Day"),
        choices=[("", "—"), *Weekday.choices],
        coerce=int,
        empty_value=None,
        required=False,
    )
    start = forms.TimeField(label=_("From"), required=False, widget=_time_input())
    end = forms.TimeField(label=_("To"), required=False, widget=_time_input())

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        day, start, end = data.get("weekday"), data.get("start"), data.get("end")
        data["window"] = None
        if start is None and end is None:
            return data  # an empty row: not free then
        if day is None:
            self.add_error("weekday", _("Choose the day."))
        elif start is None or end is None:
            self.add_error("end", _("Give both times, or neither."))
        else:
            # "To 00:00" (or 23:59) is midnight, the end of the day.
            midnight = end in (datetime.time(0, 0), datetime.time(23, 59))
            end_minutes = 24 * 60 if midnight else _minutes(end)
            if start.minute % 15 or start.second or end_minutes % 15 or end.second:
                self.add_error("end", _("Use quarter hours (:00, :15, :30, :45)."))
            elif _minutes(start) >= end_minutes:
                self.add_error("end", _("The end must be after the start."))
            else:
                data["window"] = [day, _minutes(start), end_minutes]
        return data


WindowFormSet = forms.formset_factory(
    WindowForm, extra=2, max_num=28, absolute_max=28, validate_max=True
)


def availability_initial(windows: list[list[int]]) -> list[dict[str, Any]]:
    """A row per saved window, and an empty row for each day without one (so every day of
    the week has its row)."""
    rows: list[dict[str, Any]] = []
    for day in Weekday:
        mine = sorted(w for w in windows if w[0] == day.value)
        if not mine:
            rows.append({"weekday": day.value})
        for _day, start, end in mine:
            rows.append({"weekday": day.value, "start": _time(start), "end": _time(end)})
    return rows


class MentorProfileForm(forms.Form):
    """The mentor's profile; with `signing_up` it also asks for the required consents."""

    name = forms.CharField(
        label=_("Your name"),
        max_length=150,
        required=False,
        help_text=_(
            "Programs and the backbone team see it; your email address stays private until "
            "you are matched."
        ),
    )
    occupation = forms.CharField(label=_("Occupation"), max_length=150)
    stem_field = forms.ChoiceField(
        label=_("STEM field"), choices=[("", "—"), *STEM_FIELDS.terms], required=False
    )
    career_stage = forms.ChoiceField(
        label=_("Career stage"), choices=[("", "—"), *CareerStage.choices], required=False
    )
    employer: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("Employer (a partner organization)"),
        queryset=None,
        required=False,
        empty_label=_("Not a partner organization / none"),
        help_text=_("If your employer runs a volunteer program with this network, choose it."),
    )
    employer_name = forms.CharField(
        label=_("or your employer's name"), max_length=200, required=False
    )
    bio = forms.CharField(
        max_length=LONG_TEXT,
        label=_("About me"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    topics = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=_("Topics I can help with"),
        choices=STEM_FIELDS.terms,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    skills = forms.CharField(
        label=_("Skills"),
        required=False,
        max_length=600,
        help_text=_("Separated by commas, for example: Python, CAD, public speaking."),
    )
    languages = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=_("Languages I can mentor in"),
        choices=LANGUAGES,
        initial=["en"],
        widget=forms.CheckboxSelectMultiple,
    )
    grade_bands = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=_("Grades I would like to work with"),
        choices=GRADE_BANDS.terms,
        widget=forms.CheckboxSelectMultiple,
    )
    modes = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=_("How I can mentor"),
        choices=MODE_CHOICES,
        initial=[Mode.VIRTUAL.value],
        widget=forms.CheckboxSelectMultiple,
    )
    home_postal_code = forms.CharField(label=_("Home ZIP code"), max_length=10, required=False)
    work_postal_code = forms.CharField(
        label=_("Work ZIP code"),
        max_length=10,
        required=False,
        help_text=_("In-person distances are measured from here, or from home if empty."),
    )
    travel_radius_mi = forms.IntegerField(
        label=_("How far I can travel (miles)"), min_value=0, max_value=200, initial=10
    )
    hours_per_month = forms.IntegerField(
        label=_("Hours a month I can give"), min_value=1, max_value=160, initial=4
    )
    max_matches = forms.IntegerField(
        label=_("Matches at a time"), min_value=1, max_value=10, initial=1
    )
    phone = forms.CharField(
        label=_("Phone"),
        max_length=40,
        required=False,
        help_text=_("Seen only by the backbone team and the programs you are matched with."),
    )
    shares_identity = forms.BooleanField(
        label=_("Use my self-identification for identity-aware matching"),
        required=False,
        help_text=_(
            "Optional. Some programs would welcome mentors who share their students' "
            "identities, for example women engineers for a girls' robotics club. If you opt in, "
            "what you tick below is used only to suggest such matches. Programs never see it; "
            "only you and the backbone team do. Turn it off at any time and it is deleted."
        ),
    )
    identity_tags = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=_("I identify as (tick any that apply)"),
        choices=IDENTITY_TAGS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    employer_may_see = forms.BooleanField(
        label=_("My employer may see my mentoring status and approved hours"),
        required=False,
        help_text=_("For employers' volunteer programs; never your contact details."),
    )
    agrees_to_terms = forms.BooleanField(
        label=_("I agree to the mentor agreement and code of conduct")
    )
    agrees_to_background_check = forms.BooleanField(
        label=_("I agree to a background check before working with young people")
    )

    def __init__(
        self, *args: Any, ecosystem: Ecosystem, signing_up: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.signing_up = signing_up
        employer = self.fields["employer"]
        assert isinstance(employer, forms.ModelChoiceField)
        employer.queryset = ecosystem.organizations.active().order_by("name")
        # Signing up without a name on the account: it is asked for (marked required).
        self.fields["name"].required = signing_up and not self.initial.get("name")
        if not signing_up:
            del self.fields["agrees_to_terms"]
            del self.fields["agrees_to_background_check"]
        # Languages saved through the API that the checkboxes lack stay offered (and kept).
        saved = (kwargs.get("initial") or {}).get("languages") or []
        languages = self.fields["languages"]
        assert isinstance(languages, forms.MultipleChoiceField)
        known = {code for code, _label in LANGUAGES}
        languages.choices = [*LANGUAGES, *((c, c) for c in saved if c not in known)]
        windows = (kwargs.get("initial") or {}).get("availability", [])
        self.availability = WindowFormSet(
            args[0] if args else kwargs.get("data"),
            prefix="window",
            initial=availability_initial(windows),
            # Every row is read, changed or not: a row left as it was is still a window.
            form_kwargs={"empty_permitted": False},
        )

    def is_valid(self) -> bool:
        valid = super().is_valid()
        return self.availability.is_valid() and valid

    def clean_name(self) -> str:
        """The account's name: left empty, the one already given stays; without one, a name
        is needed to sign up (else programs would see the email address in its place)."""
        name = str(self.cleaned_data.get("name") or "").strip()
        given = str(self.initial.get("name") or "")
        if not name and not given and self.signing_up:
            raise forms.ValidationError(_("Tell us your name."))
        return name or given

    @classmethod
    def initial_from(cls, mentor: Mentor, employer_may_see: bool) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(mentor, name)
            for name in (
                "occupation",
                "stem_field",
                "career_stage",
                "employer_name",
                "bio",
                "topics",
                "languages",
                "grade_bands",
                "modes",
                "home_postal_code",
                "work_postal_code",
                "travel_radius_mi",
                "hours_per_month",
                "max_matches",
                "phone",
                "shares_identity",
                "identity_tags",
            )
        }
        initial["name"] = mentor.user.name
        initial["employer"] = mentor.employer_id
        initial["skills"] = ", ".join(mentor.skills)
        initial["employer_may_see"] = employer_may_see
        initial["availability"] = mentor.availability
        return initial

    def field_groups(self) -> dict[str, list[Any]]:
        """The fields of each fieldset of the page, bound."""
        groups = {
            "work": [
                "name",
                "occupation",
                "stem_field",
                "career_stage",
                "employer",
                "employer_name",
            ],
            "interests": ["topics", "skills", "languages", "grade_bands", "bio"],
            "where": [
                "modes",
                "home_postal_code",
                "work_postal_code",
                "travel_radius_mi",
                "hours_per_month",
                "max_matches",
                "phone",
            ],
            "identity": ["shares_identity", "identity_tags"],
            "consent": ["employer_may_see", "agrees_to_terms", "agrees_to_background_check"],
        }
        return {key: [self[n] for n in names if n in self.fields] for key, names in groups.items()}

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.availability.is_valid():
            data["availability"] = [
                f.cleaned_data["window"]
                for f in self.availability.forms
                if f.cleaned_data.get("window") is not None
            ]
        if data.get("employer") is not None:
            data["employer_name"] = ""
        if "home_postal_code" in data and "work_postal_code" in data:
            problems = profiles.postal_code_problems(
                data.get("modes") or [], data["home_postal_code"], data["work_postal_code"]
            )
            for field, message in problems.items():
                self.add_error(field, message)
        return data

    def profile(self) -> dict[str, Any]:
        """The cleaned data as `services.profiles` takes it (the name is the account's)."""
        return {k: v for k, v in self.cleaned_data.items() if k != "name"}


class MentorStatusForm(forms.Form):
    status = forms.ChoiceField(choices=MentorStatus.choices, widget=forms.HiddenInput)


class ScreeningRecordForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ScreeningStatus.choices)
    started_on = forms.DateField(label=_("Started"), required=False, widget=DatePicker())
    completed_on = forms.DateField(label=_("Completed"), required=False, widget=DatePicker())
    hours = forms.DecimalField(
        label=_("Hours"), required=False, min_value=0, max_digits=5, decimal_places=1
    )
    notes = forms.CharField(
        max_length=LONG_TEXT,
        label=_("Notes"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, step: ScreeningStep, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", f"step{step.pk}")
        super().__init__(*args, **kwargs)
        self.step = step
        if step.minimum_hours is None:
            self.fields["hours"].help_text = ""
        else:
            self.fields["hours"].help_text = _("At least %(h)s to pass.") % {
                "h": hours_label(step.minimum_hours)
            }


class ScreeningStepForm(forms.ModelForm):
    class Meta:
        model = ScreeningStep
        fields = ScreeningStep.EDITABLE_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}


class MentorFilterForm(forms.Form):
    SORTS = (
        ("name", _("Name (A–Z)")),
        ("-joined", _("Newest first")),
        ("joined", _("Oldest first")),
        ("employer", _("Employer")),
        ("status", _("Status")),
    )
    q = forms.CharField(max_length=SEARCH_TEXT, label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *MentorStatus.choices]
    )
    stage = forms.ChoiceField(
        label=_("Screening"),
        required=False,
        choices=[("", _("Any stage")), *STAGE_LABELS.items()],
    )
    employer: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("Employer"), queryset=None, required=False, empty_label=_("Any employer")
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args: Any, employers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        employer = self.fields["employer"]
        assert isinstance(employer, forms.ModelChoiceField)
        employer.queryset = employers


class RosterFilterForm(forms.Form):
    start = forms.DateField(label=_("Hours from"), required=False, widget=DatePicker())
    end = forms.DateField(label=_("to"), required=False, widget=DatePicker())
