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
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from django.db import connection, transaction
from django.db.models import QuerySet

from ecotone.ecosystems.models import Ecosystem

from ..colours import AccessScale, NeedScale
from ..models import AnalysisRun, AreaResult, Locale
from . import publish
from .results import AREA_COLUMNS, AreaAccess, RunResult

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


def _ranks(values: Sequence[Any]) -> np.ndarray[Any, Any]:
    """Each value's rank among the distinct values in Python's order (equal values share it)."""
    index = {value: i for i, value in enumerate(sorted(set(values)))}
    return np.fromiter((index[v] for v in values), dtype=np.int64, count=len(values))


def _floats(values: Sequence[float | None], missing: float) -> np.ndarray[Any, Any]:
    """`_num` of each value, as an array."""
    return np.array([_num(v, missing) for v in values], dtype=np.float64)


def _sorted_order(keys: Sequence[np.ndarray[Any, Any]]) -> np.ndarray[Any, Any]:
    """The indexes sorted by `keys` (the first the most significant), then by index: Python's
    stable sort of the list by the tuple of keys."""
    n = len(keys[0]) if keys else 0
    return np.lexsort((np.arange(n), *reversed(keys)))


def _places_of(keys: Sequence[np.ndarray[Any, Any]]) -> list[int]:
    """`_places` with the key's parts as arrays."""
    order = _sorted_order(keys)
    changed = np.zeros(len(order), dtype=np.int64)
    for key in keys:
        ordered = key[order]
        changed[1:] |= ordered[1:] != ordered[:-1]
    places = np.empty(len(order), dtype=np.int64)
    places[order] = np.cumsum(changed)
    return places.tolist()


def _positions_of(keys: Sequence[np.ndarray[Any, Any]]) -> list[int]:
    """`_positions` with the key's parts as arrays (a descending key negated)."""
    order = _sorted_order(keys)
    positions = np.empty(len(order), dtype=np.int64)
    positions[order] = np.arange(len(order))
    return positions.tolist()


def orderings(areas: Sequence[AreaAccess]) -> dict[str, list[int]]:
    """Each area's place under every page sort and API ordering (`PAGE_COLUMNS`,
    `API_COLUMNS`): what `_positions` and `_places` give for `PAGE_SORTS` and `API_ORDERINGS`
    (the definitions), computed on arrays: a tenth of the time of twelve Python sorts of
    100,000 keys. The tests check both agree, ties included."""
    if not areas:
        return {column: [] for column in (*PAGE_COLUMNS.values(), *API_COLUMNS.values())}
    name = _ranks([a.name for a in areas])
    unranked = np.array([a.rank is None for a in areas], dtype=np.int64)
    rank = np.array([a.rank or 0 for a in areas], dtype=np.int64)
    need = [a.need for a in areas]
    nearest = [a.nearest_miles for a in areas]
    access = np.array([a.access_per_1000 for a in areas], dtype=np.float64)
    youth = np.array([a.youth for a in areas], dtype=np.int64)
    by_rank = (unranked, rank, name)
    page = {
        "rank": _positions_of(by_rank),
        "need": _positions_of((-_floats(need, -math.inf),)),
        "access": _positions_of((_floats(list(access), math.inf),)),
        "youth": _positions_of((-youth,)),
        "nearest": _positions_of((-_floats(nearest, -math.inf),)),
        "name": _positions_of((_ranks([a.name.casefold() for a in areas]),)),
    }
    api = {
        "rank": _places_of(by_rank),
        "need": _places_of(
            (
                np.array([v is None for v in need], dtype=np.int64),
                np.array([v or 0.0 for v in need], dtype=np.float64),
                name,
            )
        ),
        "access": _places_of((access, name)),
        "youth": _places_of((youth, name)),
        "nearest": _places_of(
            (
                np.array([v is None for v in nearest], dtype=np.int64),
                np.array([v or 0.0 for v in nearest], dtype=np.float64),
                name,
            )
        ),
        "name": _places_of(
            (_ranks([a.name.lower() for a in areas]), np.array([a.id for a in areas]))
        ),
    }
    return {
        **{PAGE_COLUMNS[key]: places for key, places in page.items()},
        **{API_COLUMNS[key]: places for key, places in api.items()},
    }


def order_by(queryset: QuerySet[AreaResult], column: str, descending: bool) -> QuerySet[Any]:
    """Rows under an API ordering (`API_COLUMNS`), "-" for descending."""
    return queryset.order_by(f"-{column}" if descending else column, "area_id")


def page_order(queryset: QuerySet[AreaResult], sort: str) -> QuerySet[Any]:
    """Rows under a page's sort (`PAGE_SORTS`)."""
    return queryset.order_by(PAGE_COLUMNS[sort])


