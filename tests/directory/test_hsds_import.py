"""HSDS import: every official example, problems named where they are, all or nothing."""

from __future__ import annotations

import io
import json
import shutil
import uuid
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from ecotone.directory.hsds import export as hsds
from ecotone.directory.hsds import tabular as hsds_tabular
from ecotone.directory.hsds.imports import ImportReport, import_batch
from ecotone.directory.hsds.readers import read_hsds_json, read_hsds_package
from ecotone.directory.imports.batch import Batch
from ecotone.directory.models import (
    ImportFormat,
    ImportRun,
    ImportStatus,
    Location,
    Program,
    Schedule,
)
from ecotone.directory.taxonomy import NAMESPACE
from ecotone.ecosystems.models import Ecosystem, Organization
from tests.conftest import World, make_ecosystem
from tests.test_tabular_files import MB, peak_memory, understate, write_large_member

from .test_hsds_export import build_directory

EXAMPLES = (
    Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance" / "hsds-3.0" / "examples"
)
JSON_EXAMPLES = [
    "service_full.json",
    "service_list.json",
    "organization_full.json",
    "organization_list.json",
    "service_at_location_full.json",
    "service_at_location_list.json",
    "location.json",
    "taxonomy.json",
    "taxonomy_list.json",
    "taxonomy_term.json",
    "taxonomy_term_list.json",
]


def run(
    ecosystem: Ecosystem, batch: Batch, *, dry_run: bool = False, **options: Any
) -> ImportReport:
    return import_batch(ecosystem, batch, user=None, dry_run=dry_run, **options)


def problems(report: ImportReport) -> list[tuple[str, str]]:
    return [(p.where, p.field) for p in report.problems]


@pytest.mark.parametrize("name", JSON_EXAMPLES)
def test_every_json_example_imports_into_two_ecosystems(world: World, name: str) -> None:
    for ecosystem in (world.alpha, world.beta):
        report = run(ecosystem, read_hsds_json(EXAMPLES / name))
        assert report.problems == [], report.problems
        assert report.applied
        assert sum(c["created"] for c in report.counts.values()) > 0
        again = run(ecosystem, read_hsds_json(EXAMPLES / name))
        assert again.problems == []
        assert (again.total("created"), again.total("updated")) == (0, 0), again.counts


def test_the_csv_example_package_imports_into_two_ecosystems(world: World) -> None:
    for ecosystem in (world.alpha, world.beta):
        report = run(ecosystem, read_hsds_package(EXAMPLES / "csv"))
        assert report.problems == [], report.problems
        assert report.counts["service"]["created"] == 1
        program = Program.objects.get(ecosystem=ecosystem, name="Community Counselling")
        assert program.organization.name == "Example Organization Inc."
        # The example's schedule row links the service and its site: it is the schedule of both.
        assert program.schedules.count() == 2
        assert program.program_locations.get().location.name == "MyCity Civic Center"
        assert any("required_documents.csv" in note for note in report.notes)
        again = run(ecosystem, read_hsds_package(EXAMPLES / "csv"))
        assert (again.total("created"), again.total("updated")) == (0, 0), again.counts


def exported_services(ecosystem: Ecosystem) -> list[dict[str, Any]]:
    """The JSON export without what must change on import: when a record was last changed, and
    its change history (`metadata`: the receiving directory's own audit log)."""
    services = json.loads("".join(hsds.iter_services_json(ecosystem)))
    for service in services:
        service.pop("last_modified")
        service.pop("metadata")
    return sorted(services, key=lambda s: s["id"])


def exported_package(ecosystem: Ecosystem, folder: Path) -> dict[str, list[str]]:
    hsds_tabular.write_package(ecosystem, folder)
    tables = {}
    for path in sorted(folder.glob("*.csv")):
        if path.name == "metadata.csv":  # the receiving directory's own change history
            continue
        lines = path.read_text(encoding="utf-8").splitlines()
        header = lines[0].split(",")
        if "last_modified" in header:  # the last column of services.csv
            lines = [line.rsplit(",", 1)[0] for line in lines]
        tables[path.name] = sorted(lines)
    return tables


