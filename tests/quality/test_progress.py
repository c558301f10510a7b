"""A program's progress over time, the partner's public mark on its listing, and the ecosystem's
roll-up with small-cell suppression: through the services, the pages and the API."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.utils import timezone

from ecotone.directory.models import Program, ProgramStatus
from ecotone.errors import DomainError
from ecotone.quality.models import (
    Assessment,
    AssessmentStatus,
    ConsensusRating,
    Rubric,
    RubricVersion,
    VersionStatus,
)
from ecotone.quality.services import progress, rollup

STAGES = ["undeveloped", "developing", "established", "accomplished"]


def _document() -> dict[str, Any]:
    def attribute(key: str) -> dict[str, Any]:
        return {
            "key": key,
            "title": key.title(),
            "guidance": "",
            "examples": [],
            "descriptors": {s: f"{key} {s}" for s in STAGES},
        }

    return {
        "schema": "ecotone-rubric/1",
        "key": "equity",
        "title": "Equity",
        "description": "",
        "stages": [{"key": s, "name": s.title()} for s in STAGES],
        "sections": [
            {
                "key": "access",
                "title": "Access",
                "guidance": "",
                "attributes": [attribute("outreach"), attribute("cost")],
            },
            {"key": "data", "title": "Data", "guidance": "", "attributes": [attribute("use")]},
        ],
    }


def _version(ecosystem: Any) -> RubricVersion:
    rubric, _ = Rubric.objects.get_or_create(
        ecosystem=ecosystem, key="equity", defaults={"title": "Equity"}
    )
    found, _ = RubricVersion.objects.get_or_create(
        rubric=rubric,
        number=1,
        defaults={
            "content": _document(),
            "status": VersionStatus.PUBLISHED,
            "published_at": timezone.now(),
        },
    )
    return found


def _program(organization: Any, name: str, **fields: Any) -> Program:
    return Program.objects.create(
        ecosystem=organization.ecosystem,
        organization=organization,
        name=name,
        slug=name.lower().replace(" ", "-"),
        status=ProgramStatus.ACTIVE,
        **fields,
    )


def _complete(
    program: Program, stages: dict[str, str], year: int = 2025, **fields: Any
) -> Assessment:
    """A complete assessment of the program with these agreed stages (built as rows: the
    assessment services have their own tests)."""
    fields.setdefault("status", AssessmentStatus.COMPLETE)
    assessment = Assessment.objects.create(
        ecosystem=program.ecosystem,
        organization=program.organization,
        program=program,
        version=_version(program.ecosystem),
        title="Equity",
        completed_at=datetime.datetime(year, 5, 1, tzinfo=datetime.UTC),
        **fields,
    )
    ConsensusRating.objects.bulk_create(
        ConsensusRating(assessment=assessment, attribute=a, stage=s) for a, s in stages.items()
    )
    return assessment


def _ratings(outreach: str, cost: str = "established", use: str = "established") -> dict:
    return {"outreach": outreach, "cost": cost, "use": use}


# Progress ------------------------------------------------------------------------------------


def test_progress_scores_each_section_and_marks_what_improved(world: Any) -> None:
    program = _program(world.org_a, "Robotics Club")
    _complete(program, _ratings("undeveloped", "established", "accomplished"), 2025)
    _complete(program, _ratings("established", "developing", "accomplished"), 2026)
    (found,) = progress.program_progress(world.users["partner_a"], program)
    access, data = found.sections
    assert [s.score for s in access[1]] == [2.0, 2.5]  # (1 + 3) / 2, then (3 + 2) / 2
    assert [s.score for s in data[1]] == [4.0, 4.0]
    changes = {a.attribute.key: a.change for a in found.attributes}
    assert changes == {
        "outreach": progress.IMPROVED,
        "cost": progress.DECLINED,
        "use": progress.SAME,
    }


def test_progress_page_shows_charts_with_tables_to_the_programs_staff(world: Any) -> None:
    program = _program(world.org_a, "Robotics Club")
    _complete(program, _ratings("undeveloped"), 2025)
    _complete(program, _ratings("established"), 2026)
    response = world.client("partner_a").get(f"/e/alpha/quality/programs/{program.slug}/")
    assert response.status_code == 200
    text = response.content.decode()
    assert text.count('class="chart"') == 2  # one per section
    assert "Improved" in text
    assert (
        world.client("partner_b").get(f"/e/alpha/quality/programs/{program.slug}/").status_code
        == 404
    )


# The public mark -----------------------------------------------------------------------------


def test_showing_a_mark_hides_the_older_one_of_the_same_rubric(world: Any) -> None:
    program = _program(world.org_a, "Robotics Club")
    first = _complete(program, _ratings("undeveloped"), 2025)
    second = _complete(program, _ratings("established"), 2026)
    progress.show_mark(world.users["partner_a"], first, True)
    progress.show_mark(world.users["partner_a"], second, True)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.show_mark, second.show_mark) == (False, True)


def test_only_a_complete_assessment_of_a_program_by_its_staff_is_shown(world: Any) -> None:
    program = _program(world.org_a, "Robotics Club")
    done = _complete(program, _ratings("undeveloped"))
    with pytest.raises(DomainError):
        progress.show_mark(world.users["partner_b"], done, True)
    draft = _complete(program, _ratings("undeveloped"), status=AssessmentStatus.RATING)
    with pytest.raises(DomainError, match="not complete"):
        progress.show_mark(world.users["partner_a"], draft, True)


def test_the_public_program_page_and_list_show_the_mark(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    program = _program(world.org_a, "Robotics Club")
    shown = _complete(program, _ratings("established"), 2026)
    client = world.client("partner_a")
    response = client.post(
        f"/e/alpha/quality/programs/{program.slug}/mark/{shown.pk}/", {"shown": "1"}
    )
    assert response.status_code == 302
    anonymous = world.client("anonymous")
    page = anonymous.get(f"/e/alpha/programs/{program.slug}/").content.decode()
    assert "Self-assessed on the Equity rubric, 2026" in page
    listing = anonymous.get("/e/alpha/programs/").content.decode()
    assert "Self-assessed on the Equity rubric, 2026" in listing
    # one query for every card's mark, however many programs show one
    for n in range(4):
        _complete(_program(world.org_b, f"Lab {n}"), _ratings("established"), show_mark=True)
    with django_assert_max_num_queries(30) as few:
        anonymous.get("/e/alpha/programs/")
    before = len(few.captured_queries)
    for n in range(4, 8):
        _complete(_program(world.org_b, f"Lab {n}"), _ratings("established"), show_mark=True)
    with django_assert_max_num_queries(before):
        anonymous.get("/e/alpha/programs/")


# The roll-up ---------------------------------------------------------------------------------


def _coalition(world: Any, count: int = 12) -> list[Program]:
    """`count` programs of org B: all but one at the lowest stage on outreach (the one, at
    the highest: a count of 1)."""
    programs = []
    for n in range(count):
        program = _program(world.org_b, f"Club {n}", mentoring_depth="deep" if n < 3 else "none")
        outreach = "accomplished" if n == 0 else "undeveloped"
        _complete(program, _ratings(outreach, "developing"))
        programs.append(program)
    return programs


def test_members_see_the_rollup_suppressed_and_the_backbone_in_full(world: Any) -> None:
    _coalition(world)
    rubric = Rubric.objects.get(ecosystem=world.alpha, key="equity")
    member = rollup.build(world.users["member"], world.alpha, rubric)
    backbone = rollup.build(world.users["staff"], world.alpha, rubric)

    def outreach(found: rollup.Rollup) -> tuple:
        return next(
            a.row.counts
            for s in found.sections
            for a in s.attributes
            if a.attribute.key == "outreach"
        )

    assert outreach(backbone) == (11, 0, 0, 1)
    counts = outreach(member)
    assert counts[3] is None  # the one program at the top
    assert counts[0] is None  # else 12 less 11 gives it back
    # for members, outreach's low band is hidden (12 less it gives the one back): ranked by
    # the least it can be, 12 less at most 9 at the top stage (the one, shown "fewer than 10")
    (row,) = [a.row for s in member.sections for a in s.attributes if a.attribute.key == "outreach"]
    assert row.low is None
    assert row.low_at_least == 3
    assert [a.attribute.key for a in member.weakest()] == ["cost", "outreach", "use"]
    assert [(a.attribute.key, a.row.low) for a in backbone.weakest()] == [
        ("cost", 12),
        ("outreach", 11),
        ("use", 0),
    ]


def test_fewer_programs_than_the_threshold_hide_everything_from_members(world: Any) -> None:
    _coalition(world, count=3)
    rubric = Rubric.objects.get(ecosystem=world.alpha, key="equity")
    member = rollup.build(world.users["member"], world.alpha, rubric)
    assert member.programs_shown is None
    assert member.hidden
    rows = [a.row for s in member.sections for a in s.attributes] + [s.row for s in member.sections]
    assert all(c is None for row in rows for c in (*row.counts, row.total, row.low))
    response = world.client("member").get("/e/alpha/quality/rollup/")
    assert "Fewer than 10 programs match" in response.content.decode()
    assert rollup.build(world.users["staff"], world.alpha, rubric).programs == 3


def test_members_cannot_filter_what_they_could_subtract_from_the_whole(world: Any) -> None:
    # 12 programs, 3 of them deep mentoring, the one at the top stage among them: the whole
    # coalition hides it (a count of 1); the 9 that are not deep, were members to read them,
    # would give it back (the whole's top-stage band less theirs). Filters are the backbone's.
    _coalition(world)
    rubric = Rubric.objects.get(ecosystem=world.alpha, key="equity")
    with pytest.raises(DomainError, match="Only backbone staff filter"):
        rollup.build(world.users["member"], world.alpha, rubric, rollup.Filters(depth="none"))
    page = world.client("member").get("/e/alpha/quality/rollup/?depth=none").content.decode()
    assert 'name="depth"' not in page
    assert "12 programs assessed" in page  # the filter is not applied
    api = world.client("member").get("/api/v1/ecosystems/alpha/quality/rollup/equity/?depth=none")
    assert api.status_code == 400
    staff = rollup.build(world.users["staff"], world.alpha, rubric, rollup.Filters(depth="none"))
    assert staff.programs == 9
    assert 'name="depth"' in world.client("staff").get("/e/alpha/quality/rollup/").content.decode()


def test_the_rollup_page_and_download_publish_the_same_figures(world: Any) -> None:
    _coalition(world)
    member = world.client("member")
    page = member.get("/e/alpha/quality/rollup/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Where the coalition should invest" in text
    assert "fewer than 10" in text
    download = member.get("/e/alpha/quality/rollup/download/csv/")
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode())))
    outreach = next(r for r in rows if r[1] == "Outreach")
    assert outreach[2:6] == [
        "hidden (would reveal a small group)",
        "0",
        "0",
        "fewer than 10",
    ]
    staff = world.client("staff").get("/e/alpha/quality/rollup/download/csv/")
    rows = list(csv.reader(io.StringIO(b"".join(staff.streaming_content).decode())))
    assert next(r for r in rows if r[1] == "Outreach")[2:7] == ["11", "0", "0", "1", "12"]


def test_the_rollup_api_suppresses_and_filters_as_the_page(world: Any) -> None:
    _coalition(world)
    url = "/api/v1/ecosystems/alpha/quality/rollup/equity/"
    data = world.client("member").get(url).json()
    outreach = next(a for s in data["sections"] for a in s["attributes"] if a["key"] == "outreach")
    assert outreach["counts"]["accomplished"] is None
    assert [w["key"] for w in data["weakest"]] == ["cost", "outreach", "use"]
    assert data["weakest"][1]["at_lowest_stages"] is None
    assert data["weakest"][1]["at_lowest_stages_at_least"] == 3
    refused = world.client("member").get(url, {"depth": "deep"})
    assert refused.status_code == 400
    assert "Only backbone staff filter" in refused.content.decode()
    full = world.client("staff").get(url, {"depth": "deep"}).json()
    assert full["programs"] == 3
    assert world.client("staff").get(url, {"depth": "nonsense"}).status_code == 400


def test_the_progress_api_gives_a_programs_scores(world: Any) -> None:
    program = _program(world.org_a, "Robotics Club")
    _complete(program, _ratings("undeveloped"), 2025)
    _complete(program, _ratings("established"), 2026)
    url = f"/api/v1/ecosystems/alpha/quality/programs/{program.slug}/progress/"
    data = world.client("partner_a").get(url).json()
    (equity,) = data["rubrics"]
    assert [s["score"] for s in equity["sections"][0]["scores"]] == [2.0, 3.0]
    assert equity["attributes"][0]["change"] == "improved"
    assert world.client("partner_b").get(url).status_code == 404


def test_a_members_chart_draws_what_is_hidden_as_one_grey_segment(world: Any) -> None:
    import json
    import re

    _coalition(world)
    text = world.client("member").get("/e/alpha/quality/rollup/").content.decode()
    spec = json.loads(
        re.search(
            r'<script id="rollup-section-0-spec" type="application/json">(.*?)</script>', text
        ).group(1)
    )
    outreach = [
        (v["group"], v["value"]) for v in spec["data"]["values"] if v["label"] == "Outreach"
    ]
    # 11 at the lowest stage and 1 at the highest: both hidden, with the band; the 12 programs
    # are published, so the bar is the shown zeros and one grey segment of 12, nothing more
    assert sorted(outreach) == [("Developing", 0.0), ("Established", 0.0), ("Hidden", 12.0)]


def test_the_program_page_links_to_its_progress_for_those_who_may_read_it(world: Any) -> None:
    program = _program(world.org_a, "Robotics Club")
    url = f"/e/alpha/programs/{program.slug}/"
    link = f'href="/e/alpha/quality/programs/{program.slug}/"'
    assert link in world.client("partner_a").get(url).content.decode()
    assert link not in world.client("partner_b").get(url).content.decode()
    assert link not in world.client("anonymous").get(url).content.decode()


def test_a_filter_no_program_matches_counts_none_and_a_stale_one_says_so(world: Any) -> None:
    _coalition(world)
    staff = world.client("staff")
    light = staff.get("/e/alpha/quality/rollup/?depth=light").content.decode()
    assert "0 programs assessed" in light
    stale = staff.get("/e/alpha/quality/rollup/?area=999999").content.decode()
    assert "the roll-up shows every program" in stale
    assert "12 programs assessed" in stale
