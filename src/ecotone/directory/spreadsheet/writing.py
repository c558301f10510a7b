"""Writing the flat spreadsheet: programs flattened back into its columns, CSV and XLSX, and
the template with its column guide.

`export_rows`, `csv_chunks` and `xlsx_bytes` write the same HSDS records the importer reads,
so export -> import -> export gives the same sheet. Coordinates that came from a ZIP code's
center are written blank: an import places them there again.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from ecotone import exports
from ecotone.ecosystems.models import Ecosystem

from ..hsds import export as hsds
from ..imports.batch import Record
from ..models import (
    CoordinatesSource,
    Program,
)
from ..taxonomy import PROFILE
from .cells import DAY_ABBREVIATIONS, WEEK, escape_list_value
from .columns import COLUMNS, COLUMNS_BY_NAME, FACET_COLUMNS, HEADERS, PROFILE_COLUMNS, SEPARATOR


def _yes_no(value: str) -> str:
    return "yes" if value == "true" else "no"


def _hhmm(value: str | None) -> str:
    return value[:5] if value else ""


def schedule_cells(schedule: Record | None) -> dict[str, Any]:
    if schedule is None:
        return {}
    days = [d for d in schedule.get("byday", "").split(",") if d in DAY_ABBREVIATIONS]
    return {
        "days": SEPARATOR.join(DAY_ABBREVIATIONS[d] for d in days),
        "frequency": str(schedule.get("freq", "WEEKLY")).lower(),
        "start_time": _hhmm(schedule.get("opens_at")),
        "end_time": _hhmm(schedule.get("closes_at")),
        "first_date": schedule.get("dtstart") or schedule.get("valid_from") or "",
        "last_date": schedule.get("until") or schedule.get("valid_to") or "",
    }


def _location_cells(location: Record) -> dict[str, Any]:
    address = (location.get("addresses") or [{}])[0]
    approximate = any(
        a.get("taxonomy_term", {}).get("code") == "profile/coordinates_source"
        and a.get("value") == CoordinatesSource.ZIP_CENTROID
        for a in location.get("attributes", [])
    )
    return {
        "location_id": location["id"],
        "location_name": location.get("name", ""),
        "address_1": address.get("address_1", ""),
        "city": address.get("city", ""),
        "state": address.get("state_province", ""),
        "postal_code": address.get("postal_code", ""),
        "latitude": "" if approximate else location.get("latitude", ""),
        "longitude": "" if approximate else location.get("longitude", ""),
        "virtual_url": location.get("url", ""),
    }


def _program_cells(service: Record, partner_names: dict[str, str]) -> dict[str, Any]:
    cells: dict[str, Any] = {
        "program_id": service["id"],
        "organization": service.get("organization", {}).get("name", ""),
        "program_name": service.get("name", ""),
        "description": service.get("description", ""),
        "url": service.get("url", ""),
        "email": service.get("email", ""),
        "phone": (service.get("phones") or [{}])[0].get("number", ""),
        "status": service.get("status", ""),
        "minimum_age": service.get("minimum_age", ""),
        "maximum_age": service.get("maximum_age", ""),
        "fees": service.get("fees_description", ""),
        "languages": SEPARATOR.join(
            lang["code"] for lang in service.get("languages", []) if lang.get("code")
        ),
        "funding_sources": SEPARATOR.join(
            escape_list_value(f["source"]) for f in service.get("funding", [])
        ),
    }
    facets = {facet.code: name for name, facet in FACET_COLUMNS.items()}
    profile = {f"{PROFILE}/{field_name}": name for name, field_name in PROFILE_COLUMNS.items()}
    chosen: dict[str, list[str]] = {}
    partners: list[str] = []
    for attribute in service.get("attributes", []):
        code = attribute.get("taxonomy_term", {}).get("code", "")
        facet_code, _sep, term = code.partition("/")
        if facet_code in facets and term:
            chosen.setdefault(facets[facet_code], []).append(term)
        elif code in profile:
            name = profile[code]
            value = attribute.get("value", "")
            kind = COLUMNS_BY_NAME[name].kind
            if kind == "bool":
                value = _yes_no(value)
            elif kind == "int" and value.isdigit():
                value = int(value)  # a number in a workbook, not text that looks like one
            cells[name] = value
        elif code == f"{PROFILE}/partner_organization":
            partners.append(partner_names.get(attribute.get("value", ""), ""))
    for name, codes in chosen.items():
        cells[name] = SEPARATOR.join(codes)
    cells["partner_organizations"] = SEPARATOR.join(
        escape_list_value(p) for p in sorted(p for p in partners if p)
    )
    return cells


def _in_week_order(schedules: list[Record]) -> list[Record]:
    """Earliest in the week first, so the rows read naturally and exports compare equal."""

    def key(schedule: Record) -> tuple[int, str, str]:
        days = [WEEK.index(d) for d in schedule.get("byday", "").split(",") if d in WEEK]
        return (min(days, default=7), schedule.get("opens_at", ""), schedule.get("dtstart", ""))

    return sorted(schedules, key=key)


def rows_of_service(service: Record, partner_names: dict[str, str]) -> Iterator[list[Any]]:
    """The rows of one full HSDS service: one per schedule at each location, at least one."""
    program = _program_cells(service, partner_names)

    def row(*parts: dict[str, Any]) -> list[Any]:
        merged = {**program}
        for part in parts:
            merged.update(part)
        return [merged.get(name, "") for name in HEADERS]

    written = False
    for site in service.get("service_at_locations", []):
        location = _location_cells(site["location"])
        schedules: list[Record | None] = [*_in_week_order(site.get("schedules", []))]
        for schedule in schedules or [None]:
            written = True
            yield row(location, schedule_cells(schedule))
    for schedule in _in_week_order(service.get("schedules", [])):
        written = True
        yield row(schedule_cells(schedule))
    if not written:
        yield row()


def export_rows(ecosystem: Ecosystem, programs: QuerySet[Program]) -> Iterator[list[Any]]:
    """Rows (without the header) of `programs`, read in chunks as `hsds/export.py` reads them."""
    export = hsds.HsdsExport(ecosystem)
    partner_names = {
        export.organization(organization)["id"]: organization.name
        for organization in ecosystem.organizations.all()
    }
    for service in hsds.iter_full_services(ecosystem, programs):
        yield from rows_of_service(service, partner_names)


def exported_programs(ecosystem: Ecosystem, organization: Any = None) -> QuerySet[Program]:
    """What an export holds: every program not archived (defunct ones too: status says so)."""
    programs = Program.objects.filter(ecosystem=ecosystem, archived_at__isnull=True)
    if organization is not None:
        programs = programs.filter(organization=organization)
    return programs


def csv_chunks(rows: Iterable[Sequence[Any]]) -> Iterator[str]:
    """A UTF-8 CSV with a byte order mark (so Excel reads accents), a line at a time, its
    cells escaped as every download's are (`exports.csv_cell`)."""
    return exports.csv_stream(HEADERS, rows)


