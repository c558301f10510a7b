"""The demo directory: realistic variety, so the map shows real gaps."""

from __future__ import annotations

from collections import Counter
from io import StringIO
from typing import Any

from django.core.management import call_command

from ecotone.demo import builder
from ecotone.directory.models import CoordinatesSource, Delivery, Location, Program


def test_medium_demo_has_about_400_programs_at_about_250_locations(db: Any) -> None:
    call_command("seed_demo", "--size", "medium", "--quiet-accounts", stdout=StringIO())
    confluence = builder.MAIN_SLUG
    programs = Program.objects.filter(ecosystem__slug=confluence)
    locations = Location.objects.filter(ecosystem__slug=confluence)
    assert 350 <= programs.count() <= 450
    assert 200 <= locations.count() <= 300
    assert programs.filter(delivery=Delivery.VIRTUAL).count() >= 10
    assert locations.filter(coordinates_source=CoordinatesSource.ZIP_CENTROID).exists()

    # Every program carries a complete STEM profile.
    for facet in ("grade_band", "stem_field", "activity_type"):
        without = programs.exclude(terms__facet=facet).count()
        assert without == 0, facet

    # Dense in the metro, thin in the rural counties.
    towns = {t.name: t.locale for t in builder.CONFLUENCE_TOWNS}
    per_locale = Counter(towns.get(city) for city in locations.values_list("city", flat=True))
    assert per_locale["city"] > 3 * per_locale["rural"]

    # All in-person locations lie inside the ecosystem's region.
    ecosystem = programs.first().ecosystem
    for lat, lon in locations.exclude(latitude=None).values_list("latitude", "longitude"):
        assert ecosystem.region_contains(lat, lon)


def test_demo_listings_were_verified_in_the_past_and_some_are_due_again(db: Any) -> None:
    from django.utils import timezone

    from ecotone.directory.services.verification import stale_programs
    from ecotone.ecosystems.models import Ecosystem

    call_command("seed_demo", "--size", "small", stdout=StringIO())
    confluence = Ecosystem.objects.get(slug="confluence")
    dates = list(
        Program.objects.filter(ecosystem=confluence).values_list("assured_date", flat=True)
    )
    assert all(d is not None and d <= timezone.localdate() for d in dates)
    assert 0 < stale_programs(confluence).count() < len(dates)
