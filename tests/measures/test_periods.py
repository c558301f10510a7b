"""Periods (school years, terms, quarters, months) kept by backbone staff on their page and the
API, by the one service: an end before its start, a second period of a type starting the same
day or a label already taken is refused; a period values or a collection use is never
deleted."""

from __future__ import annotations

import datetime
from typing import Any

from ecotone.measures.models import Indicator, Period
from ecotone.measures.services import facts, periods
from tests.measures.builders import ORG_A, crossed, report

PAGE = "/e/alpha/measures/periods/"
API = "/api/v1/ecosystems/alpha/measures/periods/"
FALL = {"type": "term", "start": "2024-08-15", "end": "2024-12-20", "label": "Fall 2024"}


def test_backbone_staff_add_a_period_on_the_page(setup: Any) -> None:
    response = setup.client("staff").post(f"{PAGE}new/", FALL)
    assert response.status_code == 302
    added = Period.objects.get(ecosystem=setup.alpha, label="Fall 2024")
    assert (added.type, added.start, added.end) == (
        "term",
        datetime.date(2024, 8, 15),
        datetime.date(2024, 12, 20),
    )
    listing = setup.client("staff").get(PAGE + "?q=fall").content.decode()
    assert "Fall 2024" in listing
    assert "2024–25" not in listing


def test_an_end_before_the_start_is_refused_with_a_clear_error(setup: Any) -> None:
    response = setup.client("staff").post(f"{PAGE}new/", {**FALL, "end": "2024-08-01"})
    assert response.status_code == 200
    assert "The period ends before it starts." in response.content.decode()
    assert not Period.objects.filter(label="Fall 2024").exists()


def test_a_second_period_of_a_type_on_the_same_start_is_refused(setup: Any) -> None:
    response = setup.client("staff").post(
        f"{PAGE}new/",
        {"type": "school_year", "start": "2024-07-01", "end": "2025-06-30", "label": "SY 24"},
    )
    assert response.status_code == 200
    assert "A school year already starts on" in response.content.decode()
    # the same start is fine for another type
    periods.save_period(
        setup.alpha,
        setup.users["staff"],
        type="quarter",
        start=datetime.date(2024, 7, 1),
        end=datetime.date(2024, 9, 30),
        label="Q1 2024–25",
    )


def test_a_label_already_taken_is_refused(setup: Any) -> None:
    response = setup.client("staff").post(f"{PAGE}new/", {**FALL, "label": "2024–25"})
    assert "Another period is already called" in response.content.decode()


def test_a_period_is_changed(setup: Any) -> None:
    fall = periods.save_period(
        setup.alpha,
        setup.users["staff"],
        type="term",
        start=datetime.date(2024, 8, 15),
        end=datetime.date(2024, 12, 20),
        label="Fall 2024",
    )
    response = setup.client("admin").post(
        f"{PAGE}{fall.pk}/edit/", {**FALL, "label": "Autumn 2024"}
    )
    assert response.status_code == 302
    fall.refresh_from_db()
    assert fall.label == "Autumn 2024"


def test_a_period_nothing_uses_is_deleted_after_confirming(setup: Any) -> None:
    unused = facts.school_year(setup.alpha, 2030)
    page = setup.client("staff").get(f"{PAGE}{unused.pk}/delete/")
    assert page.status_code == 200
    assert "Delete" in page.content.decode()
    assert setup.client("staff").post(f"{PAGE}{unused.pk}/delete/").status_code == 302
    assert not Period.objects.filter(pk=unused.pk).exists()


def test_a_period_with_values_is_never_deleted(setup: Any) -> None:
    period = facts.school_year(setup.alpha, 2024)
    indicator = Indicator.objects.get(ecosystem=setup.alpha, key="young-people-served")
    report(setup.org_a, indicator, period, crossed(ORG_A))
    page = setup.client("staff").get(f"{PAGE}{period.pk}/delete/").content.decode()
    assert "cannot be deleted" in page
    assert 'type="submit"' not in page.split("<main", 1)[1].split("</main>", 1)[0]
    response = setup.client("staff").post(f"{PAGE}{period.pk}/delete/")
    assert response.status_code == 200
    assert Period.objects.filter(pk=period.pk).exists()
    assert setup.client("staff").delete(f"{API}{period.pk}/").status_code == 400


def test_the_list_downloads_as_csv(setup: Any) -> None:
    response = setup.client("staff").get(PAGE + "?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[0] == "Label,Type,Start,End,Values"
    assert "2024–25,School year,2024-07-01,2025-06-30,0" in text


def test_the_api_lists_adds_changes_and_deletes_periods(setup: Any) -> None:
    client = setup.client("staff")
    labels = [p["label"] for p in client.get(API).json()["results"]]
    assert labels == ["2025–26", "2024–25"]
    created = client.post(API, FALL, content_type="application/json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    bad = client.patch(f"{API}{pk}/", {"end": "2024-01-01"}, content_type="application/json")
    assert bad.status_code == 400
    assert "ends before it starts" in str(bad.json())
    changed = client.patch(f"{API}{pk}/", {"label": "Autumn"}, content_type="application/json")
    assert changed.json()["label"] == "Autumn"
    assert client.delete(f"{API}{pk}/").status_code == 204


def test_only_backbone_staff_keep_periods(setup: Any) -> None:
    assert setup.client("partner_a").get(PAGE).status_code == 403
    assert setup.client("partner_a").get(API).status_code == 403
    assert setup.client("member").post(f"{PAGE}new/", FALL).status_code == 403
