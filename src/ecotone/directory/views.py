from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.shortcuts import get_object_or_404, render
from django.utils.cache import patch_cache_control
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext
from django.views.decorators.gzip import gzip_page
from django.views.decorators.http import condition

from ecotone import maplayers, program_filters, program_panels
from ecotone.ecosystems.access import ecosystem_view
from ecotone.replicas import read_replica

from . import geojson, stem_profile
from . import search as program_search
from .clustering import BoundingBox
from .models import Delivery, Location, LocationType, Program, Weekday
from .phones import tel_uri

PAGE_SIZE = 20
LANGUAGES = (("en", "English"), ("es", "Español"))
RADII = (2, 5, 10, 20, 50)


def _miles(miles: float) -> str:
    """The label of a radius ("2 miles", "2.5 miles"); gettext chooses a plural by a whole
    number."""
    return ngettext("%(miles)s mile", "%(miles)s miles", math.ceil(miles)) % {
        "miles": number_format(miles)
    }


@read_replica
@ecosystem_view("directory.view_program", public=True)
def program_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The public directory: every filter lives in the URL, so any search can be shared."""
    ecosystem = request.ecosystem  # type: ignore[attr-defined]
    query = program_search.parse(request.GET)
    problems = program_search.problems(request.GET)
    place_error = False
    try:
        result = program_search.search(ecosystem, query)
    except program_search.PlaceNotFoundError:
        place_error = True
        result = program_search.search(
            ecosystem, program_search.ProgramQuery(**{**query.__dict__, "near": ""})
        )
    page = Paginator(result.hits, PAGE_SIZE).get_page(program_search.page_number(request.GET))
    facets: list[dict[str, Any]] = [
        {
            "code": facet.code,
            "label": facet.label,
            "options": [
                {
                    "code": code,
                    "label": label,
                    "count": result.facet_counts.get(facet.code, {}).get(code, 0),
                    "checked": code in query.facets.get(facet.code, ()),
                }
                for code, label in facet.terms
            ],
        }
        for facet in stem_profile.FACETS
    ]
    radius = program_search.radius_miles(query)
    radii = sorted({*RADII, int(radius) if radius == int(radius) else radius})
    return render(
        request,
        "directory/program_list.html",
        {
            "query": query,
            "result": result,
            "page": page,
            "facets": facets,
            "place_error": place_error,
            "problems": problems,
            "weekdays": Weekday.choices,
            "deliveries": Delivery.choices,
            "languages": LANGUAGES,
            "radii": radii,
            "radius_options": [(r, _miles(r)) for r in radii],
            "radius": radius,
            "filters_chosen": _filters_chosen(query),
            "chips": _filter_chips(request.GET, query, ecosystem),
            "clear_filters": _without(request.GET, _FILTER_PARAMS),
            "tile_url": settings.TILE_URL,
            "tile_attribution": settings.TILE_ATTRIBUTION,
            "can_use_spreadsheet": request.user.has_perm(
                "directory.use_program_spreadsheet", ecosystem
            ),
            "map_overlays": maplayers.overlays_for(request.user, ecosystem),
            "extra_filters": _extra_filters(ecosystem, query),
        },
    )


def _extra_filters(ecosystem: Any, query: program_search.ProgramQuery) -> list[dict[str, Any]]:
    """The filters other apps register (ecotone/program_filters.py) that have choices here."""
    chosen = dict(query.extra)
    found = []
    for extra in program_filters.registered():
        choices = extra.choices(ecosystem)
        if choices:
            found.append(
                {
                    "key": extra.key,
                    "label": extra.label,
                    "choices": choices,
                    "value": chosen.get(extra.key, ""),
                }
            )
    return found


def _filters_chosen(query: program_search.ProgramQuery) -> int:
    """How many filters beyond what, where and how far: the count on the folded filters."""
    singles = (query.free, query.transportation, query.after_school, query.language, query.delivery)
    return (
        sum(1 for value in singles if value)
        + len(query.days)
        + sum(len(codes) for codes in query.facets.values())
        + len(query.extra)
    )


# The parameters of the folded filters (not what, where, how far or the order).
_FILTER_PARAMS = (
    "free",
    "transportation",
    "after_school",
    "language",
    "delivery",
    "day",
    *(facet.code for facet in stem_profile.FACETS),
)


def _without(params: QueryDict, names: tuple[str, ...], value: str | None = None) -> str:
    """The search's query string without the parameters `names` (only their `value` when
    given), back on its first page."""
    kept = params.copy()
    kept.pop("page", None)
    if names == _FILTER_PARAMS:  # the registered filters are folded filters too
        names = (*names, *(extra.key for extra in program_filters.registered()))
    for name in names:
        if value is None:
            kept.pop(name, None)
        else:
            kept.setlist(name, [v for v in kept.getlist(name) if v != value])
    return "?" + kept.urlencode() if kept else "?"


def _filter_chips(
    params: QueryDict, query: program_search.ProgramQuery, ecosystem: Any = None
) -> list[dict[str, str]]:
    """The chosen filters, each with the link to the same search without it (works without
    JavaScript: a chip is a plain link)."""
    chips: list[tuple[str, str, str | None]] = []
    if query.free:
        chips.append((gettext("Free"), "free", None))
    if query.transportation:
        chips.append((gettext("Transportation provided"), "transportation", None))
    if query.after_school:
        chips.append((gettext("After school (weekdays from 2:30 pm)"), "after_school", None))
    if query.language:
        name = dict(LANGUAGES).get(query.language, query.language)
        chips.append((gettext("Language: %(name)s") % {"name": name}, "language", None))
    if query.delivery:
        chips.append((str(Delivery(query.delivery).label), "delivery", None))
    days = dict(Weekday.choices)
    chips.extend((str(days[day]), "day", day) for day in query.days)
    for facet in stem_profile.FACETS:
        labels = dict(facet.terms)
        chips.extend(
            (str(labels[code]), facet.code, code) for code in query.facets.get(facet.code, ())
        )
    for key, value in query.extra:
        extra = program_filters.get(key)
        known = dict(extra.choices(ecosystem)) if extra is not None and ecosystem else {}
        if value in known:
            chips.append((f"{extra.label}: {known[value]}" if extra else "", key, None))
    return [
        {"label": label, "href": _without(params, (name,), value)} for label, name, value in chips
    ]


def _map_etag(request: HttpRequest, ecosystem_slug: str) -> str:
    return geojson.etag(
        request.ecosystem,  # type: ignore[attr-defined]
        program_search.parse(request.GET),
        BoundingBox.parse(request.GET.get("bbox", "")),
    )


def _cached_for_a_minute(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Lets browsers and proxies keep the map's data a minute, then revalidate with the ETag."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = view(request, *args, **kwargs)
        # The data is the same for everyone, but a signed-in response also refreshes the
        # session cookie (renewed hourly), which no shared cache may keep.
        if request.user.is_authenticated:
            patch_cache_control(response, private=True, max_age=60)
        else:
            patch_cache_control(response, public=True, max_age=60)
        return response

    return wrapper


@read_replica
@ecosystem_view("directory.view_program", public=True)
@_cached_for_a_minute
@gzip_page  # GeoJSON compresses about tenfold; the ETag turns weak, which is all we need
@condition(etag_func=_map_etag)
def map_geojson(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The directory map's data: the list's search parameters, plus `bbox=west,south,east,north`
    for the viewport. The page number and sort order make no difference."""
    collection = geojson.feature_collection(
        request.ecosystem,  # type: ignore[attr-defined]
        program_search.parse(request.GET),
        BoundingBox.parse(request.GET.get("bbox", "")),
    )
    return JsonResponse(
        collection,
        content_type="application/geo+json",
        json_dumps_params={"separators": (",", ":")},
    )


