"""The indicator pages (backbone staff define; admitted members read the published ones) and the
read API (/api/v1/ecosystems/<slug>/measures/...)."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.utils import translation

from ecotone.measures.models import Indicator
from ecotone.measures.services import indicators
from tests.html_forms import browser_form

pytestmark = pytest.mark.django_db

PAGES = "/e/alpha/measures/indicators"
API = "/api/v1/ecosystems/alpha/measures"


def form(**overrides: Any) -> dict[str, Any]:
    base = {
        "name": "Girls in engineering programs",
        "definition": "Of the young people in engineering programs, the share who are girls.",
        "unit": "percent",
        "numerator": "Girls in engineering programs",
        "denominator": "Young people in engineering programs",
        "direction": "higher",
        "period_type": "school_year",
        "dimensions": ["race", "grade"],
    }
    return {**base, **overrides}


@pytest.fixture
def library(world: Any) -> list[Indicator]:
    installed = indicators.install_starter_library(world.users["staff"], world.alpha)
    share = next(i for i in installed if i.key == "share-girls")
    indicators.update_indicator(share, world.users["staff"], **_fields(share), is_published=True)
    return installed


def _text(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def _fields(indicator: Indicator) -> dict[str, Any]:
    return {
        name: getattr(indicator, name)
        for name in (
            "name",
            "definition",
            "unit",
            "numerator",
            "denominator",
            "direction",
            "period_type",
            "dimensions",
        )
    }


def test_backbone_staff_create_an_indicator(world: Any) -> None:
    response = world.client("staff").post(f"{PAGES}/new/", form())
    indicator = Indicator.objects.get(ecosystem=world.alpha)
    assert response.status_code == 302
    assert response["Location"] == indicator.get_absolute_url()
    assert indicator.dimensions == ["race", "grade"]
    assert indicator.aggregation == "ratio_of_sums"
    assert not indicator.is_published


def test_a_refused_definition_is_shown_on_the_form(world: Any) -> None:
    response = world.client("staff").post(f"{PAGES}/new/", form(numerator=""))
    assert response.status_code == 200
    assert "numerator and the denominator" in response.content.decode()
    assert not Indicator.objects.exists()


def test_editing_keeps_the_history_on_the_page(world: Any, library: list[Indicator]) -> None:
    client = world.client("staff")
    edited = form(definition="Girls among all young people served.", is_published="on")
    assert client.post(f"{PAGES}/share-girls/edit/", edited).status_code == 302
    indicator = Indicator.objects.get(ecosystem=world.alpha, key="share-girls")
    assert indicator.version == 2
    page = client.get(f"{PAGES}/share-girls/").content.decode()
    assert "Girls among all young people served." in page
    assert "Version 1" in page


def test_archiving_asks_first(world: Any, library: list[Indicator]) -> None:
    client = world.client("staff")
    confirm = client.get(f"{PAGES}/mentor-hours/archive/")
    assert confirm.status_code == 200
    assert "Archive" in confirm.content.decode()
    assert not Indicator.objects.get(ecosystem=world.alpha, key="mentor-hours").is_archived
    client.post(f"{PAGES}/mentor-hours/archive/", follow=True)  # its message read
    assert Indicator.objects.get(ecosystem=world.alpha, key="mentor-hours").is_archived
    # archived indicators leave the list unless asked for
    assert "Mentor hours" not in client.get(f"{PAGES}/").content.decode()
    assert "Mentor hours" in client.get(f"{PAGES}/?status=archived").content.decode()
    client.post(f"{PAGES}/mentor-hours/archive/")
    assert not Indicator.objects.get(ecosystem=world.alpha, key="mentor-hours").is_archived


def test_the_install_button_asks_then_installs_once(world: Any) -> None:
    client = world.client("staff")
    page = client.get(f"{PAGES}/").content.decode()
    assert f"{PAGES}/install/" in page
    confirm = client.get(f"{PAGES}/install/").content.decode()
    assert "CTE concentrators" in confirm
    assert not Indicator.objects.exists()
    client.post(f"{PAGES}/install/")
    count = Indicator.objects.filter(ecosystem=world.alpha).count()
    assert count >= 12
    client.post(f"{PAGES}/install/")
    assert Indicator.objects.filter(ecosystem=world.alpha).count() == count


def test_the_list_searches_and_pages(world: Any, library: list[Indicator]) -> None:
    client = world.client("staff")
    found = client.get(f"{PAGES}/?q=concentrators").content.decode()
    assert "CTE concentrators" in found
    assert "Mentor hours" not in found
    assert "Mentor hours" in client.get(f"{PAGES}/?page=1").content.decode()


def test_the_list_downloads_as_csv(world: Any, library: list[Indicator]) -> None:
    response = world.client("staff").get(f"{PAGES}/?format=csv&q=share")
    rows = list(csv.reader(io.StringIO(_text(response))))
    assert rows[0][:3] == ["Key", "Name", "Unit"]
    keys = {row[0] for row in rows[1:]}
    assert "share-girls" in keys
    assert "mentor-hours" not in keys


def test_members_read_published_indicators_only(world: Any, library: list[Indicator]) -> None:
    for persona in ("member", "partner_a"):
        client = world.client(persona)
        page = client.get(f"{PAGES}/").content.decode()
        assert "Share of girls" in page
        assert "Mentor hours" not in page
        assert f"{PAGES}/new/" not in page
        assert client.get(f"{PAGES}/share-girls/").status_code == 200
        assert client.get(f"{PAGES}/mentor-hours/").status_code == 404
        csv_rows = _text(client.get(f"{PAGES}/?format=csv"))
        assert "mentor-hours" not in csv_rows


def test_another_ecosystems_indicator_is_not_found(world: Any) -> None:
    indicators.install_starter_library(world.users["staff"], world.beta)
    assert world.client("staff").get(f"{PAGES}/mentor-hours/").status_code == 404


def test_the_list_query_count_does_not_grow(
    world: Any, library: list[Indicator], django_assert_max_num_queries: Any
) -> None:
    client = world.client("staff")
    client.get(f"{PAGES}/")
    with django_assert_max_num_queries(12):
        client.get(f"{PAGES}/?page=2")


def test_the_pages_speak_spanish(world: Any, library: list[Indicator]) -> None:
    client = world.client("staff")
    with translation.override("es"):
        page = client.get(f"{PAGES}/", HTTP_ACCEPT_LANGUAGE="es").content.decode()
    assert "Indicadores" in page


# The API ------------------------------------------------------------------------------------


def test_the_api_lists_what_the_caller_may_read(world: Any, library: list[Indicator]) -> None:
    staff = world.client("staff").get(f"{API}/indicators/").json()
    member = world.client("member").get(f"{API}/indicators/").json()
    assert {i["key"] for i in member["results"]} == {"share-girls"}
    assert len(staff["results"]) == len(library)
    share = member["results"][0]
    assert share["unit"] == "percent"
    assert share["aggregation"] == "ratio_of_sums"
    assert share["dimensions"] == ["race", "grade"]
    assert share["version"] == 1


def test_the_api_hides_an_unpublished_indicator(world: Any, library: list[Indicator]) -> None:
    assert world.client("member").get(f"{API}/indicators/mentor-hours/").status_code == 404
    assert world.client("staff").get(f"{API}/indicators/mentor-hours/").status_code == 200


def test_the_api_lists_the_code_tables(world: Any) -> None:
    response = world.client("partner_a").get(f"{API}/codes/")
    sets = {s["key"]: s for s in response.json()["results"]}
    female = next(c for c in sets["sex"]["codes"] if c["code"] == "Female")
    assert female["edfacts"] == "F"
    assert "uri://ed-fi.org/SexDescriptor#Female" in female["edfi"]
    assert female["label"] == "Female"
    one = world.client("partner_a").get(f"{API}/codes/race/").json()
    assert len(one["codes"]) == 8


def test_a_second_editor_is_told_what_changed_instead_of_overwriting(
    world: Any, library: list[Indicator]
) -> None:
    first, second = world.client("staff"), world.client("admin")
    url = f"{PAGES}/share-girls/edit/"
    mine = browser_form(first.get(url).content.decode(), containing="definition")
    theirs = browser_form(second.get(url).content.decode(), containing="definition")
    assert second.post(url, {**theirs, "definition": "Theirs."}).status_code == 302
    response = first.post(url, {**mine, "definition": "Mine."})
    assert response.status_code == 200
    assert "Someone else changed this record" in response.content.decode()
    indicator = Indicator.objects.get(ecosystem=world.alpha, key="share-girls")
    assert indicator.definition == "Theirs."
    assert indicator.version == 2


def test_the_api_list_query_count_does_not_grow(
    world: Any, library: list[Indicator], django_assert_max_num_queries: Any
) -> None:
    client = world.client("staff")
    client.get(f"{API}/indicators/")
    with django_assert_max_num_queries(8):
        client.get(f"{API}/indicators/?page=1")