def move_directory(world: World) -> Ecosystem:
    """An empty ecosystem, after the exported one is gone (so its ids are free again)."""
    gamma = make_ecosystem("gamma", "Gamma Plains STEM Network")
    Program.objects.filter(ecosystem=world.alpha).delete()
    world.alpha.delete()
    return gamma


def test_json_export_imports_back_to_the_same_export(world: World, tmp_path: Path) -> None:
    build_directory(world)
    first = exported_services(world.alpha)
    file = tmp_path / "services.json"
    file.write_text("".join(hsds.iter_services_json(world.alpha)), encoding="utf-8")
    gamma = move_directory(world)

    report = run(gamma, read_hsds_json(file))

    assert report.problems == []
    assert report.counts["service"]["created"] == 2
    robotics = next(s for s in first if s["name"] == "Robotics Club")
    assert [(c["unit"]["name"], c["available"], c["maximum"]) for c in robotics["capacities"]] == [
        ("seats", 4, 20)
    ]
    assert exported_services(gamma) == first
    again = run(gamma, read_hsds_json(file))
    assert again.total("created") == 0
    assert again.total("updated") == 0
    assert again.counts["service"]["unchanged"] == 2


def test_package_export_imports_back_to_the_same_package(world: World, tmp_path: Path) -> None:
    build_directory(world)
    first = exported_package(world.alpha, tmp_path / "first")
    first_services = exported_services(world.alpha)
    gamma = move_directory(world)

    report = run(gamma, read_hsds_package(tmp_path / "first"))

    assert report.problems == []
    assert exported_package(gamma, tmp_path / "second") == first
    # Capacities (HSDS 3.1) travel in JSON only: a 3.0 package has no table for them.
    assert without_capacities(exported_services(gamma)) == without_capacities(first_services)
    again = run(gamma, read_hsds_package(tmp_path / "second"))
    assert again.total("created") == 0
    assert again.total("updated") == 0


def without_capacities(services: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in s.items() if k != "capacities"} for s in services]


@pytest.mark.parametrize("form", ["json", "package"])
def test_an_export_imported_into_its_own_ecosystem_changes_nothing(
    world: World, tmp_path: Path, form: str
) -> None:
    # Untyped GeoJSON areas, a verifier's email (never exported), a count taken to the
    # microsecond, a location of an archived partner (its organization not exported).
    directory = build_directory(world)
    Location.objects.filter(pk=directory.riverton.pk).update(organization=world.org_b)
    Organization.objects.filter(pk=world.org_b.pk).update(archived_at=timezone.now())
    before = exported_services(world.alpha)
    if form == "json":
        file = tmp_path / "services.json"
        file.write_text("".join(hsds.iter_services_json(world.alpha)), encoding="utf-8")
        batch = read_hsds_json(file)
    else:
        hsds_tabular.write_package(world.alpha, tmp_path / "package")
        batch = read_hsds_package(tmp_path / "package")

    report = run(world.alpha, batch)

    assert report.problems == []
    assert (report.total("created"), report.total("updated")) == (0, 0), report.counts
    assert exported_services(world.alpha) == before
    directory.robotics.refresh_from_db()
    assert directory.robotics.assurer_email == "verifier@alpha.test"
    assert directory.robotics.capacities.count() == 1  # a package leaves capacities as they are
    assert Location.objects.get(pk=directory.riverton.pk).organization == world.org_b


def a_capacity(**fields: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "unit": {"id": str(uuid.uuid4()), "name": "seats"},
        "available": 3,
        "maximum": 12,
        "description": "Spring term",
        "updated": "2026-02-01T15:00:00Z",
        **fields,
    }


