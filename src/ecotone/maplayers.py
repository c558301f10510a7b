"""Layers other domains lay over the opportunity map, without the directory knowing them.

The directory's map sits below the atlas in the import graph (design.md section 2: arrows point
one way), so the atlas cannot be imported by it. Instead, an app registers an overlay here in
its `AppConfig.ready()`: a label, the URL name of a GeoJSON endpoint that takes the ecosystem's
slug, and the permission a person needs to see it. The directory map shows the overlays a person
may see as layers they can switch on.

The endpoint answers a FeatureCollection of points whose properties carry `name`, `color`
(a CSS colour), `details` (lines of plain text for the popup) and, optionally, `outline`
("strong" for points to stand out); its `legend` member lists `{"color", "label"}` pairs and an
optional `note`. The map draws them as circles; it never interprets the numbers. The map asks
for its viewport (`?bbox=west,south,east,north`, as the program map does); an endpoint may answer
a crowded one with clusters, points like any other whose `details` say so.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse
from django.utils.functional import Promise

from ecotone.ecosystems.models import Ecosystem


@dataclass(frozen=True)
class MapOverlay:
    key: str
    label: str | Promise
    url_name: str
    permission: str
    # Extra query string for the endpoint (one endpoint may serve several colourings).
    query: str = ""


_OVERLAYS: dict[str, MapOverlay] = {}


def register(overlay: MapOverlay) -> None:
    """Add an overlay (idempotent: ready() may run more than once in tests)."""
    _OVERLAYS[overlay.key] = overlay


def registered() -> list[MapOverlay]:
    return list(_OVERLAYS.values())


def overlays_for(user: Any, ecosystem: Ecosystem) -> list[dict[str, Any]]:
    """The overlays this person may see on this ecosystem's map, ready for a template."""
    found = []
    for overlay in _OVERLAYS.values():
        if not user.has_perm(overlay.permission, ecosystem):
            continue
        url = reverse(overlay.url_name, kwargs={"ecosystem_slug": ecosystem.slug})
        if overlay.query:
            url = f"{url}?{overlay.query}"
        found.append({"key": overlay.key, "label": overlay.label, "url": url})
    return found
