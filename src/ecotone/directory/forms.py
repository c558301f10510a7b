"""Forms of partner self-service: a listing (program, schedules, capacity) and a location; and
the import page's upload.

Each rule gives a message on the field it is about. The forms produce the listing state of
`listings/state.py`; they never save anything themselves (`services/` does).
"""

from __future__ import annotations

from datetime import date, time
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem
from ecotone.limits import SHORT_TEXT, distinct_choices
from ecotone.widgets import DatePicker

from . import grade_ages, recurrence, stem_profile
from .listings.state import CAPACITY_FIELDS, LANGUAGES, PROGRAM_FIELDS, SCHEDULE_FIELDS
from .models import Frequency, Location, LocationType, Program, Weekday
from .services.locations import LOCATION_FIELDS

RECURRENCE_MESSAGES = {
    "unknown_freq": _("Choose weekly or monthly."),
    "interval_range": _("Repeat every 1 to 52 weeks or months."),
    "unknown_day": _("Choose days of the week from the list."),
    "weekly_needs_days": _("A weekly schedule needs at least one day of the week."),
    "weekly_no_monthdays": _("Days of the month only apply to monthly schedules."),
    "monthly_needs_days": _(
        "A monthly schedule needs days of the month (e.g. 1,15) or days of the week."
    ),
    "until_and_count": _("Give a last session or a number of sessions, not both."),
    "count_positive": _("The number of sessions must be at least 1."),
    "until_needs_start": _("Give the first session when you give the last one."),
    "until_before_start": _("The last session must not be before the first one."),
    "times_in_pairs": _("Give both the start and the end time, or neither."),
    "closes_before_opens": _("The end time must be after the start time."),
    "never_happens": _("This schedule produces no session between the first and last dates."),
}


def _checkboxes(choices: Any, label: Any) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label,
        choices=choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        validators=[distinct_choices],
    )


