"""The access algorithms against PySAL `access`, brute force, and the properties they promise."""

from __future__ import annotations

import warnings
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from access import Access
from access import weights as pysal_weights
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from scipy.stats import rankdata

from ecotone.atlas.parameters import Parameters
from ecotone.atlas.reach import (
    DEFAULT_ZONES,
    AccessInputs,
    CoordinateError,
    DesertRule,
    Reach,
    analyse,
    deserts,
    haversine_miles,
    nearest_site,
    need_index,
    pairs_within,
    percentile_0_100,
    priority_order,
    seats_within,
    two_step_fca,
    zone_weights,
)

# A shared machine can stall any example; the tests check results, not speed.
no_deadline = settings(deadline=None)

# ---------------------------------------------------------------------------------------------
# References, computed the slow and obvious way


def distance_matrix(area_lat, area_lon, site_lat, site_lon) -> np.ndarray:
    return haversine_miles(
        np.asarray(area_lat)[:, None],
        np.asarray(area_lon)[:, None],
        np.asarray(site_lat)[None, :],
        np.asarray(site_lon)[None, :],
    )


def brute_reach(area_lat, area_lon, radius, site_lat, site_lon) -> Reach:
    miles = distance_matrix(area_lat, area_lon, site_lat, site_lon)
    area, site = np.nonzero(miles <= np.asarray(radius, dtype=float)[:, None])
    return Reach(area=area.astype(np.int32), site=site.astype(np.int32), miles=miles[area, site])