def test_capacities_are_imported_and_matched_by_id(world: World) -> None:
    capacity = a_capacity()
    record = a_service(world, capacities=[capacity])
    batch = Batch()
    batch.add_service(record, "services[0]")
    assert run(world.alpha, batch).problems == []
    program = Program.objects.get(hsds_id=record["id"])
    stored = program.capacities.get()
    assert (stored.unit, stored.available, stored.maximum, stored.description) == (
        "seats",
        3,
        12,
        "Spring term",
    )
    assert stored.updated == datetime(2026, 2, 1, 15, tzinfo=UTC)

    fewer = Batch()
    fewer.add_service({**record, "capacities": [{**capacity, "available": 0}]}, "services[0]")
    report = run(world.alpha, fewer)

    assert report.counts["service"]["updated"] == 1
    assert program.capacities.get().hsds_id == stored.hsds_id
    assert program.capacities.get().available == 0


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"available": 13}, "capacities[0].available"),
        ({"available": -1}, "capacities[0].available"),
        ({"available": 2.5}, "capacities[0].available"),
        ({"available": None}, "capacities[0].available"),
        ({"maximum": -4}, "capacities[0].maximum"),
        ({"maximum": "many"}, "capacities[0].maximum"),
        ({"updated": "yesterday"}, "capacities[0].updated"),
        ({"updated": None}, "capacities[0].updated"),
        ({"unit": "seats"}, "capacities[0].unit"),
        ({"unit": {"id": str(uuid.uuid4())}}, "capacities[0].unit.name"),
        ({"description": "x" * 301}, "capacities[0].description"),
    ],
)
def test_a_bad_capacity_is_named_and_nothing_is_written(
    world: World, change: dict[str, Any], field: str
) -> None:
    batch = Batch()
    batch.add_service(a_service(world, capacities=[a_capacity(**change)]), "services[0]")

    report = run(world.alpha, batch)

    assert ("services[0]", field) in problems(report), report.problems
    assert not Program.objects.filter(ecosystem=world.alpha).exists()


def test_the_command_imports_a_package_folder_and_keeps_the_run(world: World) -> None:
    out = io.StringIO()
    call_command("import_hsds", "--ecosystem", "alpha", str(EXAMPLES / "csv"), stdout=out)

    assert Program.objects.filter(ecosystem=world.alpha, name="Community Counselling").exists()
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.APPLIED
    assert run.format == ImportFormat.HSDS_PACKAGE
    assert zipfile.ZipFile(run.file.path).getinfo("services.csv").file_size > 0
    assert "service: 1 created" in out.getvalue()


def test_the_command_dry_run_changes_nothing(world: World) -> None:
    out = io.StringIO()
    call_command(
        "import_hsds",
        "--dry-run",
        "--ecosystem",
        "beta",
        str(EXAMPLES / "service_full.json"),
        stdout=out,
    )
    assert not Program.objects.filter(ecosystem=world.beta, name="Community Counselling").exists()
    assert ImportRun.objects.get().status == ImportStatus.CHECKED
    assert "dry run" in out.getvalue()


def test_the_command_prints_problems_and_fails(world: World, tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text(json.dumps([{"id": "x", "name": "", "organization_id": "nope"}]))
    out = io.StringIO()
    with pytest.raises(CommandError, match="nothing was imported"):
        call_command("import_hsds", "--ecosystem", "alpha", str(file), stdout=out)
    assert "problem: [0], name: This field is required." in out.getvalue()
    assert ImportRun.objects.get().status == ImportStatus.HAS_PROBLEMS
    with pytest.raises(CommandError, match="No ecosystem"):
        call_command("import_hsds", "--ecosystem", "nowhere", str(file))


# Problems: named where and which field; any problem and nothing is written


def a_service(world: World, **fields: Any) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "name": "Junior Coders",
        "status": "active",
        "organization_id": str(world.org_a.hsds_id),
        "schedules": [{"id": str(uuid.uuid4()), "freq": "WEEKLY", "byday": "MO,WE"}],
        "service_at_locations": [
            {
                "id": str(uuid.uuid4()),
                "location": {
                    "id": str(uuid.uuid4()),
                    "location_type": "physical",
                    "name": "Library",
                    "latitude": 40.0,
                    "longitude": -83.0,
                },
            }
        ],
        "cost_options": [{"id": str(uuid.uuid4()), "amount": 10}],
    }
    record.update(fields)
    return record


