"""HSDS import: every official example, problems named where they are, all or nothing."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from ecotone.directory import hsds, hsds_tabular
from ecotone.directory.hsds_import import ImportReport, import_batch
from ecotone.directory.hsds_readers import read_hsds_json, read_hsds_package
from ecotone.directory.importing import Batch
from ecotone.directory.models import ImportFormat, ImportRun, ImportStatus, Program
from ecotone.ecosystems.models import Ecosystem
from tests.conftest import World, make_ecosystem

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
        assert program.schedules.count() == 1
        assert program.program_locations.get().location.name == "MyCity Civic Center"
        assert any("required_documents.csv" in note for note in report.notes)
        again = run(ecosystem, read_hsds_package(EXAMPLES / "csv"))
        assert (again.total("created"), again.total("updated")) == (0, 0), again.counts


def exported_services(ecosystem: Ecosystem) -> list[dict[str, Any]]:
    """The JSON export without what must change on import (when a record was last changed)."""
    services = json.loads("".join(hsds.iter_services_json(ecosystem)))
    for service in services:
        service.pop("last_modified")
    return sorted(services, key=lambda s: s["id"])


def exported_package(ecosystem: Ecosystem, folder: Path) -> dict[str, list[str]]:
    hsds_tabular.write_package(ecosystem, folder)
    tables = {}
    for path in sorted(folder.glob("*.csv")):
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
    assert exported_services(gamma) == first_services
    again = run(gamma, read_hsds_package(tmp_path / "second"))
    assert again.total("created") == 0
    assert again.total("updated") == 0


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
