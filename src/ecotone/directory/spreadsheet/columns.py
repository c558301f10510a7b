"""The flat spreadsheet's columns: `COLUMNS` is the one description of the format.

The reader, the writer, the template and the column guide (page and sheet) all follow it: each
column's name, label, meaning, kind of cell (a key of `cells.PARSERS`), example, and which rows
of a program must agree on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone.limits import LONG_TEXT

from .. import stem_profile
from ..models import (
    CostBand,
    Delivery,
    Frequency,
    MentoringDepth,
    ProgramStatus,
    Term,
)

Label = str | Promise

SEPARATOR = ";"


@dataclass(frozen=True)
class Column:
    name: str
    label: Label
    meaning: Label
    kind: str  # a key of cells.PARSERS
    example: str
    required: bool = False
    part: str = "program"  # "program", "location" or "schedule": which rows must agree
    choices: tuple[tuple[str, Label], ...] = ()
    max_length: int | None = None

    @property
    def multiple(self) -> bool:
        return self.kind in ("terms", "languages", "list")

    def format(self) -> str:
        """What a cell holds, said for the column guide."""
        text = str(FORMATS[self.kind])
        if self.choices:
            text += " " + _("Allowed:") + " " + ", ".join(code for code, _label in self.choices)
        if self.max_length:
            text += " " + _("At most %(count)d characters.") % {"count": self.max_length}
        return text


FORMATS: dict[str, Label] = {
    "id": gettext_lazy("An id written by Ecotone's export. Leave blank for a new record."),
    "text": gettext_lazy("Text."),
    "url": gettext_lazy("A web address starting with https:// or http://."),
    "email": gettext_lazy("An email address."),
    "int": gettext_lazy("A whole number."),
    "age": gettext_lazy("A whole number from 0 to 99."),
    "decimal": gettext_lazy("A decimal number."),
    "bool": gettext_lazy("yes or no (sí/no, true/false, 1/0). Blank means no."),
    "choice": gettext_lazy("One value: its code or its name in English or Spanish."),
    "terms": gettext_lazy("Several values separated by ';': codes or names in English or Spanish."),
    "languages": gettext_lazy(
        "ISO 639-1 language codes separated by ';' (en; es), or the languages' names."
    ),
    "list": gettext_lazy(
        "Several values separated by ';'. A ';' inside a value is written \\; (and a \\ as \\\\)."
    ),
    "zip": gettext_lazy("A US ZIP code: 5 digits, or ZIP+4."),
    "latitude": gettext_lazy("Decimal degrees from -90 to 90."),
    "longitude": gettext_lazy("Decimal degrees from -180 to 180."),
    "days": gettext_lazy(
        "Days separated by ';': Mon;Wed, Monday;Wednesday, lun;mié, or a range Mon-Fri."
    ),
    "time": gettext_lazy("A time of day: 15:30 or 3:30 PM."),
    "date": gettext_lazy("A date: 2026-09-14 (also 9/14/2026)."),
}


def _facet_choices(facet: stem_profile.Facet) -> tuple[tuple[str, Label], ...]:
    return facet.terms


COLUMNS: tuple[Column, ...] = (
    Column(
        "program_id",
        gettext_lazy("Program id"),
        gettext_lazy(
            "Ecotone's id of the program (HSDS service id). Blank for a new program; keep it "
            "as exported to update one."
        ),
        "id",
        "",
    ),
    Column(
        "organization",
        gettext_lazy("Organization"),
        gettext_lazy(
            "The partner organization that runs the program, by its name in Ecotone. It must "
            "already be a partner of the ecosystem."
        ),
        "text",
        "Robotics For All",
        required=True,
        max_length=200,
    ),
    Column(
        "program_name",
        gettext_lazy("Program name"),
        gettext_lazy("The program's name as families see it."),
        "text",
        "Robotics Club",
        required=True,
        max_length=200,
    ),
    Column(
        "description",
        gettext_lazy("Description"),
        gettext_lazy("What participants do and learn."),
        "text",
        "Teams build and program robots for the regional competition.",
        max_length=LONG_TEXT,
    ),
    Column(
        "url",
        gettext_lazy("Web page"),
        gettext_lazy("The program's web page."),
        "url",
        "https://example.org/robotics",
        max_length=200,
    ),
    Column(
        "email",
        gettext_lazy("Email"),
        gettext_lazy("Where families write with questions."),
        "email",
        "club@example.org",
        max_length=254,
    ),
    Column(
        "phone",
        gettext_lazy("Phone"),
        gettext_lazy("Where families call with questions."),
        "text",
        "(555) 010-0001",
        max_length=40,
    ),
    Column(
        "status",
        gettext_lazy("Status"),
        gettext_lazy("Whether the program runs. Blank means active; defunct programs are hidden."),
        "choice",
        "active",
        choices=tuple(ProgramStatus.choices),
    ),
    Column(
        "minimum_age",
        gettext_lazy("Minimum age"),
        gettext_lazy("Youngest age accepted."),
        "age",
        "11",
    ),
    Column(
        "maximum_age",
        gettext_lazy("Maximum age"),
        gettext_lazy("Oldest age accepted."),
        "age",
        "14",
    ),
    Column(
        "grade_bands",
        stem_profile.GRADE_BANDS.label,
        gettext_lazy("School grades the program is for."),
        "terms",
        "6-8; 9-12",
        choices=_facet_choices(stem_profile.GRADE_BANDS),
    ),
    Column(
        "stem_fields",
        stem_profile.STEM_FIELDS.label,
        gettext_lazy("What the program is about."),
        "terms",
        "robotics; engineering",
        choices=_facet_choices(stem_profile.STEM_FIELDS),
    ),
    Column(
        "activity_types",
        stem_profile.ACTIVITY_TYPES.label,
        gettext_lazy("What kind of activity it is."),
        "terms",
        "afterschool-club",
        choices=_facet_choices(stem_profile.ACTIVITY_TYPES),
    ),
    Column(
        "focus_populations",
        stem_profile.FOCUS_POPULATIONS.label,
        gettext_lazy("Young people the program is designed for, if any in particular."),
        "terms",
        "girls",
        choices=_facet_choices(stem_profile.FOCUS_POPULATIONS),
    ),
    Column(
        "delivery",
        gettext_lazy("Delivery"),
        gettext_lazy("In person, virtual or both. Blank means in person."),
        "choice",
        "in_person",
        choices=tuple(Delivery.choices),
    ),
    Column(
        "transportation_provided",
        gettext_lazy("Transportation provided"),
        gettext_lazy("Whether the program brings participants there and back."),
        "bool",
        "no",
    ),
    Column(
        "cost_band",
        gettext_lazy("Cost"),
        gettext_lazy("What taking part costs a family. Blank means free."),
        "choice",
        "low",
        choices=tuple(CostBand.choices),
    ),
    Column(
        "fees",
        gettext_lazy("Fees"),
        gettext_lazy("The fees in words."),
        "text",
        "$40 a term",
        max_length=LONG_TEXT,
    ),
    Column(
        "scholarships",
        gettext_lazy("Scholarships available"),
        gettext_lazy("Whether scholarships or fee waivers are offered."),
        "bool",
        "yes",
    ),
    Column(
        "languages",
        gettext_lazy("Languages"),
        gettext_lazy("Languages the program is taught in."),
        "languages",
        "en; es",
    ),
    Column(
        "mentoring_depth",
        gettext_lazy("Mentoring"),
        gettext_lazy("Time each participant spends with a mentor. Blank means none."),
        "choice",
        "medium",
        choices=tuple(MentoringDepth.choices),
    ),
    Column(
        "seats", gettext_lazy("Seats"), gettext_lazy("How many can take part at once."), "int", "20"
    ),
    Column(
        "term",
        gettext_lazy("Term"),
        gettext_lazy("When in the year it runs. Blank means the school year."),
        "choice",
        "fall",
        choices=tuple(Term.choices),
    ),
    Column(
        "participants_last_year",
        gettext_lazy("Participants last year"),
        gettext_lazy("How many took part last year: a count only, never names."),
        "int",
        "35",
    ),
    Column(
        "funding_sources",
        gettext_lazy("Funding sources"),
        gettext_lazy("Who funds the program."),
        "list",
        "City STEM Fund; Acme Foundation",
    ),
    Column(
        "partner_organizations",
        gettext_lazy("Partner organizations"),
        gettext_lazy("Other partners of the ecosystem the program works with, by name."),
        "list",
        "Eastside Library",
    ),
    Column(
        "location_id",
        gettext_lazy("Location id"),
        gettext_lazy(
            "Ecotone's id of the location. Blank for a new location; rows with the same location "
            "name, street address and ZIP code share one."
        ),
        "id",
        "",
        part="location",
    ),
    Column(
        "location_name",
        gettext_lazy("Location name"),
        gettext_lazy("Where the program meets. Blank for a program with no fixed place."),
        "text",
        "Riverton Makerspace",
        part="location",
        max_length=200,
    ),
    Column(
        "address_1",
        gettext_lazy("Street address"),
        gettext_lazy("Street and number."),
        "text",
        "12 Main Street",
        part="location",
        max_length=200,
    ),
    Column(
        "city",
        gettext_lazy("City"),
        gettext_lazy("City or town."),
        "text",
        "Riverton",
        part="location",
        max_length=100,
    ),
    Column(
        "state",
        gettext_lazy("State"),
        gettext_lazy("Two-letter state code."),
        "text",
        "OH",
        part="location",
        max_length=50,
    ),
    Column(
        "postal_code",
        gettext_lazy("ZIP code"),
        gettext_lazy("The location's ZIP code."),
        "zip",
        "43215",
        part="location",
    ),
    Column(
        "latitude",
        gettext_lazy("Latitude"),
        gettext_lazy(
            "Where the location is on the map. Blank: the center of its ZIP code, shown as "
            "approximate."
        ),
        "latitude",
        "39.9612",
        part="location",
    ),
    Column(
        "longitude",
        gettext_lazy("Longitude"),
        gettext_lazy("Fill in with the latitude, or leave both blank."),
        "longitude",
        "-82.9988",
        part="location",
    ),
    Column(
        "virtual_url",
        gettext_lazy("Online address"),
        gettext_lazy(
            "Where an online program meets; a row with it and no street address is "
            "an online location."
        ),
        "url",
        "",
        part="location",
        max_length=200,
    ),
    Column(
        "days",
        gettext_lazy("Days"),
        gettext_lazy("Days of the week the program meets."),
        "days",
        "Mon;Wed",
        part="schedule",
    ),
    Column(
        "frequency",
        gettext_lazy("Repeats"),
        gettext_lazy("How often those days repeat. Blank means weekly."),
        "choice",
        "weekly",
        part="schedule",
        choices=tuple((c.lower(), label) for c, label in Frequency.choices),
    ),
    Column(
        "start_time",
        gettext_lazy("Start time"),
        gettext_lazy("When a session starts."),
        "time",
        "15:30",
        part="schedule",
    ),
    Column(
        "end_time",
        gettext_lazy("End time"),
        gettext_lazy("When a session ends."),
        "time",
        "17:00",
        part="schedule",
    ),
    Column(
        "first_date",
        gettext_lazy("First date"),
        gettext_lazy("Date of the first session."),
        "date",
        "2026-09-14",
        part="schedule",
    ),
    Column(
        "last_date",
        gettext_lazy("Last date"),
        gettext_lazy("Date of the last session."),
        "date",
        "2026-12-16",
        part="schedule",
    ),
)
COLUMNS_BY_NAME = {column.name: column for column in COLUMNS}
HEADERS = tuple(column.name for column in COLUMNS)
FACET_COLUMNS = {
    "grade_bands": stem_profile.GRADE_BANDS,
    "stem_fields": stem_profile.STEM_FIELDS,
    "activity_types": stem_profile.ACTIVITY_TYPES,
    "focus_populations": stem_profile.FOCUS_POPULATIONS,
}
# Columns kept in a `profile/<field>` attribute, and the model field behind each.
PROFILE_COLUMNS = {
    "delivery": "delivery",
    "transportation_provided": "transportation_provided",
    "cost_band": "cost_band",
    "scholarships": "scholarships",
    "mentoring_depth": "mentoring_depth",
    "seats": "seats",
    "term": "term",
    "participants_last_year": "participants_last_year",
}
DEFAULTS = {
    "status": ProgramStatus.ACTIVE.value,
    "delivery": Delivery.IN_PERSON.value,
    "cost_band": CostBand.FREE.value,
    "mentoring_depth": MentoringDepth.NONE.value,
    "term": Term.SCHOOL_YEAR.value,
    "transportation_provided": False,
    "scholarships": False,
}