def directory_size(ecosystem: Ecosystem) -> tuple[int, int, int]:
    return (
        Program.objects.filter(ecosystem=ecosystem).count(),
        Location.objects.filter(ecosystem=ecosystem).count(),
        Organization.objects.filter(ecosystem=ecosystem).count(),
    )


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"status": "open"}, "status"),
        ({"url": "not a web address"}, "url"),
        ({"email": "nobody"}, "email"),
        ({"assured_date": "2025-13-01"}, "assured_date"),
        ({"minimum_age": "ten"}, "minimum_age"),
        ({"minimum_age": 12, "maximum_age": 10}, "maximum_age"),
        ({"organization_id": str(uuid.UUID(int=7))}, "organization_id"),
        ({"schedules": [{"freq": "HOURLY"}]}, "schedules[0].freq"),
        ({"schedules": [{"byday": "MO,XX"}]}, "schedules[0].byday"),
        ({"schedules": [{"opens_at": "25:00"}]}, "schedules[0].opens_at"),
        ({"schedules": [{"interval": 0}]}, "schedules[0].interval"),
        ({"schedules": [{"dtstart": "next monday"}]}, "schedules[0].dtstart"),
        ({"cost_options": [{"amount": "lots"}]}, "cost_options[0].amount"),
        ({"funding": [{"source": ""}]}, "funding[0].source"),
        ({"languages": [{"code": "es"}, {"code": "es"}]}, "languages[1].code"),
        (
            {"service_at_locations": [{"location": {"name": "Lab", "latitude": "north"}}]},
            "service_at_locations[0].location.latitude",
        ),
        (
            {"service_at_locations": [{"location": {"name": "Lab", "latitude": 40}}]},
            "service_at_locations[0].location.longitude",
        ),
        (
            {"service_at_locations": [{"location": {"location_type": "moon", "name": "L"}}]},
            "service_at_locations[0].location.location_type",
        ),
        (
            {
                "attributes": [
                    {
                        "taxonomy_term_id": str(uuid.uuid5(NAMESPACE, "profile/delivery")),
                        "value": "teleport",
                    }
                ]
            },
            "attributes[0].value",
        ),
    ],
)
def test_a_bad_field_is_named_and_nothing_is_written(
    world: World, change: dict[str, Any], field: str
) -> None:
    before = directory_size(world.alpha)
    good = a_service(world, name="Good Program")
    bad = a_service(world, **change)
    batch = Batch()
    batch.add_service(good, "services[0]")
    batch.add_service(bad, "services[1]")

    report = run(world.alpha, batch)

    assert ("services[1]", field) in problems(report), report.problems
    assert not report.applied
    assert directory_size(world.alpha) == before


def test_package_problems_name_the_file_the_row_and_the_column(
    world: World, tmp_path: Path
) -> None:
    package = tmp_path / "package"
    shutil.copytree(EXAMPLES / "csv", package)
    schedules = (package / "schedules.csv").read_text(encoding="utf-8")
    (package / "schedules.csv").write_text(schedules.replace("10:00:00", "10 am"), "utf-8")
    services = (package / "services.csv").read_text(encoding="utf-8")
    (package / "services.csv").write_text(services.replace(",active,", ",open,"), "utf-8")
    with (package / "cost_options.csv").open("a", encoding="utf-8") as handle:
        handle.write(f"{uuid.uuid4()},{uuid.uuid4()},,,,,5,\n")

    report = run(world.alpha, read_hsds_package(package))

    assert ("schedules.csv row 2", "opens_at") in problems(report)
    assert ("services.csv row 2", "status") in problems(report)
    assert ("cost_options.csv row 3", "service_id") in problems(report)
    assert not Program.objects.filter(name="Community Counselling").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00binary", "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"42", "Expected HSDS records"),
        (b"[" * 100_000 + b"]" * 100_000, "nested too deeply"),
        (b'[{"hello": "world"}]', "not an HSDS record"),
    ],
)
def test_a_bad_json_file_is_a_clear_problem(
    world: World, tmp_path: Path, content: bytes, message: str
) -> None:
    file = tmp_path / "upload.json"
    file.write_bytes(content)
    report = run(world.alpha, read_hsds_json(file))
    assert message in " ".join(p.message for p in report.problems)
    assert not report.applied


