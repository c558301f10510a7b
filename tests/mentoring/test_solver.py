"""Properties of the matching engine (ecotone.mentoring.solver), checked against plain
oracles: a pair-by-pair checker of the hard constraints written without the engine's
bitmasks, k-d tree or sparse products, and integer programs (scipy.optimize.milp) for the
optimum on small instances."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from scipy.optimize import Bounds, LinearConstraint, milp

from ecotone.mentoring.solver import (
    COMPONENTS,
    Edges,
    Mentor,
    Opportunity,
    ScoreWeights,
    candidate_edges,
    greedy,
    solve,
    stable_match,
)

SCREENING = ["background_check", "training", "interview"]
GRADES = ["k-5", "6-8", "9-12"]
LANGUAGES = ["en", "es", "vi"]
TOPICS = ["robotics", "coding", "biology", "math", "design"]
IDENTITIES = ["women", "first_gen", "latinx"]


# Strategies are built once, here: hypothesis validates a strategy object the first time it
# draws from it, and building them inside the composites below made that validation most of
# these tests' time (the examples drawn are the same).
def small_sets(items: list[str]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(items), max_size=len(items))


GRADE_SETS, LANGUAGE_SETS, TOPIC_SETS = (
    small_sets(GRADES),
    small_sets(LANGUAGES),
    small_sets(TOPICS),
)
SCREENING_SETS, IDENTITY_SETS = small_sets(SCREENING), small_sets(IDENTITIES)
ALL_SCREENING = st.one_of(st.just(frozenset(SCREENING)), SCREENING_SETS)
MODE_SETS = st.frozensets(st.sampled_from(["in_person", "virtual"]), min_size=1)
INTERESTS = st.frozensets(st.sampled_from([f"o{j}" for j in range(6)]), max_size=3)
OPPORTUNITY_MODES = st.sampled_from(["in_person", "virtual", "either"])
REQUIRED_LANGUAGE = st.sampled_from(["", "", "", *LANGUAGES])
CAPACITY = st.integers(0, 3)
LATITUDE, LONGITUDE = st.floats(40.0, 40.6), st.floats(-74.4, -73.8)
RADIUS, SHARE = st.floats(0.0, 40.0), st.floats(0.0, 1.0)
WINDOW_COUNT, DAY = st.integers(0, 2), st.integers(0, 1)
QUARTER, MINUTE_OFF, LENGTH = st.integers(0, 40), st.sampled_from([0, 0, 0, 5]), st.integers(1, 24)


@st.composite
def windows(draw: st.DrawFn) -> tuple[tuple[int, int, int], ...]:
    out = []
    for _ in range(draw(WINDOW_COUNT)):
        day = draw(DAY)
        start = draw(QUARTER) * 15 + draw(MINUTE_OFF)
        out.append((day, start, start + draw(LENGTH) * 15))
    return tuple(out)


WINDOWS = windows()
SCHEDULES = st.one_of(st.just(()), WINDOWS)


def point(draw: st.DrawFn) -> tuple[float | None, float | None]:
    if draw(st.booleans()) and draw(st.booleans()):
        return None, None
    return draw(LATITUDE), draw(LONGITUDE)


@st.composite
def mentors(draw: st.DrawFn, i: int) -> Mentor:
    lat, lon = point(draw)
    return Mentor(
        id=f"m{i}",
        capacity=draw(CAPACITY),
        lat=lat,
        lon=lon,
        travel_radius_mi=draw(RADIUS),
        modes=draw(MODE_SETS),
        grade_bands=draw(GRADE_SETS),
        languages=draw(LANGUAGE_SETS),
        topics=draw(TOPIC_SETS),
        availability=draw(WINDOWS),
        screening=draw(ALL_SCREENING),
        identity_tags=draw(IDENTITY_SETS),
        interests=draw(INTERESTS),
    )


@st.composite
def opportunities(draw: st.DrawFn, j: int) -> Opportunity:
    lat, lon = point(draw)
    return Opportunity(
        id=f"o{j}",
        capacity=draw(CAPACITY),
        mode=draw(OPPORTUNITY_MODES),
        lat=lat,
        lon=lon,
        grade_bands=draw(GRADE_SETS),
        language_required=draw(REQUIRED_LANGUAGE),
        languages=draw(LANGUAGE_SETS),
        topics=draw(TOPIC_SETS),
        schedule=draw(SCHEDULES),
        required_screening=draw(SCREENING_SETS),
        welcomes_identities=draw(IDENTITY_SETS),
        equity_priority=draw(SHARE),
    )


MENTORS = [mentors(i) for i in range(8)]
OPPORTUNITIES = [opportunities(j) for j in range(8)]


@st.composite
def instances(draw: st.DrawFn, most: int = 6) -> tuple[list[Mentor], list[Opportunity]]:
    n_m = draw(st.integers(1, most))
    n_o = draw(st.integers(1, most - 1))
    return [draw(MENTORS[i]) for i in range(n_m)], [draw(OPPORTUNITIES[j]) for j in range(n_o)]


def plain_miles(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    a = (
        math.sin((p2 - p1) / 2) ** 2
        + math.cos(p1) * math.cos(p2) * math.sin(math.radians(lon2 - lon1) / 2) ** 2
    )
    return 2 * 3958.7613 * math.asin(math.sqrt(min(1.0, a)))


def quarter_hours(windows: Sequence[tuple[int, int, int]]) -> set[tuple[int, int]]:
    return {
        (day, q)
        for day, start, end in windows
        for q in range(96)
        if start <= q * 15 and q * 15 + 15 <= end
    }


def allowed(m: Mentor, o: Opportunity) -> tuple[bool, bool]:
    """(may they be matched, in person?) by the rules of the issue, one pair at a time."""
    if not o.required_screening <= m.screening:
        return False, False
    if o.grade_bands and not (m.grade_bands & o.grade_bands):
        return False, False
    if o.language_required and o.language_required not in m.languages:
        return False, False
    if o.schedule and not (quarter_hours(m.availability) & quarter_hours(o.schedule)):
        return False, False
    in_person = (
        "in_person" in m.modes
        and o.mode in ("in_person", "either")
        and None not in (m.lat, m.lon, o.lat, o.lon)
        and plain_miles(m.lat, m.lon, o.lat, o.lon) <= m.travel_radius_mi  # type: ignore[arg-type]
    )
    virtual = "virtual" in m.modes and o.mode in ("virtual", "either")
    return in_person or virtual, in_person


def best_assignment(
    edges: Edges,
    m_cap: Sequence[int],
    o_cap: Sequence[int],
    *,
    participation: bool = False,
    locked: Sequence[int] = (),
    excluded: Sequence[int] = (),
) -> tuple[int, int]:
    """(objective, coverage) of the optimum by integer programming: x per pair, and in
    participation mode y per opportunity (covered), coverage first then score."""
    n_e, n_o = len(edges), edges.n_opportunities
    if n_e == 0:
        return 0, 0
    n = n_e + n_o
    rows, upper = [], []
    for i, cap in enumerate(m_cap):
        rows.append(np.r_[edges.mentor == i, np.zeros(n_o, bool)].astype(float))
        upper.append(cap)
    for j, cap in enumerate(o_cap):
        rows.append(np.r_[edges.opportunity == j, np.zeros(n_o, bool)].astype(float))
        upper.append(cap)
        row = -np.r_[edges.opportunity == j, np.zeros(n_o, bool)].astype(float)
        row[n_e + j] = 1  # covered only if some pair of it is chosen
        rows.append(row)
        upper.append(0)
    lower_x = np.zeros(n)
    upper_x = np.ones(n)
    lower_x[list(locked)] = 1
    upper_x[list(excluded)] = 0
    score = np.r_[edges.score.astype(float), np.zeros(n_o)]
    cover = np.r_[np.zeros(n_e), np.ones(n_o)]
    constraints = [LinearConstraint(np.array(rows), -np.inf, np.array(upper, dtype=float))]
    if participation:
        first = milp(
            -cover, constraints=constraints, integrality=np.ones(n), bounds=Bounds(lower_x, upper_x)
        )
        coverage = round(-first.fun)
        constraints.append(LinearConstraint(cover[None, :], coverage, np.inf))
    result = milp(
        -score, constraints=constraints, integrality=np.ones(n), bounds=Bounds(lower_x, upper_x)
    )
    x = np.rint(result.x[:n_e]).astype(bool)
    return round(-result.fun), len(set(edges.opportunity[x].tolist()))


def capacities(ms: list[Mentor], os_: list[Opportunity]) -> tuple[list[int], list[int]]:
    return [m.capacity for m in ms], [o.capacity for o in os_]


def check_assignment(
    edges: Edges, pairs: list[tuple[int, int]], m_cap: list[int], o_cap: list[int]
):
    candidates = set(zip(edges.mentor.tolist(), edges.opportunity.tolist(), strict=True))
    assert set(pairs) <= candidates
    assert len(set(pairs)) == len(pairs)
    per_m: dict[int, int] = defaultdict(int)
    per_o: dict[int, int] = defaultdict(int)
    for m, o in pairs:
        per_m[m] += 1
        per_o[o] += 1
    assert all(per_m[m] <= m_cap[m] for m in per_m)
    assert all(per_o[o] <= o_cap[o] for o in per_o)


PROPERTY = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(instances(8))
def test_candidates_are_exactly_the_pairs_the_rules_allow(instance):
    ms, os_ = instance
    edges = candidate_edges(ms, os_)
    event("in person" if edges.in_person.any() else "no in-person pair")
    event(f"pairs: {min(len(edges), 5)}+" if len(edges) >= 5 else f"pairs: {len(edges)}")
    found = {
        (m, o): ip
        for m, o, ip in zip(
            edges.mentor.tolist(), edges.opportunity.tolist(), edges.in_person.tolist(), strict=True
        )
    }
    expected = {}
    for i, m in enumerate(ms):
        for j, o in enumerate(os_):
            ok, in_person = allowed(m, o)
            if ok:
                expected[(i, j)] = in_person
    assert found == expected


@PROPERTY
@given(instances(8))
def test_explain_sums_to_the_score_and_identity_needs_both_sides(instance):
    ms, os_ = instance
    edges = candidate_edges(ms, os_)
    for k in range(len(edges)):
        why = edges.explain(k)
        assert set(why) == set(COMPONENTS)
        assert sum(why.values()) == edges.score[k]
        m, o = ms[edges.mentor[k]], os_[edges.opportunity[k]]
        assert (why["identity"] > 0) == bool(m.identity_tags & o.welcomes_identities)
        assert (why["interest"] > 0) == (o.id in m.interests)
        assert why["distance"] == 0 or edges.in_person[k]


@PROPERTY
@given(instances(6))
def test_an_unscreened_mentor_never_reaches_an_opportunity_that_requires_screening(instance):
    ms, os_ = instance
    ms = [
        Mentor(**{**m.__dict__, "screening": frozenset()}) if i % 2 else m for i, m in enumerate(ms)
    ]
    os_ = [
        Opportunity(**{**o.__dict__, "required_screening": frozenset({"background_check"})})
        for o in os_
    ]
    edges = candidate_edges(ms, os_)
    m_cap, o_cap = capacities(ms, os_)
    for result in (solve(edges, m_cap, o_cap), solve(edges, m_cap, o_cap, mode="participation")):
        for m, _o in result.pairs:
            assert "background_check" in ms[m].screening


@PROPERTY
@given(instances(6))
def test_solve_reaches_the_optimum_within_capacities(instance):
    ms, os_ = instance
    edges = candidate_edges(ms, os_)
    m_cap, o_cap = capacities(ms, os_)
    result = solve(edges, m_cap, o_cap)
    check_assignment(edges, result.pairs, m_cap, o_cap)
    assert result.objective == int(edges.score[result.edges].sum())
    assert result.objective == best_assignment(edges, m_cap, o_cap)[0]
    baseline = greedy(edges, m_cap, o_cap)
    check_assignment(edges, baseline.pairs, m_cap, o_cap)
    assert baseline.objective <= result.objective


@PROPERTY
@given(instances(6))
def test_participation_covers_the_most_opportunities_then_scores_best(instance):
    ms, os_ = instance
    edges = candidate_edges(ms, os_)
    m_cap, o_cap = capacities(ms, os_)
    by_score = solve(edges, m_cap, o_cap)
    result = solve(edges, m_cap, o_cap, mode="participation")
    check_assignment(edges, result.pairs, m_cap, o_cap)
    objective, coverage = best_assignment(edges, m_cap, o_cap, participation=True)
    assert result.covered >= by_score.covered
    assert result.covered == coverage
    assert result.objective == objective


@PROPERTY
@given(instances(6), st.randoms(use_true_random=False), st.sampled_from(["score", "participation"]))
def test_locked_pairs_are_kept_and_excluded_pairs_never_appear(instance, rnd, mode):
    ms, os_ = instance
    edges = candidate_edges(ms, os_)
    m_cap, o_cap = capacities(ms, os_)
    order = list(range(len(edges)))
    rnd.shuffle(order)
    left_m, left_o = list(m_cap), list(o_cap)
    locked, excluded = [], []
    for k in order:
        m, o = int(edges.mentor[k]), int(edges.opportunity[k])
        if rnd.random() < 0.3 and left_m[m] and left_o[o]:
            left_m[m] -= 1
            left_o[o] -= 1
            locked.append(k)
        elif rnd.random() < 0.3:
            excluded.append(k)
    pairs = lambda ks: [(int(edges.mentor[k]), int(edges.opportunity[k])) for k in ks]  # noqa: E731
    result = solve(edges, m_cap, o_cap, mode=mode, locked=pairs(locked), excluded=pairs(excluded))
    check_assignment(edges, result.pairs, m_cap, o_cap)
    assert set(locked) <= set(result.edges.tolist())
    assert not set(excluded) & set(result.edges.tolist())
    objective, _coverage = best_assignment(
        edges,
        m_cap,
        o_cap,
        participation=mode == "participation",
        locked=locked,
        excluded=excluded,
    )
    assert result.objective == objective


def test_a_locked_pair_must_be_a_candidate_and_fit():
    mentor = Mentor("m0", capacity=1, modes=frozenset({"virtual"}))
    opportunity = Opportunity("o0", capacity=1, mode="in_person", lat=40.0, lon=-74.0)
    edges = candidate_edges([mentor], [opportunity])
    assert len(edges) == 0
    with pytest.raises(ValueError, match="not_a_candidate"):
        solve(edges, [1], [1], locked=[(0, 0)])
    virtual = Opportunity("o1", capacity=1, mode="virtual")
    edges = candidate_edges([mentor], [virtual])
    with pytest.raises(ValueError, match="locked_over_capacity"):
        solve(edges, [0], [1], locked=[(0, 0)])


def test_a_mentor_dropping_out_re_solves_around_the_locked_pairs():
    people = [
        Mentor(f"m{i}", capacity=1, topics=frozenset({"coding"} if i else {"robotics"}))
        for i in range(3)
    ]
    needs = [
        Opportunity(f"o{j}", capacity=1, mode="virtual", topics=frozenset({"robotics"}))
        for j in range(2)
    ]
    edges = candidate_edges(people, needs)
    first = solve(edges, [1, 1, 1], [1, 1])
    assert len(first.pairs) == 2
    kept = [p for p in first.pairs if p[0] != 0]
    again = solve(edges, [0, 1, 1], [1, 1], locked=kept)
    assert set(kept) <= set(again.pairs)
    assert all(m != 0 for m, _o in again.pairs)
    assert len(again.pairs) == 2


def test_weights_change_the_score():
    mentor = Mentor("m0", topics=frozenset({"coding"}))
    need = Opportunity("o0", mode="virtual", topics=frozenset({"coding", "math"}))
    edges = candidate_edges([mentor], [need], weights=ScoreWeights(base=1, topics=100))
    assert edges.explain(0)["topics"] == 50
    assert edges.explain(0)["base"] == 1


@st.composite
def preferences(draw: st.DrawFn):
    n_m, n_o = draw(st.integers(0, 7)), draw(st.integers(0, 5))
    acceptable = {
        (m, o) for m in range(n_m) for o in range(n_o) if draw(st.booleans()) or draw(st.booleans())
    }
    m_prefs = [
        draw(st.permutations([o for o in range(n_o) if (m, o) in acceptable])) for m in range(n_m)
    ]
    o_prefs = [
        draw(st.permutations([m for m in range(n_m) if (m, o) in acceptable])) for o in range(n_o)
    ]
    caps = [draw(st.integers(0, 3)) for _ in range(n_o)]
    m_caps = [draw(st.integers(0, 2)) for _ in range(n_m)]
    return m_prefs, o_prefs, caps, m_caps


@PROPERTY
@given(preferences())
def test_stable_match_has_no_blocking_pair_and_respects_capacities(prefs):
    m_prefs, o_prefs, caps, m_caps = prefs
    pairs = stable_match(m_prefs, o_prefs, caps, m_caps)
    assert len(set(pairs)) == len(pairs)
    held_by_m: dict[int, list[int]] = defaultdict(list)
    held_by_o: dict[int, list[int]] = defaultdict(list)
    for m, o in pairs:
        assert o in m_prefs[m]
        assert m in o_prefs[o]
        held_by_m[m].append(o)
        held_by_o[o].append(m)
    assert all(len(held_by_m[m]) <= m_caps[m] for m in held_by_m)
    assert all(len(held_by_o[o]) <= caps[o] for o in held_by_o)
    for m, ranked in enumerate(m_prefs):
        for o in ranked:
            if (m, o) in pairs:
                continue
            m_wants = len(held_by_m[m]) < m_caps[m] or any(
                ranked.index(o) < ranked.index(h) for h in held_by_m[m]
            )
            o_wants = len(held_by_o[o]) < caps[o] or any(
                o_prefs[o].index(m) < o_prefs[o].index(h) for h in held_by_o[o]
            )
            assert not (m_wants and o_wants), (m, o)


def test_stable_match_one_to_one_is_mentor_optimal():
    # The classic instance: mentors get their first choices when the opportunities' views
    # conflict, because mentors propose.
    pairs = stable_match([[0, 1], [1, 0]], [[1, 0], [0, 1]], [1, 1])
    assert pairs == [(0, 0), (1, 1)]


def test_empty_sides_give_no_pairs():
    assert len(candidate_edges([], [Opportunity("o0")])) == 0
    edges = candidate_edges([Mentor("m0")], [])
    assert len(edges) == 0
    assert solve(edges, [1], []).pairs == []
    assert solve(edges, [1], [], mode="participation").covered == 0
