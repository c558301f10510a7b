"""Editing a rubric on a page: a draft copied from the latest version, saved whole after the
import's check (each problem next to its field, what was typed kept), sections and attributes
added, removed and moved by submit buttons, a draft deleted behind a confirmation; a published
version stays frozen. The saved draft publishes on the publish page and an assessment uses it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from ecotone.errors import DomainError
from ecotone.quality import rubrics
from ecotone.quality.models import RubricVersion
from ecotone.quality.services import assessments
from ecotone.quality.services import rubrics as services
from ecotone.quality.services.rubrics import RubricFileError

from .test_rubrics import small

RUBRICS = "/e/alpha/quality/rubrics"


def published(world: Any) -> RubricVersion:
    staff = world.users["staff"]
    version = services.import_rubric(staff, world.alpha, json.dumps(small()), "json")
    return services.publish_version(staff, version)


def signed_in(world: Any, persona: str = "admin") -> Client:
    client = Client()
    client.force_login(world.users[persona])
    return client


def form_of(version: RubricVersion, **changes: str) -> dict[str, str]:
    """The editor's form as a browser posts it, unchanged but for `changes`."""
    content = version.content
    data = {
        "action": "save",
        "title": content["title"],
        "description": content["description"],
        "sections": str(len(content["sections"])),
    }
    for i, stage in enumerate(content["stages"]):
        data[f"stages-{i}-name"] = stage["name"]
    for s, section in enumerate(content["sections"]):
        prefix = f"sections-{s}"
        data |= {
            f"{prefix}-key": section["key"],
            f"{prefix}-title": section["title"],
            f"{prefix}-guidance": section["guidance"],
            f"{prefix}-attributes": str(len(section["attributes"])),
        }
        for a, attribute in enumerate(section["attributes"]):
            name = f"{prefix}-attributes-{a}"
            data |= {
                f"{name}-key": attribute["key"],
                f"{name}-title": attribute["title"],
                f"{name}-guidance": attribute["guidance"],
                f"{name}-examples": "\n".join(attribute["examples"]),
            }
            for stage, text in attribute["descriptors"].items():
                data[f"{name}-descriptors-{stage}"] = text
    return data | changes


def test_a_new_draft_copies_the_latest_version_and_only_one_draft_is_open(world: Any) -> None:
    first = published(world)
    draft = services.new_draft(world.users["staff"], first.rubric)
    assert (draft.number, draft.is_published) == (2, False)
    assert draft.content == first.content
    with pytest.raises(DomainError, match="Version 2 of “A small rubric” is a draft already"):
        services.new_draft(world.users["admin"], first.rubric)
    with pytest.raises(DomainError, match="Only the backbone"):
        services.new_draft(world.users["partner_a"], first.rubric)


def test_an_edited_field_is_in_the_draft_and_its_json_download(world: Any) -> None:
    first = published(world)
    client = signed_in(world)
    response = client.post(f"{RUBRICS}/small/new-draft/")
    assert response.url == f"{RUBRICS}/small/versions/2/edit/"
    page = client.get(response.url).content.decode()
    assert 'value="Outreach"' in page
    response = client.post(
        f"{RUBRICS}/small/versions/2/edit/",
        form_of(
            first,
            **{
                "sections-0-attributes-0-descriptors-high": "Every family is asked, in person.",
                "stages-1-name": "Strong",
                "sections-0-attributes-0-examples": "Flyers in two languages\n\nHome visits\n",
            },
        ),
    )
    assert response.status_code == 302
    draft = RubricVersion.objects.get(rubric=first.rubric, number=2)
    outreach = rubrics.from_json(draft.content).attributes()[0]
    assert outreach.descriptors["high"] == "Every family is asked, in person."
    assert outreach.examples == ("Flyers in two languages", "Home visits")
    download = client.get(f"{RUBRICS}/small/versions/2/download/json/").content.decode()
    assert json.loads(download)["stages"][1] == {"key": "high", "name": "Strong"}
    first.refresh_from_db()
    assert first.content == small()  # the published version is as it was


def test_a_published_version_cannot_be_edited_or_deleted(world: Any) -> None:
    first = published(world)
    client = signed_in(world)
    for url in (f"{RUBRICS}/small/versions/1/edit/", f"{RUBRICS}/small/versions/1/delete/"):
        response = client.post(url, form_of(first, title="Changed"))
        assert response.status_code == 400
        assert "is published: it cannot be edited or deleted" in response.content.decode()
    with pytest.raises(DomainError, match="Version 1 is published: it is frozen"):
        services.save_draft(world.users["admin"], first, {**small(), "title": "Changed"})
    with pytest.raises(DomainError, match="cannot be deleted"):
        services.delete_draft(world.users["admin"], first)
    first.refresh_from_db()
    assert first.content == small()


