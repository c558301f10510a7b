"""HSDS 3.0 export: records valid against the official schemas, published data only, streamed
in bounded chunks, and the tabular data package shaped as the HSDS CSV examples."""

from __future__ import annotations

import csv
import inspect
import json
import uuid
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecotone.directory.hsds import export as hsds
from ecotone.directory.hsds import tabular as hsds_tabular
from ecotone.directory.hsds.imports import import_batch
from ecotone.directory.hsds.readers import read_hsds_json, read_hsds_package
from ecotone.directory.models import (
    CoordinatesSource,
    CostBand,
    CostOption,
    Delivery,
    Funding,
    Language,
    Location,
    LocationType,
    MentoringDepth,
    Program,
    ProgramLocation,
    ProgramStatus,
    Schedule,
    ServiceArea,
    ServiceCapacity,
    TaxonomyTerm,
    Term,
)
from ecotone.directory.taxonomy import NAMESPACE, PROFILE_FIELDS
from ecotone.ecosystems.models import Contact
from tests.conftest import World, make_organization
from tests.directory.test_hsds_conformance import (
    example,
    hsds_folder,
    schema_file,
    validate_package,
    validate_record,
)
from tests.directory.test_search import RIVERTON, add_program

# A square of about 14 by 14 miles around downtown Riverton (ZIP 43215).
RIVERTON_AREA = {
    "type": "Polygon",
    "coordinates": [
        [[-83.1, 39.87], [-82.9, 39.87], [-82.9, 40.07], [-83.1, 40.07], [-83.1, 39.87]]
    ],
}
SECRET_CONTACT = "Pat Private"
SECRET_EMAIL = "pat.private@robotics-for-all.test"
ASSURER = "verifier@alpha.test"


@dataclass
class Directory:
    """A small directory with every HSDS record kind, and what must never be published."""

    robotics: Program
    online: Program
    archived: Program
    defunct: Program
    beta: Program
    riverton: Location
    site: ProgramLocation


def build_directory(world: World) -> Directory:
    Contact.objects.create(organization=world.org_a, name=SECRET_CONTACT, email=SECRET_EMAIL)
    world.org_a.email = "hello@robotics-for-all.test"
    world.org_a.phone = "(555) 010-0000"
    world.org_a.website = "https://robotics-for-all.test"
    world.org_a.save()
    robotics = add_program(
        world,
        "Robotics Club",
        terms=(
            "grade_band/6-8",
            "stem_field/robotics",
            "activity_type/afterschool-club",
            "focus_population/girls",
        ),
        description="Teams build and program robots for the regional competition.",
        alternate_name="RoboClub",
        url="https://robotics-for-all.test/club",
        email="club@robotics-for-all.test",
        phone="(555) 010-0001",
        minimum_age=11,
        maximum_age=14,
        assured_date=date(2025, 9, 1),
        assurer_email=ASSURER,
        delivery=Delivery.HYBRID,
        cost_band=CostBand.LOW,
        scholarships=True,
        transportation_provided=True,
        mentoring_depth=MentoringDepth.MEDIUM,
        seats=20,
        term=Term.FALL,
        participants_last_year=35,
        fees_description="$40 a term; scholarships cover it for anyone who asks.",
    )
    robotics.partner_organizations.add(world.org_b)
    riverton = Location.objects.create(
        ecosystem=world.alpha,
        organization=world.org_a,
        name="Riverton Makerspace",
        address_1="12 Main Street",
        city="Riverton",
        state_province="OH",
        postal_code="43215",
        latitude=RIVERTON[0],
        longitude=RIVERTON[1],
        coordinates_source=CoordinatesSource.ZIP_CENTROID,
        accessibility="Step-free entrance; an elevator to the lab.",
        transportation="Bus 2 stops outside.",
    )
    site = ProgramLocation.objects.create(
        program=robotics, location=riverton, description="The main lab."
    )
    Schedule.objects.create(
        program=robotics,
        program_location=site,
        byday="TU,TH",
        opens_at=time(15, 30),
        closes_at=time(17, 0),
        dtstart=date(2025, 9, 2),
        until=date(2025, 12, 11),
        timezone="America/New_York",
    )
    Schedule.objects.create(
        program=robotics, freq="MONTHLY", byday="SA", opens_at=time(10), closes_at=time(12)
    )
    Language.objects.create(program=robotics, code="es", name="Spanish", note="Bilingual mentors")
    CostOption.objects.create(
        program=robotics, option="Per term", amount=Decimal("40.00"), amount_description="fall"
    )
    Funding.objects.create(program=robotics, source="Alpha Valley Community Foundation")
    ServiceArea.objects.create(program=robotics, name="Riverton", extent=RIVERTON_AREA)
    ServiceCapacity.objects.create(
        program=robotics,
        available=4,
        maximum=20,
        description="Fall term",
        updated=timezone.now(),  # to the microsecond, as the listing form saves it
    )

    online = add_program(
        world, "Online Coding", delivery=Delivery.VIRTUAL, organization=world.org_b
    )
    virtual = Location.objects.create(
        ecosystem=world.alpha,
        name="Online",
        location_type=LocationType.VIRTUAL,
        url="https://meet.example.org/coding",
    )
    ProgramLocation.objects.create(program=online, location=virtual)

    archived = add_program(world, "Old Club", archived_at=timezone.now())
    defunct = add_program(world, "Gone Club", status=ProgramStatus.DEFUNCT)
    beta = Program.objects.create(
        ecosystem=world.beta, organization=world.org_beta, name="Beta Lab", slug="beta-lab"
    )
    return Directory(robotics, online, archived, defunct, beta, riverton, site)


