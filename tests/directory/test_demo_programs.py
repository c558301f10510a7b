"""The demo directory: realistic variety, so the map shows real gaps."""

from __future__ import annotations

from io import StringIO
from typing import Any

from django.core.management import call_command

from ecotone.directory.models import Program


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
