"""The directory's data model: HSDS alignment, the STEM taxonomy, integrity rules."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from django.db import IntegrityError
from django.utils import timezone

from ecotone.directory import stem_profile
from ecotone.directory.models import (
    CoordinatesSource,
    Location,
    Program,
    ProgramStatus,
    Taxonomy,
    TaxonomyTerm,
)
from ecotone.directory.taxonomy import ensure_stem_taxonomy
from tests.conftest import World


def make_program(world: World, name: str, **fields: Any) -> Program:
    from django.utils.text import slugify

    return Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name=name, slug=slugify(name), **fields
    )


def test_the_stem_taxonomy_holds_every_facet_term(db: Any) -> None:
    taxonomy = Taxonomy.objects.get(name=stem_profile.TAXONOMY_NAME)
    for facet in stem_profile.FACETS:
        codes = set(
            taxonomy.terms.filter(facet=facet.code, parent__isnull=False).values_list(
                "code", flat=True
            )
        )
        assert codes == {f"{facet.code}/{code}" for code, _label in facet.terms}


def test_taxonomy_ids_are_the_same_on_every_deployment(db: Any) -> None:
    namespace = uuid.UUID("5d0c2f7e-6b1a-4c3e-9d7a-ec070e000001")
    # 35 facet terms + 4 facets, 10 profile fields + their parent; idempotent: nothing twice
    assert ensure_stem_taxonomy().terms.count() == 50
    robotics = TaxonomyTerm.objects.get(code="stem_field/robotics")
    assert robotics.hsds_id == uuid.uuid5(namespace, "stem_field/robotics")


def test_minimum_age_cannot_exceed_maximum_age(world: World) -> None:
    with pytest.raises(IntegrityError):
        make_program(world, "Backwards", minimum_age=14, maximum_age=10)


def test_public_listing_leaves_out_archived_and_defunct_programs(world: World) -> None:
    make_program(world, "Running")
    make_program(world, "Closed for good", status=ProgramStatus.DEFUNCT)
    make_program(world, "Archived", archived_at=timezone.now())
    make_program(world, "Paused", status=ProgramStatus.TEMPORARILY_CLOSED)
    assert set(Program.objects.listed().values_list("name", flat=True)) == {"Running", "Paused"}


def test_zip_centroid_locations_are_flagged_approximate(world: World) -> None:
    location = Location.objects.create(
        ecosystem=world.alpha,
        name="Somewhere in 43215",
        postal_code="43215",
        coordinates_source=CoordinatesSource.ZIP_CENTROID,
    )
    assert location.is_approximate


def test_age_ranges_of_grade_bands_are_ordered() -> None:
    for low, high in stem_profile.GRADE_BAND_AGES.values():
        assert low < high
    assert [code for code, _label in stem_profile.GRADE_BANDS.terms] == list(
        stem_profile.GRADE_BAND_AGES
    )


def test_a_program_never_takes_the_address_of_a_directory_page(world: Any) -> None:
    from ecotone.directory.models import Program

    programs = Program.objects.filter(ecosystem=world.alpha)
    assert programs.free_slug("Imports") == "imports-2"
    assert programs.free_slug("Export!") == "export-2"
    assert programs.free_slug("Robotics Club") == "robotics-club"
    assert programs.free_slug("Robotics Club", {"robotics-club"}) == "robotics-club-2"
    assert programs.free_slug("¡¡!!") == "program"