@pytest.mark.parametrize(
    ("files", "message"),
    [
        (None, "not a readable .zip"),
        ({"readme.txt": "hello"}, "not an HSDS data package"),
        ({"services.csv": "id,name\n"}, "holds no services"),
        ({"services.csv": "id,name\n1,a,b\n"}, "more cells than the header"),
        ({"services.csv": b"\xff\xfe\x00garbage"}, "not UTF-8"),
    ],
)
def test_a_bad_package_is_a_clear_problem(
    world: World, tmp_path: Path, files: dict[str, Any] | None, message: str
) -> None:
    archive = tmp_path / "package.zip"
    if files is None:
        archive.write_bytes(b"PK\x03\x04 this is not really a zip")
    else:
        with zipfile.ZipFile(archive, "w") as out:
            for name, content in files.items():
                out.writestr(name, content)
    report = run(world.alpha, read_hsds_package(archive))
    assert message in " ".join(p.message for p in report.problems), report.problems


def test_a_zip_whose_header_understates_a_file_is_refused_without_unpacking_it(
    world: World, tmp_path: Path
) -> None:
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("datapackage.json", '{"resources": []}')
        out.writestr("organizations.csv", "id,name\n1,Robotics For All\n")
        write_large_member(out, "services.csv", 16 * MB, b"1,1,Robotics club,active\n")
    understate(archive, "services.csv", 1000)
    batches: list[Batch] = []
    assert peak_memory(lambda: batches.append(read_hsds_package(archive))) < 4 * MB
    report = run(world.alpha, batches[0])
    assert [p.message for p in report.problems] == [
        '"services.csv" in the file unpacks to more than its header says.'
    ]
    assert not report.applied


def test_a_zip_wrapping_one_folder_imports(world: World, tmp_path: Path) -> None:
    archive = tmp_path / "package.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for file in (EXAMPLES / "csv").iterdir():
            out.write(file, f"export/{file.name}")
    report = run(world.alpha, read_hsds_package(archive))
    assert report.problems == []
    assert report.counts["service"]["created"] == 1


def test_a_dry_run_reports_counts_and_writes_nothing(world: World) -> None:
    report = run(world.alpha, read_hsds_json(EXAMPLES / "service_full.json"), dry_run=True)
    assert report.counts["service"] == {"created": 1, "updated": 0, "unchanged": 0, "skipped": 0}
    assert not report.applied
    assert not Program.objects.filter(name="Community Counselling").exists()


def test_an_import_writes_one_audit_entry(world: World) -> None:
    from auditlog.models import LogEntry

    before = LogEntry.objects.count()
    run(world.alpha, read_hsds_json(EXAMPLES / "service_full.json"))
    assert LogEntry.objects.count() == before + 1
    entry = LogEntry.objects.latest("timestamp")
    assert entry.additional_data == {"ecosystem_id": world.alpha.pk}
    assert "service: 1 created" in str(entry.changes)


def test_an_update_changes_the_matched_program_in_place(world: World) -> None:
    record = a_service(world)
    batch = Batch()
    batch.add_service(record, "services[0]")
    run(world.alpha, batch)
    program = Program.objects.get(hsds_id=record["id"])

    changed = Batch()
    changed.add_service({**record, "name": "Junior Coders Plus", "schedules": []}, "services[0]")
    report = run(world.alpha, changed)

    assert report.counts["service"]["updated"] == 1
    program.refresh_from_db()
    assert program.name == "Junior Coders Plus"
    assert not Schedule.objects.filter(program=program).exists()
    assert program.slug == "junior-coders"  # addresses stay


