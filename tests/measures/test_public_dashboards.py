"""Public files on the dashboards: an indicator's applied public files (a state's Perkins
file, NCES CCD membership) are a source of its dashboard beside the partners' submissions,
chosen, never summed with them (they count the same students), and published through the same
suppression and audit."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from ecotone.measures.models import Indicator
from ecotone.measures.services import dashboards, facts, reports
from tests.measures.builders import ORG_A, crossed, report
from tests.measures.test_public_sources import PERKINS_HEADER, apply, ccd, perkins

pytestmark = pytest.mark.django_db

NONTRADITIONAL = "/e/alpha/measures/dashboards/nontraditional-concentrators/"
SERVED = "/e/alpha/measures/dashboards/young-people-served/"
API = "/api/v1/ecosystems/alpha/measures/dashboards/"
# Girls are 21 of 100 concentrators in STEM (15), 6 of 40 in manufacturing (13); boys 12 of 42
# in health science (08).
CTE = (
    PERKINS_HEADER
    + "2024–25,0100005,15,Female,White,N,N,N,21,21\n"
    + "2024–25,0100005,15,Male,White,N,N,N,79,0\n"
    + "2024–25,0100005,13,Female,White,N,N,N,6,6\n"
    + "2024–25,0100005,13,Male,White,N,N,N,34,0\n"
    + "2024–25,0100006,08,Female,White,N,N,N,30,0\n"
    + "2024–25,0100006,08,Male,White,N,N,N,12,12\n"
)


@pytest.fixture
def cte(setup: Any) -> Any:
    apply(setup, perkins(setup, CTE))
    return setup


def _indicator(world: Any, key: str) -> Indicator:
    return Indicator.objects.get(ecosystem=world.alpha, key=key)


def test_a_cte_indicator_with_only_a_perkins_file_shows_its_gap_by_career_cluster(
    cte: Any,
) -> None:
    board = dashboards.dashboard(_indicator(cte, "nontraditional-concentrators"))
    assert board.source == dashboards.PUBLIC
    assert board.source_label == "State Perkins CTE file"
    by_cluster = board.current.breakdown("career_cluster")
    assert by_cluster is not None
    assert by_cluster["15"].value == pytest.approx(21.0)
    assert by_cluster["13"].value is None
    assert by_cluster["13"].mark == "small"
    assert all(t.audit_passed for t in board.current.tables.values())
    count = dashboards.dashboard(_indicator(cte, "cte-concentrators"))
    assert count.current.total.value == 182
    page = cte.client("staff").get(NONTRADITIONAL + "?dimension=career_cluster")
    body = page.content.decode()
    assert "State Perkins CTE file" in body
    assert "21.0 %" in body
    assert "fewer than 10" in body


def test_the_report_reads_an_indicator_with_only_a_public_file(cte: Any) -> None:
    for key in ("cte-concentrators", "nontraditional-concentrators"):
        indicator = _indicator(cte, key)
        indicator.is_published = True
        indicator.save()
    found = reports.build(cte.alpha)
    headline = next(h for h in found.headlines if h.indicator.key == "cte-concentrators")
    assert headline.board.source == dashboards.PUBLIC
    assert headline.board.current.total.value == 182
    page = cte.client("staff").get("/e/alpha/measures/report/").content.decode()
    assert "from a public file: State Perkins CTE file" in page


def test_the_api_and_the_export_carry_the_source(cte: Any) -> None:
    staff = cte.client("staff")
    data = staff.get(API + "nontraditional-concentrators/").json()
    assert data["source"] == "public"
    assert data["source_label"] == "State Perkins CTE file"
    response = staff.get(NONTRADITIONAL + "?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][-1] == "Source"
    assert {r[-1] for r in rows[1:]} == {"State Perkins CTE file"}


def test_choosing_the_partners_source_shows_only_the_partners(setup: Any) -> None:
    served = _indicator(setup, "young-people-served")
    report(setup.org_a, served, facts.school_year(setup.alpha, 2024), crossed(ORG_A))
    apply(setup, ccd(setup))  # 150 enrolled in 2024-25, counted as young people served
    staff = setup.client("staff")
    assert staff.get(API + "young-people-served/").json()["source"] == "partners"
    partners = staff.get(API + "young-people-served/?source=partners").json()
    assert partners["periods"][-1]["total"]["value"] == 60
    public = staff.get(API + "young-people-served/?source=public").json()
    assert public["source_label"] == "NCES CCD membership by race and sex"
    assert public["periods"][-1]["total"]["value"] == 150
    # the partner filter narrows the partners' figures only
    one = staff.get(API + "young-people-served/?source=public&organization=robotics-for-all").json()
    assert one["periods"][-1]["total"]["value"] == 150
    assert one["organization"] is None
    page = staff.get(SERVED + "?source=partners").content.decode()
    assert "Partners’ submissions" in page or "Partners' submissions" in page
