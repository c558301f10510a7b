"""A network's page (`/n/<slug>/`), its CSV and its API summary: each member ecosystem's
figures from every module, links into its public pages, charts with their tables, a map of the
ecosystems and the last 12 months, counted in a handful of queries whatever their number."""

from __future__ import annotations

import csv
import datetime
import io
import json
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecotone.atlas import services as atlas
from ecotone.atlas.models import RunStatus
from ecotone.directory.models import Program, ProgramStatus
from ecotone.ecosystems.models import Membership, Role
from ecotone.ecosystems.stats import last_months, network_summary, network_trends
from ecotone.mentoring.models import Mentor
from ecotone.mentoring.services import hours as hour_logs
from tests.atlas.builders import make_area
from tests.conftest import World, make_ecosystem, make_organization
from tests.mentoring.builders import make_mentor, make_program
from tests.mentoring.life_builders import active, cleared_mentor, opportunity_of

TODAY = timezone.localdate()
MONTHS = last_months(TODAY)


def _ago(days: int) -> datetime.datetime:
    return timezone.now() - datetime.timedelta(days=days)


def _month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


@pytest.fixture
def busy(world: World) -> World:
    """Alpha: three listed programs (one added 40 days ago; Coding Corner is the match's) at
    three places, one archived and one defunct; two available mentors and a paused one; one
    active match started 100 days ago with 2 h approved 35 days ago, 1.5 h approved today and
    3 h awaiting approval. Beta: nothing but its partner."""
    program_a = make_program(world.org_a, "Girls Who Build")
    make_program(world.org_b, "Library Coders", north_mi=2)
    Program.objects.filter(pk=program_a.pk).update(created_at=_ago(40))
    make_program(world.org_b, "Old Club", north_mi=3)
    Program.objects.filter(name="Old Club").update(archived_at=timezone.now())
    make_program(world.org_b, "Gone Club", north_mi=4)
    Program.objects.filter(name="Gone Club").update(status=ProgramStatus.DEFUNCT)
    mentor = cleared_mentor(world)
    match = active(
        world, mentor, opportunity_of(world.org_a, "Coding Corner"), started_days_ago=100
    )
    make_mentor(world.alpha, "grace@mentor.test")
    make_mentor(world.alpha, "mary@mentor.test", status="paused")
    Mentor.objects.filter(pk=mentor.pk).update(created_at=_ago(70))
    earlier = hour_logs.log_hours(match, mentor.user, date=TODAY - datetime.timedelta(35), hours=2)
    today = hour_logs.log_hours(match, mentor.user, date=TODAY, hours="1.5")
    hour_logs.log_hours(match, mentor.user, date=TODAY, hours=3)
    hour_logs.approve([earlier, today], world.users["staff"])
    return world


def _row(world: World, slug: str) -> dict[str, Any]:
    return next(r for r in network_summary(world.network) if r["ecosystem"].slug == slug)


# --- the figures ---------------------------------------------------------------------------


def test_each_ecosystem_has_the_figures_of_every_module(busy: World) -> None:
    figures = _row(busy, "alpha")["figures"]
    assert figures["organizations"] == 2
    assert figures["people"] == 9  # the seven personas and the mentors grace and mary
    assert figures["programs"] == 3  # not the archived nor the defunct one
    assert figures["places"] == 3
    assert figures["mentors"] == 2  # not the paused one
    assert figures["matches"] == 1
    assert figures["hours"] == 3.5  # approved only
    assert figures["deserts"] is None  # no analysis has run
    beta = _row(busy, "beta")["figures"]
    assert (beta["organizations"], beta["programs"], beta["mentors"], beta["hours"]) == (1, 0, 0, 0)


def test_the_atlas_figures_are_its_last_finished_analysis(world: World) -> None:
    make_area(world.alpha, "near", 0, youth=200)
    make_area(world.alpha, "far", 60, youth=612)
    make_program(world.org_a, "Robotics Club", north_mi=1)
    run = atlas.latest_run(atlas.default_analysis(world.alpha))
    assert run.status == RunStatus.DONE, run.error
    figures = _row(world, "alpha")["figures"]
    assert (figures["areas"], figures["deserts"]) == (2, run.result["summary"]["deserts"])
    assert figures["deserts"] >= 1


def test_an_ecosystem_sits_at_the_centre_of_its_programs_places_or_of_its_region(
    busy: World,
) -> None:
    lat, lon = _row(busy, "alpha")["place"]
    assert 40.0 < lat < 40.05
    assert lon == pytest.approx(-83.0)
    assert _row(busy, "beta")["place"] == busy.beta.bounding_box.center


def test_trends_count_month_by_month_with_zero_for_empty_months(busy: World) -> None:
    trends = {t.measure.key: dict(t.months) for t in network_trends(busy.network)}
    assert set(trends) == {
        "programs_published",
        "mentors_joined",
        "matches_started",
        "hours_approved",
    }
    for by_month in trends.values():
        assert list(by_month) == MONTHS
    this_month = _month(TODAY)
    assert trends["programs_published"][_month(_ago(40).date())] >= 1
    assert sum(trends["programs_published"].values()) == 3
    assert trends["mentors_joined"][_month(_ago(70).date())] >= 1
    assert sum(trends["mentors_joined"].values()) == 3  # the paused mentor joined too
    assert trends["matches_started"][_month(TODAY - datetime.timedelta(100))] == 1
    assert sum(trends["matches_started"].values()) == 1
    assert trends["hours_approved"][_month(TODAY - datetime.timedelta(35))] >= 2
    assert trends["hours_approved"][this_month] >= 1.5
    assert sum(trends["hours_approved"].values()) == 3.5
    assert min(trends["matches_started"].values()) == 0


