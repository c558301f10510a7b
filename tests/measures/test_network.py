"""A network's view of shared measurement: an indicator its ecosystems publish, summed across
them and suppressed after summing, with every ecosystem's own published figures in the audit
(services.network, its pages and API)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest

from ecotone.measures.models import Indicator
from ecotone.measures.services import dashboards, facts, indicators
from ecotone.measures.services import network as services
from ecotone.suppression import Cell, audit
from tests.measures.builders import ORG_A, crossed, report

PAGE = "/n/state/measures/young-people-served/"
API = "/api/v1/networks/state/measures/young-people-served/"
# Beta's partner shows its Asian young people (12 girls, 15 boys): the network's Asian girls,
# 3 of alpha's and these 12, are 15, nothing small, but 15 less 12 gives alpha's 3 back.
BETA = {
    ("Female", "White"): 15,
    ("Female", "HispanicOrLatino"): 14,
    ("Female", "Asian"): 12,
    ("Male", "White"): 18,
    ("Male", "HispanicOrLatino"): 16,
    ("Male", "Asian"): 15,
}


@pytest.fixture
def network(setup: Any) -> Any:
    world = setup
    staff_beta = world.users["staff"]
    indicators.install_starter_library(staff_beta, world.beta)
    Indicator.objects.filter(ecosystem=world.beta, key="young-people-served").update(
        is_published=True
    )
    for ecosystem, organization, cells in (
        (world.alpha, world.org_a, ORG_A),
        (world.beta, world.org_beta, BETA),
    ):
        indicator = Indicator.objects.get(ecosystem=ecosystem, key="young-people-served")
        report(organization, indicator, facts.school_year(ecosystem, 2024), crossed(cells))
    return world


def _cross(board: dashboards.Dashboard, sex: str | None, race: str | None) -> Any:
    return board.current.tables[("sex", "race")].figures[(sex, race)]


def _own(found: Any) -> dict[int, dashboards.Dashboard]:
    """Each ecosystem's own dashboard, as its public page shows it."""
    return {
        i.ecosystem_id: dashboards.dashboard(i, periods=list(dashboards.periods_of(i)))
        for i in found.indicators
    }


def _everything(table: Any, own: dict[int, dashboards.Dashboard]) -> dict[Cell, Any]:
    """What the network's table and every ecosystem's own tables of the same dimensions publish
    together, as cells of the network's stacked tables (the attacker's view)."""
    published: dict[Cell, Any] = {}
    names = set(table.linked.names) - {"ecosystem"}
    for ecosystem_id, board in own.items():
        for dims, mine in board.current.tables.items():
            if set(dims) <= names:
                for cell, value in mine.cells.items():
                    at = Cell(("ecosystem", *cell.margin), (ecosystem_id, *cell.codes))
                    if value is not None or at not in published:  # shown anywhere: public
                        published[at] = value
    published.update(table.cells)
    return published


def test_the_network_hides_a_sum_that_less_an_ecosystems_shown_figure_gives_a_hidden_one(
    network: Any,
) -> None:
    found = services.get_network_indicator(network.network, "young-people-served")
    assert found is not None
    assert [e.slug for e in found.ecosystems] == ["alpha", "beta"]
    summed = services.network_dashboard(network.network, found)
    assert summed is not None
    own = _own(found)
    alpha, beta = own[network.alpha.pk], own[network.beta.pk]
    assert _cross(alpha, "Female", "Asian").value is None
    assert _cross(beta, "Female", "Asian").value == 12
    # summed alone, 15 Asian girls would be shown; here it is hidden, and why
    girls = _cross(summed.board, "Female", "Asian")
    assert girls.value is None
    assert girls.mark == "protects"
    assert summed.board.current.total.value == 60 + 90
    # the attacker's audit over everything published: both ecosystems' figures and the sums
    table = summed.current.tables[("sex", "race")]
    assert table.audit_passed
    assert audit(table.linked, _everything(table, own), 10, exact=True).passed


