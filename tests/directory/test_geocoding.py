"""Offline ZIP-centroid geocoding."""

from __future__ import annotations

import math

import pytest

from ecotone.directory.geocoding import normalize_zip, zip_centroid


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("43215", "43215"), (" 43215-1234 ", "43215"), ("4321", None), ("ABCDE", None), ("", None)],
)
def test_normalize_zip(raw: str, expected: str | None) -> None:
    assert normalize_zip(raw) == expected


def test_known_zip_has_a_centroid_in_the_right_place() -> None:
    centroid = zip_centroid("43215")
    assert centroid is not None
    assert centroid.state == "OH"
    # Downtown Columbus, Ohio: within a few kilometres of (39.96, -83.00).
    assert math.isclose(centroid.latitude, 39.96, abs_tol=0.05)
    assert math.isclose(centroid.longitude, -83.00, abs_tol=0.05)


def test_unknown_or_malformed_zip_has_none() -> None:
    assert zip_centroid("00000") is None
    assert zip_centroid("not a zip") is None


def test_every_demo_town_zip_geocodes() -> None:
    from ecotone.demo.builder import CONFLUENCE_TOWNS, LAKESHORE_TOWNS

    for town in CONFLUENCE_TOWNS + LAKESHORE_TOWNS:
        centroid = zip_centroid(town.postal_code)
        assert centroid is not None, town
        # The fictional town sits within about 60 km of its real ZIP code's center.
        assert abs(centroid.latitude - town.lat) < 0.6, town
        assert abs(centroid.longitude - town.lon) < 0.6, town
