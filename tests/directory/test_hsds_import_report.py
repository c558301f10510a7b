"""What an HSDS import keeps, names and predicts: the dry run is the apply, without writing;
every field not kept is named per record; ids follow HSDS 3.0 and the report says what was done."""

from __future__ import annotations

import copy
import json
import shutil
import uuid
from dataclasses import asdict
from pathlib import Path
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecotone.directory.hsds import export as hsds
from ecotone.directory.hsds.imports import ImportReport
from ecotone.directory.hsds.readers import read_hsds_json, read_hsds_package
from ecotone.directory.imports import runs as import_runs
from ecotone.directory.imports.batch import Batch
from ecotone.directory.models import Location, Program
from ecotone.errors import DomainError
from tests.conftest import World

from .test_hsds_import import EXAMPLES, a_service, directory_size, problems, run

# Likely duplicates inside one file: the dry run says what the apply does


def club(name: str, organization_id: str, location_id: str) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "name": name,
        "status": "active",
        "organization_id": organization_id,
        "service_at_locations": [
            {
                "id": str(uuid.uuid4()),
                "location": {
                    "id": location_id,
                    "name": "Riverton Makerspace",
                    "latitude": 40.0,
                    "longitude": -83.0,
                },
            }
        ],
    }


def two_teams(world: World, organization: str) -> Batch:
    """One organization's two clubs at one place, with names alike enough to be flagged."""
    batch = Batch()
    if organization == "new":
        organization_id = str(uuid.uuid4())
        batch.organizations.append({"id": organization_id, "name": "X Robotics"})
    else:
        organization_id = str(world.org_a.hsds_id)
    place = str(uuid.uuid4())
    batch.add_service(club("X Robotics Club", organization_id, place), "services[0]")
    batch.add_service(club("X Robotics Club (Team 2)", organization_id, place), "services[1]")
    return batch


def copied(batch: Batch) -> Batch:
    return copy.deepcopy(batch)


@pytest.mark.parametrize("organization", ["new", "existing"])
def test_the_dry_run_predicts_the_apply_for_alike_services_of_one_file(
    world: World, organization: str
) -> None:
    batch = two_teams(world, organization)

    predicted = run(world.alpha, copied(batch), dry_run=True)
    applied = run(world.alpha, copied(batch))

    assert applied.applied
    assert applied.counts == predicted.counts
    assert [asdict(f) for f in applied.duplicates] == [asdict(f) for f in predicted.duplicates]
    created = Program.objects.filter(ecosystem=world.alpha, name__startswith="X Robotics")
    assert created.count() == predicted.counts["service"]["created"]


def test_a_likely_duplicate_inside_one_file_is_reported_for_a_decision(world: World) -> None:
    batch = two_teams(world, "new")

    report = run(world.alpha, copied(batch), dry_run=True)

    [flag] = report.duplicates
    assert (flag.where, flag.name, flag.existing_name) == (
        "services[1]",
        "X Robotics Club (Team 2)",
        "X Robotics Club",
    )
    assert flag.in_file
    assert flag.existing_id == batch.services[0]["id"]
    assert report.counts["service"]["created"] == 2  # the file lists both: kept unless decided

    skipped = run(world.alpha, copied(batch), decisions={flag.service_id: "skip"})
    assert skipped.counts["service"]["created"] == 1
    assert skipped.counts["service"]["skipped"] == 1
    assert list(Program.objects.filter(ecosystem=world.alpha).values_list("name", flat=True)) == [
        "X Robotics Club"
    ]


def test_an_import_run_applies_exactly_what_its_check_reported(world: World) -> None:
    staff = world.users["staff"]
    organization = {
        "id": str(uuid.uuid4()),
        "name": "X Robotics",
        "services": [
            club(f"X Robotics Club{suffix}", "", "3d7c1c36-5d1e-4d54-9d0e-2b8f4a1f0c11")
            for suffix in ("", " (Team 2)", " (Team 3)")
        ],
    }
    for service in organization["services"]:
        service.pop("organization_id")
    content = json.dumps([organization]).encode()
    checked = import_runs.check_upload(
        world.alpha, staff, SimpleUploadedFile("clubs.json", content), "clubs.json"
    )
    flags = checked.report["duplicates"]
    assert len(flags) == 2
    import_runs.decide_duplicates(checked, staff, {flags[0]["service_id"]: "skip"})
    checked.refresh_from_db()
    predicted = checked.report

    applied = import_runs.apply_now(checked, staff)

    assert applied.report["applied"]
    assert applied.report["counts"] == predicted["counts"]
    assert applied.report["duplicates"] == predicted["duplicates"]
    assert predicted["counts"]["service"]["created"] == 2
    assert Program.objects.filter(ecosystem=world.alpha).count() == 2


