"""An ecosystem's rubrics through the services: installed, imported, published (then frozen),
exported; a refused file writes nothing and says where and why."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.http import Http404
from django.test import RequestFactory
from django.utils import translation

from ecotone.errors import DomainError
from ecotone.quality import access, rubrics
from ecotone.quality.models import Rubric, RubricVersion, VersionStatus
from ecotone.quality.services import rubrics as services
from ecotone.quality.services.rubrics import RubricFileError

from .test_rubrics import small


def small_json(**changes: Any) -> bytes:
    document = small()
    document.update(changes)
    return json.dumps(document).encode()


def test_installing_the_shipped_rubrics_is_idempotent(world: Any) -> None:
    admin = world.users["admin"]
    added = services.install_shipped_rubrics(admin, world.alpha)
    assert sorted(v.rubric.key for v in added) == [
        "equity-in-stem-programs",
        "mentoring-program-practice",
    ]
    assert all(v.number == 1 and v.is_published and v.published_by == admin for v in added)
    assert services.install_shipped_rubrics(admin, world.alpha) == []
    assert RubricVersion.objects.filter(rubric__ecosystem=world.alpha).count() == 2
    assert not Rubric.objects.filter(ecosystem=world.beta).exists()


def test_importing_json_adds_a_draft_version(world: Any) -> None:
    staff = world.users["staff"]
    first = services.import_rubric(staff, world.alpha, io.BytesIO(small_json()), "json")
    second = services.import_rubric(staff, world.alpha, small_json(title="Smaller"), "json")
    assert (first.number, second.number) == (1, 2)
    assert first.rubric == second.rubric
    assert second.status == VersionStatus.DRAFT
    assert second.published_at is None
    assert rubrics.from_json(second.content) == rubrics.from_json(small_json(title="Smaller"))


def test_importing_csv_reads_the_same_rubric(world: Any) -> None:
    text = rubrics.to_csv(rubrics.from_json(small()))
    version = services.import_rubric(world.users["staff"], world.alpha, text.encode(), "csv")
    assert rubrics.from_json(version.content) == rubrics.from_json(small())


def test_a_refused_file_names_the_row_and_field_and_writes_nothing(world: Any) -> None:
    rows = rubrics.to_csv(rubrics.from_json(small())).splitlines()
    rows[2] = rows[2].replace(",high,High,", ",low,Low,")
    with pytest.raises(RubricFileError) as caught:
        services.import_rubric(world.users["staff"], world.alpha, "\n".join(rows), "csv")
    duplicate = "The attribute “outreach” already has a row for the stage “low”."
    assert {"where": "row 3", "field": "stage_key", "message": duplicate} in caught.value.problems
    assert f"row 3, stage_key, {duplicate}" in str(caught.value)
    assert not Rubric.objects.exists()


def test_a_refused_file_is_explained_in_spanish(world: Any) -> None:
    with translation.override("es"), pytest.raises(RubricFileError) as caught:
        services.import_rubric(world.users["staff"], world.alpha, small_json(title=""), "json")
    assert caught.value.problems == [
        {"where": "", "field": "title", "message": "Este campo no puede quedar vacío."}
    ]
    assert str(caught.value).startswith("No se importó la rúbrica:")


def test_a_file_that_is_not_utf8_or_too_large_is_refused(world: Any) -> None:
    staff = world.users["staff"]
    with pytest.raises(DomainError, match="UTF-8"):
        services.import_rubric(staff, world.alpha, b"\xff\xfe{", "json")
    with pytest.raises(DomainError, match="larger than"):
        services.import_rubric(staff, world.alpha, b" " * (services.MAX_FILE_BYTES + 1), "json")
    with pytest.raises(DomainError, match="JSON or a CSV"):
        services.import_rubric(staff, world.alpha, small_json(), "xlsx")
    assert not Rubric.objects.exists()


def test_publishing_freezes_a_version(world: Any) -> None:
    admin = world.users["admin"]
    draft = services.import_rubric(admin, world.alpha, small_json(title="Final title"), "json")
    published = services.publish_version(admin, draft)
    assert published.is_published
    assert published.published_by == admin
    assert published.published_at is not None
    assert published.rubric.title == "Final title"
    with pytest.raises(DomainError, match="already published"):
        services.publish_version(admin, published)
    published.content = {"changed": True}
    with pytest.raises(DomainError, match="frozen"):
        published.save()
    assert RubricVersion.objects.get(pk=draft.pk).content == draft.content


def test_the_database_refuses_a_published_version_without_a_date(world: Any) -> None:
    draft = services.import_rubric(world.users["staff"], world.alpha, small_json(), "json")
    with pytest.raises(IntegrityError), transaction.atomic():
        RubricVersion.objects.filter(pk=draft.pk).update(status=VersionStatus.PUBLISHED)


def test_an_export_imports_back_unchanged(world: Any) -> None:
    staff = world.users["staff"]
    (equity, _practice) = services.install_shipped_rubrics(staff, world.alpha)
    as_json = services.export_version(equity, "json")
    as_csv = services.export_version(equity, "csv")
    assert as_json == (rubrics.SHIPPED_DIRECTORY / rubrics.SHIPPED[0]).read_text("utf-8")
    again = services.import_rubric(staff, world.alpha, as_csv.encode(), "csv")
    assert again.number == 2
    assert services.export_version(again, "json") == as_json


def test_only_the_backbone_manages_rubrics(world: Any) -> None:
    for persona in ("partner_a", "reviewer", "member", "outsider"):
        user = world.users[persona]
        with pytest.raises(DomainError, match="backbone"):
            services.install_shipped_rubrics(user, world.alpha)
        with pytest.raises(DomainError, match="backbone"):
            services.import_rubric(user, world.alpha, small_json(), "json")
    draft = services.import_rubric(world.users["staff"], world.alpha, small_json(), "json")
    with pytest.raises(DomainError, match="backbone"):
        services.publish_version(world.users["partner_a"], draft)
    assert not draft.rubric.versions.filter(status=VersionStatus.PUBLISHED).exists()


def test_a_version_is_reached_from_its_own_ecosystem_by_the_backbone_only(world: Any) -> None:
    (equity, _practice) = services.install_shipped_rubrics(world.users["staff"], world.alpha)
    request = RequestFactory().get("/")

    def reach(persona: str, ecosystem: Any) -> RubricVersion:
        request.user, request.ecosystem = world.users[persona], ecosystem  # type: ignore[attr-defined]
        return access.get_version(request, "equity-in-stem-programs", 1)

    assert reach("admin", world.alpha) == equity
    for persona, ecosystem in (("partner_a", world.alpha), ("admin", world.beta)):
        with pytest.raises(Http404):
            reach(persona, ecosystem)


def test_a_csv_download_guards_formulas_and_imports_back_unchanged(world: Any) -> None:
    # A descriptor a spreadsheet would run ("=HYPERLINK(...)", "-2 points") is written with an
    # apostrophe in front, as every download of the product is, and read back without it.
    staff = world.users["staff"]
    document = json.loads(small_json())
    attribute = document["sections"][0]["attributes"][0]
    stage = next(iter(attribute["descriptors"]))
    attribute["descriptors"][stage] = '=HYPERLINK("http://example.org","see")'
    attribute["title"] = "-2 points for a late form"
    version = services.import_rubric(staff, world.alpha, json.dumps(document), "json")
    text = services.export_version(version, "csv")
    assert "'=HYPERLINK(" in text
    assert "'-2 points" in text
    again = services.import_rubric(staff, world.alpha, text.encode("utf-8"), "csv")
    assert again.content == version.content
