"""The flat program spreadsheet: every cell checked with its row and column, rows grouped into
programs and locations, CSV and XLSX alike, and the template, guide and exports downloadable by
the people allowed."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from openpyxl import Workbook, load_workbook

from ecotone.cells import Problem
from ecotone.demo import builder
from ecotone.directory import stem_profile
from ecotone.directory.hsds.imports import import_batch
from ecotone.directory.imports.batch import Batch
from ecotone.directory.models import (
    CoordinatesSource,
    CostBand,
    CostOption,
    Delivery,
    Funding,
    Language,
    Location,
    LocationType,
    Program,
    ProgramLocation,
    Schedule,
)
from ecotone.directory.spreadsheet import cells as sheet_cells
from ecotone.directory.spreadsheet import columns as sheet_columns
from ecotone.directory.spreadsheet import reading, writing
from ecotone.ecosystems.models import Ecosystem, Organization
from tests.conftest import World, make_organization
from tests.directory import test_hsds_import as hsds_import_tests
from tests.directory.test_hsds_export import build_directory
from tests.directory.test_search import add_program

HEADERS = list(sheet_columns.HEADERS)
VALID = dict(zip(HEADERS, writing.example_row(), strict=True))


def row(**cells: Any) -> dict[str, Any]:
    return {**VALID, **cells}


def write_csv(
    folder: Path,
    rows: list[dict[str, Any]],
    *,
    headers: list[str] = HEADERS,
    encoding: str = "utf-8",
) -> Path:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(headers)
    for cells in rows:
        writer.writerow([cells.get(h, "") for h in headers])
    path = folder / "programs.csv"
    path.write_bytes(buffer.getvalue().encode(encoding))
    return path


def write_xlsx(folder: Path, rows: list[dict[str, Any]], *, headers: list[str] = HEADERS) -> Path:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(headers)
    for cells in rows:
        sheet.append([cells.get(h) for h in headers])
    path = folder / "programs.xlsx"
    workbook.save(path)
    return path


def read(path: Path) -> Batch:
    return reading.read_spreadsheet(path)


def only_problem(batch: Batch) -> Problem:
    assert len(batch.problems) == 1, batch.problems
    return batch.problems[0]


def codes(service: dict[str, Any]) -> set[str]:
    return {a["taxonomy_term"]["code"] for a in service["attributes"]}


def profile(service: dict[str, Any]) -> dict[str, str]:
    return {
        a["taxonomy_term"]["code"].split("/", 1)[1]: a["value"]
        for a in service["attributes"]
        if a["taxonomy_term"]["code"].startswith("profile/")
    }


# reading one row ----------------------------------------------------------------------------


def test_the_example_row_becomes_a_full_hsds_service(tmp_path: Path) -> None:
    batch = read(write_csv(tmp_path, [VALID]))
    assert batch.problems == []
    assert batch.where == ["row 2"]
    (service,) = batch.services
    assert service["name"] == "Robotics Club"
    assert service["status"] == "active"
    assert service["organization"]["name"] == "Robotics For All"
    assert (service["minimum_age"], service["maximum_age"]) == (11, 14)
    assert service["phones"][0]["number"] == "(555) 010-0001"
    assert [language["code"] for language in service["languages"]] == ["en", "es"]
    assert [f["source"] for f in service["funding"]] == ["City STEM Fund", "Acme Foundation"]
    assert {
        "grade_band/6-8",
        "grade_band/9-12",
        "stem_field/robotics",
        "stem_field/engineering",
        "activity_type/afterschool-club",
        "focus_population/girls",
    } <= codes(service)
    assert profile(service) | {"partner_organization": ""} == {
        "delivery": "in_person",
        "transportation_provided": "false",
        "cost_band": "low",
        "scholarships": "true",
        "mentoring_depth": "medium",
        "seats": "20",
        "term": "fall",
        "participants_last_year": "35",
        "partner_organization": "",
    }
    (site,) = service["service_at_locations"]
    location = site["location"]
    assert location["name"] == "Riverton Makerspace"
    assert location["location_type"] == "physical"
    assert (location["latitude"], location["longitude"]) == (39.9612, -82.9988)
    assert location["addresses"][0]["postal_code"] == "43215"
    (schedule,) = site["schedules"]
    assert schedule["byday"] == "MO,WE"
    assert (schedule["opens_at"], schedule["closes_at"]) == ("15:30:00", "17:00:00")
    assert (schedule["dtstart"], schedule["until"]) == ("2026-09-14", "2026-12-16")


def test_blank_optional_cells_take_the_directory_defaults(tmp_path: Path) -> None:
    minimal = {"organization": "Robotics For All", "program_name": "Drop-in Lab"}
    batch = read(write_csv(tmp_path, [minimal], headers=["organization", "program_name"]))
    assert batch.problems == []
    (service,) = batch.services
    assert service["status"] == "active"
    assert service["service_at_locations"] == []
    assert profile(service)["delivery"] == Delivery.IN_PERSON
    assert profile(service)["cost_band"] == CostBand.FREE


def test_headers_match_whatever_the_case_spacing_or_language(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [{"ORGANIZATION ": "Robotics For All", "Program Name": "Lab", "Áreas STEM": "Robótica"}],
        headers=["ORGANIZATION ", "Program Name", "Áreas STEM"],
    )
    batch = read(path)
    assert batch.problems == []
    assert "stem_field/robotics" in codes(batch.services[0])


def test_codes_and_names_in_english_or_spanish_are_understood(tmp_path: Path) -> None:
    batch = read(
        write_csv(
            tmp_path,
            [
                row(
                    grade_bands="K–2; 3-5; grade_band/prek",
                    stem_fields="Computing and coding; ciencias",
                    delivery="Híbrida",
                    cost_band="Free",
                    languages="Spanish; en; français",
                    transportation_provided="Sí",
                    days="lunes-miércoles; Fri",
                    start_time="3:30 pm",
                )
            ],
        )
    )
    assert batch.problems == []
    service = batch.services[0]
    assert {"grade_band/k-2", "grade_band/3-5", "grade_band/prek"} <= codes(service)
    assert {"stem_field/computing", "stem_field/science"} <= codes(service)
    assert profile(service)["delivery"] == "hybrid"
    assert profile(service)["transportation_provided"] == "true"
    assert [lang["code"] for lang in service["languages"]] == ["es", "en", "fr"]
    schedule = service["service_at_locations"][0]["schedules"][0]
    assert schedule["byday"] == "MO,TU,WE,FR"
    assert schedule["opens_at"] == "15:30:00"


BAD_CELLS = [
    ("program_id", "42", "id"),
    ("organization", "x" * 201, "200 characters"),
    ("program_name", "x" * 201, "200 characters"),
    ("description", "x" * 10_001, "10000 characters"),
    ("url", "robotics club page", "web address"),
    ("email", "club at example", "email"),
    ("phone", "5" * 41, "40 characters"),
    ("fees", "x" * 10_001, "10000 characters"),
    ("status", "open", "active"),
    ("minimum_age", "eleven", "whole number"),
    ("maximum_age", "120", "0 to 99"),
    ("grade_bands", "6-8; grade 13", "grade 13"),
    ("stem_fields", "alchemy", "robotics"),
    ("activity_types", "picnic", "summer-camp"),
    ("focus_populations", "everyone", "girls"),
    ("delivery", "by post", "in_person"),
    ("transportation_provided", "maybe", "yes or no"),
    ("cost_band", "cheap", "free"),
    ("scholarships", "perhaps", "yes or no"),
    ("languages", "Klingon", "ISO 639-1"),
    ("mentoring_depth", "lots", "deep"),
    ("seats", "-3", "whole number"),
    ("term", "winter", "summer"),
    ("participants_last_year", "2.5", "whole number"),
    ("funding_sources", "x" * 201, "200 characters"),
    ("partner_organizations", "x" * 201, "200 characters"),
    ("location_id", "main-site", "id"),
    ("location_name", "x" * 201, "200 characters"),
    ("address_1", "x" * 201, "200 characters"),
    ("city", "x" * 101, "100 characters"),
    ("state", "x" * 51, "50 characters"),
    ("postal_code", "4321", "ZIP"),
    ("latitude", "91", "-90 to 90"),
    ("longitude", "east", "-180 to 180"),
    ("virtual_url", "zoom", "web address"),
    ("days", "Mon;Funday", "Funday"),
    ("frequency", "daily", "weekly"),
    ("start_time", "25:00", "time of day"),
    ("end_time", "five", "time of day"),
    ("first_date", "14/09/2026", "date"),
    ("last_date", "soon", "date"),
]


def test_every_column_is_checked() -> None:
    checked = {name for name, _value, _message in BAD_CELLS}
    unchecked = {c.name for c in sheet_columns.COLUMNS if c.kind != "text" or c.max_length}
    assert unchecked <= checked
    assert {c.name for c in sheet_columns.COLUMNS} - checked == set()


@pytest.mark.parametrize(
    ("column", "value", "message"), BAD_CELLS, ids=[c for c, _v, _m in BAD_CELLS]
)
def test_a_bad_cell_is_one_problem_naming_its_row_and_column(
    tmp_path: Path, column: str, value: str, message: str
) -> None:
    path = write_csv(tmp_path, [VALID, VALID | {"program_name": "Other"}, row(**{column: value})])
    batch = read(path)
    problem = only_problem(batch)
    assert (problem.where, problem.field) == ("row 4", column)
    assert message.lower() in problem.message.lower()
    assert str(problem).startswith(f"row 4, {column}: ")
    assert batch.services == []


def test_a_required_cell_left_blank_is_a_problem(tmp_path: Path) -> None:
    problem = only_problem(read(write_csv(tmp_path, [row(program_name="")])))
    assert (problem.where, problem.field) == ("row 2", "program_name")


@pytest.mark.parametrize(
    ("cells", "column"),
    [
        ({"minimum_age": "15", "maximum_age": "12"}, "maximum_age"),
        ({"latitude": "40.1", "longitude": ""}, "longitude"),
        ({"start_time": "17:00", "end_time": "15:00"}, "end_time"),
        ({"first_date": "2026-12-01", "last_date": "2026-09-01"}, "last_date"),
        ({"location_name": "", "location_id": ""}, "location_name"),
    ],
)
def test_cells_that_disagree_within_a_row_are_a_problem(
    tmp_path: Path, cells: dict[str, str], column: str
) -> None:
    problem = only_problem(read(write_csv(tmp_path, [row(**cells)])))
    assert (problem.where, problem.field) == ("row 2", column)


@pytest.mark.parametrize(
    ("cells", "says"),
    [
        ({"start_time": "17:00", "end_time": "15:00"}, "The end time must be after the start"),
        (
            {"first_date": "2026-12-01", "last_date": "2026-09-01"},
            "The last date must not be before the first",
        ),
    ],
)
def test_cells_that_disagree_say_what_they_must_be(
    tmp_path: Path, cells: dict[str, str], says: str
) -> None:
    assert says in only_problem(read(write_csv(tmp_path, [row(**cells)]))).message


# grouping rows --------------------------------------------------------------------------------


def test_rows_of_one_program_become_one_service_with_a_location_each(tmp_path: Path) -> None:
    second_site = {
        "organization": "robotics for all",  # case does not split a new program
        "program_name": "ROBOTICS CLUB",
        "location_name": "Eastside Library",
        "address_1": "400 East Road",
        "postal_code": "43215",
        "latitude": "",
        "longitude": "",
        "days": "Sat",
        "start_time": "10:00",
        "end_time": "12:00",
    }
    batch = read(write_csv(tmp_path, [VALID, second_site]))
    assert batch.problems == []
    (service,) = batch.services
    assert [s["location"]["name"] for s in service["service_at_locations"]] == [
        "Riverton Makerspace",
        "Eastside Library",
    ]
    assert service["description"] == VALID["description"]  # blank later cells mean "as above"
    assert service["service_at_locations"][1]["schedules"][0]["byday"] == "SA"


def test_rows_of_one_program_and_location_add_schedules(tmp_path: Path) -> None:
    saturday = row(days="Sat", start_time="10:00", end_time="12:00", first_date="", last_date="")
    batch = read(write_csv(tmp_path, [VALID, saturday]))
    assert batch.problems == []
    (site,) = batch.services[0]["service_at_locations"]
    assert [s["byday"] for s in site["schedules"]] == ["MO,WE", "SA"]
    assert len({s["id"] for s in site["schedules"]}) == 2


def test_programs_at_the_same_place_share_one_location(tmp_path: Path) -> None:
    batch = read(write_csv(tmp_path, [VALID, row(program_name="Coding Club")]))
    assert batch.problems == []
    first, second = (s["service_at_locations"][0]["location"] for s in batch.services)
    assert first["id"] == second["id"]


def test_rows_with_a_program_id_group_by_it(tmp_path: Path) -> None:
    program_id = "8f14e45f-ceea-467f-a8f5-0a3c3e1c7f10"
    renamed = row(program_id=program_id, program_name="Robotics Club", location_name="Annex")
    batch = read(write_csv(tmp_path, [row(program_id=program_id), renamed]))
    assert batch.problems == []
    (service,) = batch.services
    assert service["id"] == program_id
    assert len(service["service_at_locations"]) == 2


def test_conflicting_rows_of_one_program_name_both_rows(tmp_path: Path) -> None:
    batch = read(write_csv(tmp_path, [VALID, row(location_name="Annex", cost_band="high")]))
    problem = only_problem(batch)
    assert (problem.where, problem.field) == ("row 3", "cost_band")
    assert "row 2" in problem.message
    assert batch.services == []


def test_conflicting_rows_of_one_location_name_both_rows(tmp_path: Path) -> None:
    location_id = "8f14e45f-ceea-467f-a8f5-0a3c3e1c7f11"
    batch = read(
        write_csv(
            tmp_path,
            [
                row(location_id=location_id),
                row(location_id=location_id, program_name="Coding Club", city="Eastgate"),
            ],
        )
    )
    problem = only_problem(batch)
    assert (problem.where, problem.field) == ("row 3", "city")
    assert "row 2" in problem.message


def test_a_location_without_coordinates_is_placed_at_its_zip_code(tmp_path: Path) -> None:
    batch = read(write_csv(tmp_path, [row(latitude="", longitude="")]))
    location = batch.services[0]["service_at_locations"][0]["location"]
    assert (location["latitude"], location["longitude"]) == pytest.approx((39.9671, -83.0044))
    (source,) = location["attributes"]
    assert source["value"] == CoordinatesSource.ZIP_CENTROID


def test_a_row_with_only_an_online_address_is_a_virtual_location(tmp_path: Path) -> None:
    online = row(
        location_name="Online",
        address_1="",
        city="",
        state="",
        postal_code="",
        latitude="",
        longitude="",
        virtual_url="https://meet.example.org/robotics",
    )
    location = read(write_csv(tmp_path, [online])).services[0]["service_at_locations"][0][
        "location"
    ]
    assert location["location_type"] == LocationType.VIRTUAL
    assert location["url"] == "https://meet.example.org/robotics"
    assert location["addresses"] == []


# files ----------------------------------------------------------------------------------------


def test_csv_with_a_byte_order_mark_reads_the_first_header(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [VALID])
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    batch = read(path)
    assert batch.problems == []
    assert batch.services[0]["id"]


def test_csv_saved_by_excel_in_windows_encoding_reads(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path, [row(description="Ciencia para niños — ¡gratis!")], encoding="cp1252"
    )
    batch = read(path)
    assert batch.problems == []
    assert batch.services[0]["description"] == "Ciencia para niños — ¡gratis!"


def test_csv_with_semicolons_between_cells_reads(tmp_path: Path) -> None:
    path = tmp_path / "programs.csv"
    path.write_text(
        'organization;program_name;stem_fields\nRobotics For All;Lab;"robotics; science"\n',
        encoding="utf-8",
    )
    batch = read(path)
    assert batch.problems == []
    assert {"stem_field/robotics", "stem_field/science"} <= codes(batch.services[0])


def test_xlsx_reads_typed_cells(tmp_path: Path) -> None:
    typed = row(
        minimum_age=11,
        seats=20.0,
        latitude=39.9612,
        longitude=-82.9988,
        postal_code=2134,  # a ZIP code that lost its leading zero
        start_time=time(15, 30),
        end_time=datetime(1899, 12, 30, 17, 0),
        first_date=datetime(2026, 9, 14),
        last_date=date(2026, 12, 16),
        scholarships=True,
    )
    batch = read(write_xlsx(tmp_path, [typed]))
    assert batch.problems == []
    service = batch.services[0]
    site = service["service_at_locations"][0]
    assert site["location"]["addresses"][0]["postal_code"] == "02134"
    assert site["schedules"][0]["opens_at"] == "15:30:00"
    assert site["schedules"][0]["closes_at"] == "17:00:00"
    assert site["schedules"][0]["dtstart"] == "2026-09-14"
    assert profile(service)["seats"] == "20"


def test_xlsx_problems_name_the_row_and_column(tmp_path: Path) -> None:
    problem = only_problem(read(write_xlsx(tmp_path, [VALID, row(seats="many")])))
    assert (problem.where, problem.field) == ("row 3", "seats")


@pytest.mark.parametrize("name", ["programs.csv", "programs.xlsx"])
def test_an_empty_file_is_one_problem(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    if name.endswith(".xlsx"):
        Workbook().save(path)
    else:
        path.write_bytes(b"")
    problem = only_problem(read(path))
    assert "empty" in problem.message


def test_a_header_without_rows_is_one_problem(tmp_path: Path) -> None:
    assert "no programs" in only_problem(read(write_csv(tmp_path, []))).message


def test_wrong_headers_name_each_unknown_and_missing_column(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path,
        [{"org": "Robotics For All", "program_name": "Lab", "stem_feilds": "robotics"}],
        headers=["org", "program_name", "stem_feilds"],
    )
    batch = read(path)
    assert {(p.where, p.field) for p in batch.problems} == {
        ("row 1", "org"),
        ("row 1", "stem_feilds"),
        ("row 1", "organization"),
    }
    assert batch.services == []


def test_an_unknown_column_is_reported_once_however_many_rows(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [VALID | {"notes": "x"}] * 3, headers=[*HEADERS, "notes"])
    problem = only_problem(read(path))
    assert (problem.where, problem.field) == ("row 1", "notes")


def test_a_column_twice_is_a_problem(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [VALID], headers=[*HEADERS, "City"])
    problem = only_problem(read(path))
    assert (problem.field, problem.message) == ("City", "This column appears twice.")


@pytest.mark.parametrize("name", ["junk.csv", "junk.xlsx"])
def test_junk_is_one_readable_problem(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(bytes(range(256)) * 20)
    problem = only_problem(read(path))
    assert "not" in problem.message


def test_a_damaged_workbook_is_one_readable_problem(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path, [VALID])
    path.write_bytes(path.read_bytes()[:500])
    assert "XLSX" in only_problem(read(path)).message


def test_a_workbook_with_a_broken_sheet_is_one_readable_problem(tmp_path: Path) -> None:
    import zipfile

    source = write_xlsx(tmp_path, [VALID])
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(broken, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(
                item, b"<worksheet><sheetData><row>" if "worksheets/" in item.filename else data
            )
    assert "XLSX" in only_problem(read(broken)).message


def test_a_workbook_that_unpacks_too_large_is_one_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reading, "MAX_UNPACKED_BYTES", 1000)
    assert "unpacks to more than" in only_problem(read(write_xlsx(tmp_path, [VALID]))).message


def test_csv_with_tabs_between_cells_reads(tmp_path: Path) -> None:
    path = tmp_path / "programs.csv"
    path.write_text(
        "organization\tprogram_name\tdescription\nRobotics For All\tLab\tBuild; test, repeat\n",
        encoding="utf-8",
    )
    batch = read(path)
    assert batch.problems == []
    assert batch.services[0]["description"] == "Build; test, repeat"


def test_too_many_rows_is_one_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_ROWS", 3)
    rows = [row(program_name=f"Club {n}") for n in range(4)]
    problem = only_problem(read(write_csv(tmp_path, rows)))
    assert "more than 3 rows" in problem.message


def test_too_large_a_file_is_one_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(reading, "MAX_BYTES", 100)
    problem = only_problem(read(write_csv(tmp_path, [VALID])))
    assert "larger than" in problem.message


def test_the_csv_template_reads_without_problems(tmp_path: Path) -> None:
    path = tmp_path / "template.csv"
    path.write_text(writing.template_csv(), encoding="utf-8")
    batch = read(path)
    assert batch.problems == []
    assert len(batch.services) == 1


def test_the_xlsx_template_reads_without_problems(tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(writing.template_xlsx())
    batch = read(path)
    assert batch.problems == []
    assert len(batch.services) == 1


# export ---------------------------------------------------------------------------------------


def sample_programs(world: World) -> Program:
    robotics = add_program(
        world,
        "Robotics Club",
        terms=("grade_band/6-8", "stem_field/robotics"),
        description="=Build robots",  # a formula-looking text stays text
        minimum_age=11,
        maximum_age=14,
        cost_band=CostBand.LOW,
        scholarships=True,
        seats=20,
    )
    robotics.partner_organizations.add(world.org_b)
    Language.objects.create(program=robotics, code="es", name="Spanish")
    place = Location.objects.create(
        ecosystem=world.alpha,
        name="Riverton Makerspace",
        address_1="12 Main Street",
        city="Riverton",
        state_province="OH",
        postal_code="43215",
        latitude=39.9671,
        longitude=-83.0044,
        coordinates_source=CoordinatesSource.ZIP_CENTROID,
    )
    site = ProgramLocation.objects.create(program=robotics, location=place)
    Schedule.objects.create(
        program=robotics,
        program_location=site,
        byday="MO,WE",
        opens_at=time(15, 30),
        closes_at=time(17),
        dtstart=date(2026, 9, 14),
        until=date(2026, 12, 16),
    )
    Schedule.objects.create(
        program=robotics, program_location=site, byday="SA", opens_at=time(10), closes_at=time(12)
    )
    add_program(world, "Story Lab", organization=world.org_b, at=(40.0, -83.0))
    return robotics


def exported(world: World, organization: Any = None) -> list[list[str]]:
    rows = writing.export_rows(world.alpha, writing.exported_programs(world.alpha, organization))
    text = "".join(writing.csv_chunks(rows)).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text)))


def test_export_writes_a_row_per_schedule_at_each_location(world: World) -> None:
    robotics = sample_programs(world)
    header, *rows = exported(world)
    assert header == HEADERS
    cells = [dict(zip(header, r, strict=True)) for r in rows]
    mine = [c for c in cells if c["program_id"] == str(robotics.hsds_id)]
    assert [c["days"] for c in mine] == ["Mon;Wed", "Sat"]
    first = mine[0]
    assert first["organization"] == "Robotics For All"
    assert first["description"] == "'=Build robots"
    assert first["grade_bands"] == "6-8"
    assert first["scholarships"] == "yes"
    assert first["partner_organizations"] == "Eastside Library"
    assert first["languages"] == "es"
    assert (first["latitude"], first["longitude"]) == ("", "")  # from the ZIP code: left blank
    assert first["start_time"] == "15:30"
    story = next(c for c in cells if c["program_name"] == "Story Lab")
    assert story["longitude"] == "-83.0"  # numbers are not escaped as formulas


def test_export_of_one_organization_holds_only_its_programs(world: World) -> None:
    sample_programs(world)
    _header, *rows = exported(world, world.org_b)
    assert {r[HEADERS.index("program_name")] for r in rows} == {"Story Lab"}


def test_exported_csv_reads_back_as_the_same_programs(world: World, tmp_path: Path) -> None:
    robotics = sample_programs(world)
    path = tmp_path / "export.csv"
    rows = writing.export_rows(world.alpha, writing.exported_programs(world.alpha))
    path.write_text("".join(writing.csv_chunks(rows)), encoding="utf-8")
    batch = read(path)
    assert batch.problems == []
    service = next(s for s in batch.services if s["id"] == str(robotics.hsds_id))
    assert service["description"] == "=Build robots"
    (site,) = service["service_at_locations"]
    assert [s["byday"] for s in site["schedules"]] == ["MO,WE", "SA"]
    assert site["location"]["attributes"][0]["value"] == CoordinatesSource.ZIP_CENTROID


def test_exported_xlsx_reads_back_as_the_same_programs(world: World, tmp_path: Path) -> None:
    robotics = sample_programs(world)
    path = tmp_path / "export.xlsx"
    rows = writing.export_rows(world.alpha, writing.exported_programs(world.alpha))
    path.write_bytes(writing.xlsx_bytes(rows))
    batch = read(path)
    assert batch.problems == []
    service = next(s for s in batch.services if s["id"] == str(robotics.hsds_id))
    assert service["description"] == "=Build robots"
    assert load_workbook(path).active["D2"].data_type == "s"


# downloads and the guide page ------------------------------------------------------------------


def test_the_xlsx_template_has_drop_downs_and_the_column_guide(world: World) -> None:
    response = world.client("partner_a").get("/e/alpha/programs/spreadsheet/template/?format=xlsx")
    assert response.status_code == 200
    assert "ecotone-programs-template.xlsx" in response["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.content))
    programs, guide = workbook.worksheets
    assert [c.value for c in programs[1]] == HEADERS
    assert programs["B2"].value == "Robotics For All"
    assert guide.title == "Column guide"
    assert [c.value for c in guide["A"]][1:] == HEADERS
    validated = {
        str(v.sqref).split(":")[0].rstrip("0123456789"): v.formula1
        for v in programs.data_validations.dataValidation
    }
    letter = chr(ord("A") + HEADERS.index("delivery"))
    assert validated[letter] == '"in_person,virtual,hybrid"'


def test_the_templates_follow_the_language(world: World) -> None:
    client = world.client("partner_a")
    client.cookies["django_language"] = "es"
    workbook = load_workbook(
        io.BytesIO(client.get("/e/alpha/programs/spreadsheet/template/?format=xlsx").content)
    )
    assert workbook.sheetnames == ["Programas", "Guía de columnas"]


def test_the_csv_template_is_the_header_and_an_example(world: World) -> None:
    response = world.client("staff").get("/e/alpha/programs/spreadsheet/template/?format=csv")
    lines = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert lines == [HEADERS, writing.example_row()]


def test_an_unknown_format_is_not_found(world: World) -> None:
    response = world.client("staff").get("/e/alpha/programs/spreadsheet/template/?format=pdf")
    assert response.status_code == 404


def test_the_guide_page_lists_every_column_and_what_one_may_download(world: World) -> None:
    page = world.client("partner_a").get("/e/alpha/programs/spreadsheet/guide/").content.decode()
    for column in sheet_columns.COLUMNS:
        assert f"<code>{column.name}</code>" in page
    assert "/spreadsheet/export/robotics-for-all/" in page
    assert "/spreadsheet/export/eastside-library/" not in page
    assert "/spreadsheet/export/?format" not in page
    assert "/e/alpha/programs/imports/" not in page
    staff_page = world.client("staff").get("/e/alpha/programs/spreadsheet/guide/").content.decode()
    assert "/spreadsheet/export/?format=xlsx" in staff_page
    assert "/e/alpha/programs/imports/" in staff_page


def test_the_guide_page_speaks_spanish(world: World) -> None:
    client = world.client("partner_a")
    client.cookies["django_language"] = "es"
    page = client.get("/e/alpha/programs/spreadsheet/guide/").content.decode()
    assert "Programas en una hoja de cálculo" in page


def test_the_directory_links_the_guide_for_those_who_may_use_it(world: World) -> None:
    guide = "/e/alpha/programs/spreadsheet/guide/"
    assert guide in world.client("partner_b").get("/e/alpha/programs/").content.decode()
    assert guide not in world.client("anonymous").get("/e/alpha/programs/").content.decode()


def test_a_partner_downloads_its_own_programs(world: World) -> None:
    sample_programs(world)
    response = world.client("partner_b").get(
        "/e/alpha/programs/spreadsheet/export/eastside-library/?format=csv"
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content).decode("utf-8-sig")  # type: ignore[attr-defined]
    assert "Story Lab" in body
    assert "Robotics Club" not in body


# through the importer ---------------------------------------------------------------------------


def import_file(world: World, path: Path, *, dry_run: bool = False) -> Any:
    from ecotone.directory.hsds.imports import import_batch

    batch = reading.read_spreadsheet(path, world.alpha)
    assert batch.problems == []
    return import_batch(world.alpha, batch, user=world.users["staff"], dry_run=dry_run)


def test_the_template_imports_a_program_families_can_find(world: World, tmp_path: Path) -> None:
    path = tmp_path / "template.xlsx"
    path.write_bytes(writing.template_xlsx())
    report = import_file(world, path)
    assert report.problems == []
    assert report.applied
    program = Program.objects.listed().get(ecosystem=world.alpha, name="Robotics Club")
    assert program.organization == world.org_a
    assert list(program.partner_organizations.all()) == [world.org_b]
    assert program.cost_band == CostBand.LOW
    assert program.scholarships
    assert program.seats == 20
    assert {a.term.code for a in program.attributes.all()} >= {
        "stem_field/robotics",
        "grade_band/6-8",
    }
    (site,) = program.program_locations.all()
    assert site.location.postal_code == "43215"
    assert site.location.coordinates_source == CoordinatesSource.ENTERED
    (schedule,) = site.schedules.all()
    assert (schedule.byday, schedule.opens_at, schedule.until) == (
        "MO,WE",
        time(15, 30),
        date(2026, 12, 16),
    )
    page = world.client("anonymous").get("/e/alpha/programs/?q=robotics").content.decode()
    assert "Robotics Club" in page


def test_a_dry_run_writes_nothing(world: World, tmp_path: Path) -> None:
    report = import_file(world, write_csv(tmp_path, [VALID]), dry_run=True)
    assert report.problems == []
    assert not report.applied
    assert not Program.objects.filter(ecosystem=world.alpha).exists()


def test_an_unknown_organization_is_a_problem_with_a_suggestion(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [VALID, row(program_name="Lab", organization="Robotics for Al")])
    batch = reading.read_spreadsheet(path, world.alpha)
    problem = only_problem(batch)
    assert (problem.where, problem.field) == ("row 3", "organization")
    assert "Did you mean “Robotics For All”?" in problem.message
    assert batch.services == []


def test_an_unknown_organization_is_reported_beside_a_rows_other_problems(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [row(organization="Nobody Here", postal_code="4321")])
    batch = reading.read_spreadsheet(path, world.alpha)
    assert {(p.where, p.field) for p in batch.problems} == {
        ("row 2", "postal_code"),
        ("row 2", "organization"),
    }


def test_an_unknown_partner_organization_is_a_problem(world: World, tmp_path: Path) -> None:
    path = write_csv(tmp_path, [row(partner_organizations="Eastside Library; Moon Base")])
    problem = only_problem(reading.read_spreadsheet(path, world.alpha))
    assert (problem.where, problem.field) == ("row 2", "partner_organizations")
    assert "Moon Base" in problem.message


def test_export_import_export_gives_the_same_sheet(world: World, tmp_path: Path) -> None:
    sample_programs(world)
    first = exported(world)
    path = tmp_path / "export.csv"
    path.write_text("\n".join(",".join(f'"{c}"' for c in r) for r in first), encoding="utf-8")
    report = import_file(world, path)
    assert report.problems == []
    assert report.total("created") == 0
    assert exported(world) == first


def test_an_edited_export_updates_the_programs(world: World, tmp_path: Path) -> None:
    robotics = sample_programs(world)
    header, *rows = exported(world)
    for r in rows:
        if r[header.index("program_id")] == str(robotics.hsds_id):
            r[header.index("seats")] = "24"
            r[header.index("stem_fields")] = "robotics; computing"
    path = write_csv(tmp_path, [dict(zip(header, r, strict=True)) for r in rows])
    report = import_file(world, path)
    assert report.problems == []
    robotics.refresh_from_db()
    assert robotics.seats == 24
    assert "stem_field/computing" in {a.term.code for a in robotics.attributes.all()}
    assert Program.objects.filter(ecosystem=world.alpha).count() == 2


def test_new_records_get_the_same_ids_on_every_reading(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [VALID, row(program_name="Coding Club")])
    first, second = read(path), read(path)
    assert [s["id"] for s in first.services] == [s["id"] for s in second.services]
    assert len({s["id"] for s in first.services}) == 2


def test_importing_the_same_sheet_twice_updates_instead_of_doubling(
    world: World, tmp_path: Path
) -> None:
    path = write_csv(tmp_path, [VALID, row(days="Sat", start_time="10:00", end_time="12:00")])
    assert import_file(world, path).total("created") > 0
    again = import_file(world, path)
    assert again.problems == []
    assert again.total("created") == 0
    assert Program.objects.filter(ecosystem=world.alpha).count() == 1
    assert Location.objects.filter(ecosystem=world.alpha).count() == 1
    assert Schedule.objects.filter(program__ecosystem=world.alpha).count() == 2


def export_file(ecosystem: Ecosystem, path: Path) -> Path:
    rows = writing.export_rows(ecosystem, writing.exported_programs(ecosystem))
    path.write_text("".join(writing.csv_chunks(rows)), encoding="utf-8")
    return path


def test_reuploading_the_export_of_an_unchanged_directory_changes_nothing(
    world: World, tmp_path: Path
) -> None:
    # A language with a note, schedules with a time zone and end dates, a site with a
    # description, an untyped service area, a partner archived since: all more than a row shows.
    directory = build_directory(world)
    Organization.objects.filter(pk=world.org_b.pk).update(archived_at=timezone.now())
    before = hsds_import_tests.exported_services(world.alpha)

    report = import_file(world, export_file(world.alpha, tmp_path / "export.csv"))

    assert report.problems == []
    assert (report.total("created"), report.total("updated")) == (0, 0), report.counts
    assert hsds_import_tests.exported_services(world.alpha) == before
    assert directory.robotics.languages.get().note == "Bilingual mentors"
    assert directory.robotics.program_locations.get().description == "The main lab."


def test_reuploading_the_demo_directory_export_changes_nothing(db: Any, tmp_path: Path) -> None:
    call_command("seed_demo", "--size", "small", "--quiet-accounts", stdout=io.StringIO())
    ecosystem = Ecosystem.objects.get(slug=builder.MAIN_SLUG)
    path = export_file(ecosystem, tmp_path / "export.csv")

    batch = reading.read_spreadsheet(path, ecosystem)
    assert batch.problems == []
    report = import_batch(ecosystem, batch, user=None, dry_run=False)

    assert report.problems == []
    assert report.counts["service"]["unchanged"] == len(batch.services)
    assert (report.total("created"), report.total("updated")) == (0, 0), report.counts


def test_an_import_keeps_what_the_sheet_has_no_column_for(world: World, tmp_path: Path) -> None:
    robotics = sample_programs(world)
    Program.objects.filter(pk=robotics.pk).update(
        alternate_name="RoboClub",
        application_process="Sign up at the front desk.",
        assured_date=date(2025, 9, 1),
        assurer_email="verifier@alpha.test",
    )
    CostOption.objects.create(program=robotics, option="Term fee", amount=40)
    place = robotics.program_locations.get().location
    Location.objects.filter(pk=place.pk).update(
        description="Second floor", accessibility="Step-free entrance", transportation="Bus 2"
    )
    path = tmp_path / "export.csv"
    rows = writing.export_rows(world.alpha, writing.exported_programs(world.alpha))
    path.write_text("".join(writing.csv_chunks(rows)), encoding="utf-8")
    assert import_file(world, path).problems == []
    robotics.refresh_from_db()
    assert robotics.alternate_name == "RoboClub"
    assert robotics.application_process == "Sign up at the front desk."
    assert (robotics.assured_date, robotics.assurer_email) == (
        date(2025, 9, 1),
        "verifier@alpha.test",
    )
    assert robotics.cost_options.get().option == "Term fee"
    place.refresh_from_db()
    assert (place.description, place.accessibility, place.transportation) == (
        "Second floor",
        "Step-free entrance",
        "Bus 2",
    )


def test_a_sheet_with_a_few_columns_changes_only_those(world: World, tmp_path: Path) -> None:
    robotics = sample_programs(world)
    before = exported(world)
    headers = ["program_id", "organization", "program_name", "seats", "stem_fields"]
    path = write_csv(
        tmp_path,
        [
            {
                "program_id": str(robotics.hsds_id),
                "organization": "Robotics For All",
                "program_name": "Robotics Club",
                "seats": "30",
                "stem_fields": "robotics; engineering",
            }
        ],
        headers=headers,
    )
    assert import_file(world, path).problems == []
    after = exported(world)
    seats, stem = HEADERS.index("seats"), HEADERS.index("stem_fields")
    for old, new in zip(before, after, strict=True):
        if old[0] == str(robotics.hsds_id):
            assert (new[seats], new[stem]) == ("30", "robotics;engineering")
            old[seats], old[stem] = new[seats], new[stem]
        assert new == old


# through the import page ----------------------------------------------------------------------


@pytest.fixture
def media(settings: Any, tmp_path: Path) -> None:
    settings.MEDIA_ROOT = str(tmp_path / "media")


def upload(client: Any, path: Path) -> str:
    with path.open("rb") as file:
        response = client.post("/e/alpha/programs/imports/", {"file": file})
    assert response.status_code == 302
    return str(response["Location"])


@pytest.mark.usefixtures("media")
def test_a_spreadsheet_goes_through_the_import_page(
    world: World, tmp_path: Path, django_capture_on_commit_callbacks: Any
) -> None:
    staff = world.client("staff")
    bad = write_csv(tmp_path, [VALID, row(location_name="Annex", start_time="25:00")])
    page = staff.get(upload(staff, bad)).content.decode()
    assert "row 3" in page
    assert "start_time" in page
    assert "Expected a time of day" in page

    good = tmp_path / "programs.xlsx"
    good.write_bytes(writing.template_xlsx())
    run = upload(staff, good)
    assert (
        "Robotics Club" not in world.client("anonymous").get("/e/alpha/programs/").content.decode()
    )
    with django_capture_on_commit_callbacks(execute=True):  # the apply task starts on commit
        response = staff.post(run + "apply/", {"confirm": "yes"})
    assert response.status_code == 302
    assert "Status: Applied" in staff.get(run).content.decode()
    directory = world.client("anonymous").get("/e/alpha/programs/?q=robotics").content.decode()
    assert "Robotics Club" in directory
    program = Program.objects.get(ecosystem=world.alpha, name="Robotics Club")
    assert program.organization == world.org_a
    kept = staff.get(run + "file/")
    assert b"".join(kept.streaming_content) == good.read_bytes()  # type: ignore[attr-defined]


def test_export_costs_the_same_queries_however_many_programs(world: World) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            exported(world)
        return len(captured)

    sample_programs(world)
    few = queries()
    for n in range(5):
        add_program(world, f"Extra {n}", at=(40.0, -83.0), terms=("stem_field/science",))
    assert queries() == few


def test_xlsx_export_writes_numbers_as_numbers(world: World) -> None:
    sample_programs(world)
    rows = writing.export_rows(world.alpha, writing.exported_programs(world.alpha))
    sheet = load_workbook(io.BytesIO(writing.xlsx_bytes(rows))).active
    header = [c.value for c in sheet[1]]
    first = dict(zip(header, [c.value for c in sheet[2]], strict=True))
    assert first["seats"] == 20
    assert first["minimum_age"] == 11


CELL_TEXT = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufeff"),
    max_size=60,
).map(str.strip)


@given(
    name=CELL_TEXT.filter(bool).map(lambda text: text[:200]),
    description=CELL_TEXT,
    seats=st.none() | st.integers(0, 100_000),
    grades=st.lists(st.sampled_from([c for c, _l in stem_profile.GRADE_BANDS.terms]), unique=True),
    days=st.lists(st.sampled_from(sheet_cells.WEEK), unique=True),
    fmt=st.sampled_from(["csv", "xlsx"]),
)
@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
def test_what_the_writer_writes_the_reader_reads(
    tmp_path: Path,
    name: str,
    description: str,
    seats: int | None,
    grades: list[str],
    days: list[str],
    fmt: str,
) -> None:
    cells = row(
        program_name=name,
        description=description,
        seats="" if seats is None else seats,
        grade_bands=";".join(grades),
        days=";".join(sheet_cells.DAY_ABBREVIATIONS[d] for d in days),
    )
    values = [cells[h] for h in HEADERS]
    path = tmp_path / f"programs.{fmt}"
    if fmt == "csv":
        path.write_text("".join(writing.csv_chunks([values])), encoding="utf-8")
    else:
        path.write_bytes(writing.xlsx_bytes([values]))
    batch = read(path)
    assert batch.problems == []
    (service,) = batch.services
    assert service["name"] == name
    assert service.get("description", "") == description
    assert profile(service).get("seats") == (None if seats is None else str(seats))
    assert {c.split("/")[1] for c in codes(service) if c.startswith("grade_band/")} == set(grades)
    schedule = service["service_at_locations"][0]["schedules"][0]
    assert schedule.get("byday", "") == ",".join(sorted(days, key=sheet_cells.WEEK.index))


# a ";" inside a value of a list cell ----------------------------------------------------------


def test_a_funding_source_or_partner_with_a_semicolon_stays_one_on_a_round_trip(
    world: World, tmp_path: Path
) -> None:
    robotics = sample_programs(world)
    partner = make_organization(world.alpha, "Smith; Jones Foundation")
    robotics.partner_organizations.add(partner)
    Funding.objects.create(program=robotics, source="Parks; Recreation Fund")
    Funding.objects.create(program=robotics, source="C:\\Grants")

    report = import_file(world, export_file(world.alpha, tmp_path / "export.csv"))

    assert report.problems == []
    assert report.counts["service"]["unchanged"] == 2, report.counts
    assert sorted(robotics.funding.values_list("source", flat=True)) == [
        "C:\\Grants",
        "Parks; Recreation Fund",
    ]
    assert partner in robotics.partner_organizations.all()
    assert robotics.partner_organizations.count() == 2


def test_an_escaped_semicolon_is_part_of_the_value(tmp_path: Path) -> None:
    path = write_csv(tmp_path, [row(funding_sources="Parks\\; Recreation Fund; City Fund")])
    (service,) = read(path).services
    assert [f["source"] for f in service["funding"]] == ["Parks; Recreation Fund", "City Fund"]


@given(
    st.lists(
        st.text(st.characters(blacklist_categories=["Cs", "Cc"]), min_size=1, max_size=30)
        .map(str.strip)
        .filter(bool),
        unique=True,
        max_size=5,
    )
)
def test_escaped_list_values_split_back_into_the_same_values(values: list[str]) -> None:
    column = sheet_columns.COLUMNS_BY_NAME["funding_sources"]
    cell = sheet_columns.SEPARATOR.join(sheet_cells.escape_list_value(v) for v in values)
    assert sheet_cells.parse_list(cell, column) == values
