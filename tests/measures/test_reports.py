"""The one-page printable report: the dashboards' published figures of every published
indicator for one period, with the change from the period before and the largest equity gap,
for the ecosystem or one partner."""

from __future__ import annotations

from typing import Any

import pytest

from ecotone.measures.models import Indicator
from ecotone.measures.services import facts
from tests.measures.builders import ORG_A, ORG_B, crossed, report

REPORT = "/e/alpha/measures/report/"
API = "/api/v1/ecosystems/alpha/measures/dashboards/young-people-served/"


@pytest.fixture
def served(setup: Any) -> Any:
    world = setup
    served = Indicator.objects.get(ecosystem=world.alpha, key="young-people-served")
    girls = Indicator.objects.get(ecosystem=world.alpha, key="share-girls")
    now, before = facts.school_year(world.alpha, 2024), facts.school_year(world.alpha, 2023)
    report(world.org_a, served, now, crossed(ORG_A))
    report(world.org_b, served, now, crossed(ORG_B))
    report(world.org_a, served, before, crossed(ORG_B))
    # Girls' share by race: 40 of 150 white young people, 10 of 100 Hispanic ones (20 % in all)
    report(
        world.org_b,
        girls,
        now,
        {
            (): (50, 250),
            (("race", "White"),): (40, 150),
            (("race", "HispanicOrLatino"),): (10, 100),
        },
    )
    return world


def test_the_ecosystem_report_gives_each_published_indicator_and_its_change(served: Any) -> None:
    response = served.client("anonymous").get(REPORT)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Young people served" in body
    assert "Share of girls" in body
    assert "2024–25" in body
    assert "123" in body  # this year, all partners
    assert "+60" in body  # 63 the year before
    assert "Generated on" in body
    assert "data-print" in body


def test_the_report_publishes_only_what_the_dashboard_publishes(served: Any) -> None:
    body = served.client("anonymous").get(REPORT).content.decode()
    total = served.client("anonymous").get(API).json()["periods"][-1]["total"]["shown"]
    assert total in body
    assert "Mentor hours" not in body  # not published


def test_the_report_names_the_largest_equity_gap(served: Any) -> None:
    body = served.client("anonymous").get(REPORT).content.decode()
    # Hispanic girls: 10 % against 20 % for everyone, 10 points below (white: 6.7 above)
    assert "Hispanic or Latino" in body
    assert "-10.0" in body


def test_the_report_explains_the_suppression_marks(served: Any) -> None:
    body = served.client("anonymous").get(REPORT).content.decode()
    assert "fewer than 10" in body
    assert "hidden (protects a small group)" in body


def test_a_partner_reads_its_own_report_and_no_other(served: Any) -> None:
    own = served.client("partner_b").get(f"{REPORT}{served.org_b.slug}/")
    assert own.status_code == 200
    assert "63" in own.content.decode()
    assert served.client("partner_b").get(f"{REPORT}{served.org_a.slug}/").status_code == 404
    for persona in ("member", "anonymous"):
        assert served.client(persona).get(f"{REPORT}{served.org_a.slug}/").status_code == 404
    staff = served.client("staff").get(f"{REPORT}{served.org_a.slug}/")
    assert staff.status_code == 200
    assert served.org_a.name in staff.content.decode()


def test_the_report_takes_an_earlier_period(served: Any) -> None:
    before = facts.school_year(served.alpha, 2023)
    body = served.client("anonymous").get(f"{REPORT}?period={before.pk}").content.decode()
    assert "2023–24" in body
    assert "No figures for this period" in body  # share of girls has none in 2023-24


def test_the_dashboards_link_to_the_report(served: Any) -> None:
    body = served.client("anonymous").get("/e/alpha/measures/dashboards/").content.decode()
    assert 'href="/e/alpha/measures/report/"' in body
    partner = served.client("partner_a").get(f"/e/alpha/partners/{served.org_a.slug}/")
    assert f'href="{REPORT}{served.org_a.slug}/"' in partner.content.decode()
    other = served.client("partner_a").get(f"/e/alpha/partners/{served.org_b.slug}/")
    assert f'href="{REPORT}{served.org_b.slug}/"' not in other.content.decode()
