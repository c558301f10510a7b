"""The reach report's page, download and API (views.reach, api.ReachViewSet), and the dashboard's
reach source, on the example of test_reach: everyone reads suppressed figures, backbone staff
also the linkage quality figures, and no response carries a hash, a blocking key or a CLK."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from ecotone.measures.models import Roster, RosterRow
from ecotone.measures.services import reach
from tests.measures.test_reach import Linked, build_linked

PAGE = "/e/alpha/measures/reach/"
API = "/api/v1/ecosystems/alpha/measures/reach/"


@pytest.fixture(scope="module")
def linked(django_db_setup: None, django_db_blocker: Any) -> Iterator[Linked]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield build_linked()
        transaction.set_rollback(True)


def text(response: Any) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_a_member_reads_the_suppressed_report_without_quality_figures(
    linked: Linked, db: None
) -> None:
    response = linked.world.client("member").get(PAGE, {"period": linked.year.pk})
    assert response.status_code == 200
    page = text(response)
    assert "Robotics For All + Eastside Library" in page
    assert "fewer than 5" in page  # the camp's two young people, dose 2 and 3
    assert "Science Museum" in page  # counted by its reported count
    assert "40 to 70" in page
    assert "Linkage quality" not in page
    assert "were reached again in 2025–26" in page


def test_backbone_staff_also_read_the_linkage_quality(linked: Linked, db: None) -> None:
    page = text(linked.world.client("staff").get(PAGE))
    assert "Linkage quality" in page
    assert "Linked by CLK" in page
    assert "another linkage epoch" in page  # 2025-26's next year is the second epoch's


def test_the_public_reads_the_report_and_the_api(linked: Linked, db: None) -> None:
    client = linked.world.client("anonymous")
    assert client.get(PAGE).status_code == 200
    data = client.get(API).json()
    assert "linkage_runs" not in data
    year = next(y for y in data["years"] if y["period"] == linked.year.label)
    assert year["reached"]["n"] == 30
    assert year["dose"]["3"] == {
        "n": None,
        "hidden_because": "small",
        "shown": "fewer than 5",
    }
    assert year["range"]["counted_partners"] == ["Science Museum"]
    assert year["retention"]["retained"]["n"] == 10


def test_staff_read_the_runs_figures_in_the_api(linked: Linked, db: None) -> None:
    data = linked.world.client("staff").get(API).json()
    (run,) = data["linkage_runs"]
    assert run["status"] == "done"
    assert run["figures"]["clk_links"] == 1
    assert run["figures"]["people"] == 40


def test_the_download_has_every_year(linked: Linked, db: None) -> None:
    response = linked.world.client("member").get(PAGE, {"format": "csv"})
    assert response["Content-Type"].startswith("text/csv")
    csv = text(response)
    assert "2024–25,Young people reached (unduplicated),,30," in csv
    assert "2025–26,Young people reached (unduplicated),,20," in csv
    assert "2024–25,Number of programs,3,,fewer than 5" in csv


def test_the_dashboard_shows_the_reach_source(linked: Linked, db: None) -> None:
    url = f"/e/alpha/measures/dashboards/{reach.REACH_KEY}/"
    response = linked.world.client("member").get(url, {"period": linked.year.pk})
    page = text(response)
    assert response.status_code == 200
    assert "from the partners’ participation rosters linked without names" in page
    api = linked.world.client("member").get(
        f"/api/v1/ecosystems/alpha/measures/dashboards/{reach.REACH_KEY}/",
        {"period": linked.year.pk},
    )
    data = api.json()
    assert data["source"] == "reach"
    assert data["source_label"] == "Linked participation rosters (unduplicated)"
    assert data["periods"][-1]["total"]["value"] == 30


def test_no_response_carries_a_hash(linked: Linked, db: None) -> None:
    rows = list(RosterRow.objects.values_list("exact", "clk", "block"))
    secrets = {bytes(e).hex() for e, _c, _b in rows} | {bytes(b).hex() for _e, _c, b in rows}
    secrets |= {base64.b64encode(bytes(c)).decode()[:40] for _e, c, _b in rows}
    assert len(secrets) > 50
    staff, partner = linked.world.client("staff"), linked.world.client("partner_a")
    roster = Roster.objects.filter(program=linked.club).values_list("pk", flat=True).first()

    def read(client: Any, url: str) -> str:
        response = client.get(url)
        assert response.status_code == 200, url
        return text(response)

    bodies = [
        text(staff.get(PAGE)),
        text(staff.get(PAGE, {"format": "csv"})),
        text(staff.get(API)),
        text(staff.get(f"/e/alpha/measures/dashboards/{reach.REACH_KEY}/")),
        # every page and API of rosters and of the linkage, to the backbone and to a partner
        read(staff, "/e/alpha/measures/linkage/"),
        read(staff, "/api/v1/ecosystems/alpha/measures/linkage-epochs/"),
        read(partner, "/e/alpha/measures/rosters/new/"),
        *(
            read(client, url)
            for client in (staff, partner)
            for url in (
                "/e/alpha/measures/rosters/",
                "/e/alpha/measures/rosters/?format=csv",
                f"/e/alpha/measures/rosters/{roster}/",
                "/api/v1/ecosystems/alpha/measures/rosters/",
                f"/api/v1/ecosystems/alpha/measures/rosters/{roster}/",
            )
        ),
    ]
    assert not [s for s in secrets for body in bodies if s in body]


def test_the_report_reads_in_spanish(linked: Linked, db: None) -> None:
    client = linked.world.client("member")
    page = text(client.get(PAGE, HTTP_ACCEPT_LANGUAGE="es"))
    assert "Alcance sin duplicados" in page
    assert "menos de 5" in page


def test_an_ecosystem_without_rosters_says_so(linked: Linked, db: None) -> None:
    response = linked.world.client("outsider").get("/e/beta/measures/reach/")
    assert response.status_code == 200
    assert "No participation roster has been linked yet" in text(response)
