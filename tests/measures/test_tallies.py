"""The reach tallies (measures.tallies) hold for any linked rows: each young person counts once
per school year, every breakdown adds up to the year's total, the dose too, and retention
counts only people of both years."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.measures import tallies

rows = st.lists(
    st.builds(
        tallies.Row,
        person=st.integers(0, 12),
        period=st.integers(1, 2),
        organization=st.integers(1, 4),
        program=st.integers(1, 6),
        program_type=st.sampled_from(["club", "camp", "team"]),
        area=st.one_of(st.none(), st.sampled_from(["north", "south"])),
        codes=st.fixed_dictionaries(
            {}, optional={"sex": st.sampled_from("FM"), "race": st.sampled_from("AWH")}
        ),
    ),
    max_size=40,
)


@settings(max_examples=60)
@given(rows)
def test_every_breakdown_adds_up_to_the_years_young_people(found: list[tallies.Row]) -> None:
    for period, people in tallies.people_of_period(found).items():
        assert set(people) == {r.person for r in found if r.period == period}
        dims = tallies.complete_dimensions(people, ["sex", "race", tallies.AREA])
        subsets = [(), *((d,) for d in dims), tuple(dims)]
        counts = tallies.breakdowns(people, subsets)
        assert counts[()] == len(people)
        for subset in subsets:
            assert sum(
                n for key, n in counts.items() if {d for d, _c in key} == set(subset)
            ) == len(people)
        tally = tallies.period_tally(people)
        assert sum(tally["dose"].values()) == len(people)
        for key, both in tally["organization_pairs"].items():
            a, b = tallies.unpair(key)
            assert both <= min(tally["organizations"][a], tally["organizations"][b])


@settings(max_examples=60)
@given(rows)
def test_a_young_persons_codes_are_those_of_their_first_row(found: list[tallies.Row]) -> None:
    people = tallies.people_of_period(found)
    for number, person in people.get(1, {}).items():
        mine = [r for r in found if r.period == 1 and r.person == number]
        for dimension, code in person.codes.items():
            if dimension == tallies.AREA:
                assert code == next(r.area for r in mine if r.area is not None)
            else:
                assert code == next(r.codes[dimension] for r in mine if dimension in r.codes)


@settings(max_examples=60)
@given(rows)
def test_retention_counts_people_of_both_years(found: list[tallies.Row]) -> None:
    people = tallies.people_of_period(found)
    first, second = people.get(1, {}), people.get(2, {})
    after = tallies.next_year_tally(first, second)
    assert after["retained"]["total"] == len(set(first) & set(second))
    for key, n in after["sequences"].items():
        a, b = tallies.unpair(key)
        assert n == sum(
            1 for p in set(first) & set(second) if a in first[p].types and b in second[p].types
        )
