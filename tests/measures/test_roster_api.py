"""Participation rosters through the API (docs/api.md): partner staff POST what their browser
encoded for their own organization's programs; everyone who may see a roster reads only its
metadata; nothing ever answers a hash, a CLK or a blocking key back."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.utils import timezone

from ecotone.directory.models import Program
from ecotone.measures import linkage
from ecotone.measures.models import Roster
from ecotone.measures.services import rosters
from tests.measures.test_rosters import rostering

pytestmark = pytest.mark.django_db

API = "/api/v1/ecosystems/alpha/measures/rosters/"


@pytest.fixture
def ready(world: Any) -> Any:
    return rostering(world)


def body(world: Any, **changes: Any) -> dict[str, Any]:
    return {
        "program": world.program.slug,
        "period": world.period.pk,
        "check_value": world.epoch.check_value,
        "dimensions": ["sex", "race", "grade"],
        "rows": world.rows,
    } | changes


def post(client: Any, data: dict[str, Any]) -> Any:
    return client.post(API, data, content_type="application/json")


def secrets_in(rows: list[dict[str, Any]]) -> list[str]:
    """Every encoded value of the rows, as sent and as the server could write them back."""
    found = []
    for row in rows:
        clk = base64.b64decode(row["clk"])
        found += [row["exact"], row["block"], row["clk"], row["clk"][:24], clk.hex()[:32]]
    return found


def assert_no_hash(response: Any, rows: list[dict[str, Any]]) -> None:
    text = response.content.decode()
    for secret in secrets_in(rows):
        assert secret not in text


def test_a_partner_submits_for_its_own_program_and_reads_back_only_metadata(ready: Any) -> None:
    client = ready.client("partner_a")
    created = post(client, body(ready))
    assert created.status_code == 201, created.content
    answer = created.json()
    assert answer["program"] == "robotics"
    assert answer["organization"] == ready.org_a.slug
    assert answer["period"] == ready.period.pk
    assert answer["row_count"] == 3
    assert set(answer) == {
        "id",
        "organization",
        "program",
        "program_name",
        "period",
        "period_label",
        "row_count",
        "submitted_by",
        "created_at",
    }
    listed = client.get(API)
    read = client.get(f"{API}{answer['id']}/")
    assert [r["id"] for r in listed.json()["results"]] == [answer["id"]]
    assert read.json()["row_count"] == 3
    for response in (created, listed, read, ready.client("staff").get(API)):
        assert_no_hash(response, ready.rows)


def test_a_partner_cannot_submit_for_another_organizations_program(ready: Any) -> None:
    response = post(ready.client("partner_b"), body(ready))
    assert response.status_code == 400
    assert "program" in response.json()
    assert not Roster.objects.exists()


def test_the_backbone_lists_every_roster_but_cannot_submit(ready: Any) -> None:
    post(ready.client("partner_a"), body(ready))
    post(ready.client("partner_b"), body(ready, program="coding"))
    staff = ready.client("staff")
    assert {r["program"] for r in staff.get(API).json()["results"]} == {"robotics", "coding"}
    assert post(staff, body(ready)).status_code == 403
    org_b = staff.get(API + f"?organization={ready.org_b.slug}").json()["results"]
    assert [r["program"] for r in org_b] == ["coding"]


def test_another_partner_neither_sees_nor_withdraws_a_roster(ready: Any) -> None:
    roster_id = post(ready.client("partner_a"), body(ready)).json()["id"]
    other = ready.client("partner_b")
    assert other.get(API).json()["results"] == []
    assert other.get(f"{API}{roster_id}/").status_code == 404
    assert other.delete(f"{API}{roster_id}/").status_code == 404
    assert Roster.objects.filter(pk=roster_id).exists()


@pytest.mark.parametrize(("persona", "status"), [("anonymous", 401), ("member", 403)])
def test_anonymous_and_members_cannot_list_or_submit(ready: Any, persona: str, status: int) -> None:
    client = ready.client(persona)
    assert client.get(API).status_code == status
    assert post(client, body(ready)).status_code == status
    assert not Roster.objects.exists()


def test_a_wrong_secret_is_refused_and_nothing_is_stored(ready: Any) -> None:
    wrong = linkage.check_value(linkage.parse_secret("0" * 32))
    response = post(ready.client("partner_a"), body(ready, check_value=wrong))
    assert response.status_code == 400
    assert "not the ecosystem" in " ".join(response.json()["non_field_errors"])
    assert not Roster.objects.exists()


def test_a_bad_row_is_named_by_row_and_field(ready: Any) -> None:
    ready.rows[1]["codes"]["race"] = "Martian"
    ready.rows[2]["exact"] = "not a hash"
    response = post(ready.client("partner_a"), body(ready))
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [(p["row"], p["field"]) for p in problems] == [(2, "race"), (3, "exact")]
    # the value is never echoed: a wrongly chosen column could hold names
    assert problems[0]["message"] == "is not a code of Race/ethnicity"
    assert "Martian" not in response.content.decode()
    assert not Roster.objects.exists()
    assert_no_hash(response, ready.rows[:2])


def test_an_unknown_code_is_named_in_the_persons_language_without_its_value(ready: Any) -> None:
    ready.rows[0]["codes"]["race"] = "García"
    response = ready.client("partner_a").post(
        API, body(ready), content_type="application/json", HTTP_ACCEPT_LANGUAGE="es"
    )
    assert response.status_code == 400
    message = response.json()["problems"][0]["message"]
    assert message == "no es un código de Raza/etnia"
    assert "García" not in response.content.decode()


def test_a_common_code_is_read_and_an_archived_program_is_refused(ready: Any) -> None:
    ready.rows[0]["codes"] |= {"sex": "Female", "race": "HispanicOrLatino", "grade": "07"}
    client = ready.client("partner_a")
    assert post(client, body(ready)).status_code == 201
    Program.objects.filter(pk=ready.program.pk).update(archived_at=timezone.now())
    response = post(client, body(ready))
    assert response.status_code == 400
    assert response.json()["program"]
    assert Roster.objects.count() == 1


def test_a_malformed_body_is_a_400_not_a_500(ready: Any) -> None:
    client = ready.client("partner_a")
    assert post(client, body(ready, rows="many")).status_code == 400
    assert post(client, body(ready, rows=[1, "x"])).json()["problems"][0]["field"] == "row"
    assert post(client, body(ready, dimensions=["name"])).status_code == 400
    assert post(client, body(ready, period=999999)).json()["period"]
    assert post(client, body(ready, rows=[])).status_code == 400


def test_withdrawing_is_for_the_organizations_staff(ready: Any) -> None:
    roster_id = post(ready.client("partner_a"), body(ready)).json()["id"]
    assert ready.client("staff").delete(f"{API}{roster_id}/").status_code == 403
    assert ready.client("partner_a").delete(f"{API}{roster_id}/").status_code == 204
    assert not Roster.objects.exists()


def test_a_new_roster_replaces_the_one_before_through_the_api(ready: Any) -> None:
    client = ready.client("partner_a")
    first = post(client, body(ready)).json()["id"]
    second = post(client, body(ready, rows=ready.rows[:1])).json()
    assert second["row_count"] == 1
    assert [r["id"] for r in client.get(API).json()["results"]] == [second["id"]]
    assert second["id"] != first
    assert rosters.epoch_of(ready.alpha, ready.period) == ready.epoch


def test_a_roster_larger_than_djangos_upload_cap_is_read(ready: Any, settings: Any) -> None:
    """A 50,000-row roster is about 17 MB of JSON, far above DATA_UPLOAD_MAX_MEMORY_SIZE (which
    DRF's JSONParser applies through `request.body`): the endpoint reads its own, larger cap."""
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 500  # the three rows are about 1.2 kB
    assert post(ready.client("partner_a"), body(ready)).status_code == 201


def test_a_body_above_the_rosters_cap_is_a_413(ready: Any, monkeypatch: Any) -> None:
    from ecotone.measures.api import RosterBodyParser

    monkeypatch.setattr(RosterBodyParser, "max_bytes", 500)
    response = post(ready.client("partner_a"), body(ready))
    assert response.status_code == 413
    assert not Roster.objects.exists()


def test_a_filter_id_too_large_for_the_database_is_a_400(ready: Any) -> None:
    # PostgreSQL refuses a bigint past 2**63 - 1 with an error: the filter must never reach it.
    client = ready.client("partner_a")
    answer = client.get(API, {"period": "9" * 30})
    assert answer.status_code == 400, answer.content
    assert "period" in answer.json()
    assert client.get(API, {"period": str(2**63 - 1)}).json()["count"] == 0