@read_replica
@ecosystem_view("directory.view_program", public=True)
def program_detail(request: HttpRequest, ecosystem_slug: str, program_slug: str) -> HttpResponse:
    ecosystem = request.ecosystem  # type: ignore[attr-defined]
    program = get_object_or_404(
        Program.objects.filter(ecosystem=ecosystem)
        .listed()
        .select_related("organization", "ecosystem")
        .prefetch_related(
            "attributes__term",
            "program_locations__location",
            "schedules",
            "languages",
            "partner_organizations",
            "capacities",
        ),
        slug=program_slug,
    )
    profile: dict[str, list[Any]] = {}
    for attribute in program.attributes.all():
        term = attribute.term
        if term.facet in stem_profile.FACETS_BY_CODE and "/" in term.code:
            profile.setdefault(term.facet, []).append(
                stem_profile.label(term.facet, term.code.split("/", 1)[1])
            )
    sections = [
        (facet.label, profile[facet.code]) for facet in stem_profile.FACETS if facet.code in profile
    ]
    places = [
        {"location": link.location, "directions": _directions(link.location)}
        for link in program.program_locations.all()
    ]
    return render(
        request,
        "directory/program_detail.html",
        {
            "program": program,
            "profile": sections,
            "places": places,
            "directions": [place["directions"] for place in places if place["directions"]],
            "phone_uri": tel_uri(program.phone),
            "can_change": request.user.has_perm("directory.change_listing", program),
            "panels": program_panels.panels_for(request, program),
        },
    )


DIRECTIONS_URL = "https://www.openstreetmap.org/directions"


def _directions(location: Location) -> str:
    """A plain link to directions to a place (nothing loads until a person follows it): to its
    coordinates, or to its address when they are only its ZIP code's center."""
    if location.location_type == LocationType.VIRTUAL:
        return ""
    lat, lon = location.latitude, location.longitude
    if lat is not None and lon is not None and not location.is_approximate:
        lat, lon = round(lat, 6), round(lon, 6)
        return f"{DIRECTIONS_URL}?{urlencode({'to': f'{lat},{lon}'})}"
    if not location.address_1:
        return ""
    place = f"{location.state_province} {location.postal_code}".strip()
    address = ", ".join(part for part in (location.address_1, location.city, place) if part)
    return f"{DIRECTIONS_URL}?{urlencode({'to': address})}"
