"""Submitting a participation roster in a browser (issue 17, docs/reach.md): the file is read and
encoded in the page, its codes read there (a wrongly chosen column is refused before anything
is sent), the page shows what will be sent, and no identifying value reaches the server. Every
request the page makes is recorded, with its address and body, and none may
hold a name, a family name, a school, a birth date in any writing, or the linkage secret."""

from __future__ import annotations

import datetime
import io
import re
from typing import Any

import pytest
from openpyxl import Workbook
from playwright.sync_api import Request, expect

from ecotone.directory.models import Program
from ecotone.measures import linkage
from ecotone.measures.models import Roster
from ecotone.measures.services import epochs, facts

from .conftest import Site
from .test_accessibility import Auditor

pytestmark = pytest.mark.browser

SECRET = "7K2M-9QXH-4TRW-0ZCB-VN8D-3JFS-P6EA-Y1GH"
WRONG_SECRET = "0000-0000-0000-0000-0000-0000-0000-0000"
# given, family, birth date, school, sex, race, grade: names long enough that a hash or a
# CLK's base64 cannot hold one by chance
BORN = (datetime.date(2011, 3, 7), datetime.date(2010, 11, 30), datetime.date(2012, 1, 15))
PEOPLE = [
    ("Mariángela", "García-López", BORN[0], "Lincoln Elementary", "F", "Hispanic or Latino", "07"),
    ("Roberto", "Smithson", BORN[1], "", "M", "White", "08"),
    ("Aiyana", "Begaye", BORN[2], "Washington Middle", "Female", "Asian", "06"),
]


def identifying_values() -> list[str]:
    """What must never leave the browser, as written in the files and as normalised."""
    found = [SECRET, SECRET.replace("-", ""), WRONG_SECRET.replace("-", "")]
    for given, family, born, school, *_codes in PEOPLE:
        found += [given, family, given.lower(), linkage.normalise_name(given)]
        found += [linkage.normalise_name(family), given.encode("cp1252").decode("latin-1")]
        if school:
            found += [school, linkage.normalise_name(school)]
        found += [
            born.isoformat(),
            born.strftime("%Y%m%d"),
            born.strftime("%Y/%m/%d"),
            f"{born.month}/{born.day}/{born.year}",
            born.strftime("%m/%d/%Y"),
            born.strftime("%d/%m/%Y"),
        ]
    return found


def csv_file(people: list[tuple[Any, ...]], encoding: str = "utf-8") -> bytes:
    lines = ["First name,Last name,Date of birth,School,Gender,Race/ethnicity,Grade"]
    for given, family, born, school, sex, race, grade in people:
        lines.append(
            f"{given},{family},{born.month}/{born.day}/{born.year},{school},{sex},{race},{grade}"
        )
    return ("\n".join(lines) + "\n").encode(encoding)


