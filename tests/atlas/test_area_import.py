"""Importing population areas: NCES school files and area files, checked, then all or nothing."""

from __future__ import annotations

import io
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.files.base import ContentFile
from django.core.management import CommandError, call_command

from ecotone.atlas import area_import
from ecotone.atlas.area_files import read_area_file, spread_over_grades
from ecotone.atlas.models import AreaImport, AreaImportStatus, PopulationArea
from ecotone.errors import DomainError
from tests.conftest import World

FIXTURES = Path(__file__).parent / "fixtures"
CCD = FIXTURES / "ccd_schools_latin1.csv"

NCES_HEADER = (
    "NCESSCH,SCH_NAME,LEAID,LEA_NAME,LAT,LON,GSLO,GSHI,ULOCALE,TOTAL,TOTFRL,"
    "AM,AS,BL,HP,HI,TR,WH,TOTMENROL,TOTFENROL"
)
NCES_GOOD = (
    "390000100001,Riverton Elementary,3900001,Riverton City,39.96,-83.0,KG,05,11,300,150,"
    "0,10,100,0,50,10,130,150,150"
)
AREAS_HEADER = (
    "id,name,kind,lat,lon,locale,youth_total,youth_k2,youth_3_5,pct_low_income,"
    "pct_english_learner,share_female,district,city"
)
AREAS_GOOD = "t-1,Linden Flats,tract,40.03,-82.94,city,900,200,250,62.5,18,0.49,,Riverton"


def check(world: World, content: bytes | str, *, format: str, name: str = "areas.csv") -> Any:
    data = content.encode() if isinstance(content, str) else content
    return area_import.check_area_file(
        world.alpha, ContentFile(data, name=name), user=world.users["staff"], format=format
    )


def problems(run: AreaImport) -> list[tuple[str, str]]:
    return [(p["where"], p["field"]) for p in run.report["problems"]]


# NCES ----------------------------------------------------------------------------------------


def test_nces_file_is_checked_without_writing_areas(world: World) -> None:
    run = check(world, CCD.read_bytes(), format="nces", name="ccd.csv")

    assert run.status == AreaImportStatus.CHECKED
    assert run.report["problems"] == []
    assert run.report["counts"] == {"created": 5, "updated": 0, "unchanged": 0, "skipped": 2}
    assert not PopulationArea.objects.exists()
    notes = " ".join(run.report["notes"])
    assert "no enrolment count" in notes
    assert "row 6" in notes
    assert "outside the ecosystem's region" in notes
    assert "row 7" in notes


def test_the_uploaded_file_is_kept_as_received(world: World) -> None:
    run = check(world, CCD.read_bytes(), format="nces", name="ccd.csv")
    with run.file.open("rb") as handle:
        assert handle.read() == CCD.read_bytes()
    assert run.original_filename == "ccd.csv"
    assert run.created_by == world.users["staff"]


def test_applying_an_nces_file_creates_schools_with_their_needs(world: World) -> None:
    run = check(world, CCD.read_bytes(), format="nces")
    run = area_import.apply_area_import(run, user=world.users["staff"])

    assert run.status == AreaImportStatus.APPLIED
    assert run.applied_by == world.users["staff"]
    assert world.alpha.population_areas.count() == 5
    elementary = PopulationArea.objects.get(code="390000100001")
    assert elementary.kind == "school"
    assert elementary.district_code == "3900001"
    assert elementary.district_name == "Riverton City Schools"
    assert elementary.city == "Riverton"
    assert (elementary.locale_code, elementary.locale) == (11, "city")  # "11-City: Large"
    assert (elementary.lowest_grade, elementary.highest_grade) == (-1, 5)
    # 420 students over PreK-5 (seven grades): 60 a grade.
    assert elementary.youth_prek == 60
    assert elementary.youth_k2 == 180
    assert elementary.youth_3_5 == 180
    assert elementary.youth_6_8 == elementary.youth_9_12 == 0
    assert elementary.low_income_share == pytest.approx(300 / 420)
    assert elementary.students_of_color_share == pytest.approx(1 - 179 / 420)
    assert elementary.female_share == pytest.approx(0.5)
    assert elementary.race_counts == {
        "AM": 1,
        "AS": 10,
        "BL": 150,
        "HP": 0,
        "HI": 60,
        "TR": 20,
        "WH": 179,
    }
    assert elementary.source == run.original_filename


