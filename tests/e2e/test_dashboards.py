"""A measures dashboard draws its charts with the product's one chart library (Vega-Lite by
vega-embed) inside the Content Security Policy, and offers the chart as a download; the one-page
report prints on one page."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from ecotone.measures.models import Indicator
from ecotone.measures.services import facts, indicators
from tests.measures.builders import ORG_A, crossed, report

from .conftest import Site

pytestmark = pytest.mark.browser


def test_the_dashboard_draws_its_chart_and_offers_a_download(site: Site) -> None:
    world = site.world
    indicators.install_starter_library(world.users["admin"], world.alpha)
    indicator = Indicator.objects.get(ecosystem=world.alpha, key="young-people-served")
    indicator.is_published = True
    indicator.save()
    report(world.org_a, indicator, facts.school_year(world.alpha, 2024), crossed(ORG_A))
    page = site.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto("/e/alpha/measures/dashboards/young-people-served/")
    chart = page.locator("#chart-groups-view")
    expect(chart.locator("svg, canvas").first).to_be_visible()
    expect(page.get_by_role("button", name="Download the chart (PNG)").first).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("button", name="Download the chart (SVG)").first.click()
    assert download.value.suggested_filename == "chart-groups.svg"
    assert not errors, errors


def test_the_report_prints_on_one_page(site: Site) -> None:
    world = site.world
    installed = indicators.install_starter_library(world.users["admin"], world.alpha)
    for indicator in installed:  # every starter indicator published: the longest report
        indicator.is_published = True
        indicator.save()
    years = [facts.school_year(world.alpha, 2023), facts.school_year(world.alpha, 2024)]
    for indicator in installed:  # a total of every other indicator in both years
        if indicator.key not in ("young-people-served", "share-girls"):
            total = (120, 300) if indicator.is_ratio else 300
            for year in years:
                report(world.org_a, indicator, year, {(): total})
    served = Indicator.objects.get(ecosystem=world.alpha, key="young-people-served")
    for year in years:
        report(world.org_a, served, year, crossed(ORG_A))
    girls = Indicator.objects.get(ecosystem=world.alpha, key="share-girls")
    shares = {
        (): (50, 250),
        (("race", "White"),): (40, 150),
        (("race", "HispanicOrLatino"),): (10, 100),
    }
    report(world.org_a, girls, facts.school_year(world.alpha, 2024), shares)
    page = site.new_page()
    page.goto("/e/alpha/measures/report/")
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    for paper in ("A4", "Letter"):
        pdf = page.pdf(format=paper, print_background=False)
        assert len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) == 1, paper
