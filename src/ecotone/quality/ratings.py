"""How far the independent ratings of an assessment agree.

Problem: several colleagues (and later a reviewer) rate each attribute of a rubric on its
ordered stages without seeing each other's ratings; before they meet to agree a consensus, a
coach needs to see where their views differ and how reliable the ratings are as a whole.

Method: per attribute, the ratings given (a blank stage is no rating), whether they agree (at
least two ratings, all the same stage), the spread (the number of stages between the lowest
and the highest rating) and a suggested consensus (the median stage, a tie going to the lower
one). Overall, percent agreement is the share of the attributes rated by at least two raters
on which all of them agree; Krippendorff's alpha for ordinal data (the `krippendorff`
package, on the stages' places in the rubric's order) weighs a disagreement by how many
ratings lie between the two stages. Alpha is undefined, and `NotEnoughData` says why, when no
attribute has two ratings or when every rating that pairs with another is the same stage.

Django-free and strictly typed; the reasons are English msgids, translated by the caller.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import krippendorff
import numpy as np


def gettext_noop(message: str) -> str:
    return message


FEWER_THAN_TWO_RATERS = gettext_noop("Agreement needs at least two raters on the same attribute.")
NO_VARIATION = gettext_noop(
    "Every rating is the same stage: with no variation, alpha cannot be computed."
)


@dataclass(frozen=True)
class NotEnoughData:
    """Krippendorff's alpha is undefined for these ratings; `reason` is a msgid saying why."""

    reason: str


@dataclass(frozen=True)
class AttributeAgreement:
    attribute: str
    ratings: Mapping[str, str]  # rater -> stage key, only those who rated, by rater
    agree: bool  # at least two ratings, all of the same stage
    spread: int | None  # stages between the lowest and the highest rating; None when unrated
    consensus: str | None  # the median stage, a tie to the lower; None when unrated


@dataclass(frozen=True)
class Agreement:
    attributes: tuple[AttributeAgreement, ...]  # in the rubric's order
    percent_agreement: float | None  # None when no attribute has two ratings
    alpha: float | NotEnoughData


def agreement(
    stages: Sequence[str],
    attributes: Sequence[str],
    ratings: Mapping[str, Mapping[str, str]],
) -> Agreement:
    """The agreement of `ratings` (rater -> attribute key -> stage key, any missing or blank)
    on a rubric whose stages are `stages` from the lowest to the highest and whose attributes
    are `attributes`. A stage or attribute not of the rubric is a `ValueError`."""
    place = {stage: index for index, stage in enumerate(stages)}
    known = set(attributes)
    raters = sorted(ratings)
    for rater in raters:
        for attribute, stage in ratings[rater].items():
            if attribute not in known:
                raise ValueError(f"Unknown attribute {attribute!r} rated by {rater!r}.")
            if stage and stage not in place:
                raise ValueError(f"Unknown stage {stage!r} for {attribute!r} by {rater!r}.")

    rows = []
    for attribute in attributes:
        given = {r: ratings[r][attribute] for r in raters if ratings[r].get(attribute)}
        places = sorted(place[s] for s in given.values())
        rows.append(
            AttributeAgreement(
                attribute=attribute,
                ratings=given,
                agree=len(places) >= 2 and places[0] == places[-1],
                spread=places[-1] - places[0] if places else None,
                consensus=stages[places[(len(places) - 1) // 2]] if places else None,
            )
        )

    compared = [row for row in rows if len(row.ratings) >= 2]
    percent = sum(row.agree for row in compared) / len(compared) if compared else None
    return Agreement(
        attributes=tuple(rows),
        percent_agreement=percent,
        alpha=_alpha(len(stages), [[place[s] for s in row.ratings.values()] for row in rows]),
    )


def _alpha(stage_count: int, units: Sequence[Sequence[int]]) -> float | NotEnoughData:
    """Ordinal alpha over `units` (each attribute's ratings, as places on the scale)."""
    pairable = [unit for unit in units if len(unit) >= 2]
    if not pairable:
        return NotEnoughData(FEWER_THAN_TWO_RATERS)
    if len({value for unit in pairable for value in unit}) < 2:
        return NotEnoughData(NO_VARIATION)
    # one row per rating position: alpha reads units (columns) whoever gave the rating
    width = max(len(unit) for unit in pairable)
    data = np.full((width, len(pairable)), np.nan)
    for column, unit in enumerate(pairable):
        data[: len(unit), column] = unit
    value = krippendorff.alpha(
        reliability_data=data,
        value_domain=list(range(stage_count)),
        level_of_measurement="ordinal",
    )
    return float(value)
