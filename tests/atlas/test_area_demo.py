"""The demo's schools: about 200, in the region, believable, with clear rural deserts."""

from __future__ import annotations

from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command

from ecotone.atlas.models import AreaImport, AreaImportStatus, PopulationArea
from ecotone.demo import atlas as demo
from ecotone.demo import builder
from ecotone.directory.distance import haversine_miles
from ecotone.directory.models import Delivery, Location
from ecotone.ecosystems.models import Ecosystem


def seed(size: str) -> Ecosystem:
    call_command("seed_demo", "--size", size, "--quiet-accounts", stdout=StringIO())
    return Ecosystem.objects.get(slug=builder.MAIN_SLUG)


def nearest_in_person_miles(ecosystem: Ecosystem, areas: list[PopulationArea]) -> np.ndarray:
    places = (
        Location.objects.filter(
            ecosystem=ecosystem,
            latitude__isnull=False,
            program_locations__program__delivery__in=[Delivery.IN_PERSON, Delivery.HYBRID],
            program_locations__program__archived_at__isnull=True,
        )
        .values_list("latitude", "longitude")
        .distinct()
    )
    lats, lons = np.array(list(places), dtype=float).T
    return np.array([haversine_miles(a.latitude, a.longitude, lats, lons).min() for a in areas])


@pytest.fixture(scope="module")
def medium(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The medium demo (the one `make demo` loads), built once for this module."""
    with django_db_blocker.unblock():
        confluence = seed("medium")
        yield confluence
        builder.delete_demo()


@pytest.mark.django_db
def test_about_200_schools_in_the_region_loaded_through_an_import(medium: Ecosystem) -> None:
    areas = list(medium.population_areas.all())
    assert 190 <= len(areas) <= 215
    assert all(medium.region_contains(a.latitude, a.longitude) for a in areas)
    assert {a.kind for a in areas} == {"school"}
    assert {a.locale for a in areas} == {"city", "suburb", "town", "rural"}
    run = AreaImport.objects.get(ecosystem=medium)
    assert run.status == AreaImportStatus.APPLIED
    assert run.created_by is not None  # the demo's backbone admin
    assert run.report["problems"] == []
    lakeshore = Ecosystem.objects.get(slug=builder.SECOND_SLUG)
    assert 10 <= lakeshore.population_areas.count() <= 30


@pytest.mark.django_db
def test_demo_demographics_are_believable(medium: Ecosystem) -> None:
    areas = list(medium.population_areas.all())
    for area in areas:
        bands = [area.youth_in_band(b) for b in ("prek", "k-2", "3-5", "6-8", "9-12")]
        assert sum(bands) == area.youth_total
        assert sum(area.race_counts.values()) == area.youth_total
        assert len(area.district_code) == 7
        assert len(area.code) == 12
        assert area.code.startswith(area.district_code)
    high = [a for a in areas if a.lowest_grade == 9]
    elementary = [a for a in areas if a.highest_grade == 5 and a.locale == "city"]
    assert np.median([a.youth_total for a in high]) > np.median([a.youth_total for a in elementary])
    rural = [a.low_income_share for a in areas if a.locale == "rural" and a.low_income_share]
    suburb = [a.low_income_share for a in areas if a.locale == "suburb" and a.low_income_share]
    assert np.mean(rural) > np.mean(suburb) + 0.3
    assert any(a.low_income_share is None for a in areas)  # a suppressed count stays unknown
    spans = {(a.lowest_grade, a.highest_grade) for a in areas}
    assert {(-1, 5), (0, 5), (6, 8), (9, 12), (0, 8), (0, 12)} <= spans
    west = [a.english_learner_share or 0 for a in areas if a.city == "Westfield"]
    assert np.mean(west) > 0.2


@pytest.mark.django_db
def test_rural_deserts_are_far_from_any_in_person_program(medium: Ecosystem) -> None:
    deserts = list(medium.population_areas.filter(district_name__in=demo.desert_districts()))
    miles = nearest_in_person_miles(medium, deserts)
    assert len(deserts) >= 24
    assert (miles > 20).sum() >= 24
    assert all(a.locale == "rural" for a in deserts)
    assert np.mean([a.low_income_share for a in deserts]) > 0.65
    # The rest of the rural and town schools mostly have a program within 20 miles.
    others = list(
        medium.population_areas.filter(locale__in=["rural", "town"]).exclude(
            district_name__in=demo.desert_districts()
        )
    )
    assert (nearest_in_person_miles(medium, others) <= 20).mean() > 0.8


@pytest.mark.django_db
def test_city_schools_are_mostly_served_but_two_neighbourhoods_are_not(medium: Ecosystem) -> None:
    city = list(medium.population_areas.filter(locale="city"))
    miles = nearest_in_person_miles(medium, city)
    assert (miles <= 2).mean() > 0.7
    underserved = [
        m for a, m in zip(city, miles, strict=True) if a.city in ("Linden Flats", "Hilltop West")
    ]
    assert len(underserved) == 10
    assert min(underserved) > 2.0  # beyond a city catchment


def test_demo_schools_file_is_deterministic() -> None:
    assert demo.schools_file("confluence") == demo.schools_file("confluence")
    assert demo.schools_file("confluence", "small") != demo.schools_file("confluence")


@pytest.mark.django_db
def test_small_demo_still_has_its_rural_deserts() -> None:
    builder.delete_demo()  # the medium one, when this module built it (rolled back after)
    confluence = seed("small")
    deserts = list(confluence.population_areas.filter(district_name__in=demo.desert_districts()))
    assert (nearest_in_person_miles(confluence, deserts) > 20).sum() >= 16