class ProgramForm(forms.Form):
    """The program's own fields, its STEM profile, languages and locations."""

    def __init__(
        self,
        *args: Any,
        locations: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        model_fields = forms.fields_for_model(
            Program,
            fields=[name for name in PROGRAM_FIELDS if name != "url"],
            widgets={
                name: forms.Textarea(attrs={"rows": 3})
                for name in (
                    "description",
                    "application_process",
                    "eligibility_description",
                    "fees_description",
                    "alert",
                )
            },
        )
        model_fields["url"] = forms.URLField(
            label=_("Web page"), required=False, assume_scheme="https"
        )
        self.fields.update(model_fields)
        for facet in stem_profile.FACETS:
            self.fields[f"profile_{facet.code}"] = _checkboxes(facet.terms, facet.label)
        self.fields["languages"] = _checkboxes(
            [(code, label) for code, _english, label in LANGUAGES], _("Languages")
        )
        self.fields["locations"] = _checkboxes(
            [
                (str(loc.hsds_id), f"{loc.name}, {loc.city}" if loc.city else loc.name)
                for loc in locations
            ],
            _("Where it runs"),
        )
        self.fields["locations"].help_text = _(
            "Add a missing place from “Our programs” → “Add a location”."
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("minimum_age"), data.get("maximum_age")
        if low is not None and high is not None and low > high:
            self.add_error("maximum_age", _("The maximum age must not be below the minimum age."))
            return data
        bands = data.get(f"profile_{stem_profile.GRADE_BANDS.code}") or []
        outside = grade_ages.bands_outside_ages(low, high, bands)
        if outside:
            names = ", ".join(
                f"{stem_profile.label('grade_band', b)} "
                f"({grade_ages.GRADE_BAND_AGES[b][0]}–{grade_ages.GRADE_BAND_AGES[b][1]})"
                for b in outside
            )
            message = _(
                "The ages %(low)s to %(high)s do not fit grades %(bands)s (typical ages in "
                "brackets). Correct the ages or the grades."
            ) % {"low": low if low is not None else "0", "high": high or "…", "bands": names}
            self.add_error("maximum_age" if high is not None else "minimum_age", message)
            self.add_error(f"profile_{stem_profile.GRADE_BANDS.code}", message)
        return data

    def state_parts(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "fields": {name: data.get(name) for name in PROGRAM_FIELDS},
            "profile": {
                facet.code: list(data.get(f"profile_{facet.code}") or [])
                for facet in stem_profile.FACETS
            },
            "languages": list(data.get("languages") or []),
            "locations": list(data.get("locations") or []),
        }

    @staticmethod
    def initial_from(state: dict[str, Any]) -> dict[str, Any]:
        initial = dict(state["fields"])
        for facet, codes in state["profile"].items():
            initial[f"profile_{facet}"] = codes
        initial["languages"] = state["languages"]
        initial["locations"] = state["locations"]
        return initial


class ScheduleForm(forms.Form):
    # The select shows weekly on a blank row; as the initial value it leaves that row unchanged.
    freq = forms.ChoiceField(
        label=_("Repeats"), choices=Frequency.choices, initial=Frequency.WEEKLY
    )
    interval = forms.IntegerField(
        label=_("Every (weeks or months)"), min_value=1, max_value=52, initial=1
    )
    byday = _checkboxes(Weekday.choices, _("Days"))
    bymonthday = forms.CharField(
        max_length=SHORT_TEXT,
        label=_("Days of the month"),
        required=False,
        help_text=_(
            "Monthly schedules only: numbers separated by commas, e.g. 1,15; -1 is the last day."
        ),
    )
    opens_at = forms.TimeField(
        label=_("Starts at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    closes_at = forms.TimeField(
        label=_("Ends at"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    dtstart = forms.DateField(label=_("First session"), required=False, widget=DatePicker())
    until = forms.DateField(label=_("Last session"), required=False, widget=DatePicker())
    count = forms.IntegerField(label=_("Or: number of sessions"), required=False, min_value=1)
    description = forms.CharField(label=_("Note"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            monthdays = recurrence.parse_monthdays(data.get("bymonthday") or "")
        except ValueError:
            self.add_error(
                "bymonthday", _("Use day numbers from 1 to 31 (or -1 for the last day), e.g. 1,15.")
            )
            return data
        rule = recurrence.Recurrence(
            freq=data.get("freq") or "",
            interval=data.get("interval") or 1,
            byday=tuple(data.get("byday") or ()),
            bymonthday=monthdays,
            dtstart=data.get("dtstart"),
            until=data.get("until"),
            count=data.get("count"),
            opens_at=data.get("opens_at"),
            closes_at=data.get("closes_at"),
        )
        for field, problem in recurrence.problems(rule):
            self.add_error(field, RECURRENCE_MESSAGES[problem])
        data["bymonthday"] = ",".join(str(d) for d in monthdays)
        return data

    def state(self) -> dict[str, Any]:
        data = self.cleaned_data
        entry: dict[str, Any] = {}
        for name in SCHEDULE_FIELDS:
            value = data.get(name)
            if name == "byday":
                value = ",".join(value or [])
            elif isinstance(value, date | time):
                value = value.isoformat()
            entry[name] = value
        entry["description"] = entry["description"] or ""
        entry["bymonthday"] = entry["bymonthday"] or ""
        return entry

    @staticmethod
    def initial_from(entry: dict[str, Any]) -> dict[str, Any]:
        initial = dict(entry)
        initial["byday"] = [d for d in (entry.get("byday") or "").split(",") if d]
        return initial


class CapacityForm(forms.Form):
    unit = forms.CharField(label=_("What is counted"), initial="seats", max_length=100)
    available = forms.IntegerField(label=_("Open now"), min_value=0)
    maximum = forms.IntegerField(label=_("In total"), min_value=0, required=False)
    description = forms.CharField(label=_("Note"), required=False, max_length=300)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        available, maximum = data.get("available"), data.get("maximum")
        if available is not None and maximum is not None and available > maximum:
            self.add_error("available", _("Open places must not be more than the places in total."))
        return data

    def state(self) -> dict[str, Any]:
        entry = {name: self.cleaned_data.get(name) for name in CAPACITY_FIELDS}
        entry["description"] = entry["description"] or ""
        return entry


class ListFormSet(forms.BaseFormSet):
    """A formset whose kept and filled-in forms make a list of the listing state.

    A row the listing already had is kept unless deleted, changed or not; an extra row counts
    only when the person filled something in.
    """

    row_name: Any = None  # how the error summary names a row

    def entries(self) -> list[dict[str, Any]]:
        return [
            form.state()
            for i, form in enumerate(self.forms)
            if (i < self.initial_form_count() or form.has_changed())
            and not form.cleaned_data.get("DELETE")
        ]


ScheduleFormSet = cast(
    type[ListFormSet],
    forms.formset_factory(ScheduleForm, formset=ListFormSet, extra=1, can_delete=True, max_num=20),
)
ScheduleFormSet.row_name = _("Schedule %(n)s")
CapacityFormSet = cast(
    type[ListFormSet],
    forms.formset_factory(CapacityForm, formset=ListFormSet, extra=1, can_delete=True, max_num=5),
)
CapacityFormSet.row_name = _("Count %(n)s")


class LocationForm(forms.ModelForm):
    url = forms.URLField(
        label=_("Web address (virtual locations)"), required=False, assume_scheme="https"
    )
    outside_region_confirmed = forms.BooleanField(
        label=_("Yes, this location is outside our ecosystem's region"),
        required=False,
        widget=forms.HiddenInput,
    )

    class Meta:
        model = Location
        fields = [name for name in LOCATION_FIELDS if name != "url"]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "transportation": forms.Textarea(attrs={"rows": 2}),
            "accessibility": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "latitude": _(
                "Leave both coordinates empty to place the location at its ZIP code's center."
            ),
        }

    def __init__(self, *args: Any, ecosystem: Ecosystem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ecosystem = ecosystem
        if self.instance.pk:
            self.initial.setdefault("url", self.instance.url)

    def clean(self) -> dict[str, Any]:
        from . import geocoding

        data = super().clean() or {}
        if data.get("location_type") == LocationType.VIRTUAL:
            if not data.get("url"):
                self.add_error("url", _("A virtual location needs its web address."))
            return data
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            self.add_error(
                "longitude" if lon is None else "latitude",
                _("Give both latitude and longitude, or leave both empty."),
            )
            return data
        if lat is None:
            centroid = geocoding.zip_centroid(data.get("postal_code") or "")
            if centroid is None:
                self.add_error(
                    "postal_code",
                    _(
                        "Give a known US ZIP code, or the latitude and longitude, to place it "
                        "on the map."
                    ),
                )
                return data
            lat, lon = centroid.latitude, centroid.longitude
        if not self.ecosystem.region_contains(float(lat), float(lon or 0)) and not data.get(
            "outside_region_confirmed"
        ):
            # Only now does the confirmation appear, next to the reason it is needed.
            self.fields["outside_region_confirmed"].widget = forms.CheckboxInput()
            self.add_error(
                "outside_region_confirmed",
                _(
                    "This place (%(lat).4f, %(lon).4f) is outside %(ecosystem)s's region. "
                    "Check the address and coordinates, or confirm it is really outside."
                )
                % {"lat": lat, "lon": lon, "ecosystem": self.ecosystem.name},
            )
        return data


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "HSDS JSON (.json), an HSDS data package (.zip of the CSV files and "
            "datapackage.json), or the program spreadsheet (.csv or .xlsx). Nothing changes "
            "until you apply the checked import."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.zip,.csv,.xlsx"}),
    )
