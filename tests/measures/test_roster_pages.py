"""The participation roster pages (docs/reach.md, "Submitting a roster"): partner staff submit
for their own programs and see their organizations' rosters, backbone staff see every one and
submit none; pages show metadata and suppressed code counts, never a hash."""

from __future__ import annotations

import base64
import csv
import io
import json
from typing import Any

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from ecotone.directory.models import Program
from ecotone.measures.models import Roster
from ecotone.measures.services import facts, rosters
from tests.measures.test_rosters import PEOPLE, payload, rostering

pytestmark = pytest.mark.django_db

ROSTERS = "/e/alpha/measures/rosters/"


@pytest.fixture
def ready(world: Any) -> Any:
    rostering(world)
    world.older = facts.school_year(world.alpha, 2023)
    world.roster = rosters.submit_roster(
        world.users["partner_a"],
        program=world.program,
        period=world.period,
        check_value=world.epoch.check_value,
        dimensions=["sex", "race", "grade"],
        rows=world.rows,
    )
    world.roster_b = rosters.submit_roster(
        world.users["partner_b"],
        program=world.program_b,
        period=world.period,
        check_value=world.epoch.check_value,
        dimensions=["sex", "race", "grade"],
        rows=payload(PEOPLE[:2]),
    )
    return world


def hashes(rows: list[dict[str, Any]]) -> list[str]:
    found = []
    for row in rows:
        found += [row["exact"], row["block"], row["clk"][:24], base64.b64decode(row["clk"]).hex()]
    return found


def assert_no_hash(text: str, rows: list[dict[str, Any]]) -> None:
    for value in hashes(rows):
        assert value not in text


def test_partner_staff_list_their_own_rosters_and_the_backbone_all(ready: Any) -> None:
    mine = ready.client("partner_a").get(ROSTERS)
    assert mine.status_code == 200
    assert "Robotics club" in mine.text
    assert "Coding nights" not in mine.text
    every = ready.client("staff").get(ROSTERS)
    assert "Robotics club" in every.text
    assert "Coding nights" in every.text
    assert "Submit a participation roster" not in every.text  # the backbone submits none
    assert "Submit a participation roster" in mine.text
    assert_no_hash(every.text, ready.rows)


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 302), ("member", 403)])
def test_others_reach_no_roster_page(ready: Any, persona: str, status: int) -> None:
    client = ready.client(persona)
    for url in (ROSTERS, f"{ROSTERS}new/", f"{ROSTERS}{ready.roster.pk}/"):
        assert client.get(url).status_code == status


def test_the_list_filters_sorts_and_says_when_nothing_matches(ready: Any) -> None:
    client = ready.client("staff")
    by_org = client.get(ROSTERS, {"organization": ready.org_b.slug})
    assert "Coding nights" in by_org.text
    assert "Robotics club" not in by_org.text
    assert "Robotics club" in client.get(ROSTERS, {"q": "robot"}).text
    assert "Coding nights" not in client.get(ROSTERS, {"q": "robot"}).text
    empty = client.get(ROSTERS, {"period": ready.older.pk})
    assert "No roster matches these filters." in empty.text
    by_rows = client.get(ROSTERS, {"sort": "-row_count"}).text
    assert by_rows.index("Robotics club") < by_rows.index("Coding nights")
    assert client.get(ROSTERS, {"sort": "nonsense", "period": "x"}).status_code == 200


def test_with_no_roster_the_list_says_how_to_submit_one(world: Any) -> None:
    page = world.client("partner_a").get(ROSTERS)
    assert "No roster yet: submit your program" in page.text


def test_the_exports_hold_metadata_and_never_a_hash(ready: Any) -> None:
    client = ready.client("staff")
    text = b"".join(client.get(ROSTERS, {"format": "csv"}).streaming_content).decode("utf-8-sig")
    table = list(csv.reader(io.StringIO(text)))
    assert table[0] == ["Partner", "Program", "Period", "Rows", "Submitted by", "Submitted"]
    assert sorted((r[1], r[3]) for r in table[1:]) == [
        ("Coding nights", "2"),
        ("Robotics club", "3"),
    ]
    assert_no_hash(text, ready.rows)
    xlsx = client.get(ROSTERS, {"format": "xlsx"})
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 3
    mine = b"".join(ready.client("partner_b").get(ROSTERS, {"format": "csv"}).streaming_content)
    assert b"Robotics club" not in mine


def test_a_rosters_page_shows_its_rows_and_suppressed_code_counts(ready: Any) -> None:
    page = ready.client("partner_a").get(f"{ROSTERS}{ready.roster.pk}/")
    assert page.status_code == 200
    assert "Robotics club" in page.text
    assert ready.period.label in page.text
    assert "data-row-count>3<" in page.text
    # three young people: every count of a code is below the threshold and hidden
    assert "Hispanic or Latino" in page.text
    assert "<td>1</td>" not in page.text
    assert "Withdraw this roster" in page.text
    assert_no_hash(page.text, ready.rows)
    staff = ready.client("staff").get(f"{ROSTERS}{ready.roster.pk}/")
    assert staff.status_code == 200
    assert "Withdraw this roster" not in staff.text