def test_an_in_file_duplicate_cannot_update_a_program_not_yet_in_the_directory(
    world: World,
) -> None:
    staff = world.users["staff"]
    batch = two_teams(world, "new")
    content = json.dumps([{**batch.organizations[0], "services": batch.services}]).encode()
    checked = import_runs.check_upload(
        world.alpha, staff, SimpleUploadedFile("clubs.json", content), "clubs.json"
    )
    [flag] = checked.report["duplicates"]
    with pytest.raises(DomainError):
        import_runs.decide_duplicates(checked, staff, {flag["service_id"]: "update"})


# A location id given twice with different details


def at(location: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"id": str(uuid.uuid4()), "location": location}]


def test_a_location_id_given_twice_with_different_details_is_refused(world: World) -> None:
    before = directory_size(world.alpha)
    place = str(uuid.uuid4())
    batch = Batch()
    batch.add_service(
        a_service(
            world,
            name="Coders at the library",
            service_at_locations=at(
                {"id": place, "name": "Library", "latitude": 40.0, "longitude": -83.0}
            ),
        ),
        "services[0]",
    )
    batch.add_service(
        a_service(
            world,
            name="Coders at the museum",
            service_at_locations=at(
                {"id": place, "name": "Museum", "latitude": 41.0, "longitude": -84.0}
            ),
        ),
        "services[1]",
    )

    report = run(world.alpha, batch)

    assert ("services[1]", "service_at_locations[0].location.id") in problems(report)
    message = next(p.message for p in report.problems if p.where == "services[1]")
    assert "services[0]" in message
    assert "name" in message
    assert not report.applied
    assert directory_size(world.alpha) == before


def test_the_same_location_twice_with_the_same_details_is_one_location(world: World) -> None:
    place = {"id": str(uuid.uuid4()), "name": "Library", "latitude": 40.0, "longitude": -83.0}
    batch = Batch()
    batch.add_service(a_service(world, name="Coders", service_at_locations=at(place)), "s[0]")
    batch.add_service(a_service(world, name="Makers", service_at_locations=at(place)), "s[1]")

    report = run(world.alpha, batch)

    assert report.problems == []
    assert Location.objects.filter(ecosystem=world.alpha, hsds_id=place["id"]).count() == 1
    assert Program.objects.filter(program_locations__location__hsds_id=place["id"]).count() == 2


def test_a_location_row_given_twice_in_a_package_is_refused(world: World, tmp_path: Path) -> None:
    package = tmp_path / "package"
    shutil.copytree(EXAMPLES / "csv", package)
    lines = (package / "locations.csv").read_text(encoding="utf-8").splitlines()
    moved = lines[1].replace("MyCity Civic Center", "Another Hall", 1)
    (package / "locations.csv").write_text("\n".join([*lines, moved]) + "\n", "utf-8")

    report = run(world.alpha, read_hsds_package(package))

    assert ("locations.csv row 3", "id") in problems(report)
    assert not report.applied


# Ids: HSDS 3.0 ids are UUIDs; what is done otherwise is said, and the same file imports again


def json_file(tmp_path: Path, records: list[dict[str, Any]]) -> Path:
    file = tmp_path / "services.json"
    file.write_text(json.dumps(records), encoding="utf-8")
    return file


def test_a_service_without_an_id_gets_a_stable_one_and_imports_again(
    world: World, tmp_path: Path
) -> None:
    record = a_service(world)
    del record["id"]
    del record["service_at_locations"][0]["location"]["id"]
    file = json_file(tmp_path, [record])

    first = run(world.alpha, read_hsds_json(file))

    assert first.problems == []
    program = Program.objects.get(ecosystem=world.alpha, name="Junior Coders")
    location = program.program_locations.get().location
    notes = " ".join(first.notes)
    assert f"no id; it is given {program.hsds_id}" in notes
    assert f"no id; it is given {location.hsds_id}" in notes

    second = run(world.alpha, read_hsds_json(file))

    assert second.problems == []
    assert second.counts["service"]["unchanged"] == 1
    assert (second.total("created"), second.total("updated")) == (0, 0), second.counts
    assert Program.objects.filter(ecosystem=world.alpha).count() == 1
    assert Location.objects.filter(ecosystem=world.alpha).count() == 1


def test_an_id_that_is_not_a_uuid_is_replaced_and_the_report_says_so(
    world: World, tmp_path: Path
) -> None:
    file = json_file(tmp_path, [a_service(world, id="junior-coders-2026")])

    first = run(world.alpha, read_hsds_json(file))

    program = Program.objects.get(ecosystem=world.alpha, name="Junior Coders")
    [note] = [n for n in first.notes if "junior-coders-2026" in n]
    assert "not a UUID" in note
    assert str(program.hsds_id) in note
    second = run(world.alpha, read_hsds_json(file))
    assert second.counts["service"]["unchanged"] == 1