def test_an_ecosystem_without_the_cross_tab_is_summed_by_its_margins(network: Any) -> None:
    # Beta reports by sex and by race, not crossed: the network shows no cross-tab, and its
    # 34 Asian young people (alpha's hidden 7, beta's shown 27) are hidden, not given back.
    indicator = Indicator.objects.get(ecosystem=network.beta, key="young-people-served")
    indicator.values.all().delete()
    margins = {k: v for k, v in crossed(BETA).items() if len(k) < 2}
    report(network.org_beta, indicator, facts.school_year(network.beta, 2024), margins)
    found = services.get_network_indicator(network.network, "young-people-served")
    summed = services.network_dashboard(network.network, found)
    own = _own(found)
    assert own[network.beta.pk].current.breakdown("race")["Asian"].value == 27
    assert set(summed.current.tables) == {("sex",), ("race",)}
    assert summed.current.breakdown("race")["Asian"].value is None
    assert summed.current.breakdown("sex")["Female"].value == 25 + 41
    for table in summed.current.tables.values():
        assert audit(table.linked, _everything(table, own), 10, exact=True).passed


def test_a_percentage_is_summed_from_numerators_and_denominators(network: Any) -> None:
    # share of girls by race: alpha's 3 Asian girls of 7 hidden, beta's 12 of 27 shown
    for ecosystem, organization, cells in (
        (network.alpha, network.org_a, ORG_A),
        (network.beta, network.org_beta, BETA),
    ):
        indicator = Indicator.objects.get(ecosystem=ecosystem, key="share-girls")
        indicator.is_published = True
        indicator.save()
        rows: dict[Any, Any] = {(): (0, 0)}
        for race in {r for _s, r in cells}:
            girls, everyone = (
                cells.get(("Female", race), 0),
                sum(v for (_s, r), v in cells.items() if r == race),
            )
            rows[(("race", race),)] = (girls, everyone)
            rows[()] = (rows[()][0] + girls, rows[()][1] + everyone)
        report(organization, indicator, facts.school_year(ecosystem, 2024), rows)
    found = services.get_network_indicator(network.network, "share-girls")
    summed = services.network_dashboard(network.network, found)
    assert summed.current.total.value == pytest.approx(100 * (25 + 41) / 150)
    asian = summed.current.breakdown("race")["Asian"]
    assert asian.value is None
    assert asian.mark
    table = summed.current.tables[("race",)]
    assert audit(table.linked, _everything(table, _own(found)), 10, exact=True).passed


def test_operators_read_the_summed_dashboard_with_its_marks_explained(network: Any) -> None:
    client = network.client("operator")
    listing = client.get("/n/state/measures/").content.decode()
    assert "Young people served" in listing
    assert "2 of 2 ecosystems" in listing
    body = client.get(PAGE).content.decode()
    assert "2 ecosystems added up, 2024–25" in body
    assert "hidden (protects a small group)" in body
    assert "Checked together with every ecosystem" in body
    assert 'id="chart-groups-spec"' in body
    assert "Sex × Race/ethnicity" in body
    assert client.get(PAGE + "?period=2019-07-01").status_code == 404
    response = client.get(PAGE + "?format=csv")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Period", "Group", "Value", "Young people", "Why hidden", "Source"]
    assert [
        "2024–25",
        "Total",
        "150",
        "150",
        "",
        "Sum of the ecosystems' published figures",
    ] in rows
    marks = {row[4] for row in rows[1:]}
    assert "hidden (protects a small group)" in marks


def test_only_ecosystems_that_publish_the_indicator_are_summed(network: Any) -> None:
    Indicator.objects.filter(ecosystem=network.beta, key="young-people-served").update(
        is_published=False
    )
    body = network.client("operator").get(PAGE).content.decode()
    assert "1 ecosystem added up, 2024–25: Alpha Valley STEM Alliance." in body
    data = network.client("operator").get(API).json()
    assert data["ecosystems"] == ["alpha"]
    assert data["periods"][0]["total"]["value"] == 60


