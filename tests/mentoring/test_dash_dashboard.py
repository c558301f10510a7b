"""The mentoring dashboard: who may see it, each figure on a small world built by hand, the
students figure's small-cell suppression (the rule itself: tests/test_suppression.py), and the
CSV/XLSX downloads of each table."""

from __future__ import annotations

import io
from typing import Any

import pytest

from ecotone.mentoring.services import dashboards
from tests.conftest import World
from tests.mentoring.dash_builders import MentoringWorld, replayed, world_or_mw

DASHBOARD = "/e/alpha/mentoring/dashboard/"


@pytest.fixture
def mw(db: None) -> MentoringWorld:
    return replayed()


@pytest.fixture
def world(request: pytest.FixtureRequest, db: None) -> World:
    return world_or_mw(request)


def rows(table: dashboards.Table) -> list[list[Any]]:
    return [[str(c) for c in row] for row in table.rows]


# Who sees it ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("anonymous", 302),
        ("outsider", 404),
        ("member", 403),
        ("mentor", 403),
        ("reviewer", 403),
        ("partner_a", 403),
        ("staff", 200),
        ("admin", 200),
    ],
)
def test_only_backbone_staff_see_the_dashboard(world: World, persona: str, status: int) -> None:
    assert world.client(persona).get(DASHBOARD).status_code == status


def test_an_empty_ecosystem_shows_empty_tables(world: World) -> None:
    page = world.client("staff").get(DASHBOARD).content.decode()
    assert "Nothing to count yet." in page
    assert "Mentors by status" in page


# The figures ----------------------------------------------------------------------------------


def test_mentors_by_status_and_by_screening_stage(mw: MentoringWorld) -> None:
    tables = dashboards.dashboard(mw.world.alpha)
    assert rows(tables["mentors_by_status"]) == [
        ["Available", "4"],
        ["Paused", "1"],
        ["Withdrawn", "0"],
    ]
    by_stage = dict(rows(tables["mentors_by_stage"]))  # the paused mentor is left out
    assert by_stage["Cleared for all work with youth"] == "2"
    assert by_stage["In screening"] == "1"
    assert by_stage["Not started"] == "1"
    assert tables["mentors_by_stage"].footer[1] == 4


def test_unfilled_needs_count_open_opportunities_with_room_by_kind_and_depth(
    mw: MentoringWorld,
) -> None:
    table = dashboards.unfilled_needs(mw.world.alpha)
    # opp1 needs 3 and has one live match (two closed ones free their places); opp2 is filled;
    # the draft is not a need yet.
    assert rows(table) == [
        ["Relationship mentoring", "Deep (more than 10 hours)", "1", "2"],
        ["Relationship mentoring", "Medium (6–10 hours)", "1", "2"],
    ]
    assert table.footer[2:] == [2, 4]


def test_time_to_match_median_and_80th_percentile(mw: MentoringWorld) -> None:
    for_opportunities, for_mentors = dashboards.days_to_first_match(mw.world.alpha)
    assert sorted(round(d, 1) for d in for_opportunities) == [3.0, 6.0]
    assert sorted(round(d, 1) for d in for_mentors) == [0.0, 16.0]
    table = rows(dashboards.time_to_match(mw.world.alpha))
    assert table[0][1:] == ["2", "4.5", "5.4"]
    assert table[1][1:] == ["2", "8.0", "12.8"]


def test_percentile_interpolates_between_ranks() -> None:
    assert dashboards.percentile([], 0.5) is None
    assert dashboards.percentile([7], 0.8) == 7
    assert dashboards.percentile([1, 2, 3, 4, 5], 0.5) == 3
    assert dashboards.percentile([0, 10], 0.8) == 8


def test_retention_counts_closed_relationship_matches_that_ran_their_course(
    mw: MentoringWorld,
) -> None:
    figures = dashboards.retention_figures(mw.world.alpha)
    assert (figures.closed, figures.reached) == (2, 1)
    assert figures.share == 0.5
    assert figures.reasons == [("Moved away", 1)]
    summary, reasons = dashboards.retention(mw.world.alpha)
    assert rows(summary) == [["2", "1", "50%"]]
    assert rows(reasons) == [["Moved away", "1"]]


