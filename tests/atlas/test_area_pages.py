"""Backbone staff's area pages: upload and check, apply, download, list and export areas."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ecotone.atlas import area_import
from ecotone.atlas.area_import import apply_area_import_run
from ecotone.atlas.models import AreaImport, AreaImportStatus, PopulationArea
from ecotone.errors import DomainError
from tests.conftest import World

from .test_area_import import AREAS_GOOD, AREAS_HEADER, CCD

AREAS = "/e/alpha/atlas/areas/"
IMPORTS = "/e/alpha/atlas/areas/imports/"


def upload(client: Client, name: str, content: bytes, format: str = "nces") -> Any:
    return client.post(IMPORTS, {"file": SimpleUploadedFile(name, content), "format": format})


@pytest.fixture
def staff(world: World) -> Client:
    return world.client("staff")


def test_uploading_checks_the_file_and_shows_what_applying_would_do(
    world: World, staff: Client
) -> None:
    response = upload(staff, "ccd.csv", CCD.read_bytes())

    run = AreaImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{IMPORTS}{run.pk}/"
    assert run.status == AreaImportStatus.CHECKED
    assert not PopulationArea.objects.exists()
    page = staff.get(response["Location"]).content.decode()
    assert "What applying would do" in page
    assert "Apply the import" in page
    assert "outside the ecosystem&#x27;s region" in page
    listing = staff.get(IMPORTS).content.decode()
    assert "ccd.csv" in listing


def test_applying_needs_the_confirmation(world: World, staff: Client) -> None:
    upload(staff, "ccd.csv", CCD.read_bytes())
    run = AreaImport.objects.get()

    staff.post(f"{IMPORTS}{run.pk}/apply/")
    assert not PopulationArea.objects.exists()

    response = staff.post(f"{IMPORTS}{run.pk}/apply/", {"confirm": "yes"}, follow=True)
    run.refresh_from_db()
    assert run.status == AreaImportStatus.APPLIED
    assert PopulationArea.objects.count() == 5
    page = response.content.decode()
    assert "The import is applied." in page
    assert "What the import did" in page


def test_applying_is_a_task_the_page_polls_until_it_is_done(
    world: World, staff: Client, settings: Any
) -> None:
    # With a real task backend the page answers at once and the worker applies the file.
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    upload(staff, "ccd.csv", CCD.read_bytes())
    run = AreaImport.objects.get()

    response = staff.post(f"{IMPORTS}{run.pk}/apply/", {"confirm": "yes"}, follow=True)

    run.refresh_from_db()
    assert run.status == AreaImportStatus.APPLYING
    assert not PopulationArea.objects.exists()
    assert "this page updates itself" in response.content.decode()
    fragment = staff.get(f"{IMPORTS}{run.pk}/status/").content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert "<html" not in fragment
    assert "Apply the import" not in staff.get(f"{IMPORTS}{run.pk}/").content.decode()

    apply_area_import_run.call(run.pk, world.users["staff"].pk)

    run.refresh_from_db()
    assert run.status == AreaImportStatus.APPLIED
    assert PopulationArea.objects.count() == 5
    assert "hx-trigger" not in staff.get(f"{IMPORTS}{run.pk}/status/").content.decode()


def test_a_failure_while_applying_marks_the_import_failed_and_changes_nothing(
    world: World, staff: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    upload(staff, "ccd.csv", CCD.read_bytes())
    run = AreaImport.objects.get()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(PopulationArea.objects, "bulk_create", broken)
    staff.post(f"{IMPORTS}{run.pk}/apply/", {"confirm": "yes"})

    run.refresh_from_db()
    assert run.status == AreaImportStatus.FAILED
    assert "nothing was changed" in run.report["problems"][0]["message"]
    assert not PopulationArea.objects.exists()


def test_problems_are_listed_by_row_and_column_and_block_apply(world: World, staff: Client) -> None:
    bad = AREAS_GOOD.replace(",62.5,", ",120,")
    upload(staff, "areas.csv", f"{AREAS_HEADER}\n{bad}\n".encode(), format="areas_csv")
    run = AreaImport.objects.get()
    assert run.status == AreaImportStatus.HAS_PROBLEMS
    page = staff.get(f"{IMPORTS}{run.pk}/").content.decode()
    assert "<td>row 2</td><td>pct_low_income</td>" in page
    assert "Expected a percent from 0 to 100" in page
    assert "Apply the import" not in page
    response = staff.post(f"{IMPORTS}{run.pk}/apply/", {"confirm": "yes"}, follow=True)
    assert "has problems or is already applied" in response.content.decode()
    assert not PopulationArea.objects.exists()


def test_a_header_problem_shows_no_table_of_what_applying_would_do(
    world: World, staff: Client
) -> None:
    header = AREAS_HEADER.replace("kind,", "")
    row = AREAS_GOOD.replace(",tract,", ",")
    upload(staff, "areas.csv", f"{header}\n{row}\n".encode(), format="areas_csv")
    page = staff.get(f"{IMPORTS}{AreaImport.objects.get().pk}/").content.decode()
    assert "<td>row 1</td><td>kind</td>" in page
    assert "What applying would do" not in page  # nothing was read: a table of zeros misleads


def test_a_file_of_the_wrong_kind_is_a_message_on_the_form(world: World, staff: Client) -> None:
    response = upload(staff, "areas.json", b"{}")
    assert response.status_code == 200
    assert "CSV (.csv) or Excel (.xlsx)" in response.content.decode()
    assert not AreaImport.objects.exists()


def test_the_kept_file_downloads_as_received(world: World, staff: Client) -> None:
    upload(staff, "ccd.csv", CCD.read_bytes())
    run = AreaImport.objects.get()
    response = staff.get(f"{IMPORTS}{run.pk}/file/")
    assert b"".join(response.streaming_content) == CCD.read_bytes()  # type: ignore[attr-defined]
    assert "ccd.csv" in response["Content-Disposition"]


def test_another_ecosystems_import_is_not_found(world: World) -> None:
    run = area_import.check_area_file(
        world.beta, ContentFile(CCD.read_bytes(), name="ccd.csv"), user=None, format="nces"
    )
    admin = world.client("admin")
    assert admin.get(f"{IMPORTS}{run.pk}/").status_code == 404
    assert admin.get(f"{IMPORTS}{run.pk}/file/").status_code == 404
    assert admin.post(f"{IMPORTS}{run.pk}/apply/", {"confirm": "yes"}).status_code == 404


def test_partner_staff_and_the_public_cannot_import(world: World) -> None:
    assert upload(world.client("partner_a"), "ccd.csv", CCD.read_bytes()).status_code == 403
    assert upload(world.client("anonymous"), "ccd.csv", CCD.read_bytes()).status_code == 302
    assert upload(world.client("outsider"), "ccd.csv", CCD.read_bytes()).status_code == 404
    assert not AreaImport.objects.exists()


def _load(world: World) -> None:
    run = area_import.check_area_file(
        world.alpha, ContentFile(CCD.read_bytes(), name="ccd.csv"), user=None, format="nces"
    )
    area_import.apply_area_import(run, user=None)


def test_area_list_searches_filters_sorts_and_pages(
    world: World, staff: Client, django_assert_max_num_queries: Any
) -> None:
    _load(world)
    with django_assert_max_num_queries(15):
        page = staff.get(AREAS).content.decode()
    assert "Escuela Peña Middle School" in page
    assert "PreK–5" in page
    assert "71%" in page  # low-income share of the elementary school

    page = staff.get(AREAS, {"q": "Northbank"}).content.decode()
    assert "Northbank High School" in page
    assert "Riverton Elementary" not in page

    page = staff.get(AREAS, {"locale": "rural"}).content.decode()
    assert "Sycamore Valley School" in page
    assert "Northbank High School" not in page

    page = staff.get(AREAS, {"sort": "youth"}).content.decode()
    assert page.index("Northbank High School") < page.index("Riverton Elementary")


def test_area_export_reads_back_as_an_areas_file(world: World, staff: Client) -> None:
    _load(world)
    response = staff.get(AREAS, {"format": "csv"})
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))
    assert len(rows) == 5
    elementary = next(row for row in rows if row["id"] == "390000100001")
    assert elementary["locale"] == "11"
    assert elementary["youth_prek"] == "60"

    run = area_import.check_area_file(
        world.alpha, ContentFile(content, name="export.csv"), user=None, format="areas_csv"
    )
    assert run.report["problems"] == []
    # The columns the areas file lacks (grades, race counts) are left as they are.
    assert run.report["counts"] == {"created": 0, "updated": 0, "unchanged": 5, "skipped": 0}


def test_the_template_is_a_valid_areas_file(world: World, staff: Client) -> None:
    response = staff.get(f"{AREAS}template.csv")
    content = b"".join(response.streaming_content)  # type: ignore[attr-defined]
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    assert rows[0][:6] == ["id", "name", "kind", "lat", "lon", "locale"]
    assert len(rows) == 3
    run = area_import.check_area_file(
        world.alpha, ContentFile(content, name="template.csv"), user=None, format="areas_csv"
    )
    assert run.report["problems"] == []
    assert run.report["counts"]["created"] == 2


def test_deleting_areas_of_a_kind_needs_confirmation(world: World, staff: Client) -> None:
    _load(world)
    staff.post(f"{AREAS}delete/", {"kind": "school"})
    assert PopulationArea.objects.count() == 5
    response = staff.post(f"{AREAS}delete/", {"kind": "school", "confirm": "on"}, follow=True)
    assert not PopulationArea.objects.exists()
    assert "5 areas" in response.content.decode()


def _interrupt(run: AreaImport, minutes: int) -> None:
    """Leave the import applying as a lost task does, last written `minutes` ago."""
    AreaImport.objects.filter(pk=run.pk).update(
        status=AreaImportStatus.APPLYING, updated_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_an_import_left_applying_for_too_long_shows_as_interrupted_and_retries_to_applied(
    world: World, staff: Client
) -> None:
    upload(staff, "ccd.csv", CCD.read_bytes())
    run = AreaImport.objects.get()
    _interrupt(run, minutes=16)

    page = staff.get(f"{IMPORTS}{run.pk}/").content.decode()
    assert "Status: Interrupted" in page
    assert f"{IMPORTS}{run.pk}/retry/" in page
    assert f"{IMPORTS}{run.pk}/discard/" in page
    assert 'hx-trigger="every 2s"' not in page
    assert "Interrupted" in staff.get(IMPORTS).content.decode()

    staff.post(f"{IMPORTS}{run.pk}/retry/")  # without the confirmation
    assert not PopulationArea.objects.exists()

    response = staff.post(f"{IMPORTS}{run.pk}/retry/", {"confirm": "yes"}, follow=True)
    run.refresh_from_db()
    assert run.status == AreaImportStatus.APPLIED
    assert PopulationArea.objects.count() == 5
    assert "The import is applied." in response.content.decode()
    # The lost task, alive after all, finds the import applied and leaves it so.
    assert apply_area_import_run.call(run.pk, None) == "gone"
    assert PopulationArea.objects.count() == 5


def test_an_interrupted_import_can_be_discarded_with_the_reason(
    world: World, staff: Client
) -> None:
    upload(staff, "ccd.csv", CCD.read_bytes())
    run = AreaImport.objects.get()
    _interrupt(run, minutes=16)

    staff.post(f"{IMPORTS}{run.pk}/discard/", {"confirm": "yes"})

    run.refresh_from_db()
    assert run.status == AreaImportStatus.FAILED
    assert "interrupted" in run.report["problems"][0]["message"]
    assert not PopulationArea.objects.exists()


def test_an_import_applying_right_now_cannot_be_retried_or_discarded(
    world: World, staff: Client
) -> None:
    upload(staff, "ccd.csv", CCD.read_bytes())
    run = AreaImport.objects.get()
    _interrupt(run, minutes=5)

    with pytest.raises(DomainError):
        area_import.retry_area_import(run, user=world.users["staff"])
    with pytest.raises(DomainError):
        area_import.discard_area_import(run, user=world.users["staff"])
    response = staff.post(f"{IMPORTS}{run.pk}/discard/", {"confirm": "yes"}, follow=True)
    assert "Only an import interrupted" in response.content.decode()
    run.refresh_from_db()
    assert run.status == AreaImportStatus.APPLYING
