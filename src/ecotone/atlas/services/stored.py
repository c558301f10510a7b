"""A finished run's results as the atlas publishes them, stored once so that no request decodes
the whole run: one `AreaResult` row per area (its figures through `publish`, its place under
every ordering the pages and the API offer) and the run's `digest` (the figures over all areas
the atlas page shows: the summary, which totals are rounded, the charts' counts, the colour
scales). Written when a run completes (`runs.compute_run`); a run finished before rows existed
is stored the first time it is read.

The pages, the map layer, the API list and the export read these; the suppression itself stays
in `publish`: what is stored is what `publish.Figures` returned for the run's areas.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from ecotone.ecosystems.models import Ecosystem

from ..colours import AccessScale, NeedScale
from ..models import AnalysisRun, AreaResult, Locale
from . import publish
from .results import AreaAccess, RunResult

BATCH = 2000


def _num(value: float | None, missing: float = -math.inf) -> float:
    return missing if value is None or not math.isfinite(value) else float(value)


# The pages' sorts: key, descending (Python's sort of the list, stable in the areas' order).
PAGE_SORTS: dict[str, tuple[Callable[[AreaAccess], Any], bool]] = {
    "rank": (lambda a: (a.rank is None, a.rank or 0, a.name), False),
    "need": (lambda a: _num(a.need), True),
    "access": (lambda a: _num(a.access_per_1000, math.inf), False),
    "youth": (lambda a: a.youth, True),
    "nearest": (lambda a: _num(a.nearest_miles), True),
    "name": (lambda a: a.name.casefold(), False),
}
# The API's orderings (`?ordering=`, "-" for descending).
API_ORDERINGS: dict[str, Callable[[AreaAccess], Any]] = {
    "rank": PAGE_SORTS["rank"][0],
    "need": lambda a: (a.need is None, a.need or 0.0, a.name),
    "access": lambda a: (a.access_per_1000, a.name),
    "youth": lambda a: (a.youth, a.name),
    "nearest": lambda a: (a.nearest_miles is None, a.nearest_miles or 0.0, a.name),
    "name": lambda a: (a.name.lower(), a.id),
}
# The column holding each area's place: under a page's sort, its position in the sorted list
# (one direction, ties already broken); under an API ordering, its key's rank (equal keys share
# one, ties broken by the area's id in either direction).
PAGE_COLUMNS = {key: f"order_{key}" for key in PAGE_SORTS}
API_COLUMNS = {key: f"order_api_{key}" for key in API_ORDERINGS}


def _places(areas: list[AreaAccess], key: Callable[[AreaAccess], Any]) -> list[int]:
    """Each area's place when sorted by `key`, areas with equal keys sharing one: ordering by
    it (descending or not), then by the area's id, is Python's stable sort of the list."""
    keys = [key(area) for area in areas]
    order = sorted(range(len(areas)), key=keys.__getitem__)
    places = [0] * len(areas)
    place, previous = -1, object()
    for index in order:
        if place < 0 or keys[index] != previous:
            place += 1
            previous = keys[index]
        places[index] = place
    return places


def _positions(
    areas: list[AreaAccess], key: Callable[[AreaAccess], Any], descending: bool
) -> list[int]:
    """Each area's position in Python's (stable) sort of the list."""
    order = sorted(range(len(areas)), key=lambda i: key(areas[i]), reverse=descending)
    positions = [0] * len(areas)
    for position, index in enumerate(order):
        positions[index] = position
    return positions


def order_by(queryset: QuerySet[AreaResult], column: str, descending: bool) -> QuerySet[Any]:
    """Rows under an API ordering (`API_COLUMNS`), "-" for descending."""
    return queryset.order_by(f"-{column}" if descending else column, "area_id")


def page_order(queryset: QuerySet[AreaResult], sort: str) -> QuerySet[Any]:
    """Rows under a page's sort (`PAGE_SORTS`)."""
    return queryset.order_by(PAGE_COLUMNS[sort])


def store(run: AnalysisRun, result: RunResult, ecosystem: Ecosystem) -> dict[str, Any]:
    """Write the run's rows (replacing any) and return its digest (not saved: the caller saves
    the run)."""
    areas = sorted(result.areas, key=lambda a: a.id)  # the order the lists break ties in
    figures = publish.Figures(areas, ecosystem)
    columns: dict[str, list[int]] = {}
    for key, (sort_key, descending) in PAGE_SORTS.items():
        columns[PAGE_COLUMNS[key]] = _positions(areas, sort_key, descending)
    for key, api_key in API_ORDERINGS.items():
        columns[API_COLUMNS[key]] = _places(areas, api_key)

    names = [f.column for f in AreaResult._meta.concrete_fields if f.column != "id"]
    published_ = [figures.area(area) for area in areas]

    def rows() -> Iterable[tuple[Any, ...]]:
        fixed = {"run_id": run.pk}
        for i, area in enumerate(areas):
            shown = published_[i]
            values = {
                **fixed,
                **vars(area),
                "area_id": area.id,
                "search_text": f"{area.name.casefold()}\n{area.code.casefold()}",
                "youth_shown": shown.youth,
                "youth_hidden": shown.hidden,
                "need_shown": shown.need,
                "low_income_shown": shown.low_income_share,
                **{column: places[i] for column, places in columns.items()},
            }
            yield tuple(values[name] for name in names)

    # One prepared INSERT run over every row: the ORM's bulk_create spent most of a national
    # run's saving preparing each of its 4 million values.
    table = connection.ops.quote_name(AreaResult._meta.db_table)
    statement = (
        f"INSERT INTO {table} ("  # noqa: S608 (the model's own names)
        f"{', '.join(connection.ops.quote_name(n) for n in names)}) "
        f"VALUES ({', '.join(['%s'] * len(names))})"
    )
    with transaction.atomic(), connection.cursor() as cursor:
        AreaResult.objects.filter(run=run).delete()
        chunk: list[tuple[Any, ...]] = []
        for row in rows():
            chunk.append(row)
            if len(chunk) == BATCH:
                cursor.executemany(statement, chunk)
                chunk = []
        if chunk:
            cursor.executemany(statement, chunk)
    return digest(result, figures, published_)