def test_ecosystems_that_give_only_totals_are_summed_by_their_totals(setup: Any) -> None:
    indicators.install_starter_library(setup.users["staff"], setup.beta)
    Indicator.objects.filter(ecosystem=setup.beta, key="young-people-served").update(
        is_published=True
    )
    for ecosystem, organization, total in (
        (setup.alpha, setup.org_a, 40),
        (setup.beta, setup.org_beta, 35),
    ):
        indicator = Indicator.objects.get(ecosystem=ecosystem, key="young-people-served")
        report(organization, indicator, facts.school_year(ecosystem, 2024), {(): total})
    response = setup.client("operator").get(PAGE)
    assert response.status_code == 200
    assert "<strong>Total:</strong> 75" in response.content.decode()


def test_the_api_gives_the_same_summed_figures(network: Any) -> None:
    client = network.client("operator")
    listed = client.get("/api/v1/networks/state/measures/").json()
    assert {"key": "young-people-served", "ecosystems": ["alpha", "beta"]}.items() <= next(
        i for i in listed if i["key"] == "young-people-served"
    ).items()
    data = client.get(API).json()
    assert data["network"] == "state"
    assert data["ecosystems"] == ["alpha", "beta"]
    period = data["periods"][0]
    assert period["total"]["value"] == 150
    cross = next(t for t in period["tables"] if t["dimensions"] == ["sex", "race"])
    assert cross["audit_passed"]
    girls = next(f for f in cross["figures"] if f["codes"] == {"sex": "Female", "race": "Asian"})
    assert girls["value"] is None
    assert girls["hidden_because"] == "protects"
    assert network.client("staff").get(API).status_code == 404


def test_the_network_pages_read_a_bounded_number_of_queries(
    network: Any, django_assert_max_num_queries: Any
) -> None:
    # three per ecosystem summed (its periods, its values, their codes), none per figure
    client = network.client("operator")
    client.get("/n/state/measures/")  # sessions, caches
    with django_assert_max_num_queries(8):
        assert client.get("/n/state/measures/").status_code == 200
    with django_assert_max_num_queries(13):
        assert client.get(PAGE).status_code == 200


def test_a_hidden_figure_two_crosses_share_is_counted_once(setup: Any) -> None:
    # Few boys in either ecosystem: the network's boys (a sex margin both sex x race and
    # sex x disability have) are hidden in both sets of tables, one figure hidden, not two.
    world = setup
    indicators.install_starter_library(world.users["staff"], world.beta)
    for ecosystem, organization, boys in (
        (world.alpha, world.org_a, 3),
        (world.beta, world.org_beta, 2),
    ):
        indicator = Indicator.objects.get(ecosystem=ecosystem, key="young-people-served")
        indicator.dimensions = ["sex", "race", "disability"]
        indicator.is_published = True
        indicator.save()
        rows: dict[Any, int] = crossed(
            {("Female", "White"): 20, ("Female", "Asian"): 15, ("Male", "White"): boys}
        )
        for (sex, code), count in {
            ("Female", "Yes"): 12,
            ("Female", "No"): 23,
            ("Male", "No"): boys,
        }.items():
            rows[(("disability", code), ("sex", sex))] = count
            rows[(("disability", code),)] = rows.get((("disability", code),), 0) + count
        report(organization, indicator, facts.school_year(ecosystem, 2024), rows)
    found = services.get_network_indicator(world.network, "young-people-served")
    summed = services.network_dashboard(world.network, found)
    assert summed is not None
    tables = summed.current.tables
    assert {("sex", "race"), ("sex", "disability")} <= set(tables)
    boys_margin = Cell(("sex",), ("Male",))
    assert all(
        t.cells.get(boys_margin, 0) is None for t in tables.values() if "sex" in t.dimensions
    )
    hidden = {c for t in tables.values() for c, v in t.cells.items() if v is None}
    assert boys_margin in hidden
    assert services.hidden_count(summed) == len(hidden)
