"""The STEM profile that Open Referral HSDS lacks, as Ecotone's own taxonomy.

Each facet is a list of (code, label). The codes are stable: they are the `code` of the
taxonomy terms (created by a data migration), the values in search URLs, and what HSDS exports
carry as attributes under the Ecotone taxonomy. Labels are translated here.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import grade_ages

TAXONOMY_NAME = "Ecotone STEM profile"
TAXONOMY_URI = "https://ecotone.example.org/taxonomy/stem-profile/1"
TAXONOMY_VERSION = "1"


@dataclass(frozen=True)
class Facet:
    code: str
    label: str | Promise
    terms: tuple[tuple[str, str | Promise], ...]


GRADE_BANDS = Facet(
    "grade_band",
    _("Grades"),
    (
        ("prek", _("PreK")),
        ("k-2", _("K–2")),
        ("3-5", _("3–5")),
        ("6-8", _("6–8")),
        ("9-12", _("9–12")),
        ("postsecondary", _("Postsecondary")),
    ),
)
STEM_FIELDS = Facet(
    "stem_field",
    _("STEM fields"),
    (
        ("science", _("Science")),
        ("computing", _("Computing and coding")),
        ("engineering", _("Engineering")),
        ("mathematics", _("Mathematics")),
        ("steam-arts", _("STEAM and arts")),
        ("health", _("Health and medicine")),
        ("environment", _("Environment and nature")),
        ("making", _("Making and fabrication")),
        ("robotics", _("Robotics")),
        ("aerospace", _("Aerospace")),
        ("data-science", _("Data science")),
        ("agriculture", _("Agriculture and food")),
    ),
)
ACTIVITY_TYPES = Facet(
    "activity_type",
    _("Kind of activity"),
    (
        ("afterschool-club", _("Afterschool club")),
        ("summer-camp", _("Summer camp")),
        ("competition", _("Competition")),
        ("field-trip", _("Field trip")),
        ("maker-residency", _("Maker residency")),
        ("internship", _("Internship")),
        ("career-talk", _("Career talk")),
        ("family-event", _("Family event")),
        ("mentoring-program", _("Mentoring program")),
        ("workshop", _("Workshop")),
    ),
)
FOCUS_POPULATIONS = Facet(
    "focus_population",
    _("Designed for"),
    (
        ("girls", _("Girls")),
        ("students-of-color", _("Students of color")),
        ("low-income", _("Low-income students")),
        ("rural", _("Rural students")),
        ("english-learners", _("English learners")),
        ("disabilities", _("Students with disabilities")),
        ("first-generation", _("First-generation students")),
    ),
)
FACETS = (GRADE_BANDS, STEM_FIELDS, ACTIVITY_TYPES, FOCUS_POPULATIONS)
FACETS_BY_CODE = {facet.code: facet for facet in FACETS}

# Grade bands as the ages they usually cover, to check ages against grades.
GRADE_BAND_AGES = grade_ages.GRADE_BAND_AGES


def label(facet_code: str, term_code: str) -> str | Promise:
    for code, text in FACETS_BY_CODE[facet_code].terms:
        if code == term_code:
            return text
    return term_code
