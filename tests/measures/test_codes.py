"""The standard code tables and their mapping (ecotone/measures/codes.py): no database."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecotone.measures import codes
from ecotone.measures.codes import UnknownCode

EVERY_CODE = [c for s in codes.OPTION_SETS.values() for c in s.codes]


def test_the_dimensions_are_those_of_federal_reporting() -> None:
    assert set(codes.DIMENSIONS) >= {
        "sex",
        "race",
        "economic_disadvantage",
        "english_learner",
        "disability",
        "grade",
    }


def test_race_has_the_seven_federal_categories_and_two_or_more() -> None:
    race = [c.code for c in codes.option_set("race").codes]
    assert len(race) == 8
    assert "TwoOrMoreRaces" in race
    assert "MiddleEasternOrNorthAfrican" in race
    assert {c.edfacts for c in codes.option_set("race").codes} >= {
        "AM7",
        "AS7",
        "BL7",
        "HI7",
        "PI7",
        "WH7",
        "MU7",
    }


def test_every_code_has_an_english_and_a_spanish_label() -> None:
    for code in EVERY_CODE:
        assert code.en.strip(), code
        assert code.es.strip(), code
        assert code.label("es") == code.es
        assert code.label("en") == code.en
    for option_set in codes.OPTION_SETS.values():
        assert option_set.en
        assert option_set.es


@pytest.mark.parametrize("dimension", codes.DIMENSIONS)
def test_no_spelling_means_two_codes_of_one_dimension(dimension: str) -> None:
    seen: dict[str, str] = {}
    option_set = codes.option_set(dimension)
    for code in option_set.codes:
        spellings = {code.code, *([code.edfacts] if code.edfacts else [])}
        if option_set.oneroster:
            spellings |= set(code.oneroster)
        for spelling in spellings:
            key = spelling.casefold()
            assert seen.setdefault(key, code.code) == code.code, (spelling, seen[key])


@pytest.mark.parametrize("code", EVERY_CODE, ids=lambda c: f"{c.dimension}-{c.code}")
def test_every_standard_spelling_maps_to_its_common_code(code: codes.Code) -> None:
    assert codes.common_code(code.dimension, code.code) == code.code
    if code.edfacts:
        assert codes.common_code(code.dimension, code.edfacts) == code.code
    for uri in code.edfi:
        assert codes.from_edfi(uri) == (code.dimension, code.code)
        assert codes.common_code(code.dimension, uri) == code.code
    if codes.option_set(code.dimension).oneroster:  # a column of values (sex, grades)
        for value in code.oneroster:
            assert codes.common_code(code.dimension, value) == code.code


@given(
    code=st.sampled_from(EVERY_CODE),
    upper=st.booleans(),
    pad=st.sampled_from(["", " ", "  ", "\t"]),
)
def test_case_and_surrounding_space_do_not_change_a_code(
    code: codes.Code, upper: bool, pad: str
) -> None:
    for spelling in [code.code, code.edfacts, *code.edfi]:
        if not spelling:
            continue
        text = pad + (spelling.upper() if upper else spelling.lower()) + pad
        assert codes.common_code(code.dimension, text) == code.code


def test_edfi_descriptor_uris_map_to_the_common_codes() -> None:
    assert codes.from_edfi("uri://ed-fi.org/SexDescriptor#Female") == ("sex", "Female")
    assert codes.from_edfi("uri://ed-fi.org/RaceDescriptor#Black - African American") == (
        "race",
        "BlackOrAfricanAmerican",
    )
    assert codes.from_edfi("uri://ed-fi.org/GradeLevelDescriptor#Ninth grade") == ("grade", "09")
    assert codes.from_edfi("uri://ed-fi.org/LimitedEnglishProficiencyDescriptor#Limited") == (
        "english_learner",
        "Yes",
    )
    # every IDEA disability category means a student with a disability
    assert codes.from_edfi("uri://ed-fi.org/DisabilityDescriptor#Autism") == ("disability", "Yes")


@pytest.mark.parametrize(
    "uri",
    [
        "uri://state.example.gov/SexDescriptor#F",  # a state's own namespace: the crosswalk's
        "uri://ed-fi.org/SexDescriptor#Robot",
        "uri://ed-fi.org/NoSuchDescriptor#Female",
        "Female",
    ],
)
def test_an_unknown_descriptor_is_refused_not_guessed(uri: str) -> None:
    with pytest.raises(UnknownCode):
        codes.from_edfi(uri)


def test_a_descriptor_of_another_dimension_is_refused() -> None:
    with pytest.raises(UnknownCode):
        codes.common_code("race", "uri://ed-fi.org/SexDescriptor#Female")


def test_an_unknown_value_or_dimension_is_refused() -> None:
    with pytest.raises(UnknownCode):
        codes.common_code("sex", "W")
    with pytest.raises(UnknownCode):
        codes.common_code("shoe_size", "9")


RACE_CODES = list(codes.RACES)


@given(hispanic=st.booleans(), races=st.lists(st.sampled_from(RACE_CODES), max_size=6))
def test_race_follows_the_federal_rule(hispanic: bool, races: list[str]) -> None:
    result = codes.race_from_flags(hispanic=hispanic, races=races)
    if hispanic:
        assert result == "HispanicOrLatino"
    elif not races:
        assert result is None
    elif len(set(races)) == 1:
        assert result == races[0]
    else:
        assert result == "TwoOrMoreRaces"
    assert result is None or codes.option_set("race").get(result) is not None
    # the order the races were given in does not matter
    assert codes.race_from_flags(hispanic=hispanic, races=list(reversed(races))) == result


ONEROSTER_COLUMNS = list(codes.ONEROSTER_RACE_COLUMNS)


@given(
    flags=st.fixed_dictionaries(
        {c: st.sampled_from(["true", "false", "TRUE", ""]) for c in ONEROSTER_COLUMNS}
    ),
    sex=st.sampled_from(["female", "male", "Female", "unspecified", ""]),
)
def test_a_oneroster_row_maps_as_its_flags_say(flags: dict[str, str], sex: str) -> None:
    row = {"sourcedId": "s1", "sex": sex, **flags}
    found = codes.from_oneroster(row)
    on = {column for column, value in flags.items() if value.lower() == "true"}
    hispanic = "hispanicOrLatinoEthnicity" in on
    races = [codes.ONEROSTER_RACE_COLUMNS[c] for c in on if c != "hispanicOrLatinoEthnicity"]
    assert found.get("race") == codes.race_from_flags(hispanic=hispanic, races=races)
    assert found.get("sex") == (codes.common_code("sex", sex) if sex else None)
    assert set(found) <= set(codes.DIMENSIONS)


def test_a_oneroster_row_of_two_races_counts_once_as_two_or_more() -> None:
    row = {"sex": "female", "asian": "true", "white": "true", "hispanicOrLatinoEthnicity": "false"}
    assert codes.from_oneroster(row) == {"sex": "Female", "race": "TwoOrMoreRaces"}


def test_a_oneroster_flag_that_is_not_a_boolean_is_refused() -> None:
    with pytest.raises(UnknownCode):
        codes.from_oneroster({"asian": "maybe"})


def test_a_oneroster_grade_maps_to_the_ceds_grade() -> None:
    assert codes.from_oneroster({"grades": "KG"}) == {"grade": "KG"}
    assert codes.from_oneroster({"grades": "09,10"}) == {}  # several grades: no one grade


def test_edfi_race_list_uses_the_same_rule() -> None:
    asian = "uri://ed-fi.org/RaceDescriptor#Asian"
    white = "uri://ed-fi.org/RaceDescriptor#White"
    assert codes.race_from_edfi(hispanic_latino_ethnicity=False, races=[asian]) == "Asian"
    assert (
        codes.race_from_edfi(hispanic_latino_ethnicity=False, races=[asian, white])
        == "TwoOrMoreRaces"
    )
    assert codes.race_from_edfi(hispanic_latino_ethnicity=True, races=[white]) == (
        "HispanicOrLatino"
    )


@pytest.mark.parametrize(
    ("written", "code"),
    [("7", "07"), ("7th", "07"), ("Grade 7", "07"), ("1st", "01"), ("12", "12"), ("K", "KG")],
)
def test_a_grade_reads_as_rosters_and_school_files_write_it(written: str, code: str) -> None:
    assert codes.common_code("grade", written) == code
