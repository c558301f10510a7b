"""What the listing form posts, for the self-service tests."""

from __future__ import annotations

from typing import Any

BASE = {
    "name": "Coding Nights",
    "status": "active",
    "delivery": "in_person",
    "cost_band": "free",
    "mentoring_depth": "none",
    "term": "school_year",
    "description": "Build games in Python.",
}


def listing_data(
    *,
    schedules: list[dict[str, Any]] = (),  # type: ignore[assignment]
    capacities: list[dict[str, Any]] = (),  # type: ignore[assignment]
    **fields: Any,
) -> dict[str, Any]:
    """The form's POST: program fields, then the schedule and capacity formsets."""
    data: dict[str, Any] = {**BASE, **fields}
    for prefix, rows in (("schedules", schedules), ("capacities", capacities)):
        data[f"{prefix}-TOTAL_FORMS"] = str(len(rows))
        data[f"{prefix}-INITIAL_FORMS"] = "0"
        for i, row in enumerate(rows):
            for key, value in row.items():
                data[f"{prefix}-{i}-{key}"] = value
    return data


WEEKLY = {
    "freq": "WEEKLY",
    "interval": "1",
    "byday": ["MO", "WE"],
    "opens_at": "15:30",
    "closes_at": "17:00",
}
