"""Ecotone's STEM-profile taxonomy as database rows (HSDS taxonomy + taxonomy_term).

Created by data migrations; `ensure_stem_taxonomy` is idempotent, so the migrations and anything
that must rebuild it (a test database flushed between browser tests) share one definition.

Besides the facet terms (grade bands, STEM fields, ...) the taxonomy holds one term per
single-valued profile field (`profile/delivery`, `profile/seats`, ...). Programs keep those
values in plain fields; the HSDS export turns each into an attribute with that term and a
`value` (see `directory/hsds/export.py`), so they travel with the program in HSDS.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from . import stem_profile

# Stable identifiers, so every deployment exports the same taxonomy ids in HSDS.
NAMESPACE = uuid.UUID("5d0c2f7e-6b1a-4c3e-9d7a-ec070e000001")
STEM_TAXONOMY_ID = uuid.uuid5(NAMESPACE, "taxonomy")

PROFILE = "profile"
PROFILE_LABEL = _("Program profile")


@dataclass(frozen=True)
class ProfileField:
    """A single-valued profile field exported as an HSDS attribute `profile/<field>`."""

    field: str
    label: str | Promise
    description: str  # what the attribute's value holds; stored in English, like the codes
    link_entity: str = "service"

    @property
    def code(self) -> str:
        return f"{PROFILE}/{self.field}"


PROFILE_FIELDS = (
    ProfileField(
        "delivery", _("Delivery"), "How the program is delivered: in_person, virtual or hybrid."
    ),
    ProfileField(
        "cost_band",
        _("Cost"),
        "free, low (under $50), moderate ($50 to $200) or high (over $200).",
    ),
    ProfileField("scholarships", _("Scholarships available"), "true or false."),
    ProfileField("transportation_provided", _("Transportation provided"), "true or false."),
    ProfileField(
        "mentoring_depth",
        _("Mentoring"),
        "Mentor-mentee time: none, light (1-5 hours), medium (6-10 hours) or deep (more than "
        "10 hours).",
    ),
    ProfileField("seats", _("Seats"), "How many participants can take part: a whole number."),
    ProfileField(
        "term",
        _("Term"),
        "When it runs: school_year, fall, spring, summer, year_round or one_time.",
    ),
    ProfileField(
        "participants_last_year",
        _("Participants last year"),
        "How many took part last year: an aggregate count, never a list of people.",
    ),
    ProfileField(
        "partner_organization",
        _("Partner organization"),
        "The HSDS id of an organization the program works with; one attribute per partner.",
    ),
    ProfileField(
        "coordinates_source",
        _("Coordinates from"),
        "Where a location's latitude and longitude come from: entered, zip_centroid (the center "
        "of its ZIP code, so approximate), imported or none.",
        link_entity="location",
    ),
)
PROFILE_FIELDS_BY_CODE = {field.code: field for field in PROFILE_FIELDS}


def ensure_stem_taxonomy(taxonomy_model: Any = None, term_model: Any = None) -> Any:
    """Create the taxonomy and its terms where missing; return the taxonomy.

    The models are parameters so the data migrations can pass its historical versions.
    """
    if taxonomy_model is None or term_model is None:
        from .models import Taxonomy, TaxonomyTerm

        taxonomy_model, term_model = Taxonomy, TaxonomyTerm
    with translation.override("en"):
        taxonomy, _created = taxonomy_model.objects.get_or_create(
            hsds_id=STEM_TAXONOMY_ID,
            defaults={
                "name": stem_profile.TAXONOMY_NAME,
                "description": "Grade bands, STEM fields, kinds of activity and focus "
                "populations of STEM learning programs.",
                "uri": stem_profile.TAXONOMY_URI,
                "version": stem_profile.TAXONOMY_VERSION,
            },
        )
        for facet in stem_profile.FACETS:
            parent, _created = term_model.objects.get_or_create(
                hsds_id=uuid.uuid5(NAMESPACE, facet.code),
                defaults={
                    "taxonomy": taxonomy,
                    "code": facet.code,
                    "name": str(facet.label),
                    "facet": facet.code,
                },
            )
            for code, label in facet.terms:
                term_model.objects.get_or_create(
                    hsds_id=uuid.uuid5(NAMESPACE, f"{facet.code}/{code}"),
                    defaults={
                        "taxonomy": taxonomy,
                        "code": f"{facet.code}/{code}",
                        "name": str(label),
                        "facet": facet.code,
                        "parent": parent,
                    },
                )
        profile, _created = term_model.objects.get_or_create(
            hsds_id=uuid.uuid5(NAMESPACE, PROFILE),
            defaults={
                "taxonomy": taxonomy,
                "code": PROFILE,
                "name": str(PROFILE_LABEL),
                "description": "Single-valued parts of the STEM profile; the attribute's value "
                "holds the program's answer.",
                "facet": PROFILE,
            },
        )
        for field in PROFILE_FIELDS:
            term_model.objects.get_or_create(
                hsds_id=uuid.uuid5(NAMESPACE, field.code),
                defaults={
                    "taxonomy": taxonomy,
                    "code": field.code,
                    "name": str(field.label),
                    "description": field.description,
                    "facet": PROFILE,
                    "parent": profile,
                },
            )
    return taxonomy
