"""Cross-tabs of sex with each student group (services.dashboards: `CENTRE`, `CROSSED`,
`PublishedPeriod.crosses`): equity gaps by gender crossed with race and with disability on one
page, suppressed and audited together, shown one at a time with links to the others."""

from __future__ import annotations

from typing import Any

import pytest

from ecotone import suppression
from ecotone.measures.models import Indicator
from ecotone.measures.services import dashboards, facts
from tests.measures.builders import report

PAGE = "/e/alpha/measures/dashboards/young-people-served/"
API = "/api/v1/ecosystems/alpha/measures/dashboards/young-people-served/"

# Org A's 2024-25: girls and boys by race and by disability (IDEA); 4 boys with a disability.
BY_RACE = {("Female", "White"): 22, ("Female", "Asian"): 14, ("Male", "White"): 25}
BY_DISABILITY = {("Female", "Yes"): 11, ("Female", "No"): 25, ("Male", "Yes"): 4}
BY_DISABILITY[("Male", "No")] = 25 - 4


def _rows(crosses: dict[str, dict[tuple[str, str], int]]) -> dict[Any, int]:
    rows: dict[Any, int] = {}
    for dimension, cells in crosses.items():
        for (sex, code), count in cells.items():
            rows[((dimension, code), ("sex", sex))] = count
            rows[((dimension, code),)] = rows.get(((dimension, code),), 0) + count
    for sex in ("Female", "Male"):
        rows[(("sex", sex),)] = sum(v for (s, _c), v in BY_RACE.items() if s == sex)
    rows[()] = sum(BY_RACE.values())
    return rows


@pytest.fixture
def crossed(setup: Any) -> Any:
    world = setup
    indicator = Indicator.objects.get(ecosystem=world.alpha, key="young-people-served")
    indicator.dimensions = ["sex", "race", "disability", "grade"]
    indicator.save()
    period = facts.school_year(world.alpha, 2024)
    rows = _rows({"race": BY_RACE, "disability": BY_DISABILITY})
    rows[(("grade", "06"),)] = 30
    rows[(("grade", "07"),)] = 31
    rows[(("grade", "06"), ("sex", "Female"))] = 30  # crossed with sex, but not a student group
    report(world.org_a, indicator, period, rows)
    world.indicator = indicator
    return world


def test_sex_is_crossed_with_each_student_group_and_published_as_one_family(
    crossed: Any,
) -> None:
    current = dashboards.dashboard(crossed.indicator).current
    assert set(current.tables) == {("sex", "race"), ("sex", "disability"), ("grade",)}
    assert set(current.crosses()) == {"race", "disability"}
    race, disability = current.crosses()["race"], current.crosses()["disability"]
    # the four boys with a disability are hidden; so are the 11 girls with one, who with the
    # 15 students with a disability would tell that 4 boys have one (the complement rule)
    assert disability.figures[("Male", "Yes")].mark == "small"
    assert disability.figures[("Female", "Yes")].mark == "complement"
    assert race.figures[("Female", "Asian")].value == 14
    # the sex margin is in both tables: hidden in both or in neither
    for sex in ("Female", "Male"):
        assert (race.figures[(sex, None)].value is None) == (
            disability.figures[(sex, None)].value is None
        )
    # the audit over both tables at once passes
    family = suppression.table_family(t.linked for t in (race, disability) if t.linked)
    cells = {**race.cells, **disability.cells}
    assert suppression.audit(family, cells, 10, exact=True).passed


def test_the_page_shows_the_chosen_cross_and_links_to_the_others(crossed: Any) -> None:
    client = crossed.client("staff")
    body = client.get(PAGE, {"dimension": "disability"}).content.decode()
    assert "Sex × Disability (IDEA)" in body
    assert "Sex crossed with:" in body
    assert "dimension=race#cross-heading" in body
    # the boys with a disability are a hidden cell of the table
    assert "fewer than 10" in body
    body = client.get(PAGE, {"dimension": "race"}).content.decode()
    assert "Sex × Race/ethnicity" in body
    assert "dimension=disability#cross-heading" in body
    # sex itself shows the first cross; grade has none and shows the first too
    assert "Sex × Race/ethnicity" in client.get(PAGE, {"dimension": "sex"}).content.decode()


def test_the_api_and_the_export_carry_every_cross(crossed: Any) -> None:
    client = crossed.client("staff")
    data = client.get(API).json()
    tables = {tuple(t["dimensions"]): t for t in data["periods"][-1]["tables"]}
    assert set(tables) == {("sex", "race"), ("sex", "disability"), ("grade",)}
    boys = next(
        f
        for f in tables[("sex", "disability")]["figures"]
        if f["codes"] == {"sex": "Male", "disability": "Yes"}
    )
    assert boys["value"] is None
    assert boys["hidden_because"] == "small"
    response = client.get(PAGE, {"format": "csv"})
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    boys_row = next(line for line in lines if "Sex: Male; Disability (IDEA): Student with" in line)
    assert ",fewer than 10," in boys_row
    # the sex margin both crosses have is one row
    assert sum(1 for line in lines if ",Sex: Female," in line) == 1


def test_a_network_sums_each_cross_its_ecosystems_publish(crossed: Any) -> None:
    from ecotone.measures.services import indicators, network

    world = crossed
    indicators.install_starter_library(world.users["staff"], world.beta)
    beta = Indicator.objects.get(ecosystem=world.beta, key="young-people-served")
    beta.dimensions = ["sex", "race", "disability"]
    beta.is_published = True
    beta.save()
    report(
        world.org_beta,
        beta,
        facts.school_year(world.beta, 2024),
        _rows({"race": BY_RACE, "disability": BY_DISABILITY}),
    )
    crossed.indicator.is_published = True
    crossed.indicator.save()
    found = network.get_network_indicator(world.network, "young-people-served")
    assert found is not None
    summed = network.network_dashboard(world.network, found)
    assert summed is not None
    assert set(summed.board.current.crosses()) == {"race", "disability"}
    assert all(t.audit_passed for t in summed.board.current.tables.values())
    page = world.client("operator").get(
        f"/n/{world.network.slug}/measures/young-people-served/", {"dimension": "disability"}
    )
    assert "Sex × Disability (IDEA)" in page.content.decode()