# The official CSV example keeps what its JSON form keeps


def kept_of(program: Program) -> dict[str, Any]:
    return {
        "schedules": sorted(
            (s.program_location_id is not None, s.description) for s in program.schedules.all()
        ),
        "languages": sorted(program.languages.values_list("code", flat=True)),
        "phone": program.phone,
    }


def test_the_csv_example_keeps_what_its_json_form_keeps(world: World) -> None:
    assert run(world.alpha, read_hsds_package(EXAMPLES / "csv")).problems == []
    assert run(world.beta, read_hsds_json(EXAMPLES / "service_full.json")).problems == []

    from_csv = kept_of(Program.objects.get(ecosystem=world.alpha))
    from_json = kept_of(Program.objects.get(ecosystem=world.beta))

    assert from_csv == from_json
    assert [at_site for at_site, _ in from_csv["schedules"]] == [False, True]
    assert from_csv["languages"] == ["ur"]
    assert "1234 234567" in from_csv["phone"]


# Fields Ecotone cannot keep are named per record; what it can keep, ids included, is kept


def left_out(report: ImportReport) -> set[str]:
    """`where: field` for every field the report names as not kept."""
    named = set()
    for note in report.notes:
        where, found, fields = note.partition(": not kept: ")
        if found:
            named |= {f"{where}: {field}" for field in fields.rstrip(".").split(", ")}
    return named


def test_json_fields_ecotone_cannot_keep_are_named_per_record(world: World) -> None:
    report = run(world.alpha, read_hsds_json(EXAMPLES / "service_full.json"), dry_run=True)

    named = left_out(report)

    for field in (
        "service: phones[0].type",
        "service: phones[0].extension",
        "service: attributes[0].link_type",
        "service: service_at_locations[0].location.external_identifier",
        "service: service_at_locations[0].location.accessibility[0].details",
        "service: service_at_locations[0].location.addresses[0].attention",
        "service: schedules[0].byweekno",
        "service: fees",
        "service.organization: tax_status",
        "service.organization: year_incorporated",
        "service.organization: legal_status",
        "service.organization: logo",
        "service.organization: uri",
        "service.organization: parent_organization_id",
        "service.organization: phones[0].type",
    ):
        assert field in named, sorted(named)
    assert not any(field.endswith((": name", ": description", ".number")) for field in named)


def test_package_fields_ecotone_cannot_keep_are_named_per_row(world: World) -> None:
    named = left_out(run(world.alpha, read_hsds_package(EXAMPLES / "csv"), dry_run=True))

    for field in (
        "organizations.csv row 2: tax_status",
        "organizations.csv row 2: tax_id",
        "organizations.csv row 2: logo",
        "organizations.csv row 2: parent_organization_id",
        "locations.csv row 2: external_identifier",
        "phones.csv row 2: type",
        "accessibility.csv row 2: details",
        "addresses.csv row 2: attention",
        "services.csv row 2: program_id",
    ):
        assert field in named, sorted(named)


def test_ids_of_phones_addresses_and_accessibility_are_kept(world: World) -> None:
    run(world.alpha, read_hsds_json(EXAMPLES / "service_full.json"))

    [service] = json.loads("".join(hsds.iter_services_json(world.alpha)))

    assert service["phones"][0]["id"] == "1554f2e2-a373-45db-a3fa-9fc48a61c15e"
    location = service["service_at_locations"][0]["location"]
    assert location["addresses"][0]["id"] == "74706e55-df26-4b84-80fe-ecc30b5befb4"
    assert location["accessibility"][0]["id"] == "afcf296e-1cb2-4139-9c88-33d587d1a50b"
    again = run(world.alpha, read_hsds_json(EXAMPLES / "service_full.json"))
    assert (again.total("created"), again.total("updated")) == (0, 0), again.counts


def test_the_import_page_offers_create_or_skip_for_a_look_alike_of_the_same_file(
    world: World,
) -> None:
    staff = world.client("staff")
    batch = two_teams(world, "new")
    content = json.dumps([{**batch.organizations[0], "services": batch.services}]).encode()
    staff.post("/e/alpha/programs/imports/", {"file": SimpleUploadedFile("clubs.json", content)})
    run = world.alpha.import_runs.get()

    page = staff.get(run.get_absolute_url()).content.decode()

    assert "earlier in this file" in page
    assert "Not decided (created: the file lists both)" in page
    assert "Update the existing program with it" not in page