def test_missing_data_codes_are_unknown_never_zero(world: World) -> None:
    area_import.apply_area_import(
        check(world, CCD.read_bytes(), format="nces"), user=world.users["staff"]
    )
    # Latin-1 in the file, read as such.
    middle = PopulationArea.objects.get(code="390000100002")
    assert middle.name == "Escuela Peña Middle School"
    assert middle.low_income_share is None  # TOTFRL -9, FRELCH and REDLCH -1
    high = PopulationArea.objects.get(code="390000100003")
    assert high.low_income_share == pytest.approx(360 / 1200)  # FRELCH + REDLCH
    assert high.students_of_color_share is None  # WH is "M"
    assert "WH" not in high.race_counts
    rural = PopulationArea.objects.get(code="390000200001")
    assert rural.female_share is None  # TOTFENROL -2
    assert rural.locale == "rural"
    ungraded = PopulationArea.objects.get(code="390000300002")
    assert ungraded.lowest_grade is None
    assert ungraded.youth_total == 45
    assert ungraded.youth_k2 == 0
    assert not PopulationArea.objects.filter(code="390000200002").exists()  # TOTAL -1


def test_nces_alternative_columns_and_utf8_with_bom(world: World) -> None:
    content = (
        "\ufeffNCESSCH,SCHNAM,LEAID,LATCOD,LONCOD,GSLO,GSHI,LOCALE,MEMBER,FRELCH,REDLCH,LEP\n"
        "10000500870,Ñandú Academy,100005,39.5,-83.5,09,12,42,400,100,20,40\n"
    )
    run = check(world, content.encode("utf-8"), format="nces")
    area_import.apply_area_import(run, user=None)
    area = PopulationArea.objects.get()
    assert area.code == "010000500870"  # the leading zero a spreadsheet dropped
    assert area.district_code == "0100005"
    assert area.name == "Ñandú Academy"
    assert area.low_income_share == pytest.approx(0.3)
    assert area.english_learner_share == pytest.approx(0.1)
    assert (area.locale_code, area.locale) == (42, "rural")


def test_nces_from_an_xlsx_workbook(world: World) -> None:
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(NCES_HEADER.split(","))
    school = [390000100001, "Riverton Elementary", 3900001, "Riverton City", 39.96, -83.0]
    sheet.append([*school, "KG", "05", 11, 300, 150, 0, 10, 100, 0, 50, 10, 130, 150, 150])
    buffer = io.BytesIO()
    workbook.save(buffer)
    run = check(world, buffer.getvalue(), format="nces", name="ccd.xlsx")
    assert run.report["problems"] == []
    assert run.report["counts"]["created"] == 1


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (NCES_GOOD.replace("39.96", "north"), "LAT"),
        (NCES_GOOD.replace(",300,150,", ",-5,150,"), "TOTAL"),
        (NCES_GOOD.replace(",300,150,", ",lots,150,"), "TOTAL"),
        (NCES_GOOD.replace(",05,11,", ",05,51,"), "ULOCALE"),
        (NCES_GOOD.replace(",KG,05,", ",XX,05,"), "GSLO"),
        (NCES_GOOD.replace(",KG,05,", ",09,05,"), "GSHI"),
        (NCES_GOOD.replace(",300,150,", ",300,350,"), "TOTFRL"),
        (NCES_GOOD.replace(",150,150", ",150,-4"), "TOTFENROL"),
        (NCES_GOOD.replace("390000100001", ""), "NCESSCH"),
    ],
)
def test_each_bad_nces_value_is_one_problem_naming_row_and_column(
    world: World, row: str, field: str
) -> None:
    run = check(
        world, f"{NCES_HEADER}\n{NCES_GOOD.replace('100001', '100009')}\n{row}\n", format="nces"
    )

    assert run.status == AreaImportStatus.HAS_PROBLEMS
    assert problems(run) == [("row 3", field)]
    assert run.report["problems"][0]["message"]


def test_a_duplicate_school_id_names_the_first_row(world: World) -> None:
    run = check(world, f"{NCES_HEADER}\n{NCES_GOOD}\n{NCES_GOOD}\n", format="nces")
    assert problems(run) == [("row 3", "NCESSCH")]
    assert "row 2" in run.report["problems"][0]["message"]


def test_a_missing_required_nces_column_is_reported_on_the_header(world: World) -> None:
    header = NCES_HEADER.replace("ULOCALE,", "")
    row = NCES_GOOD.replace(",11,300", ",300")
    run = check(world, f"{header}\n{row}\n", format="nces")
    assert problems(run) == [("row 1", "ULOCALE or LOCALE or ULOCAL")]


def test_the_wrong_format_is_named(world: World) -> None:
    run = check(world, f"{AREAS_HEADER}\n{AREAS_GOOD}\n", format="nces")
    assert "Areas (CSV)" in run.report["problems"][0]["message"]
    run = check(world, f"{NCES_HEADER}\n{NCES_GOOD}\n", format="areas_csv")
    assert "NCES" in run.report["problems"][0]["message"]


