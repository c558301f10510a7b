"""Ecotone's STEM-profile taxonomy as database rows (HSDS taxonomy + taxonomy_term).

Created by a data migration; `ensure_stem_taxonomy` is idempotent, so the migration and anything
that must rebuild it (a test database flushed between browser tests) share one definition.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.utils import translation

from . import stem_profile

# Stable identifiers, so every deployment exports the same taxonomy ids in HSDS.
NAMESPACE = uuid.UUID("5d0c2f7e-6b1a-4c3e-9d7a-ec070e000001")


def ensure_stem_taxonomy(taxonomy_model: Any = None, term_model: Any = None) -> Any:
    """Create the taxonomy and its terms where missing; return the taxonomy.

    The models are parameters so the data migration can pass its historical versions.
    """
    if taxonomy_model is None or term_model is None:
        from .models import Taxonomy, TaxonomyTerm

        taxonomy_model, term_model = Taxonomy, TaxonomyTerm
    with translation.override("en"):
        taxonomy, _ = taxonomy_model.objects.get_or_create(
            hsds_id=uuid.uuid5(NAMESPACE, "taxonomy"),
            defaults={
                "name": stem_profile.TAXONOMY_NAME,
                "description": "Grade bands, STEM fields, kinds of activity and focus "
                "populations of STEM learning programs.",
                "uri": stem_profile.TAXONOMY_URI,
                "version": stem_profile.TAXONOMY_VERSION,
            },
        )
        for facet in stem_profile.FACETS:
            parent, _ = term_model.objects.get_or_create(
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
    return taxonomy