def store(
    run: AnalysisRun, result: RunResult, ecosystem: Ecosystem, *, replacing: Sequence[int] = ()
) -> dict[str, Any]:
    """Write the run's rows (replacing any, and removing the rows of the runs `replacing`, which
    it supersedes) and return its digest (not saved: the caller saves the run, in the same
    transaction when it wants the old rows to last until the new ones are there)."""
    areas = sorted(result.areas, key=lambda a: a.id)  # the order the lists break ties in
    figures = publish.Figures(areas, ecosystem)
    published_ = [figures.area(area) for area in areas]
    # The rows as columns, then zipped into plain tuples: no model instance nor dict per row.
    columns: dict[str, Sequence[Any]] = {
        name: [getattr(area, name) for area in areas] for name in AREA_COLUMNS if name != "id"
    }
    columns["run_id"] = [run.pk] * len(areas)
    columns["area_id"] = [area.id for area in areas]
    columns["search_text"] = [f"{a.name.casefold()}\n{a.code.casefold()}" for a in areas]
    columns["youth_shown"] = [shown.youth for shown in published_]
    columns["youth_hidden"] = [shown.hidden for shown in published_]
    columns["need_shown"] = [shown.need for shown in published_]
    columns["low_income_shown"] = [shown.low_income_share for shown in published_]
    columns.update(orderings(areas))
    names = [f.column for f in AreaResult._meta.concrete_fields if f.column != "id"]
    _write(names, zip(*(columns[name] for name in names), strict=True), [run.pk, *replacing])
    return digest(result, figures, published_)


# A run of at least this many rows, writing (and deleting) more rows than the table keeps of
# other runs, sets SQLite's ordering indexes aside while it writes and builds them again after.
REBUILD_MIN_ROWS = 20_000
# SQLite's page cache while rows are written: the indexes' pages stay in memory (the default
# 2 MB held a tenth of one national run's 14 indexes, and each insert read them again).
SQLITE_CACHE_KIB = 262_144


def _write(names: list[str], rows: Iterable[tuple[Any, ...]], cleared: list[int]) -> None:
    """Delete the rows of the runs `cleared` and insert `rows`, in one transaction: PostgreSQL's
    COPY; on SQLite one prepared INSERT over every row (the ORM's bulk_create spent most of a
    national run's saving preparing each of its 4 million values)."""
    table = connection.ops.quote_name(AreaResult._meta.db_table)
    quoted = ", ".join(connection.ops.quote_name(n) for n in names)
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql" and hasattr(cursor.cursor, "copy"):
            AreaResult.objects.filter(run_id__in=cleared).delete()
            with cursor.cursor.copy(f"COPY {table} ({quoted}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        listed = list(rows)
        set_aside: list[str] = []
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA cache_size")
            (cache_size,) = cursor.fetchone()
            cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KIB}")
            set_aside = _sqlite_set_aside(cursor, len(listed), cleared)
        try:
            AreaResult.objects.filter(run_id__in=cleared).delete()
            statement = (
                f"INSERT INTO {table} ({quoted}) "  # noqa: S608 (the model's own names)
                f"VALUES ({', '.join(['%s'] * len(names))})"
            )
            for start in range(0, len(listed), BATCH):
                cursor.executemany(statement, listed[start : start + BATCH])
            for definition in set_aside:
                cursor.execute(definition)
        finally:
            if connection.vendor == "sqlite":
                cursor.execute(f"PRAGMA cache_size = {int(cache_size)}")


def _sqlite_set_aside(cursor: Any, inserted: int, cleared: list[int]) -> list[str]:
    """When a large run rewrites most of the table, drop its indexes but the one on `run_id`
    (which finds the rows to delete) and return their definitions, to build again once the
    rows are in: building an index sorts once, where inserting 100,000 rows into 13 indexes
    and deleting as many took 17 seconds here, and building them over both 3.7. Readers see
    the table as it was, indexes and all, until the transaction commits (WAL)."""
    if inserted < REBUILD_MIN_ROWS:
        return []
    deleted = AreaResult.objects.filter(run_id__in=cleared).count()
    kept = AreaResult.objects.count() - deleted
    if inserted + deleted < kept:
        return []
    table = AreaResult._meta.db_table
    cursor.execute(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
        "AND sql IS NOT NULL",
        [table],
    )
    definitions = []
    for name, definition in cursor.fetchall():
        cursor.execute(f"PRAGMA index_info({connection.ops.quote_name(name)})")
        if [column for _seq, _cid, column in cursor.fetchall()] == ["run_id"]:
            continue
        cursor.execute(f"DROP INDEX {connection.ops.quote_name(name)}")
        definitions.append(definition)
    return definitions


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
