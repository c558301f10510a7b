"""A run's stored rows and digest (atlas/services/stored.py) say what the run's whole result,
published through `publish.Figures`, said: the pages, the map, the API and the export read them
instead of decoding the run."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.atlas import services, views
from ecotone.atlas.colours import AccessScale, NeedScale
from ecotone.atlas.models import AnalysisRun, AreaResult
from ecotone.atlas.services import publish, runs, stored
from ecotone.atlas.services.results import AreaAccess
from tests.atlas.builders import at, make_area, make_program
from tests.conftest import World

ATLAS = "/e/alpha/atlas/"


@pytest.fixture
def region(world: World) -> World:
    """Areas with ties (same names, same counts), a hidden count, every locale, deserts."""
    specs = [
        ("a1", 0, 0, 200, "city", "Lincoln Elementary", 0.3),
        ("a2", 5, 0, 200, "city", "Lincoln Elementary", 0.5),
        ("a3", 40, 0, 612, "rural", "Far Hollow", 0.78),
        ("a4", 80, 0, 6, "rural", "Tiny Creek", 0.9),
        ("a5", 120, 0, 612, "town", "Ángel School", None),
        ("a6", 2, 3, 350, "suburb", "zeta school", 0.2),
        ("a7", 160, 0, 9, "town", "Small Fork", 0.6),
        ("a8", 200, 0, 450, "rural", "lincoln elementary", 0.4),
    ]
    for code, north, east, youth, locale, name, share in specs:
        make_area(
            world.alpha,
            code,
            north,
            east,
            youth=youth,
            locale=locale,
            name=name,
            low_income_share=share,
        )
    make_program(world.alpha, world.org_a, "Robotics Club", [(1, 0)], seats=40)
    make_program(world.alpha, world.org_a, "Coding Lab", [(3, 2)], seats=15)
    return world


def _run(world: World) -> AnalysisRun:
    run = runs.latest_run(services.default_analysis(world.alpha))
    assert run.status == "done"
    return run


def test_stored_rows_hold_what_publish_returns_for_every_area(region: World) -> None:
    run = _run(region)
    result = runs.result_of(run)
    figures = publish.Figures(result.areas, region.alpha)
    rows = {row.area_id: row for row in AreaResult.objects.filter(run=run)}
    assert sorted(rows) == sorted(a.id for a in result.areas)
    assert any(figures.area(a).hidden for a in result.areas)  # the rule is exercised
    for area in result.areas:
        row, shown = rows[area.id], figures.area(area)
        assert (row.youth_shown, row.youth_hidden) == (shown.youth, shown.hidden)
        assert (row.need_shown, row.low_income_shown) == (shown.need, shown.low_income_share)
        assert stored.area_of(row) == area


def test_the_digest_holds_the_figures_over_all_areas(region: World) -> None:
    run = _run(region)
    result = runs.result_of(run)
    figures = publish.Figures(result.areas, region.alpha)
    digest = runs.digest_of(run)
    assert digest["published_summary"] == figures.summary(result.summary)
    assert digest["rounded"] is figures.rounded is True
    for locale, local in digest["locales"].items():
        assert local["rounded"] == figures.for_locale(locale).rounded
    access = AccessScale.from_values([a.access_per_1000 for a in result.areas])
    need = NeedScale.from_values(
        [n for a in result.areas if (n := figures.area(a).need) is not None]
    )
    assert stored.access_scale(digest) == access
    assert stored.need_scale(digest) == need


def _python_sorted(
    areas: list[AreaAccess], key: Any, descending: bool
) -> list[int]:  # the lists' sort before rows were stored
    return [a.id for a in sorted(areas, key=key, reverse=descending)]


def test_stored_orderings_are_the_lists_python_sorts(region: World) -> None:
    run = _run(region)
    areas = runs.result_of(run).areas
    rows = AreaResult.objects.filter(run=run)
    for key, (sort_key, descending) in stored.PAGE_SORTS.items():
        ordered = stored.page_order(rows, key)
        assert [r.area_id for r in ordered] == _python_sorted(areas, sort_key, descending), key
    for key, api_key in stored.API_ORDERINGS.items():
        for descending in (False, True):
            ordered = stored.order_by(rows, stored.API_COLUMNS[key], descending)
            expected = _python_sorted(areas, api_key, descending)
            assert [r.area_id for r in ordered] == expected, (key, descending)


def test_the_priority_list_searches_case_folded_names_and_codes(region: World) -> None:
    client = region.client("member")
    page = client.get(ATLAS + "?q=LINCOLN").content.decode()
    listing = page.split("Priority list", 1)[1]
    assert listing.count("incoln Elementary") == 2
    assert "lincoln elementary" in listing
    assert "Far Hollow" not in listing
    assert "Far Hollow" in client.get(ATLAS + "?q=A3").content.decode().split("Priority list")[1]


def test_the_map_layer_keeps_to_the_viewport(region: World) -> None:
    south, west = at(-1, -1)
    north, east = at(10, 10)
    data = (
        region.client("member")
        .get(ATLAS + f"areas.geojson?bbox={west},{south},{east},{north}")
        .json()
    )
    names = sorted(f["properties"]["name"] for f in data["features"])
    assert names == ["Lincoln Elementary", "Lincoln Elementary", "zeta school"]
    assert data["clustered"] is False
    assert data["total"] == 3


def test_the_map_layer_clusters_a_crowded_viewport(
    region: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(views, "MAP_MAX_POINTS", 4)
    data = region.client("member").get(ATLAS + "areas.geojson").json()
    assert data["clustered"] is True
    assert data["total"] == 8
    clusters = [f for f in data["features"] if f["properties"].get("cluster")]
    assert clusters
    assert len(data["features"]) < 8
    counted = sum(f["properties"].get("count", 1) for f in data["features"])
    assert counted == 8
    # a point alone in its cell is the area, published as everywhere else
    tiny = [f for f in data["features"] if f["properties"]["name"] == "Tiny Creek"]
    for feature in tiny:
        assert any("fewer than 10" in line for line in feature["properties"]["details"])


def test_the_priority_list_counts_its_filters_from_the_digest(region: World) -> None:
    run = _run(region)
    digest = runs.digest_of(run)
    rows = AreaResult.objects.filter(run=run)
    for locale in ("", "city", "rural", "town"):
        for deserts_only in (False, True):
            expected = rows.filter(**({"locale": locale} if locale else {}))
            if deserts_only:
                expected = expected.filter(is_desert=True)
            desert = True if deserts_only else None
            assert stored.count(digest, locale, "", desert) == expected.count()
    assert stored.count(digest, "", "", False) == rows.filter(is_desert=False).count()
    assert stored.count(digest, "", "tract", None) == 0


def test_the_export_streams_the_stored_rows_in_chunks(
    region: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecotone.atlas import export_views

    monkeypatch.setattr(export_views, "CHUNK", 3)  # several chunks for 8 areas
    response = region.client("member").get(ATLAS + "export.csv")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    header, *rows = list(csv.reader(io.StringIO(text)))
    column = {name: index for index, name in enumerate(header)}
    run = _run(region)
    areas = runs.result_of(run).areas
    expected = _python_sorted(areas, stored.PAGE_SORTS["rank"][0], False)
    codes = {a.id: a.code for a in areas}
    assert [r[0] for r in rows] == [codes[i] for i in expected]
    tiny = next(r for r in rows if r[0] == "a4")
    assert tiny[column["Young people"]] == "fewer than 10"
    assert tiny[column["Need index (0-100)"]] == ""


def test_a_run_finished_before_rows_were_stored_gets_them_when_first_read(
    region: World,
) -> None:
    run = _run(region)
    AreaResult.objects.filter(run=run).delete()
    AnalysisRun.objects.filter(pk=run.pk).update(digest=None)
    page = region.client("member").get(ATLAS)
    assert page.status_code == 200
    assert AreaResult.objects.filter(run=run).count() == 8
    assert AnalysisRun.objects.get(pk=run.pk).digest is not None


def _rows_and_indexes(run: AnalysisRun) -> tuple[list[tuple[Any, ...]], list[str]]:
    from django.db import connection

    names = [f.attname for f in AreaResult._meta.concrete_fields if f.attname not in ("id",)]
    rows = list(AreaResult.objects.filter(run=run).order_by("area_id").values_list(*names))
    with connection.cursor() as cursor:
        indexes = sorted(
            connection.introspection.get_constraints(cursor, AreaResult._meta.db_table)
        )
    return rows, indexes


def test_a_large_run_written_with_its_indexes_set_aside_stores_the_same_rows(
    region: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The write path of a national run (SQLite: indexes dropped and built again after; on
    PostgreSQL: COPY, as every run) stores what the row-by-row path stored, and leaves the
    table with the same indexes; the rows of the run it supersedes go in the same write."""
    run = _run(region)
    before, indexes = _rows_and_indexes(run)
    assert len(before) == 8
    assert len(indexes) >= 15
    result = runs.result_of(run)
    older = AnalysisRun.objects.create(analysis=run.analysis, fingerprint="old", status="done")
    stored.store(older, result, region.alpha)
    assert AreaResult.objects.filter(run=older).count() == 8
    monkeypatch.setattr(stored, "REBUILD_MIN_ROWS", 1)
    digest = stored.store(run, result, region.alpha, replacing=[older.pk])
    after, indexes_after = _rows_and_indexes(run)
    assert after == before
    assert indexes_after == indexes
    assert not AreaResult.objects.filter(run=older).exists()
    assert digest == runs.digest_of(run)


