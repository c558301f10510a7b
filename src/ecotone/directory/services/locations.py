"""An organization's locations, created and changed directly: locations are not moderated (see
docs/admin-guide.md): a new location shows nowhere until an approved listing runs there, and an
address fix must not wait for review.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import geocoding
from ..models import CoordinatesSource, Location, LocationType

LOCATION_FIELDS = (
    "location_type",
    "name",
    "address_1",
    "address_2",
    "city",
    "state_province",
    "postal_code",
    "latitude",
    "longitude",
    "url",
    "description",
    "transportation",
    "accessibility",
)


def place_location(location: Location) -> None:
    """Coordinates left blank are taken from the ZIP code's center, and flagged approximate."""
    if location.location_type == LocationType.VIRTUAL:
        location.coordinates_source = CoordinatesSource.NONE
        return
    if location.latitude is not None and location.longitude is not None:
        location.coordinates_source = CoordinatesSource.ENTERED
        return
    centroid = geocoding.zip_centroid(location.postal_code)
    if centroid is None:
        location.latitude = location.longitude = None
        location.coordinates_source = CoordinatesSource.NONE
        return
    location.latitude, location.longitude = centroid.latitude, centroid.longitude
    location.coordinates_source = CoordinatesSource.ZIP_CENTROID


def save_location(
    ecosystem: Ecosystem,
    organization: Organization,
    location: Location | None,
    actor: Any,
    *,
    expected_version: str | None = None,
    **fields: Any,
) -> Location:
    """Create or change one of an organization's locations (applied directly, audited). A
    stale `expected_version` (someone else saved the location meanwhile) raises
    `EditConflictError`."""
    unknown = set(fields) - set(LOCATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown location fields: {sorted(unknown)}")
    if location is not None and location.organization_id != organization.pk:
        raise DomainError(_("This location belongs to another organization."))
    with acting(actor):
        if location is None:
            location = Location(ecosystem=ecosystem, organization=organization)
        else:
            concurrency.require(expected_version, concurrency.locked_version(location))
        for name, value in fields.items():
            if value is None and name not in ("latitude", "longitude"):
                value = ""
            setattr(location, name, value)
        place_location(location)
        location.full_clean()
        location.save()
    return location
