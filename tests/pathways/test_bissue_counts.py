"""Badge counts: every count of young people is published through suppression, on the page,
its CSV and the API alike."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction

from ecotone.pathways.services.counts import badge_counts
from tests.conftest import build_world
from tests.pathways.builders_bissue import Badges, give, make_badges

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Badges]:
    with django_db_blocker.unblock(), transaction.atomic():
        b = make_badges(build_world())
        for i in range(30):
            give(b.robots, f"learner{i}@example.org")
        for i in range(3):  # three of them went on to stage 2: too few to publish
            give(b.coder, f"learner{i}@example.org")
        for i in range(12):
            give(b.reader, f"reader{i}@example.org")
        yield b
        transaction.set_rollback(True)


@pytest.fixture
def b(built: Badges, db: None) -> Badges:
    return built


def test_small_counts_are_hidden_and_cannot_be_worked_out(b: Badges) -> None:
    counts = badge_counts(b.world.alpha)
    by_name = {f.label.split(" (")[0]: f for f in counts.by_achievement}
    assert by_name["Young Coder"].value is None
    assert by_name["Young Coder"].why == "small"
    # the pathway's count less the shown Robot Builder would give Young Coder back
    pathway = {f.label: f for f in counts.by_pathway}["Robotics"]
    assert pathway.value is None or by_name["Robot Builder"].value is None
    [(head, stages)] = counts.progress
    assert head.value == 30
    stage = {f.label: f for f in stages}
    assert stage["Stage 1"].value == 30
    assert stage["Stage 2"].value is None


def test_page_csv_and_api_publish_the_same_suppressed_figures(b: Badges) -> None:
    client = b.world.client("member")
    page = client.get("/e/alpha/badges/counts/")
    assert page.status_code == 200
    assert "Young Coder" in page.content.decode()
    text = b"".join(client.get("/e/alpha/badges/counts/?format=csv").streaming_content).decode()
    rows = list(csv.reader(text.splitlines()))
    # the figure's column, not the row's text: the achievement's id may well be 3 too
    row = next(r for r in rows if any("Young Coder" in cell for cell in r))
    assert row[3:5] == ["", "small"]  # the count hidden, and why
    data = client.get("/api/v1/ecosystems/alpha/badges/counts/").json()
    coder = next(f for f in data["by_achievement"] if f["label"].startswith("Young Coder ("))
    assert coder["count"] is None
    assert coder["hidden_because"] == "small"
