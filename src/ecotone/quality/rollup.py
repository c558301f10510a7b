"""The ecosystem's roll-up of a rubric: where the programs stand, attribute by attribute.

Problem: a coalition wants to see which practices most of its programs lack (where to
invest) without letting anyone read one program's ratings off a small count. Each program
counts once per rubric, by its latest complete assessment.

Method. For each attribute, the programs are counted by the stage their consensus rating
gives (`distribution`); for each section too, a program standing at its section stage: the
stage at the mean position of its attributes' stages, halves down (1 and 2 average to the
first stage), so a section row counts programs like an attribute row. The **low** band is the
two lowest stages (the lowest alone on a scale of two), and the weakest practices are the
attributes ranked by the share of programs in it (`weakest`).

Publication (`publish`). A row is published as linked tables of `ecotone.suppression`: its
total (the programs counted), the low band and the rest, and each stage within its band,
suppressed by `suppression.suppress_linked` with the ecosystem's
threshold: a count of programs above 0 and below the threshold is hidden, and so are enough
others that no hidden count can be worked out from the row's total, the band or the other
stages (the module's primary, complement and complementary rules and its audit). When the
programs counted are themselves fewer than the threshold (`suppression.publish_count`), every
figure is hidden, zeros too. The backbone reads the exact figures (`exact=True`).

Complexity: counting is O(programs x attributes); the rows' suppression is one MILP and one
audit over rows x 2 x stages cells (about 80 ms for 35 rows of four stages).

Django-free and strictly typed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from ecotone import suppression

LOW, HIGH = "low", "high"
# Why a figure is hidden, in the words `suppression` gives: "small", "complement", and ours:
# the figure protects a hidden one ("protects"), or the row counts too few programs ("few").
SMALL, PROTECTS, FEW = "small", "protects", "few"


def low_stages(stages: Sequence[str]) -> tuple[str, ...]:
    """The stages of the low band: the two lowest, or the lowest alone on a scale of two."""
    return tuple(stages[:2] if len(stages) >= 3 else stages[:1])


def section_stage(stages: Sequence[str], attained: Sequence[str]) -> str | None:
    """A program's stage on a section: the stage at the mean position of its attributes'
    stages, halves down; None when none of them is rated."""
    positions = [stages.index(s) for s in attained if s in stages]
    if not positions:
        return None
    # halves down, in whole numbers: floor((2 * sum + n - 1) / (2 * n)) is the mean rounded
    # to the nearest position with .5 going down
    n = len(positions)
    return stages[(2 * sum(positions) + n - 1) // (2 * n)]


def distribution(
    stages: Sequence[str],
    keys: Sequence[str],
    ratings: Mapping[str, Mapping[str, str]],
) -> dict[str, tuple[int, ...]]:
    """Per key (an attribute, or a section of `section_stage`s), the programs at each stage
    (in `stages` order), from `ratings` {program: {key: stage}}; an unrated key or an unknown
    stage is not counted."""
    position = {stage: i for i, stage in enumerate(stages)}
    counts = {key: [0] * len(stages) for key in keys}
    for given in ratings.values():
        for key, stage in given.items():
            if key in counts and stage in position:
                counts[key][position[stage]] += 1
    return {key: tuple(found) for key, found in counts.items()}


@dataclass(frozen=True)
class PublishedRow:
    """One row as it may be published: `counts` per stage and `total` and `low` (programs
    in the low band) each None when hidden; `reasons` why each stage's count is hidden."""

    key: str
    counts: tuple[int | None, ...]
    total: int | None
    low: int | None
    reasons: tuple[str | None, ...]
    # When the low band is hidden: the least it can be given what is published (the total, the
    # higher stages shown, and each one hidden as "small" at most threshold - 1), None when
    # that says nothing. A reader works it out from the page: publishing it tells nothing new.
    low_at_least: int | None = None

    @property
    def low_share(self) -> float | None:
        """The share of the programs counted in the low band, 0-1; None when hidden."""
        if self.low is None or not self.total:
            return None
        return self.low / self.total

    @property
    def low_share_at_least(self) -> float | None:
        """The low band's share where it is shown, else the least it can be, 0-1, or None."""
        if self.low_share is not None:
            return self.low_share
        if self.low_at_least is None or not self.total:
            return None
        return self.low_at_least / self.total


