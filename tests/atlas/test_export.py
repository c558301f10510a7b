"""The per-area table as CSV and Excel: priorities first, small counts suppressed."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from ecotone.atlas import services
from tests.atlas.builders import at, make_area, make_program
from tests.conftest import World


@pytest.fixture
def region(world: World) -> World:
    make_area(world.alpha, "near", 0, youth=200, low_income_share=0.3, name="Near Middle")
    make_area(world.alpha, "far", 60, youth=612, low_income_share=0.78, name="Far Middle")
    make_area(world.alpha, "tiny", 200, youth=6, low_income_share=0.9, name="Tiny School")
    make_program(world.alpha, world.org_a, "Robotics Club", [(1, 0)], seats=40)
    return world


def csv_rows(response: Any) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_csv_has_the_table_priorities_first_and_suppression(region: World) -> None:
    response = region.client("member").get("/e/alpha/atlas/export.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="alpha-atlas.csv"'
    header, *rows = csv_rows(response)
    assert header[:3] == ["Identifier", "Name", "Kind"]
    column = {name: index for index, name in enumerate(header)}
    assert [r[0] for r in rows] == ["far", "near", "tiny"]
    far, near, tiny = rows
    assert far[column["Young people"]] == "612"
    assert far[column["Desert"]] == "yes"
    assert far[column["Priority"]] == "1"
    assert far[column["Share low-income (%)"]] == "78"
    assert far[column["Why it is a priority"]].startswith("612 students, 78% low-income")
    assert near[column["Seats within reach"]] == "40.0"
    assert near[column["Nearest program"]] == "Robotics Club"
    assert near[column["Priority"]] == ""
    assert tiny[column["Young people"]] == "fewer than 10"
    assert tiny[column["Share low-income (%)"]] == ""
    assert tiny[column["Need index (0-100)"]] == ""


def test_xlsx_has_the_same_table(region: World) -> None:
    response = region.client("partner_b").get("/e/alpha/atlas/export.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header, *rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    column = {name: index for index, name in enumerate(header)}
    assert [r[0] for r in rows] == ["far", "near", "tiny"]
    assert rows[0][column["Young people"]] == 612
    assert rows[0][column["Nearest program (miles)"]] == pytest.approx(59.0, abs=0.05)
    assert rows[2][column["Young people"]] == "fewer than 10"


def test_format_parameter_and_unknown_format(region: World) -> None:
    client = region.client("member")
    response = client.get("/e/alpha/atlas/export.csv?format=xlsx")
    assert response["Content-Disposition"].endswith('.xlsx"')
    assert client.get("/e/alpha/atlas/export.pdf").status_code == 404


def test_a_scenario_exports_its_own_table(region: World) -> None:
    analysis = services.default_analysis(region.alpha)
    lat, lon = at(60)
    scenario = services.save_scenario(
        analysis,
        user=region.users["staff"],
        name="North",
        programs=[{"name": "Bus", "latitude": lat, "longitude": lon, "seats": 100}],
    )
    response = region.client("member").get(f"/e/alpha/atlas/export.csv?scenario={scenario.pk}")
    header, *rows = csv_rows(response)
    far = next(r for r in rows if r[0] == "far")
    assert far[header.index("Desert")] == "no"
    assert far[header.index("Nearest program")] == "Bus"
    assert response["Content-Disposition"].endswith(f'scenario-{scenario.pk}.csv"')
    assert region.client("member").get("/e/alpha/atlas/export.csv?scenario=999").status_code == 404


def test_export_while_computing_gives_the_last_result_or_409(region: World, settings: Any) -> None:
    client = region.client("member")
    assert client.get("/e/alpha/atlas/export.csv").status_code == 200
    settings.ATLAS_SYNC_MAX_AREAS = 0
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    make_area(region.alpha, "new", 30, youth=80)
    _header, *rows = csv_rows(client.get("/e/alpha/atlas/export.csv"))
    assert len(rows) == 3  # the last finished run, without the new area
    fresh = services.create_analysis(region.alpha, user=region.users["staff"], name="Fresh")
    assert client.get(f"/e/alpha/atlas/export.csv?analysis={fresh.pk}").status_code == 409


def test_spanish_headers(region: World) -> None:
    client = region.client("member")
    response = client.get("/e/alpha/atlas/export.csv", HTTP_ACCEPT_LANGUAGE="es")
    header, *rows = csv_rows(response)
    assert header[:2] == ["Identificador", "Nombre"]
    assert rows[0][header.index("Desierto")] == "sí"
    assert rows[0][header.index("Por qué es prioritaria")].startswith("612 estudiantes, 78")


FORMULA = '=HYPERLINK("https://evil.example","Open")'


def test_csv_defuses_a_formula_name_but_writes_negative_longitudes_as_numbers(
    region: World,
) -> None:
    make_area(region.alpha, "evil", 10, name=FORMULA)
    header, *rows = csv_rows(region.client("member").get("/e/alpha/atlas/export.csv"))
    evil = next(r for r in rows if r[0] == "evil")
    assert evil[header.index("Name")] == "'" + FORMULA
    longitudes = [r[header.index("Longitude")] for r in rows]
    assert all(float(value) < 0 for value in longitudes), longitudes


def test_xlsx_writes_a_formula_name_as_text(region: World) -> None:
    make_area(region.alpha, "evil", 10, name=FORMULA)
    response = region.client("member").get("/e/alpha/atlas/export.xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    header = [cell.value for cell in sheet[1]]
    evil = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "evil")
    name = evil[header.index("Name")]
    assert (name.value, name.data_type) == (FORMULA, "s")
    assert evil[header.index("Longitude")].value < 0
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()
