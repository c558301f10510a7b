"""A rubric as data (Django-free, no database): JSON and CSV read back what they wrote, and
every mistake is named by its place, field and reason."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.quality import rubrics
from ecotone.quality.rubrics import Attribute, Rubric, RubricError, Section, Stage

keys = st.builds(
    "-".join, st.lists(st.text("abcxyz019", min_size=1, max_size=5), min_size=1, max_size=3)
)


def _texts(limit: int, *, blank: bool = False, one_line: bool = False) -> st.SearchStrategy[str]:
    alphabet = st.characters(
        codec="utf-8", exclude_categories=("Cs", "Cc"), include_characters="\n\r\t"
    )
    found = st.text(alphabet, max_size=min(limit, 40)).filter(lambda t: t == t.strip())
    if one_line:
        found = found.filter(lambda t: len(t.splitlines()) <= 1)
    return found if blank else found.filter(bool)


titles = _texts(rubrics.TITLE_LENGTH)
texts = _texts(rubrics.TEXT_LENGTH, blank=True)
# Built once, here: a strategy built inside the composite is validated again on every draw.
example_lists = st.lists(_texts(rubrics.EXAMPLE_LENGTH, one_line=True), max_size=3)
descriptor_texts = _texts(rubrics.TEXT_LENGTH)


@st.composite
def valid_rubrics(draw: Any) -> Rubric:
    stage_keys = draw(st.lists(keys, min_size=2, max_size=5, unique=True))
    stages = tuple(Stage(k, draw(titles)) for k in stage_keys)
    section_keys = draw(st.lists(keys, min_size=1, max_size=3, unique=True))
    attribute_keys = iter(draw(st.lists(keys, min_size=9, max_size=9, unique=True)))
    sections = []
    for key in section_keys:
        attributes = tuple(
            Attribute(
                key=next(attribute_keys),
                title=draw(titles),
                guidance=draw(texts),
                examples=tuple(draw(example_lists)),
                descriptors={k: draw(descriptor_texts) for k in stage_keys},
            )
            for _n in range(draw(st.integers(1, 3)))
        )
        sections.append(Section(key, draw(titles), attributes, draw(texts)))
    return Rubric(draw(keys), draw(titles), stages, tuple(sections), draw(texts))


@settings(max_examples=50)
@given(valid_rubrics())
def test_any_valid_rubric_round_trips_through_json(rubric: Rubric) -> None:
    assert rubrics.from_json(rubrics.to_json(rubric)) == rubric


@settings(max_examples=50)
@given(valid_rubrics())
def test_any_valid_rubric_round_trips_through_csv(rubric: Rubric) -> None:
    assert rubrics.from_csv(rubrics.to_csv(rubric)) == rubric


@settings(max_examples=30)
@given(valid_rubrics())
def test_json_to_csv_to_json_is_unchanged(rubric: Rubric) -> None:
    document = rubrics.to_json(rubric)
    assert rubrics.to_json(rubrics.from_csv(rubrics.to_csv(rubrics.from_json(document)))) == (
        document
    )


# Hand-written mistakes ---------------------------------------------------------------------


def small() -> dict[str, Any]:
    return {
        "schema": "ecotone-rubric/1",
        "key": "small",
        "title": "A small rubric",
        "description": "",
        "stages": [{"key": "low", "name": "Low"}, {"key": "high", "name": "High"}],
        "sections": [
            {
                "key": "access",
                "title": "Access",
                "guidance": "",
                "attributes": [
                    {
                        "key": "outreach",
                        "title": "Outreach",
                        "guidance": "",
                        "examples": ["Flyers in two languages"],
                        "descriptors": {"low": "Nobody is asked.", "high": "Everyone is asked."},
                    }
                ],
            }
        ],
    }


def problems_of(document: Any) -> list[str]:
    with pytest.raises(RubricError) as caught:
        rubrics.from_json(document)
    return [p.text() for p in caught.value.problems]


def csv_problems_of(text: str) -> list[str]:
    with pytest.raises(RubricError) as caught:
        rubrics.from_csv(text)
    return [p.text() for p in caught.value.problems]


def test_the_small_rubric_reads() -> None:
    rubric = rubrics.from_json(small())
    assert [s.key for s in rubric.stages] == ["low", "high"]
    assert rubric.attributes()[0].examples == ("Flyers in two languages",)


def test_a_missing_descriptor_is_named_by_its_path_and_stage() -> None:
    document = small()
    del document["sections"][0]["attributes"][0]["descriptors"]["high"]
    assert problems_of(document) == [
        "sections[0].attributes[0], descriptors: The descriptor for the stage “high” is missing."
    ]


def test_an_unknown_stage_in_the_descriptors_is_refused() -> None:
    document = small()
    document["sections"][0]["attributes"][0]["descriptors"]["middle"] = "Some are asked."
    assert problems_of(document) == [
        "sections[0].attributes[0], descriptors: “middle” is not a stage of this rubric "
        "(its stages are low, high)."
    ]


def test_a_duplicate_key_is_refused() -> None:
    document = small()
    document["stages"].append({"key": "low", "name": "Low again"})
    document["sections"].append(json.loads(json.dumps(document["sections"][0])))
    found = problems_of(document)
    assert "stages[2], key: The key “low” is used twice; each must be unique." in found
    assert "sections[1], key: The key “access” is used twice; each must be unique." in found
    assert (
        "sections[1].attributes[0], key: The key “outreach” is used twice; each must be unique."
        in found
    )


def test_an_empty_title_is_refused() -> None:
    document = small()
    document["sections"][0]["attributes"][0]["title"] = "   "
    assert problems_of(document) == ["sections[0].attributes[0], title: This may not be empty."]


def test_too_long_a_text_is_refused() -> None:
    document = small()
    document["title"] = "x" * 201
    assert problems_of(document) == ["title: This is 201 characters long; at most 200 are allowed."]


def test_a_control_character_is_refused() -> None:
    document = small()
    document["sections"][0]["guidance"] = "Ask\x00 families"
    assert problems_of(document) == [
        "sections[0], guidance: This holds an invisible control character (U+0000): remove it "
        "and type the text again."
    ]


def test_a_bad_key_is_refused() -> None:
    document = small()
    document["key"] = "Equity Rubric"
    assert problems_of(document) == [
        "key: “Equity Rubric” is not a key: use lowercase letters, digits, and single hyphens "
        "or underscores between them."
    ]


def test_the_wrong_schema_is_refused() -> None:
    document = small()
    document["schema"] = "something/2"
    assert problems_of(document) == ["schema: The schema must be “ecotone-rubric/1”."]


def test_an_unknown_field_is_refused() -> None:
    document = small()
    document["sections"][0]["colour"] = "red"
    assert problems_of(document) == [
        "sections[0], colour: This field is not part of the schema (allowed: attributes, "
        "guidance, key, title)."
    ]


def test_a_wrong_type_is_named() -> None:
    document = small()
    document["sections"][0]["attributes"] = {"outreach": {}}
    document["stages"][1] = "high"
    found = problems_of(document)
    assert "sections[0], attributes: This should be a JSON list." in found
    assert "stages[1]: This should be a JSON object." in found


def test_one_stage_is_not_a_scale() -> None:
    document = small()
    document["stages"] = document["stages"][:1]
    for attribute in document["sections"][0]["attributes"]:
        del attribute["descriptors"]["high"]
    assert problems_of(document) == ["stages: A rubric has from 2 to 7 stages; this one has 1."]


def test_a_section_without_attributes_is_refused() -> None:
    document = small()
    document["sections"][0]["attributes"] = []
    assert problems_of(document) == ["sections[0], attributes: A section needs an attribute."]


def test_text_that_is_not_json_is_named() -> None:
    assert problems_of('{"schema": ') == ["This is not JSON: Expecting value at line 1, column 12."]
    assert problems_of("[]") == ["This should be a JSON object."]


def test_a_multi_line_example_is_refused() -> None:
    document = small()
    document["sections"][0]["attributes"][0]["examples"] = ["one\ntwo"]
    assert problems_of(document) == [
        "sections[0].attributes[0], examples: An example must be a single line."
    ]


def small_csv() -> list[list[str]]:
    return list(csv.reader(io.StringIO(rubrics.to_csv(rubrics.from_json(small())))))


def as_text(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


def test_csv_has_one_row_per_attribute_and_stage() -> None:
    rows = small_csv()
    assert rows[0] == list(rubrics.COLUMNS)
    assert [(r[6], r[10], r[12]) for r in rows[1:]] == [
        ("outreach", "low", "Nobody is asked."),
        ("outreach", "high", "Everyone is asked."),
    ]


def test_a_csv_missing_a_stage_row_names_the_attribute_row() -> None:
    rows = small_csv()[:2]
    assert csv_problems_of(as_text(rows)) == [
        "row 2, stages: A rubric has from 2 to 7 stages; this one has 1."
    ]


def test_a_csv_attribute_missing_a_stage_is_named() -> None:
    rows = small_csv()
    rows.append([*rows[1][:6], "welcome", "Welcome", "", "", "low", "Low", "Cold."])
    assert csv_problems_of(as_text(rows)) == [
        "row 4, descriptors: The descriptor for the stage “high” is missing."
    ]


def test_a_csv_duplicate_row_is_named() -> None:
    rows = small_csv()
    rows.append(rows[2])
    assert csv_problems_of(as_text(rows)) == [
        "row 4, stage_key: The attribute “outreach” already has a row for the stage “high”."
    ]


def test_a_csv_row_that_contradicts_an_earlier_one_is_named() -> None:
    rows = small_csv()
    rows[2][4] = "Entry"
    assert csv_problems_of(as_text(rows)) == [
        "row 3, section_title: This differs from row 2, which gave “Access”."
    ]


def test_a_csv_later_row_may_leave_repeated_columns_blank() -> None:
    rows = small_csv()
    rows[2] = ["", "", "", "access", "", "", "outreach", "", "", "", "high", "High", "All asked."]
    rubric = rubrics.from_csv(as_text(rows))
    assert rubric.sections[0].title == "Access"
    assert rubric.attributes()[0].descriptors == {"low": "Nobody is asked.", "high": "All asked."}


def test_a_csv_missing_or_unknown_column_is_named() -> None:
    rows = small_csv()
    rows[0][12] = "text"
    assert csv_problems_of(as_text(rows)) == [
        "row 1, text: This column is not part of the format (the columns are "
        + ", ".join(rubrics.COLUMNS)
        + ").",
        "row 1, descriptor: This column is missing.",
    ]


def test_a_csv_empty_file_or_header_only_is_named() -> None:
    assert csv_problems_of("") == ["The file is empty: its first row names the columns."]
    assert csv_problems_of(",".join(rubrics.COLUMNS)) == ["The file has no rows after its header."]


def test_a_csv_unknown_stage_key_is_named() -> None:
    rows = small_csv()
    rows[2][10] = "High!"
    found = csv_problems_of(as_text(rows))
    assert found[0].startswith("row 3, stage_key: “High!” is not a key")


# Any input at all: a rubric or a RubricError, never another exception ----------------------

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=12,
)


def read_or_explain(read: Any, value: Any) -> None:
    """`read(value)` returns a rubric or raises RubricError with problems that say why."""
    try:
        read(value)
    except RubricError as error:
        problems = error.problems
    else:
        return
    assert problems
    assert all(p.message for p in problems)


def _paths(value: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [path]
    if isinstance(value, dict):
        for key, item in value.items():
            found += _paths(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += _paths(item, (*path, index))
    return found


@settings(max_examples=50)
@given(st.data())
def test_a_damaged_document_raises_only_a_rubric_error(data: Any) -> None:
    document = small()
    path = data.draw(st.sampled_from(_paths(document)[1:]))
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = data.draw(json_values)
    read_or_explain(rubrics.from_json, json.dumps(document))


@settings(max_examples=50)
@given(st.lists(st.lists(st.text(max_size=6), max_size=14), max_size=5))
def test_any_table_raises_only_a_rubric_error(rows: list[list[str]]) -> None:
    read_or_explain(rubrics.from_csv, [list(rubrics.COLUMNS), *rows] if rows else rows)


def test_a_deeply_nested_document_is_refused() -> None:
    assert problems_of("[" * 100_000 + "]" * 100_000) == [
        "The document is nested too deeply to be a rubric."
    ]


def test_a_csv_cell_too_large_for_the_reader_is_named() -> None:
    # the csv module's limit is process-wide, and the imports raise it
    # (`tabular_files.allow_long_cells`): this test sets the default for itself
    before = csv.field_size_limit(131_072)
    try:
        text = ",".join(rubrics.COLUMNS) + '\n"' + "x" * 200_000 + '"\n'
        found = csv_problems_of(text)
    finally:
        csv.field_size_limit(before)
    assert found[0].startswith("row 2: This row cannot be read as CSV: field larger than")


def test_a_csv_column_given_twice_is_named() -> None:
    rows = small_csv()
    rows[0][2] = "rubric_title"
    assert "row 1, rubric_title: This column appears twice." in csv_problems_of(as_text(rows))