@pytest.fixture
def directory(world: World) -> Directory:
    return build_directory(world)


def full_services(world: World, **options: Any) -> list[dict[str, Any]]:
    return list(hsds.iter_full_services(world.alpha, **options))


def by_code(service: dict[str, Any]) -> set[tuple[str, str]]:
    return {(a["taxonomy_term"]["code"], a.get("value", "")) for a in service["attributes"]}


# JSON records


def test_every_exported_service_validates_against_the_hsds_schema(
    world: World, directory: Directory
) -> None:
    services = full_services(world)
    assert {s["name"] for s in services} == {"Robotics Club", "Online Coding"}
    for service in services:
        validate_record(service, "service.json")


def test_a_full_service_carries_its_whole_record(world: World, directory: Directory) -> None:
    service = next(s for s in full_services(world) if s["name"] == "Robotics Club")
    assert service["id"] == str(directory.robotics.hsds_id)
    assert service["organization"]["id"] == str(world.org_a.hsds_id)
    assert service["organization"]["phones"][0]["number"] == "(555) 010-0000"
    assert service["phones"] == [
        {"id": hsds.derived_id(directory.robotics.hsds_id, "phone"), "number": "(555) 010-0001"}
    ]
    assert (service["minimum_age"], service["maximum_age"]) == (11, 14)
    assert service["assured_date"] == "2025-09-01"

    (monthly,) = service["schedules"]  # the service's own schedule; the other is the site's
    assert monthly["freq"] == "MONTHLY"
    assert monthly["timezone"] == -5  # no first date: the ecosystem zone's standard offset
    (sal,) = service["service_at_locations"]
    assert sal["description"] == "The main lab."
    (weekly,) = sal["schedules"]
    assert weekly | {"id": "x"} == {
        "id": "x",
        "dtstart": "2025-09-02",
        "until": "2025-12-11",
        "timezone": -4,  # daylight saving time on the first session
        "freq": "WEEKLY",
        "interval": 1,
        "byday": "TU,TH",
        "opens_at": "15:30:00",
        "closes_at": "17:00:00",
    }
    location = sal["location"]
    assert location["latitude"] == RIVERTON[0]
    assert location["organization_id"] == service["organization"]["id"]
    assert location["addresses"][0] | {"id": "x"} == {
        "id": "x",
        "address_1": "12 Main Street",
        "city": "Riverton",
        "state_province": "OH",
        "postal_code": "43215",
        "country": "US",
        "address_type": "physical",
    }
    assert location["accessibility"][0]["description"].startswith("Step-free")
    assert [(a["taxonomy_term"]["code"], a["value"]) for a in location["attributes"]] == [
        ("profile/coordinates_source", "zip_centroid")
    ]
    assert service["languages"][0] | {"id": "x"} == {
        "id": "x",
        "name": "Spanish",
        "code": "es",
        "note": "Bilingual mentors",
    }
    assert service["cost_options"][0]["amount"] == 40
    assert service["funding"][0]["source"] == "Alpha Valley Community Foundation"
    assert json.loads(service["service_areas"][0]["extent"]) == RIVERTON_AREA
    assert service["service_areas"][0]["extent_type"] == "geojson"


