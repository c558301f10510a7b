"""Dashboards (measures/services/dashboards.py): every published figure goes through
ecotone.suppression, the audit passes on what is published, partners see their own."""

from __future__ import annotations

from typing import Any

import pytest

from ecotone import suppression
from ecotone.measures.models import Indicator
from ecotone.measures.services import dashboards, facts
from tests.measures.builders import ORG_A, ORG_B, crossed, report


@pytest.fixture
def served(setup: Any) -> Any:
    world = setup
    indicator = Indicator.objects.get(ecosystem=world.alpha, key="young-people-served")
    period = facts.school_year(world.alpha, 2024)
    report(world.org_a, indicator, period, crossed(ORG_A))
    world.indicator, world.period = indicator, period
    return world


def test_a_small_cell_is_hidden_with_its_complement_and_the_audit_passes(served: Any) -> None:
    board = dashboards.dashboard(served.indicator, organizations=[served.org_a])
    table = board.current.tables[("sex", "race")]
    girls_asian = table.figures[("Female", "Asian")]
    assert girls_asian.value is None
    assert girls_asian.mark == "small"
    assert table.figures[(None, "Asian")].value is None  # 7 Asian students
    # Female = 25 is shown, so another cell of the girls' row hides the 3 as well
    girls = [table.figures[("Female", r)] for r in ("White", "HispanicOrLatino")]
    assert table.figures[("Female", None)].value == 25
    assert any(f.value is None and f.mark == "protects" for f in girls)
    assert table.audit_passed
    assert board.current.total.value == 60


def test_no_published_figure_lets_the_attacker_recover_a_hidden_one(served: Any) -> None:
    board = dashboards.dashboard(served.indicator, organizations=[served.org_a])
    table = board.current.tables[("sex", "race")]
    tables = suppression.linked_tables(
        {
            "sex": ("Female", "Male", "NotSelected"),
            "race": tuple(c.code for c in dashboards.codes.option_set("race").codes),
        },
        {(s, r): n for (s, r), n in ORG_A.items()},
    )
    published = {
        tables.cell({d: k for d, k in zip(("sex", "race"), key, strict=True) if k is not None}): (
            None if figure.n is None else figure.n
        )
        for key, figure in table.figures.items()
    }
    assert suppression.audit(tables, published, 10, exact=True).passed


def test_the_audit_refuses_a_table_that_gives_a_hidden_cell_back() -> None:
    tables = suppression.linked_tables({"sex": ("F", "M")}, {("F",): 3, ("M",): 40})
    cells = {tables.cell(): 43, tables.cell({"sex": "F"}): None, tables.cell({"sex": "M"}): 40}
    with pytest.raises(dashboards.UnpublishableError):
        dashboards.checked(tables, cells, 10)


def test_a_breakdown_not_every_partner_gave_is_not_published(served: Any) -> None:
    # Org B reports only its total: by sex the partners add up to 60, not 123
    report(served.org_b, served.indicator, served.period, {(): 63})
    board = dashboards.dashboard(served.indicator)
    assert board.current.total.value == 123
    assert ("sex", "race") not in board.current.tables
    assert "sex" in board.current.incomplete


def test_sums_over_partners_before_suppressing(served: Any) -> None:
    report(served.org_b, served.indicator, served.period, crossed(ORG_B))
    board = dashboards.dashboard(served.indicator)
    table = board.current.tables[("sex", "race")]
    assert board.current.total.value == 60 + 63
    assert table.figures[("Female", "White")].value == 27
    assert table.figures[("Female", "Asian")].value is None


def test_a_percent_is_hidden_with_a_small_numerator_or_remainder(setup: Any) -> None:
    world = setup
    indicator = Indicator.objects.get(ecosystem=world.alpha, key="share-girls")
    period = facts.school_year(world.alpha, 2024)
    report(
        world.org_a,
        indicator,
        period,
        {
            (): (60, 120),
            (("race", "White"),): (30, 50),
            (("race", "HispanicOrLatino"),): (27, 30),  # 3 boys: the remainder is small
            (("race", "Asian"),): (3, 40),  # 3 girls
        },
    )
    board = dashboards.dashboard(indicator)
    by_race = board.current.breakdown("race")
    assert by_race is not None
    assert by_race["White"].value == 60.0
    assert by_race["HispanicOrLatino"].value is None
    assert by_race["Asian"].value is None
    assert board.current.total.value == 50.0
    assert board.current.tables[("race",)].audit_passed


def test_partners_see_their_own_organization_only(served: Any) -> None:
    seen = dashboards.partners_seen(served.users["partner_a"], served.alpha)
    assert list(seen) == [served.org_a]
    assert set(dashboards.partners_seen(served.users["staff"], served.alpha)) >= {
        served.org_a,
        served.org_b,
    }
    assert not dashboards.partners_seen(served.users["member"], served.alpha).exists()