def publish(
    stages: Sequence[str],
    rows: Mapping[str, Sequence[int]],
    threshold: int,
    *,
    exact: bool,
) -> list[PublishedRow]:
    """The rows {key: programs per stage} as they may be published (module docstring), in
    the order given; `exact`: the backbone's, every figure as counted. The rows are
    independent tables of the same programs; they are suppressed together, as one set of
    linked tables with the row as a dimension (one MILP and one audit for the page)."""
    low_set = set(low_stages(stages))
    band = {stage: LOW if stage in low_set else HIGH for stage in stages}
    published: dict[str, PublishedRow] = {}
    counted: dict[str, Sequence[int]] = {}
    for key, counts in rows.items():
        total = sum(counts)
        low = sum(c for s, c in zip(stages, counts, strict=True) if s in low_set)
        if exact:
            published[key] = PublishedRow(key, tuple(counts), total, low, (None,) * len(counts))
        elif suppression.publish_count(total, threshold) is None:
            published[key] = PublishedRow(
                key, (None,) * len(counts), None, None, (FEW,) * len(counts)
            )
        else:
            counted[key] = counts
    if counted:
        tables = suppression.linked_tables(
            {"row": tuple(counted), "band": (LOW, HIGH), "stage": tuple(stages)},
            {
                (key, band[stage], stage): count
                for key, counts in counted.items()
                for stage, count in zip(stages, counts, strict=True)
            },
            [("row",), ("row", "band"), ("row", "band", "stage")],
        )
        result = suppression.suppress_linked(tables, threshold)
        for key in counted:
            shown: list[int | None] = []
            reasons: list[str | None] = []
            for stage in stages:
                cell = tables.cell({"row": key, "band": band[stage], "stage": stage})
                value = result.cells[cell]
                shown.append(value)
                reasons.append(None if value is not None else result.primary.get(cell, PROTECTS))
            row_total = result.cells[tables.cell({"row": key})]
            row_low = result.cells[tables.cell({"row": key, "band": LOW})]
            published[key] = PublishedRow(
                key,
                tuple(shown),
                row_total,
                row_low,
                tuple(reasons),
                None
                if row_low is not None
                else _low_at_least(stages, shown, reasons, row_total, threshold),
            )
    return [published[key] for key in rows]


def _low_at_least(
    stages: Sequence[str],
    shown: Sequence[int | None],
    reasons: Sequence[str | None],
    total: int | None,
    threshold: int,
) -> int | None:
    """The least a hidden low band can be, from the published row alone: its total less the
    most the higher stages can hold (a shown count as shown, one hidden as small at most
    threshold - 1); None when a higher stage hidden for another reason leaves it open."""
    if total is None:
        return None
    low_set = set(low_stages(stages))
    most = 0
    for stage, value, reason in zip(stages, shown, reasons, strict=True):
        if stage in low_set:
            continue
        if value is not None:
            most += value
        elif reason == SMALL:
            most += threshold - 1
        else:
            return None
    return total - most if total - most > 0 else None


def weakest(rows: Sequence[PublishedRow]) -> list[PublishedRow]:
    """The rows ranked by the share of programs in the low band, largest first, a hidden band
    by the least it can be (`low_at_least`); ties, and the rows whose band is hidden with no
    bound (last), keep the order given (the rubric's)."""
    order = {row.key: i for i, row in enumerate(rows)}
    return sorted(
        rows,
        key=lambda row: (
            row.low_share_at_least is None,
            -(row.low_share_at_least or 0.0),
            order[row.key],
        ),
    )
