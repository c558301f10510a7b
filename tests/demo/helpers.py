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


def snapshot() -> dict[str, list[Any]]:
    return {
        "mentors": list(
            Mentor.objects.order_by("user__email").values_list(
                "user__email",
                "occupation",
                "employer__name",
                "home_postal_code",
                "topics",
                "availability",
                "identity_tags",
            )
        ),
        "screening": list(
            ScreeningRecord.objects.order_by("mentor__user__email", "step__code").values_list(
                "mentor__user__email", "step__code", "status", "completed_on", "verified_by__email"
            )
        ),
        "opportunities": list(
            Opportunity.objects.order_by("program__slug", "title").values_list(
                "program__slug", "title", "kind", "mode", "schedule", "equity_priority"
            )
        ),
        "matches": list(
            Match.objects.order_by("mentor__user__email", "opportunity__title").values_list(
                "mentor__user__email", "opportunity__title", "status", "start_on", "closed_on"
            )
        ),
        "hours": list(
            HourLog.objects.order_by("mentor__user__email", "date").values_list(
                "mentor__user__email", "date", "hours", "status"
            )
        ),
    }