def test_a_bad_edit_names_each_field_and_keeps_what_was_typed(world: Any) -> None:
    first = published(world)
    services.new_draft(world.users["admin"], first.rubric)
    client = signed_in(world)
    url = f"{RUBRICS}/small/versions/2/edit/"
    added = client.post(url, form_of(first, action="add-attribute-0"))
    assert added.context["form"]["sections"][0]["attributes"][1]["title"]["focus"]
    response = client.post(
        url,
        form_of(
            first,
            title="A changed title",
            **{
                "sections-0-attributes-0-descriptors-low": "  ",
                "sections-0-attributes": "2",
                "sections-0-attributes-1-title": "Outreach!",  # its key would be "outreach"
                "sections-0-attributes-1-descriptors-low": "Typed low.",
                "sections-0-attributes-1-descriptors-high": "Typed high.",
            },
        ),
    )
    assert response.status_code == 200
    form = response.context["form"]
    outreach, second = form["sections"][0]["attributes"]
    assert outreach["descriptors"][0]["field"]["errors"] == [
        "The descriptor for the stage “low” is missing."
    ]
    assert "already has the key “outreach”" in second["title"]["errors"][0]
    page = response.content.decode()
    assert 'aria-invalid="true"' in page
    assert 'href="#f-sections-0-attributes-1-title"' in page  # the summary links to the field
    assert 'value="A changed title"' in page
    assert "Typed high.</textarea>" in page
    assert RubricVersion.objects.get(number=2, rubric=first.rubric).content == small()


def test_the_service_refuses_a_bad_document_with_its_path_and_field(world: Any) -> None:
    draft = services.new_draft(world.users["admin"], published(world).rubric)
    document = small()
    document["sections"][0]["title"] = ""
    with pytest.raises(RubricFileError) as caught:
        services.save_draft(world.users["admin"], draft, document)
    assert caught.value.problems == [
        {"where": "sections[0]", "field": "title", "message": "This may not be empty."}
    ]
    assert str(caught.value).startswith("The draft was not saved")


def test_attributes_and_sections_are_added_moved_and_removed(world: Any) -> None:
    first = published(world)
    services.new_draft(world.users["admin"], first.rubric)
    client = signed_in(world)
    url = f"{RUBRICS}/small/versions/2/edit/"
    data = form_of(first, action="add-section")
    data |= {
        "sections": "2",
        "sections-1-title": "Belonging and identity",
        "sections-1-attributes": "1",
        "sections-1-attributes-0-title": "Role models",
        "sections-1-attributes-0-descriptors-low": "None.",
        "sections-1-attributes-0-descriptors-high": "Many.",
    }
    moved = client.post(url, data | {"action": "up-section-1"}).context["form"]
    assert [s["title"]["value"] for s in moved["sections"]] == ["Belonging and identity", "Access"]
    assert client.post(url, data | {"action": "save"}).status_code == 302
    draft = rubrics.from_json(RubricVersion.objects.get(number=2, rubric=first.rubric).content)
    assert [(s.key, [a.key for a in s.attributes]) for s in draft.sections] == [
        ("access", ["outreach"]),
        ("belonging-and-identity", ["role-models"]),
    ]
    # removing the first attribute; the posted keys of the rest stay theirs
    saved = RubricVersion.objects.get(number=2, rubric=first.rubric)
    data = form_of(saved, action="remove-section-0")
    removed = client.post(url, data).context["form"]
    assert [s["key"] for s in removed["sections"]] == ["belonging-and-identity"]
    data = form_of(saved, action="remove-attribute-1-0")
    assert client.post(url, data).context["form"]["sections"][1]["attributes"] == []
    data |= {"sections-1-attributes": "0", "action": "save"}
    refused = client.post(url, data)
    assert refused.context["form"]["sections"][1]["errors"] == ["A section needs an attribute."]


def test_a_saved_draft_publishes_and_an_assessment_uses_it(world: Any) -> None:
    first = published(world)
    client = signed_in(world)
    client.post(f"{RUBRICS}/small/new-draft/")
    client.post(f"{RUBRICS}/small/versions/2/edit/", form_of(first, title="A better rubric"))
    assert client.post(f"{RUBRICS}/small/versions/2/publish/").status_code == 302
    version = RubricVersion.objects.get(rubric=first.rubric, number=2)
    assert version.is_published
    assert version.rubric.title == "A better rubric"
    assessment = assessments.start_assessment(
        world.users["partner_a"], world.org_a, version, title="Access 2026"
    )
    assert assessment.version == version
    page = client.get(f"{RUBRICS}/small/").content.decode()
    assert "Edit as a new draft" in page


def test_a_draft_is_deleted_after_its_confirmation(world: Any) -> None:
    first = published(world)
    services.new_draft(world.users["admin"], first.rubric)
    client = signed_in(world)
    page = client.get(f"{RUBRICS}/small/?version=2").content.decode()
    assert f'href="{RUBRICS}/small/versions/2/edit/"' in page
    confirm = client.get(f"{RUBRICS}/small/versions/2/delete/")
    assert b'method="post"' in confirm.content
    assert RubricVersion.objects.filter(rubric=first.rubric).count() == 2
    response = client.post(f"{RUBRICS}/small/versions/2/delete/")
    assert response.status_code == 302
    assert list(first.rubric.versions.values_list("number", flat=True)) == [1]
