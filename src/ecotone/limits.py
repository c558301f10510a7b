"""How much one record's fields may hold, for forms and the API alike.

A real record needs far less; past these, input is refused with the field named, before it
costs a long write that holds every other writer up (a partner PATCH with 12,000 contacts
took 53 seconds and made concurrent edits fail with "database is locked").

The validators below are Django validators: a form field and a DRF serializer field both take
them (`validators=[...]`), and both put the error under the field's name.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.deconstruct import deconstructible
from django.utils.translation import gettext_lazy as _

# A description, a bio, notes: several paragraphs.
LONG_TEXT = 10_000
# A message, a reason, a one-line list (skills, days of the month), a few lines of settings.
SHORT_TEXT = 2_000
# Search words.
SEARCH_TEXT = 200
# Contacts of one partner organization.
CONTACTS = 50
# Positions ([longitude, latitude]) of an ecosystem's region outline. A census cartographic
# boundary (1:500,000) outlines a county in hundreds to a few thousand positions, so a region of
# several counties fits well within; a full-resolution TIGER outline may not, and is better
# simplified (mapshaper, to ~100 m) anyway. Every "is this point in the region?" walks every
# position (a location saved, each area of an import), and 20,000 keep the stored text under
# about 1 MB.
REGION_POSITIONS = 20_000
# A program's service area (HSDS `extent`) as GeoJSON text: a region outline's REGION_POSITIONS
# at about 40 characters each. It is the longest cell Ecotone writes, so the CSV readers take
# cells up to this (Python's csv stops at 131,072 characters), and whatever is exported reads
# back in.
SERVICE_AREA_EXTENT = 1_000_000
# An analysis's settings as JSON text: every setting with every STEM field and kind of activity
# chosen takes about 900 characters; ten times that leaves room for the taxonomy to grow.
ANALYSIS_SETTINGS = 10_000


def distinct_choices(values: Iterable[Any]) -> None:
    """A list of choices names each choice once, so it never holds more items than there are
    choices (the same one posted thousands of times was stored as given)."""
    values = list(values)
    if len({str(value) for value in values}) < len(values):
        raise ValidationError(_("Choose each option only once."), code="repeated")


@deconstructible
class MaxJSONSize:
    """Refuse a JSON value longer than `limit` characters written compactly."""

    def __init__(self, limit: int) -> None:
        self.limit = limit

    def __call__(self, value: Any) -> None:
        size = len(json.dumps(value, separators=(",", ":"), ensure_ascii=False))
        if size > self.limit:
            raise ValidationError(
                _("Keep this to %(limit)d characters of JSON; it has %(size)d."),
                code="too_long",
                params={"limit": self.limit, "size": size},
            )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MaxJSONSize) and other.limit == self.limit


def region_outline(geometry: Any) -> None:
    """Refuse a (Multi)Polygon with more than REGION_POSITIONS positions; its shape is checked
    by `geo.validate_polygon`, so anything else is left to it."""
    if not isinstance(geometry, dict):
        return
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry.get("type") == "Polygon" else coordinates
    if not isinstance(polygons, list):
        return
    count = sum(
        len(ring)
        for polygon in polygons
        if isinstance(polygon, list)
        for ring in polygon
        if isinstance(ring, list)
    )
    if count > REGION_POSITIONS:
        raise ValidationError(
            _(
                "The outline has %(count)d positions; keep it to %(limit)d by simplifying it "
                "(to about 100 m is plenty for a region)."
            ),
            code="too_long",
            params={"count": count, "limit": REGION_POSITIONS},
        )
