"""Ages against grade bands, and recurrence rules: the Django-free checks, property by property."""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

from hypothesis import assume, given
from hypothesis import strategies as st

from ecotone.directory import grade_ages, recurrence
from ecotone.directory.grade_ages import GRADE_BAND_AGES, bands_outside_ages

bands = st.lists(st.sampled_from(sorted(GRADE_BAND_AGES)), unique=True)
ages = st.one_of(st.none(), st.integers(min_value=0, max_value=99))


def test_grades_6_to_8_with_maximum_age_8_is_refused() -> None:
    assert bands_outside_ages(5, 8, ["6-8"]) == ["6-8"]
    assert bands_outside_ages(None, 8, ["k-2", "6-8"]) == ["6-8"]
    assert bands_outside_ages(11, 14, ["6-8"]) == []


@given(bands, ages, ages)
def test_a_band_is_flagged_exactly_when_no_age_in_range_reaches_it(
    chosen: list[str], low: int | None, high: int | None
) -> None:
    assume(low is None or high is None or low <= high)  # the form refuses inverted ranges first
    outside = bands_outside_ages(low, high, chosen)
    lo, hi = low if low is not None else 0, high if high is not None else 999
    for band in chosen:
        youngest, oldest = GRADE_BAND_AGES[band]
        reachable = any(youngest <= age <= oldest for age in range(lo, min(hi, 120) + 1))
        assert (band in outside) == (not reachable)


@given(bands)
def test_no_ages_given_never_conflicts(chosen: list[str]) -> None:
    assert bands_outside_ages(None, None, chosen) == []


@given(bands, st.integers(min_value=0, max_value=99), st.integers(min_value=0, max_value=99))
def test_widening_the_age_range_never_adds_a_conflict(chosen: list[str], a: int, b: int) -> None:
    low, high = min(a, b), max(a, b)
    narrow = set(bands_outside_ages(low, high, chosen))
    wide = set(bands_outside_ages(max(low - 3, 0), high + 3, chosen))
    assert wide <= narrow


def test_bands_cover_ages_3_to_99_without_gaps() -> None:
    spans = sorted(grade_ages.GRADE_BAND_AGES.values())
    for (_, oldest), (youngest, _) in itertools.pairwise(spans):
        assert youngest <= oldest


weekdays = st.lists(st.sampled_from(sorted(recurrence.WEEKDAYS)), min_size=1, unique=True)
starts = st.dates(min_value=date(2024, 1, 1), max_value=date(2030, 12, 31))


@given(weekdays, starts, st.integers(min_value=0, max_value=400), st.integers(1, 4))
def test_a_coherent_weekly_rule_always_has_a_first_session(
    days: list[str], start: date, length: int, interval: int
) -> None:
    rule = recurrence.Recurrence(
        "WEEKLY",
        interval=interval,
        byday=tuple(days),
        dtstart=start,
        until=start + timedelta(days=length + 7 * interval),
        opens_at=time(15),
        closes_at=time(17),
    )
    assert recurrence.problems(rule) == []
    first = recurrence.first_session(rule)
    assert first is not None
    assert first >= start
    assert first.strftime("%a")[:2].upper() in days


@given(starts, st.integers(min_value=1, max_value=400))
def test_until_before_start_is_always_refused(start: date, days_before: int) -> None:
    rule = recurrence.Recurrence(
        "WEEKLY", byday=("MO",), dtstart=start, until=start - timedelta(days=days_before)
    )
    assert ("until", "until_before_start") in recurrence.problems(rule)


@given(st.times(), st.times())
def test_the_end_time_must_follow_the_start(opens: time, closes: time) -> None:
    rule = recurrence.Recurrence("WEEKLY", byday=("TU",), opens_at=opens, closes_at=closes)
    refused = ("closes_at", "closes_before_opens") in recurrence.problems(rule)
    assert refused == (closes <= opens)