def test_the_stem_profile_travels_as_attributes(world: World, directory: Directory) -> None:
    service = next(s for s in full_services(world) if s["name"] == "Robotics Club")
    assert by_code(service) == {
        ("grade_band/6-8", ""),
        ("stem_field/robotics", ""),
        ("activity_type/afterschool-club", ""),
        ("focus_population/girls", ""),
        ("profile/delivery", "hybrid"),
        ("profile/cost_band", "low"),
        ("profile/scholarships", "true"),
        ("profile/transportation_provided", "true"),
        ("profile/mentoring_depth", "medium"),
        ("profile/seats", "20"),
        ("profile/term", "fall"),
        ("profile/participants_last_year", "35"),
        ("profile/partner_organization", str(world.org_b.hsds_id)),
    }
    robotics_term = next(
        a["taxonomy_term"]
        for a in service["attributes"]
        if a["taxonomy_term"]["code"] == "stem_field/robotics"
    )
    assert robotics_term["taxonomy"] == "Ecotone STEM profile"
    assert robotics_term["parent_id"] == str(uuid.uuid5(NAMESPACE, "stem_field"))
    assert robotics_term["taxonomy_detail"]["id"] == str(uuid.uuid5(NAMESPACE, "taxonomy"))


def test_unfilled_profile_fields_are_left_out(world: World) -> None:
    add_program(world, "Bare")
    (service,) = full_services(world)
    codes = {code for code, _value in by_code(service)}
    assert "profile/seats" not in codes
    assert "profile/participants_last_year" not in codes
    assert "profile/partner_organization" not in codes
    assert {"profile/delivery", "profile/cost_band", "profile/term"} <= codes


def test_every_profile_field_has_a_term_made_by_the_migration(db: Any) -> None:
    codes = set(TaxonomyTerm.objects.filter(code__startswith="profile/").values_list("code"))
    assert codes == {(field.code,) for field in PROFILE_FIELDS}
    for field in PROFILE_FIELDS:
        term = TaxonomyTerm.objects.get(code=field.code)
        assert term.hsds_id == uuid.uuid5(NAMESPACE, field.code)
        assert term.parent is not None
        assert term.parent.code == "profile"
        assert term.description


def test_only_published_records_leave_the_ecosystem(world: World, directory: Directory) -> None:
    text = "".join(hsds.iter_services_json(world.alpha))
    for unpublished in ("Old Club", "Gone Club", "Beta Lab"):
        assert unpublished not in text
    # The partners' named contacts are for backbone and partner staff only.
    assert SECRET_CONTACT not in text
    assert SECRET_EMAIL not in text
    assert ASSURER not in text  # who verified a listing is not public either
    assert "hello@robotics-for-all.test" in text  # the organization's own public email is


