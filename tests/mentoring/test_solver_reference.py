"""The matching engine's candidate pairs against a brute-force reference written plainly
here: every mentor x opportunity pair checked by the rules of the solver's docstring and
scored component by component. Whatever the engine does to be fast (latitude bands, codes
per distinct set, lookup tables, day bitmasks, sparse products, chunks), its pairs, their
order, scores, components and distances must be the reference's."""

from __future__ import annotations

import math
from collections.abc import Sequence

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecotone.mentoring import solver
from ecotone.mentoring.solver import (
    COMPONENTS,
    Mentor,
    Opportunity,
    ScoreWeights,
    Window,
    candidate_edges,
)

SCREENING = ["background_check", "training", "interview"]
GRADES = ["k-5", "6-8", "9-12"]
LANGUAGES = ["en", "es", "vi"]
TOPICS = ["robotics", "coding", "biology", "math"]
IDENTITIES = ["women", "first_gen", "latinx"]


def sets(items: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(items), max_size=len(items))


# Built once, here: a strategy built inside a composite is validated again on every draw, which
# was 39 of this file's 41 s of example generation (cProfile), against 2 s in the engine.
GRADE_SETS = sets(GRADES)
LANGUAGE_SETS = sets(LANGUAGES)
TOPIC_SETS = sets(TOPICS)
SCREENING_SETS = sets(SCREENING)
HELD_SCREENING = st.one_of(st.just(frozenset(SCREENING)), SCREENING_SETS)
IDENTITY_SETS = sets(IDENTITIES)
EQUITY_PRIORITIES = st.floats(-0.5, 1.5)


# A few shared points (so that pairs at the same place, at distance 0, are common), points
# nearby, points either side of the antimeridian and near a pole, and no point at all.
SHARED_POINTS = st.sampled_from([(40.0, -74.0), (40.05, -74.02), (-33.9, 151.2)])
POINTS = st.one_of(
    st.none(),
    SHARED_POINTS,
    st.tuples(st.floats(39.8, 40.2), st.floats(-74.3, -73.7)),
    st.tuples(st.floats(-10.0, 10.0), st.sampled_from([179.95, -179.95, 180.0, -180.0])),
    st.tuples(st.floats(89.5, 90.0), st.floats(-180.0, 180.0)),
)
RADII = st.one_of(
    st.just(0.0), st.floats(0.0, 30.0), st.sampled_from([5.0, 10.0, 20.0]), st.just(8000.0)
)
MENTOR_MODES = st.sampled_from(
    [frozenset({"in_person"}), frozenset({"virtual"}), frozenset({"in_person", "virtual"})]
)
OPPORTUNITY_MODES = st.sampled_from(["in_person", "virtual", "either"])
REQUIRED_LANGUAGE = st.sampled_from(["", "", *LANGUAGES])
INTERESTS = st.frozensets(st.sampled_from([f"o{j}" for j in range(8)]), max_size=3)
START = st.integers(0, 95 * 15 + 14)  # any minute, so windows off the quarter-hours too
LENGTH = st.integers(0, 8 * 15)
WINDOW = st.tuples(st.integers(0, 6), START, LENGTH).map(lambda w: (w[0], w[1], w[1] + w[2]))
# Few days and hours so that schedules meet; two windows may overlap.
NEAR_WINDOW = st.tuples(st.integers(0, 1), st.integers(32, 40), st.integers(1, 8)).map(
    lambda w: (w[0], w[1] * 15, (w[1] + w[2]) * 15)
)
WINDOWS = st.lists(st.one_of(NEAR_WINDOW, WINDOW), max_size=3).map(tuple)
SCHEDULES = st.one_of(st.just(()), WINDOWS)
WEIGHTS = st.one_of(
    st.just(ScoreWeights()),
    st.builds(
        ScoreWeights,
        *(st.integers(0, 50) for _ in COMPONENTS),
    ),
)


@st.composite
def mentor(draw: st.DrawFn, i: int) -> Mentor:
    point = draw(POINTS)
    return Mentor(
        id=f"m{i}",
        lat=None if point is None else point[0],
        lon=None if point is None else point[1],
        travel_radius_mi=draw(RADII),
        modes=draw(MENTOR_MODES),
        grade_bands=draw(GRADE_SETS),
        languages=draw(LANGUAGE_SETS),
        topics=draw(TOPIC_SETS),
        availability=draw(WINDOWS),
        screening=draw(HELD_SCREENING),
        identity_tags=draw(IDENTITY_SETS),
        interests=draw(INTERESTS),
    )


@st.composite
def opportunity(draw: st.DrawFn, j: int) -> Opportunity:
    point = draw(POINTS)
    return Opportunity(
        id=f"o{j}",
        mode=draw(OPPORTUNITY_MODES),
        lat=None if point is None else point[0],
        lon=None if point is None else point[1],
        grade_bands=draw(GRADE_SETS),
        language_required=draw(REQUIRED_LANGUAGE),
        languages=draw(LANGUAGE_SETS),
        topics=draw(TOPIC_SETS),
        schedule=draw(SCHEDULES),
        required_screening=draw(SCREENING_SETS),
        welcomes_identities=draw(IDENTITY_SETS),
        equity_priority=draw(EQUITY_PRIORITIES),
    )


MENTORS = [mentor(i) for i in range(10)]
OPPORTUNITIES = [opportunity(j) for j in range(8)]


