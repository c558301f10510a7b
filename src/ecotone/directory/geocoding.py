"""Offline geocoding from US ZIP code centroids (the `zipcodes` package ships them).

An address without coordinates is placed at its ZIP code's center and flagged as approximate.
No online geocoder is called: deployments may be offline, and addresses near minors' programs
should not leave the server.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import zipcodes

_ZIP = re.compile(r"^\s*(\d{5})(?:-\d{4})?\s*$")


@dataclass(frozen=True)
class ZipCentroid:
    postal_code: str
    latitude: float
    longitude: float
    city: str
    state: str


def normalize_zip(value: str) -> str | None:
    """'43215-1234' -> '43215'; None when it is not a US ZIP code."""
    match = _ZIP.match(value or "")
    return match.group(1) if match else None


@lru_cache(maxsize=4096)
def zip_centroid(value: str) -> ZipCentroid | None:
    """The center of a US ZIP code, or None when the code is unknown or malformed."""
    code = normalize_zip(value)
    if code is None:
        return None
    try:
        found = zipcodes.matching(code)
    except (TypeError, ValueError):
        return None
    if not found or not found[0].get("lat") or not found[0].get("long"):
        return None
    row = found[0]
    return ZipCentroid(
        postal_code=code,
        latitude=float(row["lat"]),
        longitude=float(row["long"]),
        city=str(row.get("city") or ""),
        state=str(row.get("state") or ""),
    )
