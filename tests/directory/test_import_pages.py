"""The import page for backbone staff: upload and check, review, apply, download, export."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ecotone.directory.imports import runs as import_runs
from ecotone.directory.models import ImportRun, ImportStatus, Location, Program
from ecotone.errors import DomainError
from tests.conftest import World

from .test_hsds_export import build_directory
from .test_hsds_import import EXAMPLES

IMPORTS = "/e/alpha/programs/imports/"


def upload(client: Client, name: str, content: bytes) -> Any:
    return client.post(IMPORTS, {"file": SimpleUploadedFile(name, content)})


def example(name: str) -> bytes:
    return (EXAMPLES / name).read_bytes()


@pytest.fixture
def staff(world: World) -> Client:
    return world.client("staff")


def test_uploading_checks_the_file_and_changes_nothing(world: World, staff: Client) -> None:
    response = upload(staff, "services.json", example("service_full.json"))

    run = ImportRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == run.get_absolute_url()
    assert run.status == ImportStatus.CHECKED
    assert run.created_by == world.users["staff"]
    assert run.original_filename == "services.json"
    assert not Program.objects.filter(ecosystem=world.alpha).exists()
    page = staff.get(run.get_absolute_url()).content.decode()
    assert "What applying would do" in page
    assert "Apply the import" in page
    assert "outside the globe" in page  # the example's coordinates are 100, 101


def test_applying_needs_the_confirmation_then_imports(world: World, staff: Client) -> None:
    upload(staff, "services.json", example("service_full.json"))
    run = ImportRun.objects.get()
    apply_url = f"{IMPORTS}{run.pk}/apply/"

    staff.post(apply_url)
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED

    response = staff.post(apply_url, {"confirm": "yes"}, follow=True)
    run.refresh_from_db()
    assert run.status == ImportStatus.APPLIED
    assert run.applied_by == world.users["staff"]
    assert run.applied_at is not None
    assert Program.objects.filter(ecosystem=world.alpha, name="Community Counselling").exists()
    assert "The import is applied." in response.content.decode()
    # Applied once is enough.
    staff.post(apply_url, {"confirm": "yes"})
    assert Program.objects.filter(ecosystem=world.alpha).count() == 1


def test_a_file_with_problems_shows_them_and_cannot_be_applied(world: World, staff: Client) -> None:
    bad = [{"id": str(uuid.uuid4()), "name": "", "organization_id": str(world.org_a.hsds_id)}]
    upload(staff, "bad.json", json.dumps(bad).encode())
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.HAS_PROBLEMS
    page = staff.get(run.get_absolute_url()).content.decode()
    assert "This field is required." in page
    assert "Apply the import" not in page
    staff.post(f"{IMPORTS}{run.pk}/apply/", {"confirm": "yes"})
    assert not Program.objects.filter(ecosystem=world.alpha).exists()


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("junk.json", bytes(range(256)) * 10),
        ("empty.json", b""),
        ("deep.json", b"[" * 50_000),
        ("broken.zip", b"PK\x03\x04 nope"),
        ("empty.zip", b""),
    ],
)
def test_a_broken_file_is_a_message_never_an_error_page(
    world: World, staff: Client, name: str, content: bytes
) -> None:
    response = upload(staff, name, content)
    if response.status_code == 302:
        run = ImportRun.objects.get()
        assert run.status == ImportStatus.HAS_PROBLEMS
        page = staff.get(run.get_absolute_url())
        assert page.status_code == 200
        assert "nothing will be imported" in page.content.decode()
    else:  # Django refuses an empty upload before it reaches the importer
        assert response.status_code == 200
        assert "empty" in response.content.decode()


def test_another_kind_of_file_is_refused_on_the_form(world: World, staff: Client) -> None:
    response = upload(staff, "notes.txt", b"hello")
    assert response.status_code == 200
    assert "is none of these" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_the_list_shows_runs_newest_first(world: World, staff: Client) -> None:
    upload(staff, "first.json", example("taxonomy.json"))
    upload(staff, "second.json", example("service_full.json"))
    page = staff.get(IMPORTS).content.decode()
    assert page.index("second.json") < page.index("first.json")
    assert "Checked, ready to apply" in page


def test_the_kept_file_downloads_as_received(world: World, staff: Client) -> None:
    upload(staff, "services.json", example("service_full.json"))
    run = ImportRun.objects.get()
    response = staff.get(f"{IMPORTS}{run.pk}/file/")
    assert b"".join(response.streaming_content) == example("service_full.json")
    assert 'filename="services.json"' in response["Content-Disposition"]


def test_the_status_fragment_polls_only_while_applying(world: World, staff: Client) -> None:
    upload(staff, "services.json", example("service_full.json"))
    run = ImportRun.objects.get()
    status_url = f"{IMPORTS}{run.pk}/status/"
    assert "hx-trigger" not in staff.get(status_url).content.decode()
    ImportRun.objects.filter(pk=run.pk).update(status=ImportStatus.APPLYING)
    fragment = staff.get(status_url).content.decode()
    assert 'hx-trigger="every 2s"' in fragment
    assert "<html" not in fragment


def test_another_ecosystems_run_is_not_found(world: World, staff: Client) -> None:
    outsider = world.client("outsider")
    outsider_run = ImportRun.objects.create(
        ecosystem=world.beta, format="hsds_json", original_filename="b.json", file="x.json"
    )
    assert staff.get(f"{IMPORTS}{outsider_run.pk}/").status_code == 404
    assert outsider.get(f"/e/beta/programs/imports/{outsider_run.pk}/").status_code == 403


def test_reviewing_a_likely_duplicate_then_applying(world: World, staff: Client) -> None:
    existing = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics Club", slug="robotics"
    )
    online = Location.objects.create(ecosystem=world.alpha, name="Online", location_type="virtual")
    existing.program_locations.create(location=online)
    service = {
        "id": str(uuid.uuid4()),
        "name": "Robotics Club (online)",
        "status": "active",
        "organization_id": str(world.org_a.hsds_id),
        "service_at_locations": [
            {"location": {"id": str(uuid.uuid4()), "name": "Zoom", "location_type": "virtual"}}
        ],
    }
    upload(staff, "robotics.json", json.dumps([service]).encode())
    run = ImportRun.objects.get()
    page = staff.get(run.get_absolute_url()).content.decode()
    assert "Likely duplicates" in page
    assert "Robotics Club (online)" in page

    staff.post(run.get_absolute_url(), {f"decision-{service['id']}": "update"})
    run.refresh_from_db()
    assert run.decisions == {service["id"]: "update"}
    staff.post(f"{IMPORTS}{run.pk}/apply/", {"confirm": "yes"})

    existing.refresh_from_db()
    assert existing.name == "Robotics Club (online)"
    assert Program.objects.filter(ecosystem=world.alpha).count() == 1
    # A choice that does not fit the run is refused with a message.
    response = staff.post(run.get_absolute_url(), {"decision-nope": "create"}, follow=True)
    assert "Only a checked import" in response.content.decode()


def test_exports_download_the_json_and_the_zipped_package(world: World, staff: Client) -> None:
    build_directory(world)
    response = staff.get("/e/alpha/programs/export/hsds.json")
    services = json.loads(b"".join(response.streaming_content))
    assert {s["name"] for s in services} == {"Robotics Club", "Online Coding"}
    response = staff.get("/e/alpha/programs/export/hsds.zip")
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert "datapackage.json" in archive.namelist()
    assert "Robotics Club" in archive.read("services.csv").decode()


def test_backbone_sees_imports_in_the_navigation(world: World, staff: Client) -> None:
    nav = staff.get("/e/alpha/programs/imports/").content.decode()
    assert 'href="/e/alpha/programs/imports/" aria-current="page"' in nav
    partner = world.client("partner_a").get("/e/alpha/").content.decode()
    assert "/programs/imports/" not in partner


def test_a_zip_upload_of_the_example_package_imports(
    world: World, staff: Client, tmp_path: Path
) -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as out:
        for file in (EXAMPLES / "csv").iterdir():
            out.write(file, file.name)
    upload(staff, "package.zip", buffer.getvalue())
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.CHECKED, run.report
    staff.post(f"{IMPORTS}{run.pk}/apply/", {"confirm": "yes"})
    run.refresh_from_db()
    assert run.status == ImportStatus.APPLIED


def test_a_failure_while_applying_marks_the_run_failed_and_changes_nothing(
    world: World, staff: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ecotone.directory.hsds import imports as hsds_import

    upload(staff, "services.json", example("service_full.json"))
    run = ImportRun.objects.get()

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(hsds_import._Applier, "programs", broken)
    staff.post(f"{IMPORTS}{run.pk}/apply/", {"confirm": "yes"})

    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert "nothing was changed" in run.report["problems"][0]["message"]
    assert not Program.objects.filter(ecosystem=world.alpha).exists()
    assert not Location.objects.filter(ecosystem=world.alpha).exists()


def test_a_spreadsheet_export_uploads_as_unchanged(world: World, staff: Client) -> None:
    build_directory(world)
    exported = staff.get("/e/alpha/programs/spreadsheet/export/?format=csv")
    content = b"".join(exported.streaming_content)

    upload(staff, "programs.csv", content)

    run = ImportRun.objects.get()
    assert run.format == "spreadsheet"
    assert run.status == ImportStatus.CHECKED, run.report["problems"]
    assert run.report["counts"]["service"]["created"] == 0
    assert run.report["counts"]["service"]["updated"] == 0


def test_the_import_page_links_the_spreadsheet_guide_and_templates(
    world: World, staff: Client
) -> None:
    page = staff.get(IMPORTS).content.decode()

    for url in (
        "/e/alpha/programs/spreadsheet/guide/",
        "/e/alpha/programs/spreadsheet/template/?format=xlsx",
        "/e/alpha/programs/spreadsheet/template/?format=csv",
        "/e/alpha/programs/spreadsheet/export/?format=csv",
    ):
        assert f'href="{url}"' in page, url
        assert staff.get(url).status_code == 200, url


def _interrupt(run: ImportRun, minutes: int) -> None:
    """Leave the run applying as a lost task does, last written `minutes` ago."""
    ImportRun.objects.filter(pk=run.pk).update(
        status=ImportStatus.APPLYING, updated_at=timezone.now() - timedelta(minutes=minutes)
    )


def test_a_run_left_applying_for_too_long_shows_as_interrupted_and_retries_to_applied(
    world: World, staff: Client
) -> None:
    upload(staff, "services.json", example("service_full.json"))
    run = ImportRun.objects.get()
    _interrupt(run, minutes=16)

    page = staff.get(run.get_absolute_url()).content.decode()
    assert "Status: Interrupted" in page
    assert f"{IMPORTS}{run.pk}/retry/" in page
    assert f"{IMPORTS}{run.pk}/discard/" in page
    assert 'hx-trigger="every 2s"' not in page
    assert "Interrupted" in staff.get(IMPORTS).content.decode()

    staff.post(f"{IMPORTS}{run.pk}/retry/")  # without the confirmation
    run.refresh_from_db()
    assert run.status == ImportStatus.APPLYING

    response = staff.post(f"{IMPORTS}{run.pk}/retry/", {"confirm": "yes"}, follow=True)
    run.refresh_from_db()
    assert run.status == ImportStatus.APPLIED
    assert run.applied_by == world.users["staff"]
    assert Program.objects.filter(ecosystem=world.alpha).count() == 1
    assert "The import is applied." in response.content.decode()


def test_an_interrupted_run_can_be_discarded_with_the_reason(world: World, staff: Client) -> None:
    upload(staff, "services.json", example("service_full.json"))
    run = ImportRun.objects.get()
    _interrupt(run, minutes=16)

    staff.post(f"{IMPORTS}{run.pk}/discard/", {"confirm": "yes"})

    run.refresh_from_db()
    assert run.status == ImportStatus.FAILED
    assert "interrupted" in run.report["problems"][0]["message"]
    assert "interrupted" in staff.get(run.get_absolute_url()).content.decode()
    assert not Program.objects.filter(ecosystem=world.alpha).exists()


def test_a_run_applying_right_now_cannot_be_retried_or_discarded(
    world: World, staff: Client
) -> None:
    upload(staff, "services.json", example("service_full.json"))
    run = ImportRun.objects.get()
    _interrupt(run, minutes=5)
    run.refresh_from_db()

    assert not run.is_interrupted
    with pytest.raises(DomainError):
        import_runs.retry_run(run, world.users["staff"])
    with pytest.raises(DomainError):
        import_runs.discard_run(run, world.users["staff"])
    response = staff.post(f"{IMPORTS}{run.pk}/retry/", {"confirm": "yes"}, follow=True)
    assert "Only an import interrupted" in response.content.decode()
    run.refresh_from_db()
    assert run.status == ImportStatus.APPLYING
    assert not Program.objects.filter(ecosystem=world.alpha).exists()


def test_the_time_before_a_run_counts_as_interrupted_is_a_setting(
    world: World, staff: Client, settings: Any
) -> None:
    settings.IMPORT_STALE_AFTER = 60
    upload(staff, "services.json", example("service_full.json"))
    run = ImportRun.objects.get()
    _interrupt(run, minutes=30)
    run.refresh_from_db()
    assert not run.is_interrupted
    _interrupt(run, minutes=61)
    run.refresh_from_db()
    assert run.is_interrupted


def test_a_retry_meeting_the_apply_it_replaced_applies_once(world: World, staff: Client) -> None:
    from ecotone.directory.imports.runs import apply_import_run

    upload(staff, "services.json", example("service_full.json"))
    run = ImportRun.objects.get()
    _interrupt(run, minutes=16)
    staff.post(f"{IMPORTS}{run.pk}/retry/", {"confirm": "yes"})
    run.refresh_from_db()
    assert run.status == ImportStatus.APPLIED

    # The first task, late but alive after all, finds the run applied and leaves it so.
    assert import_runs.apply_now(run, None).status == ImportStatus.APPLIED
    assert apply_import_run.call(run.pk, None) == "gone"
    assert Program.objects.filter(ecosystem=world.alpha).count() == 1
