"""Forms of the atlas pages: hypothetical programs for a scenario, the scenario itself, and the
area pages (uploading a file of areas, filtering the list, deleting areas by kind).

A hypothetical program is placed by clicking the map (atlas-scenario.js fills the coordinates),
by typing its latitude and longitude, or by a ZIP code (its center, offline). The form turns it
into the dict `Scenario.programs` holds; the analysis settings form is built from the
Parameters' own fields (settings_forms.py).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecotone.directory.geocoding import zip_centroid
from ecotone.directory.models import CostBand
from ecotone.directory.stem_profile import ACTIVITY_TYPES, GRADE_BANDS, STEM_FIELDS
from ecotone.limits import LONG_TEXT, SEARCH_TEXT, SHORT_TEXT, distinct_choices

from .models import AreaImportFormat, AreaKind, Locale

DELIVERY_CHOICES = (
    ("in_person", _("In person, at one place")),
    ("mobile", _("Mobile, at several stops")),
    ("virtual", _("Virtual")),
)
GRADE_BAND_CHOICES = [(code, label) for code, label in GRADE_BANDS.terms if code != "postsecondary"]
MAX_STOPS = 20


def _place(text: str) -> tuple[float, float] | None:
    """ "39.96, -82.99" or a ZIP code -> (latitude, longitude); None when neither."""
    text = text.strip()
    if "," in text:
        try:
            lat, lon = (float(part) for part in text.split(",", 1))
        except ValueError:
            return None
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return lat, lon
        return None
    centroid = zip_centroid(text)
    return (centroid.latitude, centroid.longitude) if centroid else None


class HypotheticalProgramForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200, initial=_("New program"))
    delivery = forms.ChoiceField(
        label=_("How it is offered"),
        choices=DELIVERY_CHOICES,
        initial="in_person",
        widget=forms.RadioSelect,
    )
    latitude = forms.FloatField(
        label=_("Latitude"), required=False, min_value=-90, max_value=90, localize=False
    )
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180, localize=False
    )
    zip_code = forms.CharField(
        label=_("or a ZIP code"),
        required=False,
        max_length=10,
        help_text=_("Its center is used when no latitude and longitude are given."),
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    stops = forms.CharField(
        max_length=SHORT_TEXT,
        label=_("Stops of a mobile program"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('One stop per line: "latitude, longitude" or a ZIP code.'),
    )
    seats = forms.IntegerField(label=_("Seats"), min_value=1, max_value=100_000, initial=30)
    grade_bands = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=_("Grades (none chosen: all)"),
        required=False,
        choices=GRADE_BAND_CHOICES,
        initial=["3-5", "6-8"],
        widget=forms.CheckboxSelectMultiple,
    )
    days_per_week = forms.IntegerField(label=_("Days a week"), min_value=1, max_value=7, initial=4)
    after_school = forms.BooleanField(label=_("After school"), required=False, initial=True)
    cost_band = forms.ChoiceField(label=_("Cost"), choices=CostBand.choices, initial=CostBand.FREE)

    def clean(self) -> dict[str, Any]:
        data: dict[str, Any] = super().clean() or {}
        delivery = data.get("delivery")
        lat, lon = data.get("latitude"), data.get("longitude")
        # A coordinate already refused (out of range, not a number) is not "missing" as well.
        refused = bool({"latitude", "longitude"} & set(self.errors))
        if delivery == "in_person" and not refused:
            if (lat is None) != (lon is None):
                self.add_error(
                    "longitude" if lon is None else "latitude",
                    _("Give both the latitude and the longitude, or neither."),
                )
            elif lat is None:
                zip_code = (data.get("zip_code") or "").strip()
                centroid = zip_centroid(zip_code) if zip_code else None
                if centroid is not None:
                    data["latitude"], data["longitude"] = centroid.latitude, centroid.longitude
                elif zip_code:
                    self.add_error("zip_code", _("Enter a known US ZIP code."))
                else:
                    self.add_error(
                        "latitude",
                        _("Click the map, or give a latitude and longitude or a ZIP code."),
                    )
        elif delivery == "mobile":
            stops: list[list[float]] = []
            for number, line in enumerate((data.get("stops") or "").splitlines(), start=1):
                if not line.strip():
                    continue
                place = _place(line)
                if place is None:
                    self.add_error(
                        "stops",
                        _('Write line %(n)s as "latitude, longitude" or a known ZIP code.')
                        % {"n": number},
                    )
                    break
                stops.append([place[0], place[1]])
            else:
                if len(stops) < 2:
                    self.add_error("stops", _("A mobile program needs at least two stops."))
                elif len(stops) > MAX_STOPS:
                    self.add_error("stops", _("At most %(n)s stops, please.") % {"n": MAX_STOPS})
            data["stop_list"] = stops
        return data

    def to_program(self) -> dict[str, Any]:
        """The hypothetical program as `Scenario.programs` holds it."""
        data = self.cleaned_data
        program: dict[str, Any] = {
            "name": data["name"],
            "delivery": data["delivery"],
            "seats": data["seats"],
            "grade_bands": list(data["grade_bands"]),
            "days_per_week": data["days_per_week"],
            "after_school": bool(data["after_school"]),
            "cost_band": data["cost_band"],
        }
        if data["delivery"] == "in_person":
            program["latitude"], program["longitude"] = data["latitude"], data["longitude"]
        elif data["delivery"] == "mobile":
            stops = data["stop_list"]
            program["stops"] = stops
            program["latitude"], program["longitude"] = stops[0]
        return program


def initial_from_program(program: dict[str, Any]) -> dict[str, Any]:
    """A saved hypothetical program back into the form's initial data."""
    initial = {
        key: program.get(key)
        for key in ("name", "delivery", "seats", "grade_bands", "days_per_week", "cost_band")
        if program.get(key) is not None
    }
    initial["after_school"] = bool(program.get("after_school", True))
    if program.get("delivery") == "mobile":
        initial["stops"] = "\n".join(f"{lat}, {lon}" for lat, lon in program.get("stops") or [])
    elif program.get("delivery") != "virtual":
        initial["latitude"] = program.get("latitude")
        initial["longitude"] = program.get("longitude")
    return initial


