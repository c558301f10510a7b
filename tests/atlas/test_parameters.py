"""An analysis's settings: defaults, round trip, and errors that name every bad field."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecotone.atlas.parameters import (
    DEFAULT_DECAY_ZONES,
    PRESETS,
    ParameterError,
    Parameters,
)


def test_defaults_are_the_documented_method() -> None:
    params = Parameters()
    assert params.catchment_mi == {"city": 2.0, "suburb": 5.0, "town": 10.0, "rural": 20.0}
    assert params.decay_zones == DEFAULT_DECAY_ZONES
    assert params.desert_min_youth == 50
    assert params.desert_max_youth_per_seat == 30.0
    assert sum(params.need_weights.values()) == pytest.approx(1.0)
    assert not params.filters_programs


def test_missing_keys_take_their_defaults() -> None:
    assert Parameters.from_dict({}) == Parameters()
    assert Parameters.from_dict({"catchment_mi": {"rural": 30}}).catchment_mi["rural"] == 30.0
    assert Parameters.from_dict({"catchment_mi": {"rural": 30}}).catchment_mi["city"] == 2.0


def test_round_trip() -> None:
    params = Parameters.from_dict(
        {
            "grade_band": "6-8",
            "min_days_per_week": 4,
            "after_school_only": True,
            "free_or_low_cost": True,
            "language": "es",
            "transportation_provided": True,
            "stem_fields": ["robotics", "computing"],
            "activity_types": ["afterschool-club"],
            "assumed_seats": 15,
            "decay_zones": [[0.5, 1], [1, 0.5]],
            "desert_max_youth_per_seat": 3,
        }
    )
    assert Parameters.from_dict(params.to_dict()) == params
    assert params.stem_fields == ("computing", "robotics")
    assert params.filters_programs


@given(
    city=st.floats(min_value=0.1, max_value=100),
    band=st.sampled_from(["", "prek", "k-2", "3-5", "6-8", "9-12"]),
    days=st.integers(min_value=0, max_value=7),
    per_seat=st.floats(min_value=1, max_value=1000),
)
def test_round_trip_any_valid_settings(city: float, band: str, days: int, per_seat: float) -> None:
    params = Parameters.from_dict(
        {
            "catchment_mi": {"city": city},
            "grade_band": band,
            "min_days_per_week": days,
            "desert_max_youth_per_seat": per_seat,
        }
    )
    assert Parameters.from_dict(params.to_dict()) == params


@pytest.mark.parametrize(
    ("data", "bad_fields"),
    [
        ({"catchment_mi": {"city": 0}}, {"catchment_mi.city"}),
        (
            {"catchment_mi": {"city": -1, "rural": "far"}},
            {"catchment_mi.city", "catchment_mi.rural"},
        ),
        ({"catchment_mi": {"moon": 3}}, {"catchment_mi.moon"}),
        ({"catchment_mi": 5}, {"catchment_mi"}),
        ({"decay_zones": [[0.5, 1], [0.4, 0.5]]}, {"decay_zones"}),  # shares must rise
        ({"decay_zones": [[0.5, 0.5], [1, 0.9]]}, {"decay_zones"}),  # weights must not rise
        ({"decay_zones": [[0.5, 1]]}, {"decay_zones"}),  # must end at the catchment
        ({"decay_zones": []}, {"decay_zones"}),
        ({"grade_band": "college"}, {"grade_band"}),
        ({"min_days_per_week": 8}, {"min_days_per_week"}),
        ({"min_days_per_week": 2.5}, {"min_days_per_week"}),
        ({"after_school_only": "yes"}, {"after_school_only"}),
        ({"language": "Spanish"}, {"language"}),
        ({"stem_fields": "robotics"}, {"stem_fields"}),
        ({"stem_fields": ["Robotics!"]}, {"stem_fields"}),
        ({"assumed_seats": 0}, {"assumed_seats"}),
        ({"need_weights": {"low_income": -1}}, {"need_weights.low_income"}),
        ({"need_weights": {"height": 1}}, {"need_weights.height"}),
        (
            {"need_weights": dict.fromkeys(["low_income", "english_learner"], 0), "x": 1},
            {"need_weights", "x"},
        ),
        ({"desert_min_youth": -5}, {"desert_min_youth"}),
        ({"desert_max_youth_per_seat": 0.5}, {"desert_max_youth_per_seat"}),
        ({"colour": "red", "grade_band": "x"}, {"colour", "grade_band"}),
    ],
)
def test_errors_name_each_bad_field(data: dict[str, Any], bad_fields: set[str]) -> None:
    if "need_weights" in bad_fields and "x" in data:
        data["need_weights"] = dict.fromkeys(
            ["low_income", "english_learner", "students_of_color", "rural", "disability"], 0
        )
    with pytest.raises(ParameterError) as caught:
        Parameters.from_dict(data)
    assert set(caught.value.errors) == bad_fields
    messages = caught.value.messages(lambda m: "» " + m)
    assert all(text.startswith("» ") for found in messages.values() for text in found)


def test_vocabulary_limits_codes() -> None:
    vocabulary = {"stem_fields": ["robotics"], "activity_types": ["workshop"]}
    Parameters.from_dict({"stem_fields": ["robotics"]}, vocabulary=vocabulary)
    with pytest.raises(ParameterError) as caught:
        Parameters.from_dict(
            {"stem_fields": ["cooking"], "activity_types": ["workshop"]}, vocabulary=vocabulary
        )
    assert set(caught.value.errors) == {"stem_fields"}
    assert "cooking" in str(caught.value)


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_presets_are_valid_settings(name: str) -> None:
    params = Parameters().with_preset(name)
    assert Parameters.from_dict(params.to_dict()) == params


def test_dallas_preset_counts_four_afternoons() -> None:
    params = Parameters().with_preset("dallas")
    assert params.min_days_per_week == 4
    assert params.after_school_only