def test_an_early_closure_after_the_expected_end_still_reached_the_agreed_duration(
    mw: MentoringWorld,
) -> None:
    # Had z (closed early, 4 weeks into 20) closed on its expected end, it would count.
    assert mw.z.expected_end_on is not None
    assert mw.z.closed_on is not None
    mw.z.expected_end_on = mw.z.closed_on
    assert dashboards.reached_agreed_duration(mw.z)


def test_approved_hours_by_employer_program_and_depth(mw: MentoringWorld) -> None:
    employer, program, depth = dashboards.approved_hours(mw.world.alpha)
    assert rows(employer) == [["Acme Corp", "3.00"], ["Eastside Library", "2.00"]]
    assert rows(program) == [["Girls Who Build", "3.00"], ["Library Coders", "2.00"]]
    assert rows(depth) == [
        ["Deep (more than 10 hours)", "3.00"],
        ["Light (1–5 hours with a mentor)", "2.00"],
    ]
    assert str(employer.footer[1]) == "5.00"  # the pending hour is not counted


def test_students_reached_are_suppressed_with_a_complementary_cell_and_a_rounded_total(
    mw: MentoringWorld,
) -> None:
    # Active matches reach opp1 (12 students, Girls Who Build) and opp2 (4, Library Coders).
    table = dashboards.students_reached(mw.world.alpha)
    published = table.extra["published"]
    assert published.cells == {"Girls Who Build": None, "Library Coders": None}
    assert published.total == 20
    assert published.total_rounded
    assert table.footer[1] == "about 20"
    page = mw.client("staff").get(DASHBOARD).content.decode()
    article = page.split('id="students_reached"')[1].split("</article>")[0]
    assert "about 20" in article
    assert "fewer than 10 or hidden" in article
    assert ">12<" not in article
    assert ">4<" not in article
    assert ">16<" not in article


def test_students_reached_are_exact_when_every_count_clears_the_threshold(
    mw: MentoringWorld,
) -> None:
    mw.world.alpha.suppression_threshold = 3
    mw.world.alpha.save()
    table = dashboards.students_reached(mw.world.alpha)
    assert rows(table) == [["Girls Who Build", "12"], ["Library Coders", "4"]]
    assert table.footer[1] == 16


# Downloads ------------------------------------------------------------------------------------


def test_each_table_downloads_as_csv_and_xlsx(mw: MentoringWorld) -> None:
    from openpyxl import load_workbook

    client = mw.client("staff")
    response = client.get(DASHBOARD, {"table": "hours_by_employer", "format": "csv"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    assert body.splitlines() == [
        "Employer,Hours",
        "Acme Corp,3.00",
        "Eastside Library,2.00",
        "Total,5.00",
    ]
    response = client.get(DASHBOARD, {"table": "students_reached", "format": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    assert values[0] == ["Program", "Students"]
    assert "12" not in {str(v) for row in values for v in row}
    assert values[-1] == ["Total", "about 20"]
    for name in dashboards.TABLE_NAMES:
        assert client.get(DASHBOARD, {"table": name, "format": "csv"}).status_code == 200


def test_unknown_tables_and_formats_are_not_found(world: World) -> None:
    client = world.client("staff")
    assert client.get(DASHBOARD, {"table": "nope", "format": "csv"}).status_code == 404
    assert client.get(DASHBOARD, {"table": "time_to_match", "format": "pdf"}).status_code == 404


def test_the_page_shows_every_table_with_its_headers(mw: MentoringWorld) -> None:
    page = mw.client("staff").get(DASHBOARD).content.decode()
    for table in dashboards.dashboard(mw.world.alpha).values():
        assert str(table.title) in page
    assert '<th scope="col">Median days</th>' in page
    assert "Moved away" in page