def test_a_file_that_is_not_csv_or_xlsx_is_refused(world: World) -> None:
    with pytest.raises(DomainError):
        check(world, "{}", format="nces", name="areas.json")
    run = check(world, b"PK\x03\x04 not really a workbook", format="nces", name="x.xlsx")
    assert "XLSX" in run.report["problems"][0]["message"]
    run = check(world, "", format="nces")
    assert "empty" in run.report["problems"][0]["message"]


# Areas ---------------------------------------------------------------------------------------


def test_an_areas_file_with_percents_shares_and_locale_names(world: World) -> None:
    content = (
        f"{AREAS_HEADER}\n{AREAS_GOOD}\n"
        "z-43140,ZIP 43140,zip,39.9,-83.4,41,,30,40,80%,,,Plain City Local,\n"
    )
    run = check(world, content, format="areas_csv")
    assert run.report["problems"] == []
    area_import.apply_area_import(run, user=world.users["staff"])
    tract = PopulationArea.objects.get(code="t-1")
    assert (tract.kind, tract.locale, tract.locale_code) == ("tract", "city", None)
    assert tract.youth_total == 900
    assert tract.low_income_share == pytest.approx(0.625)
    assert tract.english_learner_share == pytest.approx(0.18)
    assert tract.female_share == pytest.approx(0.49)
    assert tract.students_of_color_share is None
    zip_area = PopulationArea.objects.get(code="z-43140")
    assert zip_area.youth_total == 70  # the sum of its bands
    assert zip_area.low_income_share == pytest.approx(0.8)
    assert zip_area.district_name == "Plain City Local"


@pytest.mark.parametrize(
    ("row", "field"),
    [
        (AREAS_GOOD.replace(",62.5,", ",120,"), "pct_low_income"),
        (AREAS_GOOD.replace(",0.49,", ",1.5,"), "share_female"),
        (AREAS_GOOD.replace(",200,250,", ",-3,250,"), "youth_k2"),
        (AREAS_GOOD.replace(",900,", ",400,"), "youth_total"),
        (AREAS_GOOD.replace(",city,", ",metro,"), "locale"),
        (AREAS_GOOD.replace(",city,", ",51,"), "locale"),
        (AREAS_GOOD.replace(",tract,", ",county,"), "kind"),
        (AREAS_GOOD.replace("40.03,-82.94", "41.5,-81.7"), "lat"),
        (AREAS_GOOD.replace("40.03", "north"), "lat"),
        (AREAS_GOOD.replace("40.03", ""), "lat"),
        (AREAS_GOOD.replace("Linden Flats", ""), "name"),
        (AREAS_GOOD.replace(",900,200,250,", ",,,,"), "youth_total"),
    ],
)
def test_each_bad_area_value_is_one_problem_naming_row_and_column(
    world: World, row: str, field: str
) -> None:
    run = check(
        world, f"{AREAS_HEADER}\n{AREAS_GOOD.replace('t-1', 't-0')}\n{row}\n", format="areas_csv"
    )

    assert problems(run) == [("row 3", field)]


def test_a_duplicate_area_id_and_unknown_columns(world: World) -> None:
    run = check(world, f"{AREAS_HEADER}\n{AREAS_GOOD}\n{AREAS_GOOD}\n", format="areas_csv")
    assert problems(run) == [("row 3", "id")]
    run = check(world, f"{AREAS_HEADER},colour\n{AREAS_GOOD},red\n", format="areas_csv")
    assert problems(run) == [("row 1", "colour")]
    header = AREAS_HEADER.replace("locale,", "")
    run = check(world, f"{header}\n{AREAS_GOOD.replace(',city,', ',')}\n", format="areas_csv")
    assert problems(run) == [("row 1", "locale")]


def test_a_pct_column_of_shares_gets_a_note(world: World) -> None:
    content = f"{AREAS_HEADER}\n{AREAS_GOOD.replace(',62.5,18,', ',0.6,0.18,')}\n"
    run = check(world, content, format="areas_csv")
    assert run.status == AreaImportStatus.CHECKED
    assert any("pct_low_income" in note for note in run.report["notes"])


# All or nothing, updates, audit --------------------------------------------------------------


def test_nothing_is_written_when_there_are_problems(world: World) -> None:
    bad = NCES_GOOD.replace("39.96", "north")
    run = check(
        world, f"{NCES_HEADER}\n{NCES_GOOD.replace('100001', '100002')}\n{bad}\n", format="nces"
    )
    with pytest.raises(DomainError):
        area_import.apply_area_import(run, user=world.users["staff"])
    assert not PopulationArea.objects.exists()


