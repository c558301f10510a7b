"""Agreement between raters of an assessment (Django-free, no database): per attribute whether
the raters agree, by how many stages they differ and a suggested consensus; overall percent
agreement and Krippendorff's alpha for ordinal data, or a plain "not enough data"."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.quality import ratings
from ecotone.quality.ratings import NotEnoughData

STAGES = ("undeveloped", "developing", "established", "accomplished")
ATTRIBUTES = ("a1", "a2", "a3", "a4", "a5")


@st.composite
def rating_sets(draw: Any, min_raters: int = 1) -> dict[str, dict[str, str]]:
    raters = draw(
        st.lists(
            st.text("pqrs", min_size=1, max_size=3), min_size=min_raters, max_size=4, unique=True
        )
    )
    stage = st.one_of(st.sampled_from(STAGES), st.just(""))
    return {
        rater: draw(st.dictionaries(st.sampled_from(ATTRIBUTES), stage, max_size=len(ATTRIBUTES)))
        for rater in raters
    }


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.sampled_from(STAGES), min_size=len(ATTRIBUTES), max_size=len(ATTRIBUTES)),
    st.integers(min_value=2, max_value=4),
)
def test_percent_agreement_is_one_when_all_raters_agree(stages: list[str], raters: int) -> None:
    same = dict(zip(ATTRIBUTES, stages, strict=True))
    result = ratings.agreement(STAGES, ATTRIBUTES, {f"r{i}": same for i in range(raters)})
    assert result.percent_agreement == 1
    assert all(a.agree and a.spread == 0 for a in result.attributes)


@settings(max_examples=50, deadline=None)
@given(
    st.lists(st.sampled_from(STAGES), min_size=len(ATTRIBUTES), max_size=len(ATTRIBUTES)).filter(
        lambda stages: len(set(stages)) > 1
    ),
    st.integers(min_value=2, max_value=4),
)
def test_alpha_is_one_for_perfect_agreement_with_variation(stages: list[str], raters: int) -> None:
    same = dict(zip(ATTRIBUTES, stages, strict=True))
    result = ratings.agreement(STAGES, ATTRIBUTES, {f"r{i}": same for i in range(raters)})
    assert result.alpha == pytest.approx(1)


@settings(max_examples=50, deadline=None)
@given(rating_sets())
def test_the_consensus_lies_between_the_lowest_and_highest_rating(
    given_ratings: dict[str, dict[str, str]],
) -> None:
    result = ratings.agreement(STAGES, ATTRIBUTES, given_ratings)
    for attribute in result.attributes:
        places = sorted(STAGES.index(s) for s in attribute.ratings.values())
        if not places:
            assert attribute.consensus is None
            assert attribute.spread is None
            continue
        assert attribute.consensus is not None
        assert places[0] <= STAGES.index(attribute.consensus) <= places[-1]
        assert attribute.spread == places[-1] - places[0]
        assert attribute.agree == (len(places) >= 2 and attribute.spread == 0)


@settings(max_examples=50, deadline=None)
@given(rating_sets(), st.randoms(use_true_random=False))
def test_the_result_does_not_depend_on_the_order_of_raters(
    given_ratings: dict[str, dict[str, str]], random: Any
) -> None:
    shuffled = list(given_ratings.items())
    random.shuffle(shuffled)
    first = ratings.agreement(STAGES, ATTRIBUTES, given_ratings)
    second = ratings.agreement(STAGES, ATTRIBUTES, dict(shuffled))
    assert first.attributes == second.attributes
    assert first.percent_agreement == second.percent_agreement
    if isinstance(first.alpha, float):
        assert second.alpha == pytest.approx(first.alpha)
    else:
        assert first.alpha == second.alpha


def test_a_hand_worked_example() -> None:
    # Two raters, three stages 0 < 1 < 2, three attributes rated (0, 0), (1, 2), (2, 2).
    # Pairable values: n0 = 2, n1 = 1, n2 = 3, n = 6. Coincidences: o00 = 2, o12 = o21 = 1,
    # o22 = 2. Ordinal distances (sum of n_g from c to k, less (n_c + n_k) / 2, squared):
    # d01 = (3 - 1.5)^2 = 2.25, d12 = (4 - 2)^2 = 4, d02 = (6 - 2.5)^2 = 12.25.
    # Observed Do = (1/6)(1*4 + 1*4) = 4/3; expected
    # De = 2 (2*1*2.25 + 1*3*4 + 2*3*12.25) / (6*5) = 2 * 90 / 30 = 6; alpha = 1 - (4/3)/6 = 7/9.
    stages = ("low", "mid", "high")
    given_ratings = {
        "ana": {"x": "low", "y": "mid", "z": "high"},
        "ben": {"x": "low", "y": "high", "z": "high"},
    }
    result = ratings.agreement(stages, ("x", "y", "z"), given_ratings)
    assert result.alpha == pytest.approx(7 / 9)
    assert result.percent_agreement == pytest.approx(2 / 3)
    x, y, z = result.attributes
    assert (x.agree, x.spread, x.consensus) == (True, 0, "low")
    assert (y.agree, y.spread, y.consensus) == (False, 1, "mid")  # a tie goes to the lower
    assert y.ratings == {"ana": "mid", "ben": "high"}
    assert (z.agree, z.consensus) == (True, "high")


def test_the_median_of_three_is_the_middle_rating() -> None:
    result = ratings.agreement(
        STAGES,
        ("a1",),
        {
            "p": {"a1": "undeveloped"},
            "q": {"a1": "accomplished"},
            "r": {"a1": "established"},
            "s": {"a1": ""},
        },
    )
    (a1,) = result.attributes
    assert (a1.consensus, a1.spread, a1.agree) == ("established", 3, False)
    assert set(a1.ratings) == {"p", "q", "r"}  # a blank stage is no rating


def test_alpha_needs_two_raters_on_an_attribute() -> None:
    result = ratings.agreement(
        STAGES, ATTRIBUTES, {"p": {"a1": "developing"}, "q": {"a2": "established"}}
    )
    assert result.alpha == NotEnoughData(ratings.FEWER_THAN_TWO_RATERS)
    assert result.percent_agreement is None
    assert [a.consensus for a in result.attributes[:3]] == ["developing", "established", None]


def test_alpha_needs_variation() -> None:
    same = {"a1": "developing", "a2": "developing"}
    result = ratings.agreement(
        STAGES, ATTRIBUTES, {"p": same, "q": same, "r": {"a3": "accomplished"}}
    )
    # the single rating of a3 pairs with none, so it is no variation
    assert result.alpha == NotEnoughData(ratings.NO_VARIATION)
    assert result.percent_agreement == 1


def test_a_stage_or_attribute_outside_the_rubric_is_refused() -> None:
    with pytest.raises(ValueError, match="stage"):
        ratings.agreement(STAGES, ATTRIBUTES, {"p": {"a1": "excellent"}})
    with pytest.raises(ValueError, match="attribute"):
        ratings.agreement(STAGES, ATTRIBUTES, {"p": {"zz": "developing"}})


def test_krippendorffs_own_ordinal_example() -> None:
    # Krippendorff (2011), "Computing Krippendorff's alpha-reliability", the example of four
    # observers and twelve units with missing values: ordinal alpha 0.815.
    given = [
        [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    ]
    stages = ("s1", "s2", "s3", "s4", "s5")
    units = tuple(f"u{i}" for i in range(12))
    by_rater = {
        f"observer-{n}": {u: f"s{v}" for u, v in zip(units, row, strict=True) if v is not None}
        for n, row in enumerate(given)
    }
    result = ratings.agreement(stages, units, by_rater)
    assert isinstance(result.alpha, float)
    assert round(result.alpha, 3) == 0.815
    assert result.attributes[11].spread == 0
    assert not result.attributes[11].agree  # one rating agrees with nobody
