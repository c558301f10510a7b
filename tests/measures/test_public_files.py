"""The Django-free readers of public files: whatever the rows, every cell a Perkins file sums
to adds up, breakdown by breakdown, to the file's total."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.measures import checks, codes, public_files

CONCENTRATORS = checks.IndicatorDef(
    "cte",
    "count",
    ("sex", "race", "economic_disadvantage", "english_learner", "disability", "career_cluster"),
)
NONTRADITIONAL = checks.IndicatorDef("nontrad", "percent", ("sex", "race", "career_cluster"))
HEADER = list(public_files.PERKINS_COLUMNS)

row = st.tuples(
    st.sampled_from(["0100005", "0100006", "0100007"]),
    st.sampled_from(["15", "08", "13"]),
    st.sampled_from(["Female", "Male"]),
    st.sampled_from(["White", "Asian", "HispanicOrLatino"]),
    st.sampled_from(["Y", "N"]),
    st.integers(0, 500),
    st.integers(0, 500),
)


def read(rows: list[tuple[str, str, str, str, str, int, int]]) -> public_files.PublicFile:
    cells = [
        ["2024–25", d, c, s, r, f, "N", "N", str(n), str(min(k, n))] for d, c, s, r, f, n, k in rows
    ]
    return public_files.read_perkins(
        [HEADER, *cells],
        concentrators=CONCENTRATORS,
        nontraditional=NONTRADITIONAL,
        periods={"2024-25"},
        resolve=codes.common_code,
    )


@settings(max_examples=40, deadline=None)
@given(st.lists(row, min_size=1, max_size=20, unique_by=lambda r: r[:5]))
def test_every_breakdown_of_a_perkins_file_adds_up_to_its_total(rows: list[tuple]) -> None:
    found = read(rows)
    assert not found.problems
    counts = {tuple(sorted(r.parts.items())): r.value for r in found.rows if r.indicator == "cte"}
    total = counts[()]
    assert total == sum(n for *_rest, n, _k in rows)
    by_dimension: dict[str, Decimal] = defaultdict(Decimal)
    for parts, value in counts.items():
        if len(parts) == 1:
            by_dimension[parts[0][0]] += value or 0
    assert all(value == total for value in by_dimension.values())
    shares = [r for r in found.rows if r.indicator == "nontrad"]
    assert all((r.numerator or 0) <= (r.denominator or 0) for r in shares)
