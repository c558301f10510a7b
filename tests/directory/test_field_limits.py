"""A listing's texts have the limits a real listing needs, on the listing form and the HSDS and
spreadsheet imports alike: beyond them the input is refused with the field named (a
140,000-character description was stored, and its export could not be read back), and
everything Ecotone exports at those limits imports back unchanged."""

from __future__ import annotations

import csv
import json
import math
import uuid
from pathlib import Path
from typing import Any

import pytest

from ecotone import limits
from ecotone.directory.hsds import export as hsds
from ecotone.directory.hsds import tabular as hsds_tabular
from ecotone.directory.hsds.imports import ImportReport, import_batch
from ecotone.directory.hsds.readers import read_hsds_json, read_hsds_package
from ecotone.directory.imports.batch import Batch
from ecotone.directory.models import ListingChange, Location, Program, ServiceArea
from ecotone.directory.spreadsheet import reading, writing
from tests.conftest import World
from tests.directory.test_hsds_conformance import validate_package, validate_record
from tests.directory.test_hsds_export import build_directory
from tests.directory.test_hsds_import import (
    a_service,
    exported_package,
    exported_services,
    move_directory,
)
from tests.directory.test_moderation import submit_new
from tests.directory.test_spreadsheet import VALID, exported, write_csv

pytestmark = pytest.mark.django_db

HUGE = "x" * 140_000
TOO_LONG = "x" * (limits.LONG_TEXT + 1)


def run(world: World, batch: Batch) -> ImportReport:
    return import_batch(world.alpha, batch, user=None, dry_run=False)


def fields_named(report: ImportReport) -> set[tuple[str, str]]:
    return {(p.where, p.field) for p in report.problems}


def test_the_listing_form_refuses_an_over_long_description_naming_it(world: World) -> None:
    response = submit_new(world, name="Coding Nights", description=TOO_LONG)
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["description"]
    assert not ListingChange.objects.exists()


@pytest.mark.parametrize(
    ("field", "text"),
    [
        ("description", HUGE),
        ("description", TOO_LONG),
        ("application_process", TOO_LONG),
        ("eligibility_description", TOO_LONG),
        ("alert", "x" * (limits.SHORT_TEXT + 1)),
    ],
)
def test_an_hsds_import_refuses_an_over_long_text_naming_it(
    world: World, field: str, text: str
) -> None:
    batch = Batch()
    batch.add_service(a_service(world, **{field: text}), "services[0]")
    report = run(world, batch)
    assert ("services[0]", field) in fields_named(report), report.problems
    assert not report.applied
    assert not Program.objects.exists()


def test_an_hsds_import_refuses_over_long_parts_naming_each(world: World) -> None:
    service = a_service(world)
    service["organization"] = {"id": str(world.org_a.hsds_id), "description": HUGE}
    service["service_at_locations"][0]["location"]["description"] = HUGE
    service["service_at_locations"][0]["location"]["accessibility"] = [
        {"id": str(uuid.uuid4()), "description": "x" * 6_000},
        {"id": str(uuid.uuid4()), "description": "x" * 6_000},
    ]
    service["schedules"][0]["notes"] = HUGE
    batch = Batch()
    batch.add_service(service, "services[0]")
    report = run(world, batch)
    assert {
        ("services[0].organization", "description"),
        ("services[0]", "service_at_locations[0].location.description"),
        ("services[0]", "service_at_locations[0].location.accessibility"),
        ("services[0]", "schedules[0].notes"),
    } <= fields_named(report), report.problems
    world.org_a.refresh_from_db()
    assert world.org_a.description == ""


def test_an_hsds_package_with_an_over_long_cell_is_read_and_the_cell_named(
    world: World, tmp_path: Path
) -> None:
    build_directory(world)
    hsds_tabular.write_package(world.alpha, tmp_path)
    services = tmp_path / "services.csv"
    with services.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0]["description"] = HUGE
    with services.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)

    report = run(world, read_hsds_package(tmp_path))

    assert fields_named(report) == {("services.csv row 2", "description")}, report.problems
    assert not report.applied


def test_a_spreadsheet_with_an_over_long_cell_is_read_and_the_cell_named(
    world: World, tmp_path: Path
) -> None:
    for text in (TOO_LONG, HUGE):
        path = write_csv(tmp_path, [{**VALID, "description": text}])
        batch = reading.read_spreadsheet(path, world.alpha)
        assert [(p.where, p.field) for p in batch.problems] == [("row 2", "description")]
        assert batch.services == []


