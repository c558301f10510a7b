"""The ranking of a round (services.ranking, views.ranking): raw and adjusted ranks side by
side, a lenient reviewer corrected, the leniency table, notes, downloads, and a round of the
demo's size in a bounded number of queries."""

from __future__ import annotations

import io
import math
import time
from typing import Any

import openpyxl
import pytest
from django.urls import reverse

from ecotone.challenges.services.ranking import round_ranking
from tests.challenges.builders_ranking import build_round

pytestmark = pytest.mark.django_db

# Six applications, true order 0 > 1 > ... > 5; four reviewers, two per application; reviewer
# 2 adds 1.5 to every score and reviews applications 1, 2 and 5.
QUALITIES = [4.0, 3.6, 3.2, 2.8, 2.4, 2.0]
LENIENT = [0.0, 0.0, 1.5, 0.0]


def _url(name: str, built: Any, *extra: Any) -> str:
    return reverse(
        f"challenges:{name}", args=["alpha", built.call.slug, built.first.position, *extra]
    )


def test_a_lenient_reviewer_moves_the_raw_rank_but_not_the_adjusted_one(world: Any) -> None:
    built = build_round(world.alpha, qualities=QUALITIES, leniencies=LENIENT, k=2)
    result = round_ranking(built.first)
    by_title = {r.application.title: r for r in result.rows}
    adjusted = [by_title[f"Project {i:03d}"].adjusted_rank for i in range(6)]
    raw = [by_title[f"Project {i:03d}"].raw_rank for i in range(6)]
    assert adjusted == [1, 2, 3, 4, 5, 6]
    # Project 5, the weakest, drew the lenient reviewer and overtakes project 4 on raw means.
    assert raw[5] < raw[4]
    assert raw != adjusted
    # The model gives back the true qualities up to the component's mean leniency.
    shift = by_title["Project 000"].quality - QUALITIES[0]
    for i, q in enumerate(QUALITIES):
        assert by_title[f"Project {i:03d}"].quality == pytest.approx(q + shift, abs=1e-9)
    assert result.reviewers[0].profile == built.profiles[2]
    assert result.reviewers[0].leniency == pytest.approx(1.125)
    assert result.components == 1


def test_each_row_carries_its_figures(world: Any) -> None:
    qualities = [4.0, 3.0, 2.0, 3.5]
    built = build_round(world.alpha, qualities=qualities, leniencies=[0.2, -0.1, 0.4], k=3)
    # Noise: one review off the model, so the standard errors are not zero.
    review = built.first.assignments.order_by("pk").first().review
    review.total += 0.7
    review.save()
    row = round_ranking(built.first).rows[0]
    assert row.reviews == 3
    assert row.standard_error is not None
    assert row.standard_error > 0
    assert row.low == pytest.approx(row.quality - 1.959963984540054 * row.standard_error)
    assert row.high == pytest.approx(row.quality + 1.959963984540054 * row.standard_error)
    assert len(row.criteria) == 4
    assert all(c is not None for c in row.criteria)
    assert row.spread is not None
    assert not math.isnan(row.spread)


def test_a_split_panel_and_a_wide_spread_are_said(world: Any) -> None:
    # Reviewers 0 and 1 share applications 0 and 1; reviewers 2 and 3 share 2 and 3.
    pairs = [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3)]
    built = build_round(
        world.alpha, qualities=[4, 3, 4, 3], leniencies=[2.0, 0.0, 0, 0], pairs=pairs
    )
    result = round_ranking(built.first)
    assert result.components == 2
    assert any("2 groups" in note for note in result.notes)
    # Application 0's reviews are 6 and 4: a spread of 2 over the call's threshold of 1.5.
    groups = {r.application.title: r.component for r in result.rows}
    assert groups == {"Project 000": 1, "Project 001": 1, "Project 002": 2, "Project 003": 2}
    flagged = {r.application.title for r in result.rows if r.disagreement}
    assert flagged == {"Project 000", "Project 001"}


def test_staff_see_both_ranks_and_the_leniency_table(world: Any) -> None:
    built = build_round(world.alpha, qualities=QUALITIES, leniencies=LENIENT, k=2)
    response = world.client("staff").get(_url("ranking", built))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Raw rank" in page
    assert "Adjusted rank" in page
    assert '<th scope="row">Reviewer 2</th>' in page
    assert "+1.1" in page
    assert world.client("partner_a").get(_url("ranking", built)).status_code == 403
    assert world.client("reviewer").get(_url("ranking", built)).status_code == 403


def test_the_page_sorts_and_searches(world: Any) -> None:
    built = build_round(world.alpha, qualities=QUALITIES, leniencies=LENIENT, k=2)
    client = world.client("staff")
    page = client.get(_url("ranking", built), {"sort": "raw"}).content.decode()
    assert page.index("Project 005") < page.index("Project 004")
    page = client.get(_url("ranking", built), {"sort": "adjusted"}).content.decode()
    assert page.index("Project 004") < page.index("Project 005")
    page = client.get(_url("ranking", built), {"q": "project 003", "sort": "nonsense"})
    assert page.status_code == 200
    assert "Project 003" in page.content.decode()
    assert "Project 002" not in page.content.decode()


def test_the_ranking_downloads_open(world: Any) -> None:
    built = build_round(world.alpha, qualities=QUALITIES, leniencies=LENIENT, k=2)
    client = world.client("staff")
    csv = client.get(_url("ranking_export", built, "csv"))
    text = b"".join(csv.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("Application,Organization,Reviews,Raw mean")
    assert len(text.strip().splitlines()) == 7
    xlsx = client.get(_url("ranking_export", built, "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 7
    assert client.get(_url("ranking_export", built, "pdf")).status_code == 404


def test_a_round_of_the_demos_size_is_fast(world: Any, django_assert_max_num_queries: Any) -> None:
    """90 applications x 20 reviewers, 270 reviews: queries do not grow with rows."""
    qualities = [1 + 4 * ((i * 37) % 90) / 90 for i in range(90)]
    leniencies = [((j * 7) % 20 - 10) / 20 for j in range(20)]
    built = build_round(world.alpha, qualities=qualities, leniencies=leniencies, k=3)
    client = world.client("staff")
    started = time.perf_counter()
    with django_assert_max_num_queries(18):
        response = client.get(_url("ranking", built))
    assert response.status_code == 200
    assert time.perf_counter() - started < 2.0
    assert response.content.decode().count("<tr>") >= 90


def test_the_page_reads_in_spanish(world: Any) -> None:
    built = build_round(world.alpha, qualities=QUALITIES, leniencies=LENIENT, k=2)
    page = world.client("staff").get(_url("ranking", built), HTTP_ACCEPT_LANGUAGE="es")
    text = page.content.decode()
    assert "Posición ajustada" in text
    assert "Indulgencia de los evaluadores" in text