def test_organizations_published_are_active_ones_and_those_running_listed_programs(
    world: World, directory: Directory
) -> None:
    closed = make_organization(world.alpha, "Closed Partner", archived_at=timezone.now())
    running = make_organization(world.alpha, "Archived But Running", archived_at=timezone.now())
    add_program(world, "Still Listed", organization=running)
    published = set(hsds.public_organizations(world.alpha))
    assert running in published
    assert closed not in published
    assert world.org_beta not in published


def test_ids_are_stable_from_one_export_to_the_next(world: World, directory: Directory) -> None:
    first = "".join(hsds.iter_services_json(world.alpha))
    second = "".join(hsds.iter_services_json(world.alpha))
    assert first == second
    assert hsds.organization_id("alpha", 7) == str(
        uuid.uuid5(hsds.ORGANIZATION_NAMESPACE, "alpha/7")
    )


@pytest.mark.parametrize(
    ("zone", "on", "hours"),
    [
        ("America/New_York", date(2025, 7, 1), -4),
        ("America/New_York", date(2025, 1, 15), -5),
        ("America/New_York", None, -5),
        ("Australia/Sydney", None, 10),  # standard time, though January is summer there
        ("Asia/Kolkata", None, 5.5),
        ("Not/A_Zone", None, None),
        ("", None, None),
    ],
)
def test_schedule_timezone_is_a_utc_offset_in_hours(
    zone: str, on: date | None, hours: float | None
) -> None:
    assert hsds.utc_offset_hours(zone, on) == hours


# Streaming