@st.composite
def instances(draw: st.DrawFn) -> tuple[list[Mentor], list[Opportunity], ScoreWeights]:
    n_m, n_o = draw(st.integers(0, 10)), draw(st.integers(0, 8))
    return (
        [draw(MENTORS[i]) for i in range(n_m)],
        [draw(OPPORTUNITIES[j]) for j in range(n_o)],
        draw(WEIGHTS),
    )


def miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 3958.7613 * math.asin(math.sqrt(min(1.0, max(0.0, a))))


def quarter_hours(windows: Sequence[Window]) -> set[tuple[int, int]]:
    return {
        (day, q)
        for day, start, end in windows
        for q in range(96)
        if start <= q * 15 and q * 15 + 15 <= end
    }


def reference(
    ms: list[Mentor], os_: list[Opportunity], w: ScoreWeights
) -> list[tuple[int, int, float | None, dict[str, int]]]:
    """(mentor, opportunity, distance or None when virtual, points per component), by pair."""
    out = []
    for i, m in enumerate(ms):
        for j, o in enumerate(os_):
            if not o.required_screening <= m.screening:
                continue
            if o.grade_bands and not m.grade_bands & o.grade_bands:
                continue
            if o.language_required and o.language_required not in m.languages:
                continue
            if o.schedule and not quarter_hours(m.availability) & quarter_hours(o.schedule):
                continue
            distance = None
            if (
                "in_person" in m.modes
                and o.mode in ("in_person", "either")
                and None not in (m.lat, m.lon, o.lat, o.lon)
            ):
                d = miles(m.lat, m.lon, o.lat, o.lon)  # type: ignore[arg-type]
                if d <= m.travel_radius_mi:
                    distance = d
            virtual = "virtual" in m.modes and o.mode in ("virtual", "either")
            if distance is None and not virtual:
                continue
            closeness = 0.0
            if distance is not None:
                closeness = min(1.0, max(0.0, 1 - distance / max(m.travel_radius_mi, 1e-9)))
            points = {
                "base": w.base,
                "topics": round(w.topics * len(m.topics & o.topics) / max(len(o.topics), 1)),
                "distance": round(w.distance * closeness) if distance is not None else 0,
                "language": w.language if m.languages & o.languages else 0,
                "identity": w.identity if m.identity_tags & o.welcomes_identities else 0,
                "interest": w.interest if o.id in m.interests else 0,
                "equity": round(w.equity * min(1.0, max(0.0, o.equity_priority))),
            }
            out.append((i, j, distance, points))
    return out


@pytest.fixture(params=["tables", "bitmasks in small chunks"])
def engine_path(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """The engine's two ways of testing pairs: lookup tables over distinct sets (what real
    data takes), and bitmasks per pair with the in-person sweep cut into chunks of 3 pairs."""
    if request.param != "tables":
        monkeypatch.setattr(solver, "_TABLE_CELLS", 0)
        monkeypatch.setattr(solver, "_CHUNK", 3)
    return str(request.param)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(instances())
def test_candidate_edges_are_the_brute_force_pairs_with_their_scores(engine_path, instance):
    ms, os_, w = instance
    edges = candidate_edges(ms, os_, weights=w)
    expected = reference(ms, os_, w)
    assert [(e[0], e[1]) for e in expected] == list(
        zip(edges.mentor.tolist(), edges.opportunity.tolist(), strict=True)
    )
    for k, (_i, _j, distance, points) in enumerate(expected):
        assert edges.explain(k) == points
        assert int(edges.score[k]) == sum(points.values())
        assert bool(edges.in_person[k]) == (distance is not None)
        if distance is None:
            assert math.isnan(edges.distance_mi[k])
        else:
            assert edges.distance_mi[k] == pytest.approx(distance, rel=1e-9, abs=1e-9)


@pytest.mark.parametrize(
    ("mentor_point", "opportunity_point", "radius", "paired"),
    [
        ((40.0, -74.0), (40.0, -74.0), 0.0, True),  # the same place, radius 0
        ((40.0, -74.0), (40.0, -74.001), 0.0, False),
        ((0.0, 179.99), (0.0, -179.99), 5.0, True),  # across the antimeridian
        ((89.99, 0.0), (89.99, 180.0), 5.0, True),  # across the pole
        ((40.0, -74.0), (40.0, -74.0), -1.0, False),  # a negative radius reaches nowhere
    ],
)
def test_in_person_edge_cases(mentor_point, opportunity_point, radius, paired):
    m = Mentor(
        "m0",
        lat=mentor_point[0],
        lon=mentor_point[1],
        travel_radius_mi=radius,
        modes=frozenset({"in_person"}),
    )
    o = Opportunity("o0", mode="in_person", lat=opportunity_point[0], lon=opportunity_point[1])
    edges = candidate_edges([m], [o])
    assert len(edges) == int(paired)
    assert len(reference([m], [o], ScoreWeights())) == int(paired)


def test_a_weekday_outside_the_week_is_refused_not_folded_into_the_next_person():
    """Days are coded as person x 7 + weekday: a weekday 7 would read as the next person's
    Monday, so it is refused."""
    late = Mentor("m0", availability=((7, 600, 660),))
    with pytest.raises(ValueError, match="weekday_out_of_range"):
        candidate_edges([late, Mentor("m1")], [Opportunity("o0", mode="virtual")])