def pysal_fca(demand, supply, miles, max_cost, weight_fn=None) -> np.ndarray:
    """PySAL's 2SFCA (E2SFCA with `weight_fn`) over every area-site pair; 0 where it has none."""
    n, m = miles.shape
    site_ids = np.arange(m) + 1_000_000  # distinct from area ids
    costs = pd.DataFrame(
        {"origin": np.repeat(np.arange(n), m), "dest": np.tile(site_ids, n), "cost": miles.ravel()}
    )
    model = Access(
        demand_df=pd.DataFrame({"youth": demand}, index=pd.Index(np.arange(n), name="geoid")),
        demand_value="youth",
        supply_df=pd.DataFrame({"seats": supply}, index=pd.Index(site_ids, name="geoid")),
        supply_value="seats",
        cost_df=costs,
        cost_origin="origin",
        cost_dest="dest",
        cost_name="cost",
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if weight_fn is None:
            frame = model.two_stage_fca(max_cost=max_cost)
        else:
            frame = model.enhanced_two_stage_fca(max_cost=max_cost, weight_fn=weight_fn)
    return frame.iloc[:, -1].reindex(np.arange(n)).fillna(0.0).to_numpy()


def max_relative_difference(ours: np.ndarray, theirs: np.ndarray) -> float:
    scale = np.maximum(np.abs(theirs), 1e-300)
    return float(np.max(np.abs(ours - theirs) / scale, initial=0.0))


def random_instance(seed: int, n: int, m: int, span: float = 0.6):
    """Areas and sites over a county-sized square (about 40 x 30 miles at span 0.6)."""
    rng = np.random.default_rng(seed)
    area_lat = 39.5 + span * rng.random(n)
    area_lon = -83.3 + span * rng.random(n)
    site_lat = 39.5 + span * rng.random(m)
    site_lon = -83.3 + span * rng.random(m)
    youth = rng.integers(1, 900, n).astype(float)
    seats = rng.integers(1, 120, m).astype(float)
    return area_lat, area_lon, site_lat, site_lon, youth, seats


# ---------------------------------------------------------------------------------------------
# The PySAL cross-check (issue 4: the same 2SFCA and E2SFCA values to 1e-9 relative)


@pytest.mark.parametrize("radius", [2.0, 5.0, 10.0])
def test_two_step_fca_equals_pysal_with_one_catchment(radius: float) -> None:
    area_lat, area_lon, site_lat, site_lon, youth, seats = random_instance(11, 400, 300)
    reach = pairs_within(area_lat, area_lon, np.full(400, radius), site_lat, site_lon)
    miles = distance_matrix(area_lat, area_lon, site_lat, site_lon)
    ours = two_step_fca(youth, seats, reach)
    theirs = pysal_fca(youth, seats, miles, max_cost=radius)
    assert len(reach) > 0
    assert max_relative_difference(ours, theirs) < 1e-9


@pytest.mark.parametrize("radius", [2.0, 5.0, 10.0])
def test_enhanced_two_step_fca_equals_pysal_with_one_catchment(radius: float) -> None:
    area_lat, area_lon, site_lat, site_lon, youth, seats = random_instance(12, 400, 300)
    reach = pairs_within(area_lat, area_lon, np.full(400, radius), site_lat, site_lon)
    miles = distance_matrix(area_lat, area_lon, site_lat, site_lon)
    weights = zone_weights(reach.miles, np.full(len(reach), radius), DEFAULT_ZONES)
    ours = two_step_fca(youth, seats, reach, weights)
    step = pysal_weights.step_fn({fraction * radius: w for fraction, w in DEFAULT_ZONES})
    theirs = pysal_fca(youth, seats, miles, max_cost=radius, weight_fn=step)
    assert max_relative_difference(ours, theirs) < 1e-9


def test_enhanced_two_step_fca_equals_pysal_with_catchments_by_locale() -> None:
    # PySAL has one max_cost per call; a cost of miles / own radius puts every area's
    # catchment at 1 and its zones at their fractions, so PySAL computes the per-area rule.
    area_lat, area_lon, site_lat, site_lon, youth, seats = random_instance(13, 500, 350, 1.5)
    rng = np.random.default_rng(13)
    radius = rng.choice([2.0, 5.0, 10.0, 20.0], size=500)
    reach = pairs_within(area_lat, area_lon, radius, site_lat, site_lon)
    relative = distance_matrix(area_lat, area_lon, site_lat, site_lon) / radius[:, None]
    weights = zone_weights(reach.miles, radius[reach.area], DEFAULT_ZONES)
    step = pysal_weights.step_fn(dict(DEFAULT_ZONES))
    assert (
        max_relative_difference(
            two_step_fca(youth, seats, reach), pysal_fca(youth, seats, relative, max_cost=1.0)
        )
        < 1e-9
    )
    assert (
        max_relative_difference(
            two_step_fca(youth, seats, reach, weights),
            pysal_fca(youth, seats, relative, max_cost=1.0, weight_fn=step),
        )
        < 1e-9
    )


def test_zone_boundaries_are_inclusive_as_in_pysal() -> None:
    radius = 9.0
    miles = np.array([0.0, 3.0, 3.0000001, 6.0, 6.0000001, 9.0, 9.0000001])
    got = zone_weights(miles, np.full(miles.shape, radius), DEFAULT_ZONES)
    step = pysal_weights.step_fn({fraction * radius: w for fraction, w in DEFAULT_ZONES})
    assert got.tolist() == [step(x) for x in miles] == [1.0, 1.0, 0.68, 0.68, 0.22, 0.22, 0.0]


def test_zone_weights_reject_unordered_zones() -> None:
    with pytest.raises(ValueError, match="ascending"):
        zone_weights(np.ones(2), np.ones(2), ((0.5, 1.0), (0.5, 0.5)))


# ---------------------------------------------------------------------------------------------
# Reach and nearest against brute force

coordinate = st.floats(min_value=0.0, max_value=1.0, allow_nan=False)
points = st.lists(st.tuples(coordinate, coordinate), min_size=0, max_size=25)


def place(unit_points, lat0: float = 40.0, lon0: float = -75.0, span: float = 0.5):
    array = np.array(unit_points, dtype=float).reshape(-1, 2)
    return lat0 + span * array[:, 0], lon0 + span * array[:, 1]


@no_deadline
@given(
    areas=points,
    sites=points,
    radii=st.lists(st.sampled_from([0.0, 1.0, 2.0, 5.0, 10.0, 20.0]), min_size=25, max_size=25),
    chunk=st.integers(min_value=1, max_value=30),
)
def test_pairs_within_equals_brute_force(areas, sites, radii, chunk) -> None:
    area_lat, area_lon = place(areas)
    site_lat, site_lon = place(sites)
    radius = np.array(radii[: len(areas)], dtype=float)
    got = pairs_within(area_lat, area_lon, radius, site_lat, site_lon, area_chunk=chunk)
    want = brute_reach(area_lat, area_lon, radius, site_lat, site_lon)
    assert got.area.tolist() == want.area.tolist()
    assert got.site.tolist() == want.site.tolist()
    np.testing.assert_allclose(got.miles, want.miles, rtol=1e-9, atol=1e-9)


@no_deadline
@given(areas=points, sites=points)
def test_nearest_site_equals_brute_force(areas, sites) -> None:
    area_lat, area_lon = place(areas)
    site_lat, site_lon = place(sites)
    miles, index = nearest_site(area_lat, area_lon, site_lat, site_lon)
    if not sites:
        assert np.all(np.isinf(miles))
        assert np.all(index == -1)
        return
    matrix = distance_matrix(area_lat, area_lon, site_lat, site_lon)
    np.testing.assert_allclose(miles, matrix.min(axis=1), rtol=1e-9, atol=1e-9)
    # Ties may pick either site; the chosen one is at the nearest distance.
    np.testing.assert_allclose(
        matrix[np.arange(len(areas)), index], matrix.min(axis=1), rtol=1e-9, atol=1e-9
    )


def test_reach_across_the_antimeridian_and_the_equator() -> None:
    reach = pairs_within([0.0, 0.0], [179.99, -179.5], [2.0, 2.0], [0.001, 0.0], [-179.995, 10])
    assert reach.area.tolist() == [0]
    assert reach.site.tolist() == [0]
    assert reach.miles[0] == pytest.approx(haversine_miles(0.0, 179.99, 0.001, -179.995))
    miles, index = nearest_site([0.0], [179.99], [0.0, 0.001], [10.0, -179.995])
    assert index.tolist() == [1]
    assert miles[0] == pytest.approx(1.0387, abs=1e-3)


def test_negative_or_missing_radius_reaches_nothing() -> None:
    reach = pairs_within([40.0, 40.0, 40.0], [-75.0] * 3, [-1.0, np.nan, 0.0], [40.0], [-75.0])
    assert reach.area.tolist() == [2]


# ---------------------------------------------------------------------------------------------
# Floating catchment properties


@st.composite
def instances(draw):
    n = draw(st.integers(min_value=0, max_value=20))
    m = draw(st.integers(min_value=0, max_value=20))
    area_lat, area_lon = place(
        draw(st.lists(st.tuples(coordinate, coordinate), min_size=n, max_size=n))
    )
    site_lat, site_lon = place(
        draw(st.lists(st.tuples(coordinate, coordinate), min_size=m, max_size=m))
    )
    radius = np.array(
        draw(st.lists(st.sampled_from([1.0, 3.0, 8.0, 20.0]), min_size=n, max_size=n)), dtype=float
    )
    # Young people and seats are counts (a subnormal demand would overflow any ratio).
    youth = draw(hnp.arrays(np.int64, n, elements=st.integers(0, 2000))).astype(float)
    seats = draw(hnp.arrays(np.int64, m, elements=st.integers(0, 300))).astype(float)
    return area_lat, area_lon, radius, site_lat, site_lon, youth, seats


@no_deadline
@given(instances(), st.booleans(), st.data())
def test_adding_supply_never_lowers_access(instance, enhanced, data) -> None:
    area_lat, area_lon, radius, site_lat, site_lon, youth, seats = instance
    reach = pairs_within(area_lat, area_lon, radius, site_lat, site_lon)
    weights = zone_weights(reach.miles, radius[reach.area]) if enhanced else None
    extra = data.draw(hnp.arrays(np.int64, seats.shape, elements=st.integers(0, 100)))
    before = two_step_fca(youth, seats, reach, weights)
    after = two_step_fca(youth, seats + extra, reach, weights)
    assert np.all(after >= before - 1e-12 * np.maximum(1, before))


@no_deadline
@given(instances(), st.booleans())
def test_access_is_zero_without_anything_in_reach(instance, enhanced) -> None:
    area_lat, area_lon, radius, site_lat, site_lon, youth, seats = instance
    reach = pairs_within(area_lat, area_lon, radius, site_lat, site_lon)
    weights = zone_weights(reach.miles, radius[reach.area]) if enhanced else None
    access = two_step_fca(youth, seats, reach, weights)
    alone = np.setdiff1d(np.arange(len(youth)), reach.area)
    assert np.all(access[alone] == 0)
    assert np.all(np.isfinite(access))
    assert np.all(access >= 0)


@no_deadline
@given(instances(), st.booleans())
def test_demand_times_access_conserves_the_supply_in_reach(instance, enhanced) -> None:
    # Every seat of a site that some demand reaches is handed out exactly once.
    area_lat, area_lon, radius, site_lat, site_lon, youth, seats = instance
    reach = pairs_within(area_lat, area_lon, radius, site_lat, site_lon)
    weights = zone_weights(reach.miles, radius[reach.area]) if enhanced else np.ones(len(reach))
    access = two_step_fca(youth, seats, reach, weights if enhanced else None)
    site_demand = np.bincount(reach.site, weights=youth[reach.area] * weights, minlength=len(seats))
    expected = seats[site_demand > 0].sum()
    assert np.sum(youth * access) == pytest.approx(expected, rel=1e-9, abs=1e-9)


def test_site_with_no_demand_in_reach_supplies_nobody() -> None:
    reach = Reach(
        area=np.array([0, 1], dtype=np.int32),
        site=np.array([0, 1], dtype=np.int32),
        miles=np.array([1.0, 1.0]),
    )
    access = two_step_fca([0.0, 10.0], [50.0, 20.0], reach)
    assert access.tolist() == [0.0, 2.0]


def test_seats_within_sums_the_catchment_or_a_shorter_distance() -> None:
    reach = Reach(
        area=np.array([0, 0, 1], dtype=np.int32),
        site=np.array([0, 1, 1], dtype=np.int32),
        miles=np.array([0.2, 3.0, 0.9]),
    )
    assert seats_within([10.0, 5.0], reach, 3).tolist() == [15.0, 5.0, 0.0]
    assert seats_within([10.0, 5.0], reach, 3, max_miles=1.0).tolist() == [10.0, 5.0, 0.0]
    per_area = np.array([0.25, 0.25, 1.0])
    assert seats_within([10.0, 5.0], reach, 3, max_miles=per_area).tolist() == [10.0, 0.0, 0.0]


# ---------------------------------------------------------------------------------------------
# Need, percentiles, deserts and priority

shares = st.one_of(st.just(np.nan), st.floats(0, 1))


@no_deadline
@given(
    hnp.arrays(float, st.tuples(st.integers(0, 30), st.just(4)), elements=shares),
    hnp.arrays(float, 4, elements=st.one_of(st.just(0.0), st.floats(0.01, 10))),
    st.floats(0.1, 100),
)
def test_need_index_is_a_renormalised_weighted_mean(indicators, weights, scale) -> None:
    need = need_index(indicators, weights)
    known = ~np.isnan(indicators)
    known_weight = known.astype(float) @ weights
    assert np.all(np.isnan(need) == (known_weight == 0))
    assert np.all((need[~np.isnan(need)] >= 0) & (need[~np.isnan(need)] <= 100))
    for row, value in zip(indicators, need, strict=True):
        mask = ~np.isnan(row) & (weights > 0)
        if mask.any():
            expected = 100 * np.sum(row[mask] * weights[mask]) / np.sum(weights[mask])
            assert value == pytest.approx(expected, rel=1e-9, abs=1e-9)
    # Only the proportions of the weights matter.
    np.testing.assert_allclose(need_index(indicators, weights * scale), need, rtol=1e-9, atol=1e-9)


def test_need_index_leaves_unknown_indicators_out() -> None:
    indicators = np.array([[0.8, np.nan, 0.2], [np.nan, np.nan, np.nan], [0.5, 0.5, 0.5]])
    need = need_index(indicators, np.array([2.0, 1.0, 1.0]))
    assert need[0] == pytest.approx(100 * (0.8 * 2 + 0.2) / 3)
    assert np.isnan(need[1])
    assert need[2] == pytest.approx(50)


def test_need_index_rejects_bad_weights() -> None:
    with pytest.raises(ValueError, match="one weight"):
        need_index(np.zeros((2, 3)), np.ones(2))
    with pytest.raises(ValueError, match="negative"):
        need_index(np.zeros((2, 2)), np.array([1.0, -1.0]))


def test_percentile_index_by_rank() -> None:
    got = percentile_0_100([5.0, np.nan, 1.0, 5.0, 3.0])
    assert np.isnan(got[1])
    assert got[[2, 4]].tolist() == pytest.approx([0, 100 / 3])
    assert got[0] == got[3] == pytest.approx(100 * 2.5 / 3)
    assert percentile_0_100([7.0]).tolist() == [50.0]
    assert percentile_0_100([]).shape == (0,)


youth_values = st.floats(0, 3000, allow_nan=False)


@no_deadline
@given(
    st.lists(st.tuples(youth_values, st.floats(0, 500), st.floats(0, 2)), max_size=40),
    st.integers(0, 200),
    st.floats(0.5, 20),
)
def test_deserts_follow_the_rule(rows, min_youth, max_youth_per_seat) -> None:
    youth, seats, access = (np.array([r[i] for r in rows], dtype=float) for i in range(3))
    rule = DesertRule(min_youth=min_youth, max_youth_per_seat=max_youth_per_seat)
    got = deserts(youth, seats, access, rule)
    for y, s, a, desert in zip(youth, seats, access, got, strict=True):
        expected = y >= min_youth and (s == 0 or a * max_youth_per_seat < 1)
        assert desert == expected


def test_desert_rule_defaults_are_the_analysis_defaults() -> None:
    # One default, the documented one: an analysis's (at least 50 young people, one seat per 30).
    defaults = Parameters()
    assert DesertRule() == DesertRule(
        min_youth=defaults.desert_min_youth, max_youth_per_seat=defaults.desert_max_youth_per_seat
    )
    # 50 young people and nothing in reach; 300 with 1 seat per 4 (a desert under the
    # child-care ratio of 3, not under 30); 300 with 1 seat per 40; 20 alone.
    got = deserts([50, 300, 300, 20], [0, 80, 8, 0], [0.0, 0.25, 0.025, 0.0])
    assert got.tolist() == [True, False, True, False]
    assert analyse(
        AccessInputs(
            area_lat=np.array([40.0]),
            area_lon=np.array([-75.0]),
            radius_mi=np.array([5.0]),
            youth=np.array([300.0]),
            site_lat=np.array([40.0]),
            site_lon=np.array([-75.0]),
            seats=np.array([75.0]),
        )
    ).is_desert.tolist() == [False]


@no_deadline
@given(
    st.lists(
        st.tuples(
            st.one_of(st.just(np.nan), st.floats(0, 100)),
            st.floats(0, 1),
            st.booleans(),
            youth_values,
        ),
        max_size=40,
    )
)
def test_priority_order_puts_deserts_first_then_need(rows) -> None:
    need, access, desert, youth = (np.array([r[i] for r in rows]) for i in range(4))
    order = priority_order(need, access, desert.astype(bool), youth)
    assert sorted(order.tolist()) == list(range(len(rows)))
    ranked_deserts = desert.astype(bool)[order]
    assert not np.any(~ranked_deserts[:-1] & ranked_deserts[1:])  # no desert after a non-desert
    for group in (True, False):
        group_need = need[order][ranked_deserts == group]
        known = group_need[~np.isnan(group_need)]
        assert np.all(np.diff(known) <= 0)
        # unknown need comes after every known need of the group
        if np.isnan(group_need).any():
            first_unknown = int(np.argmax(np.isnan(group_need)))
            assert np.all(np.isnan(group_need[first_unknown:]))


# ---------------------------------------------------------------------------------------------
# The whole pipeline


def test_analyse_runs_every_stage_and_reports_progress() -> None:
    area_lat, area_lon, site_lat, site_lon, youth, seats = random_instance(5, 120, 60, 1.0)
    rng = np.random.default_rng(5)
    radius = rng.choice([2.0, 5.0, 10.0, 20.0], size=120)
    indicators = rng.random((120, 3))
    indicators[rng.random(indicators.shape) < 0.2] = np.nan
    inputs = AccessInputs(
        area_lat=area_lat,
        area_lon=area_lon,
        radius_mi=radius,
        youth=youth,
        site_lat=site_lat,
        site_lon=site_lon,
        seats=seats,
        indicators=indicators,
        need_weights=np.array([2.0, 1.0, 1.0]),
    )
    calls: list[tuple[int, str]] = []
    result = analyse(inputs, on_progress=lambda percent, stage: calls.append((percent, stage)))
    percents = [percent for percent, _stage in calls]
    assert percents == sorted(percents)
    assert (percents[0], percents[-1]) == (0, 100)
    reach = pairs_within(area_lat, area_lon, radius, site_lat, site_lon)
    weights = zone_weights(reach.miles, radius[reach.area])
    np.testing.assert_allclose(result.access_per_person, two_step_fca(youth, seats, reach, weights))
    np.testing.assert_allclose(result.seats_within, seats_within(seats, reach, 120))
    np.testing.assert_allclose(
        result.nearest_miles, nearest_site(area_lat, area_lon, site_lat, site_lon)[0]
    )
    np.testing.assert_allclose(result.need, need_index(indicators, np.array([2.0, 1.0, 1.0])))
    assert (
        result.is_desert.tolist()
        == deserts(youth, result.seats_within, result.access_per_person).tolist()
    )
    assert sorted(result.order.tolist()) == list(range(120))
    assert result.pairs == len(reach)


def test_analyse_without_sites_or_areas() -> None:
    empty = np.zeros(0)
    no_sites = analyse(
        AccessInputs(
            area_lat=np.array([40.0, 41.0]),
            area_lon=np.array([-75.0, -76.0]),
            radius_mi=np.array([5.0, 20.0]),
            youth=np.array([100.0, 10.0]),
            site_lat=empty,
            site_lon=empty,
            seats=empty,
        )
    )
    assert no_sites.access_per_person.tolist() == [0.0, 0.0]
    assert no_sites.nearest_site.tolist() == [-1, -1]
    assert np.all(np.isinf(no_sites.nearest_miles))
    assert no_sites.is_desert.tolist() == [True, False]
    assert no_sites.order.tolist() == [0, 1]
    assert np.all(np.isnan(no_sites.need))
    no_areas = analyse(
        AccessInputs(
            area_lat=empty,
            area_lon=empty,
            radius_mi=empty,
            youth=empty,
            site_lat=np.array([40.0]),
            site_lon=np.array([-75.0]),
            seats=np.array([30.0]),
        )
    )
    assert no_areas.access_per_person.shape == no_areas.order.shape == (0,)
    assert no_areas.pairs == 0


@settings(max_examples=25, deadline=None)
@given(instances())
def test_analyse_accepts_any_small_instance(instance) -> None:
    area_lat, area_lon, radius, site_lat, site_lon, youth, seats = instance
    result = analyse(AccessInputs(area_lat, area_lon, radius, youth, site_lat, site_lon, seats))
    assert result.access_per_person.shape == youth.shape
    assert sorted(result.order.tolist()) == list(range(len(youth)))


@no_deadline
@given(
    hnp.arrays(
        float, st.integers(0, 40), elements=st.one_of(st.just(np.nan), st.integers(0, 6).map(float))
    )
)
def test_percentile_index_equals_scipy_average_ranks(values) -> None:
    got = percentile_0_100(values)
    known = ~np.isnan(values)
    assert np.array_equal(np.isnan(got), ~known)
    if known.sum() > 1:
        expected = 100 * (rankdata(values[known]) - 1) / (known.sum() - 1)
        np.testing.assert_allclose(got[known], expected, rtol=1e-12)


def test_a_site_exactly_on_the_catchment_boundary_is_in_reach() -> None:
    # Each area's radius is exactly its haversine distance to one site, the case where the
    # chord and haversine formulas could disagree in the last bits: haversine decides (<=).
    area_lat, area_lon, site_lat, site_lon, _youth, _seats = random_instance(21, 200, 150)
    target = np.arange(200) % 150
    radius = haversine_miles(area_lat, area_lon, site_lat[target], site_lon[target])
    reach = pairs_within(area_lat, area_lon, radius, site_lat, site_lon)
    want = brute_reach(area_lat, area_lon, radius, site_lat, site_lon)
    assert reach.area.tolist() == want.area.tolist()
    assert reach.site.tolist() == want.site.tolist()
    assert set(zip(range(200), target.tolist(), strict=True)) <= set(
        zip(reach.area.tolist(), reach.site.tolist(), strict=True)
    )
    on_boundary = np.isin(reach.area * 1000 + reach.site, np.arange(200) * 1000 + target)
    np.testing.assert_array_equal(reach.miles[on_boundary], radius[reach.area[on_boundary]])
    # ... and in the last decay zone, whose bound is inclusive too.
    weights = zone_weights(reach.miles, radius[reach.area])
    assert np.all(weights[on_boundary] == DEFAULT_ZONES[-1][1])


def test_a_narrower_seat_count_never_makes_an_area_with_seats_in_reach_a_desert() -> None:
    # 100 young people, 100 seats 3 miles away in a 5-mile catchment; seats counted within 1 mi.
    inputs = AccessInputs(
        area_lat=np.array([40.0]),
        area_lon=np.array([-75.0]),
        radius_mi=np.array([5.0]),
        youth=np.array([100.0]),
        site_lat=np.array([40.0 + 3 / 69.05]),
        site_lon=np.array([-75.0]),
        seats=np.array([100.0]),
    )
    narrowed = analyse(inputs, seats_max_miles=1.0)
    assert narrowed.seats_within.tolist() == [0.0]
    assert narrowed.access_per_person[0] > 0.5
    assert narrowed.is_desert.tolist() == [False]


@settings(max_examples=40, deadline=None)
@given(instances(), st.floats(0.0, 25.0), st.integers(0, 100), st.floats(1.0, 40.0))
def test_deserts_read_the_whole_catchment_whatever_seats_are_reported(
    instance, max_miles, min_youth, per_seat
) -> None:
    area_lat, area_lon, radius, site_lat, site_lon, youth, seats = instance
    inputs = AccessInputs(area_lat, area_lon, radius, youth, site_lat, site_lon, seats)
    rule = DesertRule(min_youth=min_youth, max_youth_per_seat=per_seat)
    whole = analyse(inputs, rule=rule)
    narrowed = analyse(inputs, rule=rule, seats_max_miles=max_miles)
    assert narrowed.is_desert.tolist() == whole.is_desert.tolist()
    assert narrowed.order.tolist() == whole.order.tolist()
    assert np.all(narrowed.seats_within <= whole.seats_within)
    expected = deserts(youth, whole.seats_within, whole.access_per_person, rule)
    assert whole.is_desert.tolist() == expected.tolist()


@pytest.mark.parametrize(
    ("kind", "index", "area_lat", "site_lon"),
    [
        ("area", 1, [40.0, np.nan, 40.1], [-75.0]),
        ("area", 2, [40.0, 40.1, 91.0], [-75.0]),
        ("site", 0, [40.0, 40.1, 40.2], [np.inf]),
        ("site", 0, [40.0, 40.1, 40.2], [-181.0]),
    ],
)
def test_a_place_without_valid_coordinates_is_a_clear_error(
    kind: str, index: int, area_lat: list[float], site_lon: list[float]
) -> None:
    inputs = AccessInputs(
        area_lat=np.array(area_lat),
        area_lon=np.full(3, -75.0),
        radius_mi=np.full(3, 5.0),
        youth=np.full(3, 100.0),
        site_lat=np.array([40.0]),
        site_lon=np.array(site_lon),
        seats=np.array([20.0]),
    )
    named = f"the first {kind} {index} at latitude"
    with pytest.raises(CoordinateError, match=named):
        analyse(inputs)
    with pytest.raises(CoordinateError, match=named):
        pairs_within(area_lat, np.full(3, -75.0), 5.0, [40.0], site_lon)
    with pytest.raises(CoordinateError, match=named):
        nearest_site(area_lat, np.full(3, -75.0), [40.0], site_lon)
    # Without any site the areas are still checked.
    if kind == "area":
        with pytest.raises(CoordinateError, match=named):
            analyse(replace(inputs, site_lat=np.zeros(0), site_lon=np.zeros(0), seats=np.zeros(0)))
