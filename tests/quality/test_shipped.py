"""The rubrics Ecotone ships read through `from_json` and are complete (no database)."""

from __future__ import annotations

from pathlib import Path

from ecotone.quality import rubrics

STAGES = ["undeveloped", "developing", "established", "accomplished"]


def test_the_shipped_rubrics_read_and_every_attribute_has_every_stage() -> None:
    found = {r.key: r for r in rubrics.shipped()}
    assert set(found) == {"equity-in-stem-programs", "mentoring-program-practice"}
    for rubric in found.values():
        assert [s.key for s in rubric.stages] == STAGES
        for attribute in rubric.attributes():
            assert list(attribute.descriptors) == STAGES, attribute.key
            assert all(text.strip() for text in attribute.descriptors.values()), attribute.key


def test_the_equity_rubric_has_its_eight_sections_of_three_or_four_attributes() -> None:
    equity = next(r for r in rubrics.shipped() if r.key == "equity-in-stem-programs")
    assert [s.title for s in equity.sections] == [
        "Recruitment and access",
        "Inclusive curriculum and pedagogy",
        "Staff and role models",
        "Family and community",
        "Removing barriers",
        "Belonging and identity",
        "Data use for equity",
        "Partnerships and pathways",
    ]
    assert all(3 <= len(s.attributes) <= 4 for s in equity.sections)


def test_the_mentoring_rubric_follows_the_six_standards() -> None:
    practice = next(r for r in rubrics.shipped() if r.key == "mentoring-program-practice")
    assert [s.title for s in practice.sections] == [
        "Recruitment",
        "Screening",
        "Training",
        "Matching and initiation",
        "Monitoring and support",
        "Closure",
    ]


def test_the_shipped_files_are_as_to_json_writes_them() -> None:
    for name, rubric in zip(rubrics.SHIPPED, rubrics.shipped(), strict=True):
        assert (rubrics.SHIPPED_DIRECTORY / name).read_text("utf-8") == rubrics.to_json(rubric)


def test_the_worked_example_of_the_docs_reads_and_round_trips() -> None:
    text = (Path(__file__).resolve().parents[2] / "docs" / "quality.md").read_text("utf-8")
    document = text.split("```json\n", 1)[1].split("```", 1)[0]
    table = text.split("```csv\n", 1)[1].split("```", 1)[0]
    rubric = rubrics.from_json(document)
    assert rubrics.to_json(rubric) == document
    assert rubrics.from_csv(table) == rubric
