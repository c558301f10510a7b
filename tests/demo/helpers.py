"""What the demo's tests measure in more than one module."""

from __future__ import annotations

from typing import Any

import numpy as np

from ecotone.atlas.models import PopulationArea
from ecotone.directory.distance import haversine_miles
from ecotone.directory.models import Delivery, Location
from ecotone.ecosystems.models import Ecosystem
from ecotone.mentoring.models import HourLog, Match, Mentor, Opportunity, ScreeningRecord


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


def _rows(rows: Any) -> list[Any]:
    """The rows in an order of their own values: the queries' orderings tie (a mentor matched
    to two needs of the same title, two sessions on one day), and tied rows come back in
    whichever order the database finds them."""
    return sorted(rows, key=repr)


def snapshot() -> dict[str, list[Any]]:
    """The demo's mentoring, record by record, without ids (which a new seeding renumbers)."""
    return {
        "mentors": _rows(
            Mentor.objects.values_list(
                "user__email",
                "occupation",
                "employer__name",
                "home_postal_code",
                "topics",
                "availability",
                "identity_tags",
            )
        ),
        "screening": _rows(
            ScreeningRecord.objects.values_list(
                "mentor__user__email", "step__code", "status", "completed_on", "verified_by__email"
            )
        ),
        "opportunities": _rows(
            Opportunity.objects.values_list(
                "program__slug", "title", "kind", "mode", "schedule", "equity_priority"
            )
        ),
        "matches": _rows(
            Match.objects.values_list(
                "mentor__user__email", "opportunity__title", "status", "start_on", "closed_on"
            )
        ),
        "hours": _rows(
            HourLog.objects.values_list("mentor__user__email", "date", "hours", "status")
        ),
    }
