"""Approved values of the fact table, built directly (the submission path has its own tests)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ecotone.measures.models import Indicator, Period, Value
from ecotone.measures.services import facts


def report(
    organization: Any,
    indicator: Indicator,
    period: Period,
    rows: dict[tuple[tuple[str, str], ...], Any],
) -> None:
    """Values of one partner: {(("sex", "Female"), ("race", "Asian")): 3, (): 60, ...}; a
    ratio's value is (numerator, denominator)."""
    values = []
    for parts, number in rows.items():
        ratio = isinstance(number, tuple)
        numerator, denominator = (Decimal(number[0]), Decimal(number[1])) if ratio else (None, None)
        values.append(
            Value(
                ecosystem=indicator.ecosystem,
                indicator=indicator,
                indicator_version=indicator.version,
                period=period,
                organization=organization,
                combo=facts.combo(dict(parts)),
                value=(numerator / denominator * 100 if denominator else None)
                if ratio
                else Decimal(number),
                numerator=numerator,
                denominator=denominator,
            )
        )
    Value.objects.bulk_create(values)


def crossed(cells: dict[tuple[str, str], int]) -> dict[tuple[tuple[str, str], ...], int]:
    """A count by sex x race (cells keyed (sex, race)) with its margins and total."""
    rows: dict[tuple[tuple[str, str], ...], int] = {(): 0}
    for (sex, race), count in cells.items():
        rows[(("race", race), ("sex", sex))] = count
        rows[(("sex", sex),)] = rows.get((("sex", sex),), 0) + count
        rows[(("race", race),)] = rows.get((("race", race),), 0) + count
        rows[()] += count
    return rows


# Org A's young people of 2024-25: 7 Asian students (3 girls, 4 boys) among 60.
ORG_A = {
    ("Female", "White"): 12,
    ("Female", "HispanicOrLatino"): 10,
    ("Female", "Asian"): 3,
    ("Male", "White"): 20,
    ("Male", "HispanicOrLatino"): 11,
    ("Male", "Asian"): 4,
}
# Org B's: no small group.
ORG_B = {
    ("Female", "White"): 15,
    ("Female", "HispanicOrLatino"): 14,
    ("Male", "White"): 18,
    ("Male", "HispanicOrLatino"): 16,
}