def xlsx_file(people: list[tuple[Any, ...]]) -> bytes:
    """Spanish headers and real date cells, as a spreadsheet keeps them."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["Nombre", "Apellidos", "Fecha de nacimiento", "Escuela", "Sexo", "Raza", "Grado"])
    for given, family, born, school, sex, race, grade in people:
        sheet.append([given, family, born, school or None, sex, race, grade])
        sheet.cell(row=sheet.max_row, column=3).number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def test_a_partner_sends_a_roster_and_no_identifying_value_leaves_the_browser(site: Site) -> None:
    world = site.world
    period = facts.school_year(world.alpha, 2025)
    Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics club", slug="robotics"
    )
    epochs.start_epoch(
        world.users["staff"],
        world.alpha,
        first_year=2024,
        check_value=linkage.check_value(linkage.parse_secret(SECRET)),
    )
    page = site.new_page()
    sent: list[tuple[str, str]] = []

    def record(request: Request) -> None:
        sent.append((request.url, request.post_data or ""))

    page.on("request", record)
    auditor = Auditor(page)
    site.sign_in(page, "partner_a")
    page.goto("/e/alpha/measures/rosters/new/")
    expect(page.get_by_label("School year")).to_have_value(str(period.pk))

    # CSV, English headers, US dates; a wrong secret first: refused before any row is encoded
    slip = [PEOPLE[0], (*PEOPLE[1][:6], "Year 7"), PEOPLE[2]]
    page.get_by_label("File of participants (CSV or XLSX)").set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": csv_file(slip, "cp1252")}
    )
    expect(page.get_by_text("Rows read: 3.")).to_be_visible()
    expect(page.get_by_label("Birth date *")).to_have_value("2")
    page.get_by_label("Linkage secret").fill(WRONG_SECRET)
    page.get_by_role("button", name="Encode the rows").click()
    expect(
        page.get_by_role("alert").filter(has_text="not the ecosystem's linkage secret")
    ).to_be_visible()
    expect(page.locator("[data-preview]")).to_be_hidden()

    # the family-name column chosen as race (and race as family name): the names are no codes,
    # every row is refused here, by row and column, and nothing can be sent
    page.get_by_label("Linkage secret").fill(SECRET)
    page.locator("#roster-column-race").select_option("1")
    page.locator("#roster-column-family_name").select_option("5")
    page.get_by_role("button", name="Encode the rows").click()
    refused = page.locator("[data-refused-rows] tr")
    expect(refused).to_have_count(4)  # race of rows 2 to 4, and row 3's grade
    expect(refused.first).to_contain_text("Race/ethnicity")
    expect(refused.first).to_contain_text("is not a code this page knows")
    expect(page.locator("[data-preview]")).to_be_hidden()
    expect(page.locator("[data-send]")).to_be_disabled()

    page.locator("#roster-column-family_name").select_option("1")
    page.locator("#roster-column-race").select_option("5")
    page.get_by_role("button", name="Encode the rows").click()
    expect(page.locator("[data-preview-rows] tr")).to_have_count(2)
    # a Windows-1252 file is read as such: María's hash is the one Python computes for her
    given, family, born, school, *_codes = PEOPLE[0]
    (mine,), _ = linkage.encode_roster(
        [(given, family, born.isoformat(), school)], linkage.parse_secret(SECRET)
    )
    assert mine is not None
    expect(page.locator("[data-preview-rows] tr").first.locator("td").first).to_have_text(
        mine.exact_hash
    )
    auditor.audit("the roster page with its columns and preview")
    # a grade written "Year 7" is no code: refused here too, by row and column, and not sent
    expect(refused).to_have_count(1)
    expect(refused.first).to_contain_text("3")
    expect(refused.first).to_contain_text("Grade")
    expect(page.get_by_role("button", name="Send the roster")).to_be_disabled()

    page.get_by_label("File of participants (CSV or XLSX)").set_input_files(
        {"name": "roster.csv", "mimeType": "text/csv", "buffer": csv_file(PEOPLE)}
    )
    expect(page.get_by_text("Rows read: 3.")).to_be_visible()
    page.get_by_role("button", name="Encode the rows").click()
    preview = page.locator("[data-preview-rows] tr")
    expect(preview).to_have_count(3)
    expect(page.locator("[data-preview-status]")).to_contain_text("Rows encoded: 3.")
    expect(preview.first.locator("td").first).to_have_text(re.compile(r"^[0-9a-f]{64}$"))
    expect(preview.first).to_contain_text("HispanicOrLatino")  # only common codes are sent
    page.get_by_role("button", name="Send the roster").click()
    page.wait_for_url(re.compile(r"/e/alpha/measures/rosters/\d+/$"))
    expect(page.locator("[data-row-count]")).to_have_text("3")

    # XLSX, Spanish headers, date cells: a row without a family name is named, nothing sent
    page.goto("/e/alpha/measures/rosters/new/")
    broken = [*PEOPLE[:2], ("Valentina", "", datetime.date(2011, 5, 2), "", "F", "White", "07")]
    page.get_by_label("File of participants (CSV or XLSX)").set_input_files(
        {"name": "lista.xlsx", "mimeType": "application/octet-stream", "buffer": xlsx_file(broken)}
    )
    expect(page.get_by_text("Rows read: 3.")).to_be_visible()
    page.get_by_label("Linkage secret").fill(SECRET)
    page.get_by_role("button", name="Encode the rows").click()
    refused = page.locator("[data-refused-rows] tr")
    expect(refused).to_have_count(1)
    expect(refused.first).to_contain_text("4")
    expect(refused.first).to_contain_text("Family name")
    expect(refused.first).to_contain_text("is empty")
    expect(page.get_by_role("button", name="Send the roster")).to_be_disabled()

    page.get_by_label("File of participants (CSV or XLSX)").set_input_files(
        {
            "name": "lista.xlsx",
            "mimeType": "application/octet-stream",
            "buffer": xlsx_file(PEOPLE[:2]),
        }
    )
    expect(page.get_by_text("Rows read: 2.")).to_be_visible()
    page.get_by_role("button", name="Encode the rows").click()
    expect(page.locator("[data-preview-rows] tr")).to_have_count(2)
    page.get_by_role("button", name="Send the roster").click()
    page.wait_for_url(re.compile(r"/e/alpha/measures/rosters/\d+/$"))
    expect(page.locator("[data-row-count]")).to_have_text("2")

    auditor.assert_clean()
    roster = Roster.objects.get()
    assert roster.row_count == 2
    posts = [body for url, body in sent if "/api/v1/ecosystems/alpha/measures/rosters/" in url]
    assert len(posts) == 2
    leaked = [
        (value, url)
        for url, body in sent
        for value in [*identifying_values(), "Year 7"]
        if value in url or value in body
    ]
    assert not leaked, leaked