def kept_forms(formset: Any) -> list[Any]:
    """The programs of a valid formset the person did not leave out."""
    return [f for f in formset.forms if f.cleaned_data and not f.cleaned_data.get("DELETE")]


class BaseProgramFormSet(forms.BaseFormSet):
    row_name = _("Program %(n)s")  # how the error summary names a program

    def clean(self) -> None:
        if any(self.errors):
            return
        if not kept_forms(self):
            raise forms.ValidationError(_("Place at least one hypothetical program."))


ProgramFormSet = forms.formset_factory(
    HypotheticalProgramForm,
    formset=BaseProgramFormSet,
    extra=0,
    min_num=1,
    max_num=10,
    validate_max=True,
    can_delete=True,
)


class ScenarioForm(forms.Form):
    name = forms.CharField(label=_("Scenario name"), max_length=200)
    description = forms.CharField(
        max_length=LONG_TEXT,
        label=_("Description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# The analysis settings ---------------------------------------------------------------------

LOCALE_LABELS = {
    "city": _("City"),
    "suburb": _("Suburb"),
    "town": _("Town"),
    "rural": _("Rural"),
}
NEED_LABELS = {
    "low_income": _("Low-income"),
    "english_learner": _("English learners"),
    "students_of_color": _("Students of color"),
    "rural": _("Rural"),
    "disability": _("Students with disabilities"),
}
LANGUAGE_CHOICES = (("", _("Any language")), ("en", "English"), ("es", "Español"))


def _miles(label: Any) -> forms.FloatField:
    return forms.FloatField(label=label, min_value=0, localize=False)


class AnalysisSettingsForm(forms.Form):
    """Parameters (atlas/parameters.py) as form fields; the rules stay in Parameters.from_dict.

    Each Parameters key maps to one or more fields here (`KEY_FIELDS`), so an error the
    Parameters report about a key lands on the field the person typed it in.
    """

    catchment_city = _miles(_("City"))
    catchment_suburb = _miles(_("Suburb"))
    catchment_town = _miles(_("Town"))
    catchment_rural = _miles(_("Rural"))
    decay_zones = forms.CharField(
        max_length=SHORT_TEXT,
        label=_("Distance decay zones"),
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            'One zone per line: "share of the catchment, weight", shares rising to 1 and '
            "weights never rising, e.g. 0.33, 1 then 0.67, 0.68 then 1, 0.22. A single line "
            '"1, 1" counts every seat in reach fully (plain 2SFCA).'
        ),
    )
    grade_band = forms.ChoiceField(
        label=_("Grade band"),
        required=False,
        choices=[("", _("Any grade")), *GRADE_BAND_CHOICES],
        help_text=_("Count only young people in this band, and programs that serve it."),
    )
    min_days_per_week = forms.IntegerField(
        label=_("At least this many days a week"), min_value=0, max_value=7
    )
    after_school_only = forms.BooleanField(label=_("Only programs after school"), required=False)
    free_or_low_cost = forms.BooleanField(label=_("Only free or low-cost programs"), required=False)
    transportation_provided = forms.BooleanField(
        label=_("Only programs that provide transportation"), required=False
    )
    language = forms.ChoiceField(label=_("Offered in"), required=False, choices=LANGUAGE_CHOICES)
    stem_fields = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=_("STEM fields (none chosen: all)"),
        required=False,
        choices=STEM_FIELDS.terms,
        widget=forms.CheckboxSelectMultiple,
    )
    activity_types = forms.MultipleChoiceField(
        validators=[distinct_choices],
        label=_("Kinds of activity (none chosen: all)"),
        required=False,
        choices=ACTIVITY_TYPES.terms,
        widget=forms.CheckboxSelectMultiple,
    )
    assumed_seats = forms.IntegerField(
        label=_("Seats assumed for a program that lists none"), min_value=1
    )
    need_low_income = forms.FloatField(label=NEED_LABELS["low_income"], min_value=0, localize=False)
    need_english_learner = forms.FloatField(
        label=NEED_LABELS["english_learner"], min_value=0, localize=False
    )
    need_students_of_color = forms.FloatField(
        label=NEED_LABELS["students_of_color"], min_value=0, localize=False
    )
    need_rural = forms.FloatField(label=NEED_LABELS["rural"], min_value=0, localize=False)
    need_disability = forms.FloatField(label=NEED_LABELS["disability"], min_value=0, localize=False)
    desert_min_youth = forms.IntegerField(
        label=_("A desert has at least this many young people"), min_value=0
    )
    desert_max_youth_per_seat = forms.FloatField(
        label=_("… and more than this many young people per seat in reach"),
        min_value=1,
        localize=False,
    )

    CATCHMENT_FIELDS = ("catchment_city", "catchment_suburb", "catchment_town", "catchment_rural")
    NEED_FIELDS = (
        "need_low_income",
        "need_english_learner",
        "need_students_of_color",
        "need_rural",
        "need_disability",
    )

    @classmethod
    def initial_from(cls, parameters: dict[str, Any]) -> dict[str, Any]:
        """Form values from `Parameters.to_dict()`."""
        initial = {
            key: value
            for key, value in parameters.items()
            if key not in ("catchment_mi", "decay_zones", "need_weights")
        }
        for locale, miles in parameters["catchment_mi"].items():
            initial[f"catchment_{locale}"] = miles
        for name, weight in parameters["need_weights"].items():
            initial[f"need_{name}"] = weight
        initial["decay_zones"] = "\n".join(
            f"{_short(share)}, {_short(weight)}" for share, weight in parameters["decay_zones"]
        )
        return initial

    def clean_decay_zones(self) -> list[list[float]]:
        zones = []
        for line in str(self.cleaned_data["decay_zones"]).splitlines():
            if not line.strip():
                continue
            parts = [part.strip() for part in line.replace(";", ",").split(",")]
            try:
                share, weight = (float(part) for part in parts)
            except ValueError:
                raise forms.ValidationError(
                    _('Each line needs two numbers: "share of the catchment, weight".')
                ) from None
            zones.append([share, weight])
        return zones

    def to_parameters(self, fallback: dict[str, Any] | None = None) -> dict[str, Any]:
        """The cleaned values as the dict Parameters.from_dict reads.

        With `fallback` (saved settings), a field that did not clean takes its saved value, so
        the Parameters can still check the others and every mistake shows at once.
        """
        data = self.cleaned_data
        saved = fallback or {}

        def value(name: str, key: str, default: Any = None) -> Any:
            return data[name] if name in data else saved.get(key, default)

        parameters = {
            key: value(key, key)
            for key in (
                "decay_zones",
                "grade_band",
                "min_days_per_week",
                "after_school_only",
                "free_or_low_cost",
                "transportation_provided",
                "language",
                "assumed_seats",
                "desert_min_youth",
                "desert_max_youth_per_seat",
            )
        }
        parameters["stem_fields"] = list(value("stem_fields", "stem_fields", []))
        parameters["activity_types"] = list(value("activity_types", "activity_types", []))
        parameters["catchment_mi"] = {
            name.removeprefix("catchment_"): data[name]
            if name in data
            else saved.get("catchment_mi", {}).get(name.removeprefix("catchment_"))
            for name in self.CATCHMENT_FIELDS
        }
        parameters["need_weights"] = {
            name.removeprefix("need_"): data[name]
            if name in data
            else saved.get("need_weights", {}).get(name.removeprefix("need_"))
            for name in self.NEED_FIELDS
        }
        return {key: v for key, v in parameters.items() if v is not None}

    def add_parameter_errors(self, errors: dict[str, list[str]]) -> None:
        """Errors Parameters.from_dict found (keyed "catchment_mi.city", ...) on our fields,
        except on a field that already has one of its own."""
        for key, messages in errors.items():
            field = _field_of(key)
            if field in self.errors:
                continue
            for message in messages:
                self.add_error(field if field in self.fields else None, message)