def outline(positions: int) -> dict[str, Any]:
    """A closed ring of `positions` positions around Riverton, at full float precision."""
    ring = [
        [
            -82.9 + 0.123456789 * math.cos(2 * math.pi * n / (positions - 1)),
            39.9 + 0.123456789 * math.sin(2 * math.pi * n / (positions - 1)),
        ]
        for n in range(positions - 1)
    ]
    return {"type": "Polygon", "coordinates": [[*ring, ring[0]]]}


def test_a_service_area_larger_than_its_limit_is_refused_naming_it(world: World) -> None:
    area = outline(limits.REGION_POSITIONS * 2)
    assert len(json.dumps(area)) > limits.SERVICE_AREA_EXTENT
    batch = Batch()
    batch.add_service(
        a_service(world, service_areas=[{"id": str(uuid.uuid4()), "extent": area}]),
        "services[0]",
    )
    report = run(world, batch)
    assert fields_named(report) == {("services[0]", "service_areas[0].extent")}


def a_directory_at_the_limits(world: World) -> Program:
    """Every text of a listing as long as Ecotone takes it, and the largest service area."""
    directory = build_directory(world)
    program = directory.robotics
    for name in (
        "description",
        "interpretation_services",
        "application_process",
        "fees_description",
        "accreditations",
        "licenses",
        "eligibility_description",
    ):
        setattr(program, name, "é" * limits.LONG_TEXT)
    program.alert = "a" * limits.SHORT_TEXT
    program.save()
    Location.objects.filter(pk=directory.riverton.pk).update(
        description="d" * limits.LONG_TEXT,
        transportation="t" * limits.LONG_TEXT,
        accessibility="s" * limits.LONG_TEXT,
    )
    ServiceArea.objects.filter(program=program).update(extent=outline(limits.REGION_POSITIONS))
    world.org_a.description = "o" * limits.LONG_TEXT
    world.org_a.save()
    return program


def test_a_directory_at_the_limits_exports_valid_and_imports_back_unchanged(
    world: World, tmp_path: Path
) -> None:
    a_directory_at_the_limits(world)
    extent = ServiceArea.objects.get().extent
    assert len(json.dumps(extent)) > 131_072  # Python's csv default would refuse it
    assert len(json.dumps(extent)) <= limits.SERVICE_AREA_EXTENT
    json_file = tmp_path / "services.json"
    json_file.write_text("".join(hsds.iter_services_json(world.alpha)), encoding="utf-8")
    services = exported_services(world.alpha)
    for service in json.loads(json_file.read_text(encoding="utf-8")):
        validate_record(service, "service.json")
    package = exported_package(world.alpha, tmp_path / "package")
    validate_package(tmp_path / "package")
    sheet = exported(world)

    # Into the same directory: nothing changes.
    for batch in (read_hsds_json(json_file), read_hsds_package(tmp_path / "package")):
        report = run(world, batch)
        assert report.problems == []
        assert (report.total("created"), report.total("updated")) == (0, 0), report.counts
    sheet_file = tmp_path / "programs.csv"
    sheet_file.write_text(
        "".join(
            writing.csv_chunks(
                writing.export_rows(world.alpha, writing.exported_programs(world.alpha))
            )
        ),
        encoding="utf-8",
    )
    batch = reading.read_spreadsheet(sheet_file, world.alpha)
    assert batch.problems == []
    report = import_batch(world.alpha, batch, user=world.users["staff"], dry_run=False)
    assert report.problems == []
    assert exported(world) == sheet

    # Into a new one: the same export.
    gamma = move_directory(world)
    report = import_batch(gamma, read_hsds_package(tmp_path / "package"), user=None, dry_run=False)
    assert report.problems == []
    assert exported_package(gamma, tmp_path / "again") == package
    gamma_json = import_batch(gamma, read_hsds_json(json_file), user=None, dry_run=False)
    assert gamma_json.problems == []
    assert exported_services(gamma) == services


def test_the_spreadsheet_guide_states_the_limits() -> None:
    guide = {row[0]: row[4] for row in writing.guide_rows()}
    assert f"At most {limits.LONG_TEXT} characters." in guide["description"]
    assert f"At most {limits.LONG_TEXT} characters." in guide["fees"]