def _xlsx_value(sheet: Any, value: Any) -> Any:
    from openpyxl.cell import WriteOnlyCell

    if isinstance(value, str) and value.startswith("="):
        cell = WriteOnlyCell(sheet, value=value)
        cell.data_type = "s"  # text, never a formula
        return cell
    return value


def xlsx_bytes(rows: Iterable[Sequence[Any]], title: str = "Programs") -> bytes:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append(list(HEADERS))
    for row in rows:
        sheet.append([_xlsx_value(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# The template --------------------------------------------------------------------------------


def example_row() -> list[str]:
    return [column.example for column in COLUMNS]


def guide_rows() -> list[list[str]]:
    """The column guide, in the active language: one row per column."""
    return [
        [
            column.name,
            str(column.label),
            _("required") if column.required else _("optional"),
            str(column.meaning),
            column.format(),
            column.example,
        ]
        for column in COLUMNS
    ]


def guide_headers() -> list[str]:
    return [_("Column"), _("Name"), _("Required"), _("What it means"), _("Format"), _("Example")]


def template_csv() -> str:
    return "".join(csv_chunks([example_row()]))


def template_xlsx(rows_with_validation: int = 1000) -> bytes:
    """The header row, an example row, drop-downs for one-value columns, and the column guide."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.datavalidation import DataValidation

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Programs")[:31]
    sheet.append(list(HEADERS))
    sheet.append(example_row())
    sheet.freeze_panes = "A2"
    for index, column in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        sheet[f"{letter}1"].font = Font(bold=True)
        sheet.column_dimensions[letter].width = max(14, len(column.name) + 2)
        codes = [code for code, _label in column.choices]
        if column.kind == "bool":
            codes = ["yes", "no"]
        if column.kind not in ("choice", "bool"):
            continue
        validation = DataValidation(
            type="list",
            formula1='"' + ",".join(codes) + '"',
            allow_blank=True,
            showErrorMessage=True,
            errorTitle=str(column.label)[:32],
            error=column.format()[:255],
        )
        validation.add(f"{letter}2:{letter}{rows_with_validation}")
        sheet.add_data_validation(validation)
    guide = workbook.create_sheet(_("Column guide")[:31])
    guide.append(guide_headers())
    for row in guide_rows():
        guide.append(row)
    for index, width in enumerate((24, 26, 12, 60, 60, 30), start=1):
        guide.column_dimensions[get_column_letter(index)].width = width
    for cell in guide[1]:
        cell.font = Font(bold=True)
    for row in guide.iter_rows(min_row=2):
        for cell in row:
            cell.alignment = Alignment(wrap_text=True, vertical="top")
    guide.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
