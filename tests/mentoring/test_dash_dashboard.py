"""The mentoring dashboard: who may see it, each figure on a small world built by hand, the
students figure's small-cell suppression, and the CSV/XLSX downloads of each table."""

from __future__ import annotations

import io
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ecotone.mentoring.services import dashboards
from ecotone.mentoring.services.dashboards import round_total, rounding_step, suppress
from tests.conftest import World
from tests.mentoring.dash_builders import MentoringWorld, build

DASHBOARD = "/e/alpha/mentoring/dashboard/"


@pytest.fixture
def mw(world: World) -> MentoringWorld:
    return build(world)


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


# Suppression: the rule itself -----------------------------------------------------------------


def test_suppress_hides_small_cells_and_a_complement() -> None:
    result = suppress({"a": 4, "b": 30, "c": 12}, 10)
    assert result.cells == {"a": None, "b": 30, "c": None}
    assert result.total == 50
    assert result.total_rounded
    assert suppress({"a": 40, "b": 30}, 10) == dashboards.Suppressed({"a": 40, "b": 30}, 70, False)
    assert suppress({"a": 4}, 10).total is None  # a small total is itself hidden
    assert suppress({"a": 0, "b": 10}, 10).cells == {"a": 0, "b": 10}


def test_a_rounded_total_that_would_pin_hidden_cells_down_is_hidden() -> None:
    # 1 + 1 + 12 = 14, rounded to 10: the total is at most 14, so the two hidden cells add up
    # to at most 2, and being at least 1 each, both would be known to be 1.
    result = suppress({"a": 1, "b": 1, "c": 12}, 10)
    assert result.cells == {"a": None, "b": None, "c": 12}
    assert result.total is None


cells = st.dictionaries(
    st.sampled_from("abcdefg"), st.integers(min_value=0, max_value=60), min_size=1, max_size=6
)


@given(cells, st.integers(min_value=1, max_value=25))
def test_nothing_below_the_threshold_is_shown(counts: dict[str, int], threshold: int) -> None:
    result = suppress(counts, threshold)
    for key, shown in result.cells.items():
        assert shown is None or shown == 0 or shown >= threshold
        assert shown is None or shown == counts[key]
    assert result.total is None or result.total == 0 or result.total >= threshold
    if result.total is not None and not result.total_rounded:
        assert result.total == sum(counts.values())
        assert all(v is not None for v in result.cells.values())


@given(cells, st.integers(min_value=1, max_value=25))
def test_no_hidden_count_can_be_worked_out_from_the_shown_cells_and_total(
    counts: dict[str, int], threshold: int
) -> None:
    """The reader knows the shown cells, the published total and how it was rounded, and that
    every hidden count is at least 1 (zeros are shown). Every hidden cell must still have at
    least two possible values, the true one among them."""
    result = suppress(counts, threshold)
    hidden = [k for k, v in result.cells.items() if v is None]
    if not hidden:
        return
    assert result.total is None or result.total_rounded  # an exact total would give them away
    if result.total is None:
        return  # unbounded: each hidden count may be anything from 1 up
    shown_sum = sum(v for v in result.cells.values() if v is not None)
    step = rounding_step(threshold)
    totals = [t for t in range(result.total + step + 1) if round_total(t, step) == result.total]
    k = len(hidden)
    possible: set[int] = set()
    for total in totals:
        hidden_sum = total - shown_sum
        # one hidden cell takes v, the other k-1 at least 1 each
        possible.update(range(1, hidden_sum - (k - 1) + 1))
    for key in hidden:
        assert counts[key] in possible
    assert len(possible) >= 2