def digest(
    result: RunResult, figures: publish.Figures, shown: list[publish.AreaFigures]
) -> dict[str, Any]:
    """The figures over all of a run's areas the atlas page and the API summary show (`shown`:
    `figures.area` of each)."""
    areas = figures.areas
    locales: dict[str, dict[str, Any]] = {}
    for code in Locale.values:
        local = figures.for_locale(code)
        if not local.areas:
            continue
        locales[code] = {
            "areas": len(local.areas),
            "youth": sum(a.youth for a in local.areas),
            "in_deserts": sum(a.youth for a in local.areas if a.is_desert),
            "deserts": sum(1 for a in local.areas if a.is_desert),
            "rounded": local.rounded,
        }
    access = AccessScale.from_values([a.access_per_1000 for a in areas])
    need = NeedScale.from_values([f.need for f in shown if f.need is not None])
    classes = Counter(access.class_of(a.access_per_1000) for a in areas)
    return {
        "summary": result.summary,
        "parameters": result.parameters.to_dict(),
        "published_summary": figures.summary(result.summary),
        "rounded": figures.rounded,
        "locales": locales,
        "access_edges": list(access.edges),
        "access_has_positive": access.has_positive,
        "access_classes": {str(k): n for k, n in classes.items() if k is not None},
        "need_edges": list(need.edges),
        "need_has_values": need.has_values,
        "kinds": sorted({a.kind for a in areas}),
        # How many areas each filter of the priority list leaves (locale|kind|desert).
        "counts": dict(Counter(f"{a.locale}|{a.kind}|{int(a.is_desert)}" for a in areas)),
        "area_count": len(areas),
    }


def access_scale(data: dict[str, Any]) -> AccessScale:
    return AccessScale(edges=tuple(data["access_edges"]), has_positive=data["access_has_positive"])


def need_scale(data: dict[str, Any]) -> NeedScale:
    return NeedScale(edges=tuple(data["need_edges"]), has_values=data["need_has_values"])


def figures_of(
    data: dict[str, Any], ecosystem: Ecosystem, locale: str | None = None
) -> publish.Figures:
    """`publish.Figures` for totals over the run's areas (or one locale's), from the digest:
    whether they are rounded is what it was when the run was stored."""
    rounded = (
        data["rounded"] if locale is None else data["locales"].get(locale, {}).get("rounded", False)
    )
    return publish.Figures([], ecosystem, rounded=rounded)


def area_of(row: AreaResult) -> AreaAccess:
    """A stored row as the run's area (for the sentences about it)."""
    return AreaAccess(
        id=row.area_id,
        code=row.code,
        name=row.name,
        kind=row.kind,
        locale=row.locale,
        latitude=row.latitude,
        longitude=row.longitude,
        youth=row.youth,
        need=row.need,
        access_per_1000=row.access_per_1000,
        seats_within=row.seats_within,
        catchment_mi=row.catchment_mi,
        nearest_miles=row.nearest_miles,
        nearest_program_name=row.nearest_program_name,
        nearest_program_slug=row.nearest_program_slug,
        virtual_programs=row.virtual_programs,
        is_desert=row.is_desert,
        rank=row.rank,
        supply_index=row.supply_index,
        demand_index=row.demand_index,
        low_income_share=row.low_income_share,
    )


def published(row: AreaResult, hidden_text: str) -> publish.AreaFigures:
    """A stored row's figures about young people, as `publish` returned them."""
    return publish.AreaFigures(
        youth=row.youth_shown,
        hidden=row.youth_hidden,
        need=row.need_shown,
        low_income_share=row.low_income_shown,
        hidden_text=hidden_text,
    )


def count(data: dict[str, Any], locale: str, kind: str, desert: bool | None) -> int:
    """How many areas are left by the filters (locale, kind: "" for any; desert: None for
    either), from the digest."""
    total = 0
    for combination, n in data["counts"].items():
        area_locale, area_kind, area_desert = combination.split("|")
        if (locale and area_locale != locale) or (kind and area_kind != kind):
            continue
        if desert is not None and area_desert != str(int(desert)):
            continue
        total += n
    return total


class Counted:
    """Rows whose number is known beforehand (`count`): a paginator slices them without
    counting every row of the run."""

    def __init__(self, rows: QuerySet[Any], n: int) -> None:
        self.rows, self.n = rows, n

    def count(self) -> int:
        return self.n

    def __len__(self) -> int:
        return self.n

    def __getitem__(self, index: Any) -> Any:
        return self.rows[index]