# Likely duplicates


def existing_robotics(world: World) -> Program:
    program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics Club", slug="robotics"
    )
    location = Location.objects.create(
        ecosystem=world.alpha, name="Riverton Makerspace", latitude=40.0, longitude=-83.0
    )
    program.program_locations.create(location=location)
    return program


def robotics_again(world: World, latitude: float = 40.003) -> Batch:
    """The same club from another system: new ids, a slightly different name, 300 m away."""
    batch = Batch()
    batch.add_service(
        a_service(
            world,
            name="The Robotics Club!",
            service_at_locations=[
                {
                    "id": str(uuid.uuid4()),
                    "location": {
                        "id": str(uuid.uuid4()),
                        "name": "Makerspace",
                        "latitude": latitude,
                        "longitude": -83.0,
                    },
                }
            ],
        ),
        "services[0]",
    )
    return batch


def test_a_likely_duplicate_is_flagged_and_not_created(world: World) -> None:
    existing = existing_robotics(world)
    report = run(world.alpha, robotics_again(world))

    assert report.applied
    [flag] = report.duplicates
    assert flag.existing_id == str(existing.hsds_id)
    assert flag.where == "services[0]"
    assert report.counts["service"]["skipped"] == 1
    assert Program.objects.filter(ecosystem=world.alpha).count() == 1


def test_a_similar_program_far_away_is_not_a_duplicate(world: World) -> None:
    existing_robotics(world)
    report = run(world.alpha, robotics_again(world, latitude=40.5))
    assert report.duplicates == []
    assert Program.objects.filter(ecosystem=world.alpha).count() == 2


@pytest.mark.parametrize(
    ("decision", "programs", "existing_name"),
    [
        ("create", 2, "Robotics Club"),
        ("update", 1, "The Robotics Club!"),
        ("skip", 1, "Robotics Club"),
    ],
)
def test_each_decision_on_a_duplicate_does_what_it_says(
    world: World, decision: str, programs: int, existing_name: str
) -> None:
    existing = existing_robotics(world)
    batch = robotics_again(world)
    service_id = batch.services[0]["id"]

    report = run(world.alpha, batch, decisions={service_id: decision})

    assert report.duplicates[0].decision == decision
    assert Program.objects.filter(ecosystem=world.alpha).count() == programs
    existing.refresh_from_db()
    assert existing.name == existing_name


def test_parts_without_known_ids_keep_the_ids_of_their_matches(world: World) -> None:
    """A flat file carries no ids for schedules or sites: matched by content, they stay."""
    record = a_service(world)
    batch = Batch()
    batch.add_service(record, "services[0]")
    run(world.alpha, batch)
    program = Program.objects.get(hsds_id=record["id"])
    schedule_ids = set(program.schedules.values_list("hsds_id", flat=True))
    site_ids = set(program.program_locations.values_list("hsds_id", flat=True))

    again = json.loads(json.dumps(record))
    for part in (*again["schedules"], *again["service_at_locations"], *again["cost_options"]):
        part["id"] = str(uuid.uuid4())
    batch = Batch()
    batch.add_service(again, "services[0]")
    report = run(world.alpha, batch)

    assert report.counts["service"]["unchanged"] == 1
    assert set(program.schedules.values_list("hsds_id", flat=True)) == schedule_ids
    assert set(program.program_locations.values_list("hsds_id", flat=True)) == site_ids


def test_the_migration_gives_existing_organizations_the_ids_already_published(
    world: World,
) -> None:
    import importlib

    from django.apps import apps

    migration = importlib.import_module("ecotone.ecosystems.migrations.0002_organization_hsds_id")
    migration.fill_hsds_ids(apps, None)

    world.org_a.refresh_from_db()
    assert str(world.org_a.hsds_id) == hsds.organization_id("alpha", world.org_a.pk)