def _field_of(key: str) -> str:
    if key.startswith("catchment_mi."):
        return "catchment_" + key.split(".", 1)[1]
    if key.startswith("need_weights."):
        return "need_" + key.split(".", 1)[1]
    if key == "catchment_mi":
        return "catchment_city"
    return key


def _short(number: float) -> str:
    return f"{number:.2f}".rstrip("0").rstrip(".")


# Area imports and the list of areas (import_views.py) ---------------------------------------


class UploadForm(forms.Form):
    format = forms.ChoiceField(
        label=_("Format"),
        choices=AreaImportFormat.choices,
        initial=AreaImportFormat.NCES,
        widget=forms.RadioSelect,
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV (UTF-8 or Latin-1) or Excel (.xlsx). Nothing changes until you apply the "
            "checked import."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt,.tsv"}),
    )


class AreaFilterForm(forms.Form):
    q = forms.CharField(max_length=SEARCH_TEXT, label=_("Name or identifier"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"),
        required=False,
        choices=[("", _("All kinds")), *AreaKind.choices],
    )
    locale = forms.ChoiceField(
        label=_("Locale"),
        required=False,
        choices=[("", _("All locales")), *Locale.choices],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("code", _("Identifier")),
            ("youth", _("Most young people")),
            ("low_income", _("Highest share low-income")),
            ("locale", _("Locale")),
        ],
    )


class DeleteAreasForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of areas"), choices=AreaKind.choices)
    confirm = forms.BooleanField(
        label=_("I understand that these areas are deleted for good."), required=True
    )
