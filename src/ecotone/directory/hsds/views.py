"""The HSDS 3.0 API of one ecosystem's directory, read-only and public.

Mounted at `/api/hsds/<ecosystem_slug>/` (see `urls.py`). The issue names `/api/hsds/`;
the ecosystem slug follows it because every ecosystem publishes its own directory, and an HSDS
client is configured with one base URL to which it appends `/services`, `/organizations`, ...:
that base must name the directory. It also keeps tenant scoping where every Ecotone URL has it,
in the path, resolved once by the ecosystem middleware (an unknown or inactive ecosystem is a
404 before any view runs).

Endpoints follow the HSDS 3.0 `openapi.json`: `/` (version, profile, openapi_url);
`/services`, `/organizations`, `/service_at_locations`, `/taxonomies`, `/taxonomy_terms` as
pages (`total_items`, `total_pages`, `page_number`, `size` = items on this page, `first_page`,
`last_page`, `empty` = this page has no items, `contents`); and each of them `/{id}` fully
nested. Only published data: listed programs (`Program.objects.listed()`), the locations they
use, the partners that run them, the shared and the ecosystem's own taxonomies.

Parameters:
- `page` (from 1), `per_page` (default 50, at most 500). A page past the last is empty.
- `search`: the directory's keyword search (`search.matching_programs`), best match first.
- `taxonomy_term_id`: services carrying that term, or a child of it (a facet's id matches all
  its terms; a `profile/...` term matches services that have that profile field filled).
- `taxonomy_id`, `organization_id`, `modified_after` (ISO 8601 date or date-time; a service's
  own `last_modified`).
- `postcode`: a US ZIP code. Alone, it keeps services offered at a location in that ZIP code or
  whose service area (GeoJSON extent) contains the ZIP code's center.
- `proximity`: with `postcode`, a distance in meters, as HSDS defines it: keeps services with
  a location within that distance of the ZIP code's center (offline ZIP centroids; `postcode`
  may also be `latitude,longitude`), nearest first. From 0.5 to 100 miles (805 to 160,934 m),
  the finder's radius (`search.radius_allowed`); outside, a 400.
- `full=true` on `/services`: full services in the page; `format=ndjson`: every matching full
  service, one per line, streamed without pagination. `full_service=true` on
  `/organizations/{id}`: its services fully nested.

A malformed parameter is a 400 `{"detail": "..."}` naming it, never a silent first page: a
client paging with a broken `page` would otherwise loop forever. Unknown ids are 404 JSON.
"""

from __future__ import annotations

import functools
import math
import re
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, time
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.db.models.functions import Lower
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import formats
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from ecotone.ecosystems import geo
from ecotone.ecosystems.access import ecosystem_view
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.replicas import read_replica

from .. import search as program_search
from ..distance import bounding_box, haversine_miles
from ..geocoding import normalize_zip, zip_centroid
from ..models import (
    Location,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    ServiceArea,
    TaxonomyTerm,
)
from ..taxonomy import PROFILE, PROFILE_FIELDS_BY_CODE, STEM_TAXONOMY_ID, ProfileField
from . import export as hsds

DEFAULT_PER_PAGE = 50
MAX_PER_PAGE = 500
METERS_PER_MILE = 1609.344
MIN_PROXIMITY_M = program_search.MIN_RADIUS_MI * METERS_PER_MILE
MAX_PROXIMITY_M = program_search.MAX_RADIUS_MI * METERS_PER_MILE
_OFFSET_WITH_LOST_PLUS = re.compile(r" (\d\d:?\d\d)$")

Record = dict[str, Any]


class BadParameterError(ValueError):
    """A query parameter the API cannot read; the message names it."""

    def __init__(self, name: str, problem: str) -> None:
        super().__init__(f"{name}: {problem}")


class RecordNotFoundError(LookupError):
    """No published record of this ecosystem has that id."""


