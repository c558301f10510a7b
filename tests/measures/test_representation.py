"""Representation against enrolment: a group's share of the young people in programs over its
share of those enrolled in the area, from an applied NCES CCD membership file, on the
dashboards' equity table, the API and the report; enrolment published through the same
suppression, and no representation computed from a hidden count."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecotone.measures.models import Indicator
from ecotone.measures.services import facts
from ecotone.measures.services import public_sources as services
from tests.measures.builders import ORG_A, ORG_B, crossed, report

PAGE = "/e/alpha/measures/dashboards/young-people-served/?dimension=race"
API = "/api/v1/ecosystems/alpha/measures/dashboards/young-people-served/"
HEADER = "NCESSCH,SCH_NAME,TOTAL,TOTFENROL,TOTMENROL,AS,HI,WH,ASALF,ASALM,HIALF,HIALM,WHALF,WHALM\n"
# 1,000 enrolled: half white, 30 % Hispanic, 20 % Asian
CCD = HEADER + "010000500870,Albertville High,1000,500,500,200,300,500,100,100,150,150,250,250\n"
# 8 Hispanic students only: a small count
FEW_HISPANIC = HEADER + "010000500870,Albertville High,1000,499,501,200,8,792,100,100,3,5,396,396\n"


@pytest.fixture
def served(setup: Any) -> Any:
    world = setup
    indicator = Indicator.objects.get(ecosystem=world.alpha, key="young-people-served")
    period = facts.school_year(world.alpha, 2024)
    # in programs: 65 white, 51 Hispanic and 7 Asian young people of 123
    report(world.org_a, indicator, period, crossed(ORG_A))
    report(world.org_b, indicator, period, crossed(ORG_B))
    return world


def apply_ccd(world: Any, text: str, year: int = 2024) -> None:
    run = services.check_public_file(
        world.alpha,
        "ccd_membership",
        SimpleUploadedFile("ccd.csv", text.encode()),
        user=world.users["staff"],
        indicator=world.alpha.indicators.get(key="young-people-served"),
        period=facts.school_year(world.alpha, year),
    )
    services.apply_public_source(run, user=world.users["staff"])
    run.refresh_from_db()
    assert run.status == "applied", run.report


def _representation(data: dict[str, Any], dimension: str, code: str) -> dict[str, Any]:
    return next(
        r for r in data["enrolment"]["groups"] if r["dimension"] == dimension and r["code"] == code
    )


def test_without_a_ccd_file_representation_says_no_enrolment_figures(served: Any) -> None:
    body = served.client("anonymous").get(PAGE).content.decode()
    assert "no enrolment figures yet" in body
    assert served.client("anonymous").get(API).json()["enrolment"] is None


def test_representation_compares_shares_in_programs_with_shares_enrolled(served: Any) -> None:
    apply_ccd(served, CCD)
    body = served.client("anonymous").get(PAGE).content.decode()
    # white: 65 of 123 in programs against 500 of 1,000 enrolled
    assert "1.06 (0.88 – 1.26)" in body
    assert "NCES CCD" in body
    data = served.client("anonymous").get(API).json()
    white = _representation(data, "race", "White")
    assert round(white["representation"]["value"], 3) == 1.057
    assert white["representation"]["low"] < 1.057 < white["representation"]["high"]
    assert white["enrolled"]["value"] == 500
    assert data["enrolment"]["school_year"] == "2024–25"


def test_a_hidden_program_count_hides_its_representation(served: Any) -> None:
    apply_ccd(served, CCD)
    data = served.client("anonymous").get(API).json()
    # 7 Asian young people in programs (small); 51 Hispanic ones hidden to protect them
    for code, enrolled in (("Asian", 200), ("HispanicOrLatino", 300)):
        found = _representation(data, "race", code)
        assert found["representation"] == {"not_enough_data": "hidden"}
        assert found["enrolled"]["value"] == enrolled  # public counts, large enough to show


def test_a_small_enrolment_count_is_hidden_and_so_is_its_representation(served: Any) -> None:
    apply_ccd(served, FEW_HISPANIC)
    data = served.client("anonymous").get(API).json()
    hispanic = _representation(data, "race", "HispanicOrLatino")
    assert hispanic["enrolled"]["value"] is None
    assert hispanic["enrolled"]["hidden_because"] == "small"
    assert hispanic["representation"] == {"not_enough_data": "hidden"}
    body = served.client("anonymous").get(PAGE).content.decode()
    assert "not enough data (a count is hidden)" in body


def test_the_nearest_earlier_school_year_is_used_and_said(served: Any) -> None:
    apply_ccd(served, CCD, year=2023)
    body = served.client("anonymous").get(PAGE).content.decode()
    assert "1.06 (0.88 – 1.26)" in body
    assert "2023–24" in body
    data = served.client("anonymous").get(API).json()
    assert data["enrolment"]["school_year"] == "2023–24"
    assert data["enrolment"]["same_period"] is False


def test_the_report_names_the_largest_representation_gap(served: Any) -> None:
    apply_ccd(served, CCD)
    body = served.client("anonymous").get("/e/alpha/measures/report/").content.decode()
    # girls 0.88 (61 of 123 against 500 of 1,000) are further from parity than boys (1.12) and
    # white young people (1.06); the Asian and Hispanic figures are hidden
    assert "Female (sex): represented 0.88" in body
