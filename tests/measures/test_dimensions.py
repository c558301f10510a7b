"""The dimensions from the other apps (locale from the atlas's NCES codes, program from the
directory, area from the atlas) and what they enable: files naming them are checked against
the partner's programs and the ecosystem's areas, dashboards filter by program type and area,
and the area breakdown is drawn as a map whose table hides what every other table hides."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecotone.measures import codes
from ecotone.measures.models import Indicator, Value
from ecotone.measures.services import dashboards, facts, submissions
from tests.atlas.builders import make_area, make_program
from tests.measures.builders import report

PAGE = "/e/alpha/measures/dashboards/young-people-served/"
API = "/api/v1/ecosystems/alpha/measures/dashboards/young-people-served/"


def test_locale_codes_are_the_nces_codes_in_their_usual_spellings() -> None:
    assert codes.common_code("locale", "11") == "11"
    assert codes.common_code("locale", "11-City: Large") == "11"
    assert codes.common_code("locale", "Rural: Remote") == "43"
    assert codes.label("locale", "32", "es") == "Pueblo: distante"
    with pytest.raises(codes.UnknownCode):
        codes.common_code("locale", "14")


@pytest.fixture
def places(setup: Any) -> Any:
    world = setup
    indicator = Indicator.objects.get(ecosystem=world.alpha, key="young-people-served")
    indicator.dimensions = ["sex", "program", "area"]
    indicator.save()
    world.indicator = indicator
    world.period = facts.school_year(world.alpha, 2024)
    world.north = make_area(world.alpha, "0600001", 2.0, name="North School")
    world.south = make_area(world.alpha, "0600002", -2.0, name="South School")
    world.east = make_area(world.alpha, "0600003", 0.0, 3.0, name="East School")
    make_area(world.beta, "0699999", 0.0, name="Beta School")
    world.camp = make_program(
        world.alpha, world.org_a, "Robot Camp", activity_types=["summer-camp"]
    )
    world.club = make_program(
        world.alpha, world.org_a, "Robot Club", activity_types=["afterschool-club"]
    )
    world.library = make_program(world.alpha, world.org_b, "Library Makers")
    return world


def _check(world: Any, text: str) -> Any:
    return submissions.check_submission_file(
        world.org_a,
        SimpleUploadedFile("values.csv", text.encode("utf-8")),
        user=world.users["partner_a"],
    )


HEADER = "indicator,period,program,area,value\n"


def test_a_file_naming_the_partners_own_program_and_an_area_is_read(places: Any) -> None:
    run = _check(
        places,
        HEADER
        + "young-people-served,2024–25,,,30\n"
        + "young-people-served,2024–25,robot-camp,,30\n"
        + "young-people-served,2024–25,,0600001,30\n",
    )
    assert run.report["problems"] == []


def test_an_approved_file_naming_a_program_and_an_area_writes_its_values(places: Any) -> None:
    # The check reads the partner's programs and the areas while the values are staged: on
    # PostgreSQL those queries must not meet a COPY left open (they waited for ever).
    run = _check(
        places,
        HEADER
        + "young-people-served,2024–25,,,30\n"
        + "young-people-served,2024–25,robot-camp,,30\n"
        + "young-people-served,2024–25,,0600001,30\n",
    )
    submissions.submit_submission(run, user=places.users["partner_a"])
    submissions.approve_submission(run, user=places.users["staff"])
    run.refresh_from_db()
    assert run.status == "applied", run.report
    assert Value.objects.filter(submission=run).count() == 3


@pytest.mark.parametrize(
    ("cells", "field"),
    [
        ("library-makers,", "program"),  # another partner's program
        ("no-such-program,", "program"),
        (",0699999", "area"),  # another ecosystem's area
        (",nowhere", "area"),
    ],
)
def test_a_foreign_or_unknown_program_or_area_is_refused_on_its_row_and_column(
    places: Any, cells: str, field: str
) -> None:
    run = _check(
        places,
        HEADER + "young-people-served,2024–25,,,30\n" + f"young-people-served,2024–25,{cells},30\n",
    )
    assert [(p["code"], p["where"], p["field"]) for p in run.report["problems"]] == [
        ("unknown_code", "row 3", field)
    ]


def _by_area(world: Any) -> None:
    """Org A: 40 in the north (25 girls), 23 in the south, 3 in the east; by program 50 at the
    camp, 16 at the club."""
    n, s, e = world.north.code, world.south.code, world.east.code
    report(
        world.org_a,
        world.indicator,
        world.period,
        {
            (): 66,
            (("sex", "Female"),): 38,
            (("sex", "Male"),): 28,
            (("area", n),): 40,
            (("area", s),): 23,
            (("area", e),): 3,
            (("area", n), ("sex", "Female")): 25,
            (("area", n), ("sex", "Male")): 15,
            (("area", s), ("sex", "Female")): 12,
            (("area", s), ("sex", "Male")): 11,
            (("area", e), ("sex", "Female")): 1,
            (("area", e), ("sex", "Male")): 2,
            (("program", "robot-camp"),): 50,
            (("program", "robot-club"),): 16,
        },
    )


def test_filters_by_area_and_program_type_sum_only_the_matching_values(places: Any) -> None:
    _by_area(places)
    everyone = dashboards.dashboard(places.indicator)
    assert everyone.current.total.value == 66
    north = dashboards.dashboard(places.indicator, area=places.north.code)
    assert north.current.total.value == 40
    assert north.current.breakdown("sex")["Female"].value == 25
    camps = dashboards.dashboard(places.indicator, program_type="summer-camp")
    assert camps.current.total.value == 50


def test_the_map_table_hides_what_the_other_tables_force_hidden(places: Any) -> None:
    _by_area(places)
    board = dashboards.dashboard(places.indicator)
    areas = board.current.breakdown("area")
    assert areas[places.east.code].mark == "small"  # 3 young people
    # the east's 3 could be worked out from the total less the others: one more is hidden
    assert sum(1 for f in areas.values() if f.value is None) >= 2
    assert all(t.audit_passed for t in board.current.tables.values())
    # a filter shows a slice of the same publication: the east hides its own small total
    east = dashboards.dashboard(places.indicator, area=places.east.code)
    assert east.current.total.value is None

    body = places.client("anonymous").get(PAGE + "?dimension=area").content.decode()
    assert 'id="chart-areas-spec"' in body
    assert "East School" in body
    assert "fewer than 10" in body


def test_the_api_filters_by_area_and_program_type(places: Any) -> None:
    _by_area(places)
    client = places.client("anonymous")
    assert client.get(API).json()["periods"][-1]["total"]["value"] == 66
    north = client.get(API, {"area": places.north.code}).json()
    assert north["periods"][-1]["total"]["value"] == 40
    assert north["filters"] == {"area": places.north.code, "program_type": None}
    camps = client.get(API, {"program_type": "summer-camp"}).json()
    assert camps["periods"][-1]["total"]["value"] == 50
    assert client.get(API, {"area": "0699999"}).status_code == 400


def test_the_codes_api_lists_the_ecosystems_areas_and_programs(places: Any) -> None:
    client = places.client("staff")
    areas = client.get("/api/v1/ecosystems/alpha/measures/codes/area/").json()
    assert {c["code"] for c in areas["codes"]} == {"0600001", "0600002", "0600003"}
    programs = client.get("/api/v1/ecosystems/alpha/measures/codes/program/").json()
    assert {c["code"] for c in programs["codes"]} >= {"robot-camp", "library-makers"}
    locale = client.get("/api/v1/ecosystems/alpha/measures/codes/locale/").json()
    assert len(locale["codes"]) == 12


def test_the_template_has_a_row_per_own_program_and_per_area(places: Any) -> None:
    rows = submissions.template_rows(places.alpha, places.org_a)
    header = list(submissions.checks.COLUMNS)
    served = [dict(zip(header, r, strict=True)) for r in rows if r[0] == "young-people-served"]
    assert {r["program"] for r in served} == {"", "robot-camp", "robot-club"}
    assert {r["area"] for r in served} == {"", "0600001", "0600002", "0600003"}


def test_an_areas_total_is_hidden_in_every_table_or_in_none(places: Any) -> None:
    """Sex and race, each given by area: an area's total is in both tables. The small areas'
    totals are hidden, and whatever else protects them is chosen for both tables at once: no
    slice shows in one table an area total the other hides, and the audits pass."""
    places.indicator.dimensions = ["sex", "race", "area"]
    places.indicator.save()
    west = make_area(places.alpha, "0600004", 0.0, -3.0, name="West School")
    n, s, e, w = places.north.code, places.south.code, places.east.code, west.code
    by_sex = {n: (2, 2), s: (5, 2), e: (15, 25), w: (15, 20)}
    by_race = {n: (4, 0), s: (7, 0), e: (37, 3), w: (35, 0)}  # White, Asian
    rows: dict[tuple[tuple[str, str], ...], int] = {(): 86}
    for dimension, given, codes_ in (
        ("sex", by_sex, ("Female", "Male")),
        ("race", by_race, ("White", "Asian")),
    ):
        for index, code in enumerate(codes_):
            rows[((dimension, code),)] = sum(v[index] for v in given.values())
            for area, counts in given.items():
                rows[(("area", area), (dimension, code))] = counts[index]
    for area, counts in by_sex.items():
        rows[(("area", area),)] = sum(counts)
    report(places.org_a, places.indicator, places.period, rows)
    board = dashboards.dashboard(places.indicator)
    areas = board.current.breakdown("area")
    assert areas is not None
    assert areas[n].value is None
    assert areas[s].value is None
    for code in (n, s, e, w):
        sliced = dashboards.dashboard(places.indicator, area=code).current
        tables = [sliced.tables[("sex",)], sliced.tables[("race",)]]
        hidden = {areas[code].value is None, *(t.figures[(None,)].value is None for t in tables)}
        assert len(hidden) == 1, code
        assert all(t.audit_passed for t in tables)


def test_a_breakdown_not_given_by_area_is_named_under_an_area_filter(places: Any) -> None:
    _by_area(places)
    body = (
        places.client("anonymous")
        .get(PAGE, {"area": places.north.code, "dimension": "sex"})
        .content.decode()
    )
    assert "Filtered: Area: North School." in body
    # the values by program were not given by area: program type is not in the slice
    assert "did not give them by area or by program: the figures by Program type." in body