def test_the_json_export_streams_in_bounded_chunks(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(7):
        add_program(world, f"Club {n}", at=(RIVERTON[0] + n / 100, RIVERTON[1]))
    chunks: list[int] = []
    real_in_chunks = hsds.in_chunks

    def spy(queryset: Any, chunk_size: int = hsds.CHUNK_SIZE) -> Any:
        for pks in real_in_chunks(queryset, chunk_size):
            chunks.append(len(pks))
            yield pks

    monkeypatch.setattr(hsds, "in_chunks", spy)
    pieces = hsds.iter_services_json(world.alpha, chunk_size=3)
    assert inspect.isgenerator(pieces)  # nothing is built up front
    with CaptureQueriesContext(connection) as queries:
        assert next(pieces) == "["
        assert queries.captured_queries == []  # lazy: no query before the first record
        first = next(pieces)
        assert json.loads(first)["name"] == "Club 0"
        assert chunks == [3]  # only the first chunk has been read
        after_first = len(queries)
        rest = list(pieces)
    assert chunks == [3, 3, 1]  # never more than chunk_size programs in memory
    # The profile terms and the content type once, then per chunk its keys, its change history
    # and the eleven queries of a full page.
    assert after_first <= 2 + 1 + 1 + 11
    assert len(queries) <= 2 + 3 * (1 + 1 + 11) + 1
    every_pk_query = [q["sql"] for q in queries.captured_queries if "LIMIT 3" in q["sql"]]
    assert len(every_pk_query) == 4  # three chunks, then the empty one that ends the walk
    services = json.loads("".join(["[", first, *rest]))
    assert [s["name"] for s in services] == [f"Club {n}" for n in range(7)]


def test_export_command_writes_one_json_array(
    world: World, directory: Directory, tmp_path: Path
) -> None:
    target = tmp_path / "alpha.json"
    call_command("export_hsds", "--ecosystem", "alpha", str(target), "--chunk-size", "1")
    services = json.loads(target.read_text(encoding="utf-8"))
    assert [s["name"] for s in services] == ["Robotics Club", "Online Coding"]
    for service in services:
        validate_record(service, "service.json")
    assert list(tmp_path.iterdir()) == [target]  # no partial file left behind


def test_export_command_refuses_what_it_cannot_do(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="No ecosystem"):
        call_command("export_hsds", "--ecosystem", "nowhere", str(tmp_path / "x.json"))
    a_file = tmp_path / "notes.txt"
    a_file.write_text("hello")
    with pytest.raises(CommandError, match="is a file"):
        call_command("export_hsds", "--ecosystem", "alpha", str(a_file))
    with pytest.raises(CommandError, match="does not exist"):
        call_command("export_hsds", "--ecosystem", "alpha", str(tmp_path / "no" / "x.json"))


# The tabular data package


def read_table(folder: Path, name: str) -> tuple[list[str], list[dict[str, str]]]:
    with (folder / name).open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        rows = list(reader)
        return list(reader.fieldnames or []), rows


@pytest.fixture
def package(world: World, directory: Directory, tmp_path: Path) -> Path:
    folder = tmp_path / "package"
    call_command("export_hsds", "--ecosystem", "alpha", str(folder))
    return folder


def test_the_package_tables_are_the_hsds_examples_tables(package: Path) -> None:
    examples = hsds_folder() / "examples" / "csv"
    written = sorted(p.name for p in package.glob("*.csv"))
    assert written == sorted(table.path for table in hsds_tabular.TABLES)
    for name in written:
        with (examples / name).open(encoding="utf-8", newline="") as handle:
            expected = next(csv.reader(handle))
        assert read_table(package, name)[0] == expected, name


def test_the_datapackage_describes_the_tables_as_the_hsds_schemas_do(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    assert descriptor["profile"] == "tabular-data-package"
    resources = {resource["path"]: resource for resource in descriptor["resources"]}
    assert sorted(resources) == sorted(p.name for p in package.glob("*.csv"))
    schemas = {}
    for path in (hsds_folder() / "schema").glob("*.json"):
        contents = schema_file(path.name)
        if "path" in contents:
            schemas[contents["path"]] = contents
    for path, resource in resources.items():
        schema = schemas[path]
        assert resource["name"] == schema["name"]
        assert [f["name"] for f in resource["schema"]["fields"]] == read_table(package, path)[0]
        for field in resource["schema"]["fields"]:
            hsds_field = schema["properties"][field["name"]]
            expected_type = hsds_field.get("datapackage_type", hsds_field["type"])
            assert field["type"] == expected_type, (path, field)
            expected_format = hsds_field.get("format")
            if expected_format != "date-time":
                assert field.get("format") == expected_format, (path, field)
            required = field["name"] in schema["required"]
            assert field.get("constraints", {}).get("required", False) == required, (path, field)


def test_every_reference_in_the_package_resolves(package: Path) -> None:
    descriptor = json.loads((package / "datapackage.json").read_text(encoding="utf-8"))
    names = {resource["name"]: resource["path"] for resource in descriptor["resources"]}
    ids = {
        name: {row["id"] for row in read_table(package, path)[1]} for name, path in names.items()
    }
    for resource in descriptor["resources"]:
        rows = read_table(package, resource["path"])[1]
        assert len({row["id"] for row in rows}) == len(rows), resource["path"]
        for key in resource["schema"]["foreignKeys"]:
            target = key["reference"]["resource"] or resource["name"]
            for row in rows:
                value = row[key["fields"]]
                assert not value or value in ids[target], (resource["path"], key, value)
    for row in read_table(package, "attributes.csv")[1]:
        entity = {"service": "service", "location": "location"}[row["link_entity"]]
        assert row["link_id"] in ids[entity]


def test_every_table_of_the_package_validates_against_the_hsds_schemas(package: Path) -> None:
    validate_package(package)


def test_what_ecotone_lacks_of_a_required_field_is_never_exported_empty(
    world: World, directory: Directory, tmp_path: Path
) -> None:
    # A partner without a description, a place without a ZIP code, Ecotone's own terms (most
    # have no description), a change history with a creation and an emptied field.
    assert world.org_a.description == ""
    Location.objects.filter(pk=directory.riverton.pk).update(postal_code="")
    directory.robotics.alternate_name = ""
    directory.robotics.save()

    hsds_tabular.write_package(world.alpha, tmp_path)

    validate_package(tmp_path)
    services = {s["name"]: s for s in full_services(world)}
    for service in services.values():
        validate_record(service, "service.json")
    robotics = services["Robotics Club"]
    assert robotics["organization"]["description"] == world.org_a.name
    assert robotics["service_at_locations"][0]["location"]["addresses"] == []
    assert read_table(tmp_path, "addresses.csv")[1] == []
    terms = read_table(tmp_path, "taxonomy_terms.csv")[1]
    assert all(row["description"] for row in terms)
    term = TaxonomyTerm.objects.get(code="stem_field/robotics")
    described = {row["code"]: row["description"] for row in terms}
    assert described[term.code] == (term.description or term.name)
    emptied = robotics["metadata"][-1]
    assert (emptied["field_name"], emptied["previous_value"], emptied["replacement_value"]) == (
        "alternate_name",
        "RoboClub",
        hsds.NO_VALUE,
    )


def test_a_missing_required_field_is_decided_at_import_and_exported_valid(
    world: World, tmp_path: Path
) -> None:
    service = {
        "id": str(uuid.uuid4()),
        "name": "Maker Night",
        "status": "active",
        "service_at_locations": [
            {
                "id": str(uuid.uuid4()),
                "location": {
                    "id": str(uuid.uuid4()),
                    "location_type": "physical",
                    "name": "Northside Library",
                    "latitude": 40.0,
                    "longitude": -83.0,
                    "addresses": [
                        {
                            "id": str(uuid.uuid4()),
                            "address_1": "5 Elm Street",
                            "city": "Riverton",
                            "state_province": "OH",
                            "country": "US",
                            "address_type": "physical",
                        }
                    ],
                },
            }
        ],
    }
    file = tmp_path / "services.json"
    organization = {"id": str(uuid.uuid4()), "name": "Northside Makers", "services": [service]}
    file.write_text(json.dumps([organization]), encoding="utf-8")

    report = import_batch(world.alpha, read_hsds_json(file), user=None, dry_run=False)

    assert report.problems == []
    notes = "\n".join(report.notes)
    assert "[0]: no description, which HSDS requires" in notes
    assert "the address has no postal_code, which HSDS requires" in notes
    makers = world.alpha.organizations.get(name="Northside Makers")
    assert makers.description == ""
    library = Location.objects.get(name="Northside Library")
    assert (library.address_1, library.city, library.postal_code) == (
        "5 Elm Street",
        "Riverton",
        "",
    )

    hsds_tabular.write_package(world.alpha, tmp_path / "package")
    validate_package(tmp_path / "package")
    exported = {s["name"]: s for s in full_services(world)}["Maker Night"]
    validate_record(exported, "service.json")
    assert exported["organization"]["description"] == "Northside Makers"

    # The export imports back unchanged: the stand-in description reads back as none, the
    # address left out of it is kept.
    again = import_batch(
        world.alpha, read_hsds_package(tmp_path / "package"), user=None, dry_run=False
    )
    assert again.problems == []
    assert (again.total("created"), again.total("updated")) == (0, 0), again.counts
    library.refresh_from_db()
    assert (library.address_1, library.city) == ("5 Elm Street", "Riverton")
    makers.refresh_from_db()
    assert makers.description == ""


def test_the_package_holds_the_same_records_as_the_json(
    world: World, package: Path, directory: Directory
) -> None:
    services = {s["id"]: s for s in full_services(world)}
    rows = {row["id"]: row for row in read_table(package, "services.csv")[1]}
    assert rows.keys() == services.keys()
    for service_id, row in rows.items():
        service = services[service_id]
        for column, value in row.items():
            if column == "organization_id":
                assert value == service["organization"]["id"]
            elif column in service:
                assert value == hsds_tabular._cell(service[column]), column
            else:
                assert value == "", column
    schedules = {row["id"]: row for row in read_table(package, "schedules.csv")[1]}
    site_schedule = directory.site.schedules.get()
    assert schedules[str(site_schedule.hsds_id)]["service_at_location_id"] == str(
        directory.site.hsds_id
    )
    # Only its site: a row with `service_id` would be a schedule of the whole service too.
    assert schedules[str(site_schedule.hsds_id)]["service_id"] == ""
    locations = read_table(package, "locations.csv")[1]
    assert sorted(row["name"] for row in locations) == ["Online", "Riverton Makerspace"]
    terms = {row["code"] for row in read_table(package, "taxonomy_terms.csv")[1]}
    assert {"stem_field/robotics", "profile/delivery", "profile"} <= terms
    text = "".join(p.read_text(encoding="utf-8") for p in package.glob("*.csv"))
    assert SECRET_CONTACT not in text
    assert SECRET_EMAIL not in text
    assert ASSURER not in text


def test_the_official_csv_examples_are_what_we_compare_with() -> None:
    # Guards the comparison above: the examples folder holds the 3.0 tables we write.
    assert (hsds_folder() / "examples" / "csv" / "services.csv").is_file()
    assert "services.csv" in example("tabular.json")


def _full_service(world: World, program: Program) -> dict[str, Any]:
    detailed = hsds.with_full_detail(Program.objects.filter(pk=program.pk), world.alpha).get()
    return hsds.HsdsExport(world.alpha).service_full(detailed)


def test_service_metadata_is_the_published_change_history(world: World) -> None:
    program = add_program(world, "Robot Builders", description="Robots on Tuesdays.")
    program.description = "Robots on Thursdays."
    program.assurer_email = SECRET_EMAIL
    program.save()

    record = _full_service(world, program)
    validate_record(record, "service.json")
    created, changed = record["metadata"]
    assert created["last_action_type"] == "create"
    assert created["resource_id"] == str(program.hsds_id)
    assert created["resource_type"] == "service"
    assert changed["last_action_type"] == "update"
    assert changed["field_name"] == "description"
    assert changed["previous_value"] == "Robots on Tuesdays."
    assert changed["replacement_value"] == "Robots on Thursdays."
    assert changed["last_action_date"] == timezone.localdate().isoformat()
    # Who verified the listing, and who edited it, are not published.
    assert SECRET_EMAIL not in json.dumps(record)
    assert {entry["updated_by"] for entry in record["metadata"]} == {world.alpha.name}
    # The same history gets the same ids, export after export.
    assert _full_service(world, program)["metadata"] == record["metadata"]


def test_every_exported_service_carries_its_own_history(world: World) -> None:
    first = add_program(world, "First Robots")
    second = add_program(world, "Second Robots")
    second.name = "Second Robot Club"
    second.save()
    services = {s["id"]: s for s in hsds.iter_full_services(world.alpha, chunk_size=1)}
    assert [m["last_action_type"] for m in services[str(first.hsds_id)]["metadata"]] == ["create"]
    renamed = services[str(second.hsds_id)]["metadata"][-1]
    assert (renamed["field_name"], renamed["previous_value"], renamed["replacement_value"]) == (
        "name",
        "Second Robots",
        "Second Robot Club",
    )


def test_the_package_has_the_change_history_as_its_metadata_table(
    world: World, tmp_path: Path
) -> None:
    program = add_program(world, "Robot Builders")
    program.name = "Robot Builders Club"
    program.save()
    hsds_tabular.write_package(world.alpha, tmp_path)
    with (tmp_path / "metadata.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(r["last_action_type"], r["field_name"]) for r in rows] == [
        ("create", hsds.NO_VALUE),
        ("update", "name"),
    ]
    assert {r["resource_id"] for r in rows} == {str(program.hsds_id)}
    assert rows[1]["replacement_value"] == "Robot Builders Club"