def test_reimporting_updates_by_code_and_counts_unchanged(world: World) -> None:
    run = check(world, CCD.read_bytes(), format="nces")
    area_import.apply_area_import(run, user=world.users["staff"])

    again = check(world, CCD.read_bytes(), format="nces")
    assert again.report["counts"] == {"created": 0, "updated": 0, "unchanged": 5, "skipped": 2}

    changed = CCD.read_bytes().replace(b",PK,05,11-City: Large,420,", b",PK,05,11-City: Large,427,")
    run = check(world, changed, format="nces")
    assert run.report["counts"] == {"created": 0, "updated": 1, "unchanged": 4, "skipped": 2}
    area_import.apply_area_import(run, user=world.users["staff"])
    elementary = PopulationArea.objects.get(code="390000100001")
    assert elementary.youth_total == 427
    assert elementary.youth_prek + elementary.youth_k2 + elementary.youth_3_5 == 427
    assert PopulationArea.objects.count() == 5


def test_an_import_is_applied_once_and_audited(world: World) -> None:
    run = check(world, CCD.read_bytes(), format="nces")
    area_import.apply_area_import(run, user=world.users["staff"])
    with pytest.raises(DomainError):
        area_import.apply_area_import(run, user=world.users["staff"])
    entry = LogEntry.objects.filter(additional_data__ecosystem_id=world.alpha.pk).latest("pk")
    assert entry.actor == world.users["staff"]
    assert "5 created" in str(entry.changes)


def test_a_file_that_changed_meaning_since_the_check_is_not_applied(world: World) -> None:
    run = check(world, f"{AREAS_HEADER}\n{AREAS_GOOD}\n", format="areas_csv")
    world.alpha.region_north = 39.5  # the region shrank: the tract is outside it now
    world.alpha.save()
    run = area_import.apply_area_import(run, user=world.users["staff"])
    assert run.status == AreaImportStatus.HAS_PROBLEMS
    assert not PopulationArea.objects.exists()


def test_areas_are_per_ecosystem(world: World) -> None:
    area_import.apply_area_import(
        check(world, f"{AREAS_HEADER}\n{AREAS_GOOD}\n", format="areas_csv"), user=None
    )
    run = area_import.check_area_file(
        world.beta,
        ContentFile(f"{AREAS_HEADER}\n{AREAS_GOOD}\n".encode(), name="a.csv"),
        user=None,
        format="areas_csv",
    )
    assert run.report["counts"]["created"] == 1  # the same code in another ecosystem is new


def test_deleting_the_areas_of_one_kind(world: World) -> None:
    content = f"{AREAS_HEADER}\n{AREAS_GOOD}\ns-1,A school,school,40,-83,rural,50,,,,,,,\n"
    area_import.apply_area_import(check(world, content, format="areas_csv"), user=None)
    assert area_import.delete_areas(world.alpha, user=world.users["staff"], kind="tract") == 1
    assert list(PopulationArea.objects.values_list("code", flat=True)) == ["s-1"]


def test_spreading_a_total_over_grades_keeps_the_total() -> None:
    bands = spread_over_grades(100, 0, 12)  # 13 grades: 7 each, 9 left over for the first
    assert sum(bands.values()) == 100
    assert bands == {"prek": 0, "k-2": 24, "3-5": 24, "6-8": 24, "9-12": 28}


def test_reading_needs_no_database() -> None:
    content = read_area_file(CCD, "nces")  # no region: nothing is left out for it
    assert len(content.records) == 6
    assert content.skipped == 1


# The command ---------------------------------------------------------------------------------


def test_import_areas_command_dry_run_then_apply(world: World) -> None:
    out = StringIO()
    call_command("import_areas", str(CCD), "--ecosystem", "alpha", "--dry-run", stdout=out)
    assert "5 created" in out.getvalue()
    assert "dry run" in out.getvalue()
    assert not PopulationArea.objects.exists()

    call_command("import_areas", str(CCD), "--ecosystem", "alpha", stdout=out)
    assert PopulationArea.objects.count() == 5
    assert AreaImport.objects.filter(status=AreaImportStatus.APPLIED, created_by=None).exists()


def test_import_areas_command_reports_problems_and_fails(world: World, tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(f"{AREAS_HEADER}\n{AREAS_GOOD.replace(',city,', ',metro,')}\n")
    out = StringIO()
    with pytest.raises(CommandError, match="1 problems"):
        call_command(
            "import_areas", str(path), "--ecosystem", "alpha", "--format", "areas_csv", stdout=out
        )
    assert "row 2, locale: Unknown locale" in out.getvalue()
    with pytest.raises(CommandError, match="No ecosystem"):
        call_command("import_areas", str(path), "--ecosystem", "nowhere", stdout=out)