def hsds_endpoint(
    view: Callable[..., HttpResponseBase],
) -> Callable[..., HttpResponseBase]:
    """Public, GET only; bad parameters become 400 and unknown ids 404, both as JSON."""

    @read_replica
    @ecosystem_view("directory.view_program", public=True)
    @require_safe
    @functools.wraps(view)
    def wrapper(request: HttpRequest, ecosystem_slug: str, **kwargs: Any) -> HttpResponseBase:
        ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
        try:
            return view(request, ecosystem, **kwargs)
        except BadParameterError as error:
            return JsonResponse({"detail": str(error)}, status=400)
        except RecordNotFoundError:
            return JsonResponse({"detail": _("Not found.")}, status=404)

    return wrapper


def _json(data: Record) -> JsonResponse:
    return JsonResponse(data, json_dumps_params={"ensure_ascii": False})


# Reading parameters


def _positive_int(params: QueryDict, name: str, default: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not raw.isdecimal() or int(raw) < 1:
        raise BadParameterError(name, _("a whole number from 1 is expected."))
    return int(raw)


def _boolean(params: QueryDict, name: str) -> bool:
    raw = params.get(name, "").strip().lower()
    if raw in ("", "false", "0"):
        return False
    if raw in ("true", "1"):
        return True
    raise BadParameterError(name, _("true or false is expected."))


def _uuid(params: QueryDict, name: str) -> uuid.UUID | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    try:
        return uuid.UUID(raw)
    except ValueError:
        raise BadParameterError(name, _("an HSDS id (a UUID) is expected.")) from None


def _moment(params: QueryDict, name: str) -> datetime | None:
    raw = params.get(name, "").strip()
    if not raw:
        return None
    # An unencoded "+01:00" in a query string arrives as " 01:00".
    raw = _OFFSET_WITH_LOST_PLUS.sub(r"+\1", raw)
    try:
        moment = parse_datetime(raw)
        day = None if moment else parse_date(raw)
    except ValueError:
        moment = day = None
    if moment is None and day is not None:
        moment = datetime.combine(day, time.min)
    if moment is None:
        raise BadParameterError(name, _("an ISO 8601 date or date and time is expected."))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _record_id(value: str) -> uuid.UUID:
    try:
        return uuid.UUID(value)
    except ValueError:
        raise RecordNotFoundError from None


# Pages


@dataclass(frozen=True)
class PageRequest:
    number: int
    size: int

    @classmethod
    def from_params(cls, params: QueryDict) -> PageRequest:
        number = _positive_int(params, "page", 1)
        size = min(_positive_int(params, "per_page", DEFAULT_PER_PAGE), MAX_PER_PAGE)
        return cls(number, size)

    @property
    def start(self) -> int:
        return (self.number - 1) * self.size

    def beyond(self, total: int) -> bool:
        return self.start >= total


def _page(contents: list[Record], total: int, request: PageRequest) -> Record:
    total_pages = math.ceil(total / request.size)
    return {
        "total_items": total,
        "total_pages": total_pages,
        "page_number": request.number,
        "size": len(contents),
        "first_page": request.number == 1,
        "last_page": request.number >= total_pages,
        "empty": not contents,
        "contents": contents,
    }


def _paged(
    queryset: QuerySet[Any], request: PageRequest, record: Callable[[Any], Record]
) -> Record:
    total = queryset.count()
    rows = (
        []
        if request.beyond(total)
        else list(queryset[request.start : request.start + request.size])
    )
    return _page([record(row) for row in rows], total, request)


def _paged_by_key(
    model_rows: Callable[[list[int]], QuerySet[Any]],
    ordered_keys: list[int],
    request: PageRequest,
    record: Callable[[Any], Record],
) -> Record:
    """A page of a result ordered in Python (by distance): fetch only this page's rows."""
    keys = ordered_keys[request.start : request.start + request.size]
    rows = {row.pk: row for row in model_rows(keys)} if keys else {}
    return _page([record(rows[key]) for key in keys], len(ordered_keys), request)


# Which services


@dataclass(frozen=True)
class Place:
    """Where `postcode` (and `proximity`) point: a ZIP code's center, or a radius around it."""

    postal_code: str | None
    origin: tuple[float, float] | None
    radius_mi: float | None


def _place(params: QueryDict) -> Place | None:
    postcode = params.get("postcode", "").strip()[:60]
    proximity = params.get("proximity", "").strip()
    if not postcode:
        if proximity:
            raise BadParameterError("proximity", _("needs a postcode to measure from."))
        return None
    if proximity:
        try:
            miles = float(proximity) / METERS_PER_MILE
        except ValueError:
            miles = math.nan
        if not program_search.radius_allowed(miles):
            raise BadParameterError(
                "proximity",
                _("give a distance from %(least)s to %(most)s meters (%(low)s to %(high)s miles).")
                % {
                    "least": formats.number_format(math.ceil(MIN_PROXIMITY_M), force_grouping=True),
                    "most": formats.number_format(math.floor(MAX_PROXIMITY_M), force_grouping=True),
                    "low": formats.number_format(program_search.MIN_RADIUS_MI),
                    "high": formats.number_format(int(program_search.MAX_RADIUS_MI)),
                },
            )
        try:
            origin = program_search.resolve_place(postcode)
        except program_search.PlaceNotFoundError:
            raise BadParameterError("postcode", _("not a known US ZIP code.")) from None
        return Place(normalize_zip(postcode), origin, miles)
    code = normalize_zip(postcode)
    if code is None:
        raise BadParameterError("postcode", _("a US ZIP code is expected."))
    centroid = zip_centroid(code)
    center = (centroid.latitude, centroid.longitude) if centroid else None
    return Place(code, center, None)


def _with_term(ecosystem: Ecosystem, term_id: uuid.UUID) -> Q | Exists:
    """Services carrying the term or one of its children, as the export would show them."""
    term = hsds.public_taxonomy_terms(ecosystem).filter(hsds_id=term_id).first()
    if term is None:
        return Q(pk__in=[])
    if term.code == PROFILE:
        return Q()
    if term.code in PROFILE_FIELDS_BY_CODE:
        return _with_profile_term(ecosystem, PROFILE_FIELDS_BY_CODE[term.code])
    terms = TaxonomyTerm.objects.filter(Q(pk=term.pk) | Q(parent=term))
    return Exists(ProgramAttribute.objects.filter(program=OuterRef("pk"), term__in=terms))


def _with_profile_term(ecosystem: Ecosystem, field: ProfileField) -> Q | Exists:
    """Profile attributes are made from fields on export: a service has one when it is filled."""
    if field.link_entity != "service":
        return Q(pk__in=[])  # a location's attribute, never a service's
    if field.field == "partner_organization":
        return Exists(
            Organization.objects.filter(
                partnered_programs=OuterRef("pk"), ecosystem=ecosystem, archived_at__isnull=True
            )
        )
    if getattr(Program._meta.get_field(field.field), "null", False):
        return Q(**{f"{field.field}__isnull": False})
    return Q()  # delivery, cost band, term, ...: every program has them


def _organization_pk(ecosystem: Ecosystem, wanted: uuid.UUID) -> int | None:
    """The published organization with that HSDS id, if any."""
    return (
        hsds.public_organizations(ecosystem)
        .filter(hsds_id=wanted)
        .values_list("pk", flat=True)
        .first()
    )


def _matching_programs(ecosystem: Ecosystem, params: QueryDict) -> QuerySet[Program]:
    """Listed programs matching every parameter except postcode and proximity."""
    query = program_search.ProgramQuery(q=params.get("search", "").strip()[:200])
    programs = program_search.matching_programs(ecosystem, query)
    if (term_id := _uuid(params, "taxonomy_term_id")) is not None:
        programs = programs.filter(_with_term(ecosystem, term_id))
    taxonomy_id = _uuid(params, "taxonomy_id")
    # Every service carries profile attributes under Ecotone's own taxonomy.
    if taxonomy_id is not None and taxonomy_id != STEM_TAXONOMY_ID:
        programs = programs.filter(
            Exists(
                ProgramAttribute.objects.filter(
                    program=OuterRef("pk"), term__taxonomy__hsds_id=taxonomy_id
                )
            )
        )
    if (organization := _uuid(params, "organization_id")) is not None:
        organization_pk = _organization_pk(ecosystem, organization)
        if organization_pk is None:
            return programs.none()
        programs = programs.filter(organization_id=organization_pk)
    if (modified_after := _moment(params, "modified_after")) is not None:
        programs = programs.filter(updated_at__gte=modified_after)
    return programs


def _ordered(programs: QuerySet[Program]) -> QuerySet[Program]:
    """By name; a keyword search (which annotates `relevance`) best match first."""
    if "relevance" in programs.query.annotations:
        return programs.order_by("-relevance", Lower("name"), "pk")
    return programs.order_by(Lower("name"), "pk")


def _extent_contains(extent: Any, lat: float, lon: float) -> bool:
    """Whether a GeoJSON geometry, Feature or FeatureCollection covers the point."""
    try:
        if extent.get("type") == "FeatureCollection":
            return any(_extent_contains(f, lat, lon) for f in extent.get("features") or [])
        if extent.get("type") == "Feature":
            return _extent_contains(extent.get("geometry") or {}, lat, lon)
        return geo.polygon_contains(extent, lat, lon)
    except (AttributeError, TypeError, ValueError, IndexError):
        return False  # a malformed or non-polygon extent covers nothing


def _covered_program_pks(programs: QuerySet[Program], place: Place) -> list[int]:
    """Programs whose service area contains the place: O(service areas with an extent)."""
    if place.origin is None:
        return []
    areas = ServiceArea.objects.filter(
        program__in=programs.values("pk"), extent__isnull=False
    ).values_list("program_id", "extent")
    return [pk for pk, extent in areas if _extent_contains(extent, *place.origin)]


def _in_postal_code(place: Place) -> QuerySet[Location]:
    code = place.postal_code or ""
    return Location.objects.filter(Q(postal_code=code) | Q(postal_code__startswith=f"{code}-"))


@dataclass(frozen=True)
class Nearby:
    sal_pk: int
    program_pk: int
    name: str
    miles: float


def _nearby(sals: QuerySet[ProgramLocation], place: Place) -> list[Nearby]:
    """Service-at-locations within the radius, nearest first: a box query, then haversine."""
    if place.origin is None or place.radius_mi is None:
        return []
    south, west, north, east = bounding_box(*place.origin, place.radius_mi)
    rows = list(
        sals.filter(
            location__latitude__range=(south, north), location__longitude__range=(west, east)
        ).values_list(
            "pk", "program_id", "program__name", "location__latitude", "location__longitude"
        )
    )
    if not rows:
        return []
    # Never null: inside the box.
    lats = [float(r[3] or 0.0) for r in rows]
    lons = [float(r[4] or 0.0) for r in rows]
    miles = haversine_miles(*place.origin, lats, lons)
    found = [
        Nearby(pk, program_pk, name, float(distance))
        for (pk, program_pk, name, _lat, _lon), distance in zip(rows, miles, strict=True)
        if distance <= place.radius_mi
    ]
    return sorted(found, key=lambda n: (n.miles, n.name.lower(), n.sal_pk))


def _nearest_programs(programs: QuerySet[Program], place: Place) -> list[int]:
    """Program pks with a location inside the radius, by their nearest location."""
    sals = ProgramLocation.objects.filter(program__in=programs.values("pk"))
    seen: set[int] = set()
    ordered = []
    for near in _nearby(sals, place):
        if near.program_pk not in seen:
            seen.add(near.program_pk)
            ordered.append(near.program_pk)
    return ordered


# Endpoints


@hsds_endpoint
def api_root(request: HttpRequest, ecosystem: Ecosystem) -> HttpResponse:
    return _json(
        {
            "version": hsds.HSDS_VERSION,
            "profile": hsds.PROFILE_URL,
            "openapi_url": hsds.OPENAPI_URL,
        }
    )


@hsds_endpoint
def services(request: HttpRequest, ecosystem: Ecosystem) -> HttpResponseBase:
    params = request.GET
    output = params.get("format", "json").strip().lower() or "json"
    if output not in ("json", "ndjson"):
        raise BadParameterError("format", _("json or ndjson is expected."))
    full = _boolean(params, "full")
    programs = _matching_programs(ecosystem, params)
    place = _place(params)
    nearest: list[int] | None = None
    if place is not None and place.radius_mi is not None:
        nearest = _nearest_programs(programs, place)
    elif place is not None:
        covered = _covered_program_pks(programs, place)
        located = ProgramLocation.objects.filter(
            program=OuterRef("pk"), location__in=_in_postal_code(place)
        )
        programs = programs.filter(Q(Exists(located)) | Q(pk__in=covered))

    if output == "ndjson":
        selection = programs if nearest is None else programs.filter(pk__in=nearest)
        return StreamingHttpResponse(
            _encoded(hsds.iter_services_ndjson(ecosystem, selection)),
            content_type="application/x-ndjson; charset=utf-8",
        )

    export = hsds.HsdsExport(ecosystem)
    page = PageRequest.from_params(params)

    def rows(queryset: QuerySet[Program]) -> QuerySet[Program]:
        if full:
            export.load_history(list(queryset.values_list("pk", flat=True)))
            return hsds.with_full_detail(queryset, ecosystem)
        return queryset.select_related("organization")

    record = export.service_full if full else export.service_summary
    if nearest is not None:
        return _json(
            _paged_by_key(
                lambda keys: rows(Program.objects.filter(pk__in=keys)), nearest, page, record
            )
        )
    return _json(_paged(rows(_ordered(programs)), page, record))


@hsds_endpoint
def service(request: HttpRequest, ecosystem: Ecosystem, hsds_id: str) -> HttpResponse:
    programs = hsds.public_programs(ecosystem).filter(hsds_id=_record_id(hsds_id))
    program = hsds.with_full_detail(programs, ecosystem).first()
    if program is None:
        raise RecordNotFoundError
    return _json(hsds.HsdsExport(ecosystem).service_full(program))


@hsds_endpoint
def service_at_locations(request: HttpRequest, ecosystem: Ecosystem) -> HttpResponse:
    params = request.GET
    programs = _matching_programs(ecosystem, params)
    place = _place(params)
    sals = ProgramLocation.objects.filter(program__in=programs.values("pk"))
    export = hsds.HsdsExport(ecosystem)
    page = PageRequest.from_params(params)

    def rows(queryset: QuerySet[ProgramLocation]) -> QuerySet[ProgramLocation]:
        return queryset.select_related("program__organization", "location__organization")

    if place is not None and place.radius_mi is not None:
        ordered = [near.sal_pk for near in _nearby(sals, place)]
        return _json(
            _paged_by_key(
                lambda keys: rows(ProgramLocation.objects.filter(pk__in=keys)),
                ordered,
                page,
                export.service_at_location_summary,
            )
        )
    if place is not None:
        covered = _covered_program_pks(programs, place)
        sals = sals.filter(Q(location__in=_in_postal_code(place)) | Q(program_id__in=covered))
    ordered_sals = sals.order_by("program__name", "program_id", "location__name", "pk")
    return _json(_paged(rows(ordered_sals), page, export.service_at_location_summary))


@hsds_endpoint
def service_at_location(request: HttpRequest, ecosystem: Ecosystem, hsds_id: str) -> HttpResponse:
    sal = (
        ProgramLocation.objects.filter(
            hsds_id=_record_id(hsds_id),
            program__in=hsds.public_programs(ecosystem).values("pk"),
        )
        .select_related("location__organization")
        .prefetch_related(Prefetch("schedules", queryset=Schedule.objects.order_by("pk")))
        .first()
    )
    if sal is None:
        raise RecordNotFoundError
    program = hsds.with_full_detail(Program.objects.filter(pk=sal.program_id), ecosystem).get()
    export = hsds.HsdsExport(ecosystem)
    return _json(
        {
            **export.service_at_location_full(sal),
            "service": export.service_full(program, with_locations=False),
        }
    )


@hsds_endpoint
def organizations(request: HttpRequest, ecosystem: Ecosystem) -> HttpResponse:
    found = hsds.public_organizations(ecosystem)
    if text := request.GET.get("search", "").strip()[:200]:
        found = found.filter(
            Q(name__icontains=text)
            | Q(alternate_name__icontains=text)
            | Q(description__icontains=text)
        )
    page = PageRequest.from_params(request.GET)
    export = hsds.HsdsExport(ecosystem)
    return _json(_paged(found.order_by("name", "pk"), page, export.organization))


@hsds_endpoint
def organization(request: HttpRequest, ecosystem: Ecosystem, hsds_id: str) -> HttpResponse:
    full_service = _boolean(request.GET, "full_service")
    pk = _organization_pk(ecosystem, _record_id(hsds_id))
    if pk is None:
        raise RecordNotFoundError
    found = hsds.public_organizations(ecosystem).get(pk=pk)
    export = hsds.HsdsExport(ecosystem)
    programs = hsds.public_programs(ecosystem).filter(organization=found).order_by("name", "pk")
    if full_service:
        export.load_history(list(programs.values_list("pk", flat=True)))
        services = [
            export.service_full(p, with_organization=False)
            for p in hsds.with_full_detail(programs, ecosystem)
        ]
    else:
        services = [export.service(p) for p in programs]
    locations = (
        hsds.public_locations(ecosystem)
        .filter(organization=found)
        .select_related("organization")
        .order_by("name", "pk")
    )
    return _json(
        export.organization_full(found, services, [export.location_full(x) for x in locations])
    )


@hsds_endpoint
def taxonomies(request: HttpRequest, ecosystem: Ecosystem) -> HttpResponse:
    found = hsds.public_taxonomies(ecosystem)
    if text := request.GET.get("search", "").strip()[:200]:
        found = found.filter(Q(name__icontains=text) | Q(description__icontains=text))
    page = PageRequest.from_params(request.GET)
    export = hsds.HsdsExport(ecosystem)
    return _json(_paged(found.order_by("name", "pk"), page, export.taxonomy))


@hsds_endpoint
def taxonomy(request: HttpRequest, ecosystem: Ecosystem, hsds_id: str) -> HttpResponse:
    found = hsds.public_taxonomies(ecosystem).filter(hsds_id=_record_id(hsds_id)).first()
    if found is None:
        raise RecordNotFoundError
    return _json(hsds.HsdsExport(ecosystem).taxonomy(found))


@hsds_endpoint
def taxonomy_terms(request: HttpRequest, ecosystem: Ecosystem) -> HttpResponse:
    params = request.GET
    found = hsds.public_taxonomy_terms(ecosystem)
    if text := params.get("search", "").strip()[:200]:
        found = found.filter(
            Q(name__icontains=text) | Q(code__icontains=text) | Q(description__icontains=text)
        )
    if (taxonomy_id := _uuid(params, "taxonomy_id")) is not None:
        found = found.filter(taxonomy__hsds_id=taxonomy_id)
    if (parent_id := _uuid(params, "parent_id")) is not None:
        found = found.filter(parent__hsds_id=parent_id)
    if _boolean(params, "top_only"):
        found = found.filter(parent__isnull=True)
    page = PageRequest.from_params(params)
    export = hsds.HsdsExport(ecosystem)
    ordered = found.order_by("taxonomy__name", "code", "pk")
    return _json(_paged(ordered, page, export.taxonomy_term))


@hsds_endpoint
def taxonomy_term(request: HttpRequest, ecosystem: Ecosystem, hsds_id: str) -> HttpResponse:
    found = hsds.public_taxonomy_terms(ecosystem).filter(hsds_id=_record_id(hsds_id)).first()
    if found is None:
        raise RecordNotFoundError
    return _json(hsds.HsdsExport(ecosystem).taxonomy_term(found))


def _encoded(pieces: Iterable[str], size: int = 1 << 16) -> Iterator[bytes]:
    """UTF-8 bytes in blocks of about `size`: fewer, larger writes than one per record."""
    buffer: list[str] = []
    length = 0
    for piece in pieces:
        buffer.append(piece)
        length += len(piece)
        if length >= size:
            yield "".join(buffer).encode()
            buffer, length = [], 0
    if buffer:
        yield "".join(buffer).encode()
