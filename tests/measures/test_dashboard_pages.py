"""Dashboard pages, exports and API: the same suppressed figures for everyone allowed, the
public sees published indicators only, a partner never another partner's figures."""

from __future__ import annotations

import csv
import io
import json
import re
from typing import Any

import pytest

from ecotone.measures.models import Indicator
from ecotone.measures.services import facts
from tests.measures.builders import ORG_A, ORG_B, crossed, report

PAGE = "/e/alpha/measures/dashboards/young-people-served/"
API = "/api/v1/ecosystems/alpha/measures/dashboards/young-people-served/"


@pytest.fixture
def served(setup: Any) -> Any:
    world = setup
    indicator = Indicator.objects.get(ecosystem=world.alpha, key="young-people-served")
    period = facts.school_year(world.alpha, 2024)
    report(world.org_a, indicator, period, crossed(ORG_A))
    report(world.org_b, indicator, period, crossed(ORG_B))
    report(world.org_a, indicator, facts.school_year(world.alpha, 2023), crossed(ORG_B))
    return world


def _figure(data: dict[str, Any], dims: list[str], codes: dict[str, str]) -> dict[str, Any]:
    table = next(t for t in data["periods"][-1]["tables"] if t["dimensions"] == dims)
    return next(f for f in table["figures"] if f["codes"] == codes)


def test_the_public_reads_a_published_dashboard_with_small_cells_hidden(served: Any) -> None:
    response = served.client("anonymous").get(PAGE)
    assert response.status_code == 200
    body = response.content.decode()
    assert "fewer than 10" in body
    assert "hidden (protects a small group)" in body
    assert 'id="chart-groups-spec"' in body
    assert "How small numbers are protected" in body


def test_the_sex_by_race_table_is_drawn_as_small_multiples_without_the_hidden_bars(
    served: Any,
) -> None:
    body = served.client("anonymous").get(PAGE).content.decode()
    spec_json = re.search(
        r'<script id="chart-cross-spec" type="application/json">(.*?)</script>', body
    )
    assert spec_json is not None
    spec = json.loads(spec_json.group(1))
    assert spec["facet"]["row"]["field"] == "panel"
    assert {v["panel"] for v in spec["data"]["values"]} == {"Female", "Male"}
    hidden = [v for v in spec["data"]["values"] if v["value"] is None]
    assert hidden
    assert all(v["shown"].startswith(("fewer than", "hidden")) for v in hidden)
    figure = body[
        body.index('id="chart-cross-title"') : body.index(
            "</figure>", body.index('id="chart-cross-title"')
        )
    ]
    assert figure.count("<tr>") == 1 + len(spec["data"]["values"])  # its header and a row each


def test_the_api_publishes_the_same_suppressed_tables(served: Any) -> None:
    data = served.client("anonymous").get(API).json()
    assert data["threshold"] == 10
    assert [p["period"] for p in data["periods"]] == ["2023–24", "2024–25"]
    girls_asian = _figure(data, ["sex", "race"], {"sex": "Female", "race": "Asian"})
    assert girls_asian["value"] is None
    assert girls_asian["hidden_because"] == "small"
    assert _figure(data, ["sex", "race"], {"race": "Asian"})["value"] is None
    assert _figure(data, ["sex", "race"], {})["value"] == 123
    assert all(t["audit_passed"] for t in data["periods"][-1]["tables"])
    hidden = [f for t in data["periods"][-1]["tables"] for f in t["figures"] if f["value"] is None]
    assert any(f["hidden_because"] == "protects" for f in hidden)


def test_exports_carry_the_suppression_marks(served: Any) -> None:
    response = served.client("member").get(PAGE + "?format=csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Period", "Group", "Value", "Young people", "Why hidden", "Source"]
    girls_asian = next(
        r for r in rows if r[0] == "2024–25" and r[1] == "Sex: Female; Race/ethnicity: Asian"
    )
    assert girls_asian[2:] == ["fewer than 10", "", "fewer than 10", "Partners’ submissions"]
    assert not any(r[2] in ("3", "4", "7") for r in rows[1:] if r[0] == "2024–25")
    xlsx = served.client("member").get(PAGE + "?format=xlsx")
    assert xlsx.status_code == 200


def test_partner_b_never_sees_partner_a_figures(served: Any) -> None:
    client = served.client("partner_b")
    assert client.get(PAGE + f"?organization={served.org_a.slug}").status_code == 404
    assert client.get(API + f"?organization={served.org_a.slug}").status_code == 404
    own = client.get(API + f"?organization={served.org_b.slug}").json()
    assert own["organization"] == served.org_b.slug
    assert _figure(own, ["sex", "race"], {})["value"] == 63
    page = client.get(PAGE).content.decode()
    assert f'value="{served.org_a.slug}"' not in page


def test_backbone_staff_look_at_any_partner(served: Any) -> None:
    data = served.client("staff").get(API + f"?organization={served.org_a.slug}").json()
    assert _figure(data, ["sex", "race"], {})["value"] == 60


def test_members_and_the_public_cannot_narrow_to_a_partner(served: Any) -> None:
    for persona in ("member", "anonymous"):
        response = served.client(persona).get(API + f"?organization={served.org_a.slug}")
        assert response.status_code == 404


def test_the_public_sees_only_published_indicators(served: Any) -> None:
    draft = "/e/alpha/measures/dashboards/mentor-hours/"
    assert served.client("anonymous").get(draft).status_code == 404
    assert served.client("member").get(draft).status_code == 404
    assert served.client("staff").get(draft).status_code == 200
    listing = served.client("anonymous").get("/e/alpha/measures/dashboards/").content.decode()
    assert "Young people served" in listing
    assert "Mentor hours" not in listing
    keys = [
        i["key"]
        for i in served.client("anonymous")
        .get("/api/v1/ecosystems/alpha/measures/dashboards/")
        .json()["results"]
    ]
    assert keys == ["share-girls", "young-people-served"]


def test_equity_shows_each_groups_share_and_says_not_enough_data(served: Any) -> None:
    body = served.client("member").get(PAGE + "?dimension=race").content.decode()
    assert "Equity" in body
    assert "not enough data (a count is hidden)" in body
    assert "no enrolment figures yet" in body


def test_an_indicator_without_values_says_so(served: Any) -> None:
    response = served.client("anonymous").get("/e/alpha/measures/dashboards/share-girls/")
    assert response.status_code == 200
    assert "No approved values yet" in response.content.decode()


def test_the_dashboard_reads_a_bounded_number_of_queries(
    served: Any, django_assert_max_num_queries: Any
) -> None:
    client = served.client("staff")
    client.get(PAGE)  # sessions, caches
    # 16: one of them asks for an applied CCD file (the enrolment representation compares
    # with), two which sources have values (the partners', the public files')
    with django_assert_max_num_queries(16):
        assert client.get(PAGE + "?dimension=race").status_code == 200
    with django_assert_max_num_queries(16):
        assert client.get(API).status_code == 200