_names = st.text(alphabet="aAäÄb ", min_size=0, max_size=3)
_maybe_float = st.one_of(st.none(), st.sampled_from([0.0, -0.0, 1.5, 2.0, 10.0, 99.9]))


@st.composite
def _areas(draw: Any) -> list[AreaAccess]:
    n = draw(st.integers(min_value=0, max_value=40))
    ids = draw(st.lists(st.integers(1, 10_000), min_size=n, max_size=n, unique=True))
    return [
        AreaAccess(
            id=area_id,
            code=f"c{area_id}",
            name=draw(_names),
            kind="school",
            locale="city",
            latitude=0.0,
            longitude=0.0,
            youth=draw(st.integers(0, 5)),
            need=draw(_maybe_float),
            access_per_1000=draw(st.sampled_from([0.0, 0.5, 3.25, 7.0])),
            seats_within=0.0,
            catchment_mi=5.0,
            nearest_miles=draw(_maybe_float),
            nearest_program_name="",
            nearest_program_slug="",
            virtual_programs=0,
            is_desert=False,
            rank=draw(st.one_of(st.none(), st.integers(1, 4))),
            supply_index=None,
            demand_index=None,
            low_income_share=None,
        )
        for area_id in sorted(ids)
    ]


@settings(max_examples=100, deadline=None)  # about a second: the ties need many draws
@given(_areas())
def test_orderings_on_arrays_are_the_python_sorts_ties_and_all(areas: list[AreaAccess]) -> None:
    """`stored.orderings` (numpy) gives each area the place the definitions give (`PAGE_SORTS`
    by Python's stable sort, `API_ORDERINGS` by their keys' ranks), with many ties."""
    found = stored.orderings(areas)
    for key, (sort_key, descending) in stored.PAGE_SORTS.items():
        expected = stored._positions(areas, sort_key, descending)
        assert found[stored.PAGE_COLUMNS[key]] == expected, key
    for key, api_key in stored.API_ORDERINGS.items():
        assert found[stored.API_COLUMNS[key]] == stored._places(areas, api_key), key