def test_trends_leave_out_what_is_older_than_12_months(busy: World) -> None:
    Mentor.objects.filter(ecosystem=busy.alpha).update(created_at=_ago(400))
    trends = {t.measure.key: dict(t.months) for t in network_trends(busy.network)}
    assert sum(trends["mentors_joined"].values()) == 0


def test_last_months_runs_over_the_new_year() -> None:
    months = last_months(datetime.date(2026, 2, 17))
    assert months[0] == datetime.date(2025, 3, 1)
    assert months[-1] == datetime.date(2026, 2, 1)
    assert len(months) == 12


# --- the page ------------------------------------------------------------------------------


def test_the_page_links_into_each_ecosystems_public_pages(busy: World) -> None:
    body = busy.client("operator").get("/n/state/").content.decode()
    assert 'href="/e/alpha/"' in body
    assert 'href="/e/beta/"' in body
    assert 'href="/e/alpha/programs/"' in body
    assert 'href="/e/beta/programs/"' in body
    # The atlas is for its members: the operator, who has no role there, gets no link.
    assert 'href="/e/alpha/atlas/"' not in body


def test_the_atlas_link_shows_for_those_who_may_read_a_finished_atlas(world: World) -> None:
    Membership.objects.create(user=world.users["operator"], ecosystem=world.alpha, role=Role.MEMBER)
    client = world.client("operator")
    assert 'href="/e/alpha/atlas/"' not in client.get("/n/state/").content.decode()
    make_area(world.alpha, "near", 0, youth=200)
    atlas.latest_run(atlas.default_analysis(world.alpha))
    body = client.get("/n/state/").content.decode()
    assert 'href="/e/alpha/atlas/"' in body
    assert 'href="/e/beta/atlas/"' not in body


def test_the_page_shows_the_figures_table_charts_map_and_trends(busy: World) -> None:
    body = busy.client("operator").get("/n/state/").content.decode()
    for label in ("Programs listed", "Mentors available", "Active matches", "Program deserts"):
        assert label in body
    assert "Mentoring hours approved" in body
    assert "3.5" in body
    assert body.count('class="chart-view"') >= 6  # comparisons and the four trends
    assert body.count("The numbers as a table") == body.count('class="chart-view"')
    places = json.loads(body.split('id="network-places" type="application/json">')[1].split("<")[0])
    assert {p["name"] for p in places} == {"Alpha Valley STEM Alliance", "Beta Bay STEM Hub"}
    assert next(p for p in places if p["name"].startswith("Alpha"))["url"] == "/e/alpha/"
    assert "The last 12 months" in body


def test_the_page_is_in_spanish(busy: World) -> None:
    client = busy.client("operator")
    body = client.get("/n/state/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Programas publicados" in body
    assert "Los últimos 12 meses" in body


def test_the_csv_has_one_row_per_ecosystem(busy: World) -> None:
    response = busy.client("operator").get("/n/state/?format=csv")
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode().lstrip("\ufeff")  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(text)))
    alpha = next(r for r in rows if r["Ecosystem"] == "Alpha Valley STEM Alliance")
    assert alpha["Programs listed"] == "3"
    assert alpha["Mentoring hours approved"] == "3.5"
    assert alpha["Program deserts"] == ""
    assert alpha["Public page"].endswith("/e/alpha/")
    assert len(rows) == 2


def test_the_api_summary_has_the_figures_and_trends(busy: World) -> None:
    body = busy.client("operator").get("/api/v1/networks/state/summary/").json()
    alpha = next(row for row in body["ecosystems"] if row["ecosystem"] == "alpha")
    assert alpha["figures"]["programs"] == 3
    assert alpha["figures"]["hours"] == 3.5
    assert alpha["figures"]["deserts"] is None
    assert alpha["organizations"] == 2  # the fields it had stay
    assert set(alpha["place"]) == {"latitude", "longitude"}
    trends = {t["key"]: t["months"] for t in body["trends"]}
    assert [m["month"] for m in trends["matches_started"]] == [m.isoformat() for m in MONTHS]
    assert sum(m["value"] for m in trends["matches_started"]) == 1


def test_the_page_counts_in_the_same_queries_whatever_the_number_of_ecosystems(
    busy: World,
) -> None:
    client = busy.client("operator")
    client.get("/n/state/")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/n/state/").status_code == 200
        return len(captured)

    two = queries()
    for n in range(4):
        ecosystem = make_ecosystem(f"gamma{n}", f"Gamma {n}")
        busy.network.ecosystems.add(ecosystem)
        organization = make_organization(ecosystem, f"Gamma Lab {n}")
        make_program(organization, f"Gamma Club {n}")
        make_mentor(ecosystem, f"m{n}@gamma.test")
    six = queries()
    assert six == two
    assert two <= 25


def test_an_empty_network_says_so(world: World) -> None:
    world.network.ecosystems.clear()
    body = world.client("operator").get("/n/state/").content.decode()
    assert "This network has no active ecosystem yet." in body