def test_code_counts_at_the_threshold_are_shown(ready: Any) -> None:
    twelve = [(f"Maria{letter}", *PEOPLE[0][1:]) for letter in "abcdefghijkl"]
    roster = rosters.submit_roster(
        ready.users["partner_a"],
        program=ready.program,
        period=ready.period,
        check_value=ready.epoch.check_value,
        dimensions=["sex", "race", "grade"],
        rows=payload(twelve),
    )
    assert rosters.code_summary(roster)["sex"].cells == {"Female": 12}
    page = ready.client("partner_a").get(f"{ROSTERS}{roster.pk}/")
    assert "<td>12</td>" in page.text


def test_another_partner_gets_404_for_a_roster_that_is_not_theirs(ready: Any) -> None:
    other = ready.client("partner_b")
    assert other.get(f"{ROSTERS}{ready.roster.pk}/").status_code == 404
    assert other.get(f"{ROSTERS}{ready.roster.pk}/withdraw/").status_code == 404
    assert other.post(f"{ROSTERS}{ready.roster.pk}/withdraw/").status_code == 404
    assert Roster.objects.filter(pk=ready.roster.pk).exists()


def test_withdrawing_asks_first_then_deletes(ready: Any) -> None:
    client = ready.client("partner_a")
    url = f"{ROSTERS}{ready.roster.pk}/withdraw/"
    confirm = client.get(url)
    assert confirm.status_code == 200
    assert "Withdraw the roster of Robotics club" in confirm.text
    assert Roster.objects.filter(pk=ready.roster.pk).exists()
    done = client.post(url, follow=True)
    assert done.redirect_chain[-1][0] == ROSTERS
    assert "was withdrawn" in done.text
    assert not Roster.objects.filter(pk=ready.roster.pk).exists()
    assert ready.client("staff").post(f"{ROSTERS}{ready.roster_b.pk}/withdraw/").status_code == 403


def config_of(page: Any) -> dict[str, Any]:
    text = page.text
    start = text.index('<script id="roster-config" type="application/json">') + len(
        '<script id="roster-config" type="application/json">'
    )
    config: dict[str, Any] = json.loads(text[start : text.index("</script>", start)])
    return config


def test_the_submit_page_offers_only_the_persons_programs_and_the_check_value(ready: Any) -> None:
    page = ready.client("partner_a").get(f"{ROSTERS}new/")
    assert page.status_code == 200
    assert 'value="robotics"' in page.text
    assert 'value="coding"' not in page.text
    config = config_of(page)
    assert config["checkValues"] == {
        str(ready.period.pk): ready.epoch.check_value,
        str(ready.older.pk): None,  # before the first epoch: no secret covers it
    }
    assert config["api"] == "/api/v1/ecosystems/alpha/measures/rosters/"
    assert [c["key"] for c in config["columns"]][:4] == [
        "given_name",
        "family_name",
        "birth_date",
        "school",
    ]
    assert {c["key"] for c in config["columns"] if c.get("dimension")} == set(
        rosters.ROSTER_DIMENSIONS
    )
    assert set(config["reasons"]) == {
        "empty",
        "no_letters",
        "not_a_date",
        "out_of_range",
        "not_a_secret",
        "not_a_code",
    }
    # the accepted spellings: shared, and the crosswalk of the programs' organizations only
    assert config["codeTables"]["codes"]["sex"]["f"] == "Female"
    assert set(config["codeTables"]["local"]) == {ready.org_a.slug}
    assert f'value="robotics" data-organization="{ready.org_a.slug}"' in page.text
    assert ready.client("staff").get(f"{ROSTERS}new/").status_code == 403


def test_an_archived_program_is_not_offered(ready: Any) -> None:
    Program.objects.create(
        ecosystem=ready.alpha,
        organization=ready.org_a,
        name="Old club",
        slug="old-club",
        archived_at=timezone.now(),
    )
    page = ready.client("partner_a").get(f"{ROSTERS}new/")
    assert 'value="robotics"' in page.text
    assert 'value="old-club"' not in page.text


def test_the_submit_page_says_when_there_is_no_secret_or_no_program(world: Any) -> None:
    facts.school_year(world.alpha, 2025)
    no_program = world.client("partner_a").get(f"{ROSTERS}new/")
    assert "no program in the directory yet" in no_program.text
    Program.objects.create(ecosystem=world.alpha, organization=world.org_a, name="Lab", slug="lab")
    no_secret = world.client("partner_a").get(f"{ROSTERS}new/")
    assert "has no linkage secret yet" in no_secret.text
    assert "roster-config" not in no_secret.text


def test_the_pages_speak_spanish(ready: Any) -> None:
    client = ready.client("partner_a")
    client.cookies["django_language"] = "es"
    page = client.get(f"{ROSTERS}new/")
    assert "Enviar una lista de participación" in page.text
    assert config_of(page)["reasons"]["not_a_date"].startswith("no es una fecha")
    assert config_of(page)["reasons"]["not_a_code"].startswith("no es un código")
    assert "Listas de participación" in client.get(ROSTERS).text


def test_the_list_and_the_api_list_take_a_fixed_number_of_queries(
    ready: Any, django_assert_max_num_queries: Any
) -> None:
    for year in range(2026, 2031):
        rosters.submit_roster(
            ready.users["partner_a"],
            program=ready.program,
            period=facts.school_year(ready.alpha, year),
            check_value=ready.epoch.check_value,
            dimensions=["sex"],
            rows=[{**row, "codes": {"sex": "F"}} for row in ready.rows],
        )
    client = ready.client("staff")
    with django_assert_max_num_queries(12):
        assert client.get(ROSTERS).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get("/api/v1/ecosystems/alpha/measures/rosters/").json()["count"] == 7
