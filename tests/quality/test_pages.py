"""The rubric pages through the test client: the list and its empty state, installing the
shipped rubrics, importing (a refused CSV names each row and field and keeps the form),
reading a version, publishing a draft behind its confirmation, and the downloads, which import
back as they were."""

from __future__ import annotations

import json
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecotone.quality import rubrics
from ecotone.quality.models import Rubric, RubricVersion
from ecotone.quality.services import rubrics as services

from .test_rubrics import as_text, small, small_csv

RUBRICS = "/e/alpha/quality/rubrics"


def signed_in(world: Any, persona: str = "staff") -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def upload(name: str, content: bytes | str, **data: str) -> dict[str, Any]:
    raw = content.encode() if isinstance(content, str) else content
    return {"file": SimpleUploadedFile(name, raw), **data}


def test_the_empty_list_offers_to_install_and_import(world: Any) -> None:
    page = signed_in(world).get(f"{RUBRICS}/").content.decode()
    assert "No rubrics yet" in page
    # once each: the empty state's buttons, not the toolbar's beside them
    assert page.count(f'href="{RUBRICS}/install/"') == 1
    assert page.count(f'href="{RUBRICS}/import/"') == 1


def test_installing_asks_first_then_lists_the_shipped_rubrics(world: Any) -> None:
    client = signed_in(world, "admin")
    confirm = client.get(f"{RUBRICS}/install/")
    assert b'method="post"' in confirm.content
    assert not Rubric.objects.filter(ecosystem=world.alpha).exists()
    response = client.post(f"{RUBRICS}/install/", follow=True)
    page = response.content.decode()
    assert "2 rubrics were installed" in page
    assert "Mentoring program practice" in page
    assert "Equity in STEM programs" in page
    found = client.get(f"{RUBRICS}/", {"q": "equity"}).context["page"].object_list
    assert [r.key for r in found] == ["equity-in-stem-programs"]


def test_the_list_sorts_by_the_latest_publication(world: Any) -> None:
    staff = world.users["staff"]
    services.install_shipped_rubrics(staff, world.alpha)
    document = json.dumps({**small(), "title": "Youth voice"})
    services.publish_version(staff, services.import_rubric(staff, world.alpha, document, "json"))
    client = signed_in(world)
    by_title = [r.key for r in client.get(f"{RUBRICS}/").context["page"].object_list]
    assert by_title[-1] == "small"
    latest_first = client.get(f"{RUBRICS}/", {"sort": "-published"}).context["page"].object_list
    assert [r.key for r in latest_first][:1] == ["small"]


def test_a_bad_csv_lists_every_problem_by_row_and_field_and_keeps_the_form(world: Any) -> None:
    rows = small_csv()
    stage_name = rows[0].index("stage_name")
    rows[1][stage_name] = ""
    rows[2][stage_name] = ""
    response = signed_in(world).post(
        f"{RUBRICS}/import/", upload("small.csv", as_text(rows), format="")
    )
    assert response.status_code == 200
    problems = response.context["problems"]
    assert {p["where"] for p in problems} >= {"row 2", "row 3"}
    assert {p["field"] for p in problems} == {"stage_name"}
    page = response.content.decode()
    assert "row 3" in page
    assert "stage_name" in page
    assert 'enctype="multipart/form-data"' in page
    assert not Rubric.objects.filter(ecosystem=world.alpha).exists()


def test_a_file_for_another_rubric_is_refused_as_a_version_of_the_chosen_one(world: Any) -> None:
    staff = world.users["staff"]
    services.install_shipped_rubrics(staff, world.alpha)
    response = signed_in(world).post(
        f"{RUBRICS}/import/",
        upload("small.json", json.dumps(small()), rubric="equity-in-stem-programs"),
    )
    assert response.status_code == 200
    assert "not a version of" in response.content.decode()
    assert not Rubric.objects.filter(ecosystem=world.alpha, key="small").exists()


def test_a_draft_is_shown_then_published_after_its_confirmation(world: Any) -> None:
    client = signed_in(world)
    imported = client.post(f"{RUBRICS}/import/", upload("small.json", json.dumps(small())))
    assert imported.status_code == 302
    assert imported["Location"] == f"{RUBRICS}/small/?version=1"
    page = client.get(f"{RUBRICS}/small/").content.decode()
    assert "Nobody is asked." in page
    assert "Flyers in two languages" in page
    assert 'class="striped cards-on-phone rubric-table"' in page
    assert f'href="{RUBRICS}/small/versions/1/publish/"' in page
    confirm = client.get(f"{RUBRICS}/small/versions/1/publish/").content.decode()
    assert "frozen" in confirm
    assert not RubricVersion.objects.get(rubric__key="small").is_published
    client.post(f"{RUBRICS}/small/versions/1/publish/")
    assert RubricVersion.objects.get(rubric__key="small").is_published
    again = client.get(f"{RUBRICS}/small/").content.decode()
    assert f"{RUBRICS}/small/versions/1/publish/" not in again


def test_the_page_shows_the_latest_published_version_unless_asked(world: Any) -> None:
    staff = world.users["staff"]
    first = services.import_rubric(staff, world.alpha, json.dumps(small()), "json")
    services.publish_version(staff, first)
    services.import_rubric(staff, world.alpha, json.dumps({**small(), "title": "Draft"}), "json")
    client = signed_in(world)
    assert client.get(f"{RUBRICS}/small/").context["version"].number == 1
    assert client.get(f"{RUBRICS}/small/", {"version": 2}).context["version"].number == 2
    assert client.get(f"{RUBRICS}/small/", {"version": 9}).status_code == 404


def test_the_downloads_import_back_as_they_were(world: Any) -> None:
    staff = world.users["staff"]
    services.install_shipped_rubrics(staff, world.alpha)
    client = signed_in(world)
    key = "equity-in-stem-programs"
    published = RubricVersion.objects.get(rubric__key=key, rubric__ecosystem=world.alpha)
    for fmt in ("json", "csv"):
        response = client.get(f"{RUBRICS}/{key}/versions/1/download/{fmt}/")
        assert response.status_code == 200
        assert f'filename="{key}-v1.{fmt}"' in response["Content-Disposition"]
        imported = client.post(f"{RUBRICS}/import/", upload(f"x.{fmt}", response.content))
        assert imported.status_code == 302
    versions = RubricVersion.objects.filter(rubric__key=key, rubric__ecosystem=world.alpha)
    assert [v.content for v in versions.order_by("number")] == [published.content] * 3
    assert rubrics.from_json(published.content).key == key
    assert client.get(f"{RUBRICS}/{key}/versions/1/download/xml/").status_code == 404
