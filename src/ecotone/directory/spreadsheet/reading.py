"""Reading the flat spreadsheet: one row per program and location, in CSV or XLSX.

For partners who live in spreadsheets; the columns are `columns.COLUMNS`, each cell is read by
its column's kind (`cells.PARSERS`). `read_spreadsheet` turns a file into a `Batch` of HSDS 3.0
services shaped as `hsds/export.py`'s `service_full` writes them, so the one importer handles
spreadsheets and HSDS files alike. Rows of the same program (the same `program_id`, or for a
new program the same organization and program name) become one service with a
service_at_location per location; rows of the same program and location add schedules to it. A
program's columns may be left blank on its later rows; two different values are a problem
naming both rows. Rows naming the same location (the same `location_id`, or the same name,
street address and ZIP code) share one location record. Every cell is checked; each problem
names its row (as the spreadsheet program numbers it, the header being row 1) and its column.

A sheet changes only what it shows: for programs and locations the directory already has, what
the file has no column for (HSDS fields the sheet lacks, columns left out of the file) is taken
from the directory's current record (`Existing`), so the importer, which reads an absent value
as empty, does not erase it.
"""

from __future__ import annotations

import difflib
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db.models import F
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone import tabular_files
from ecotone.cells import CellError, Problem, cell_text, fold
from ecotone.ecosystems.models import Ecosystem
from ecotone.tabular_files import FileError
from ecotone.uploads import cell_message

from .. import geocoding, stem_profile
from ..hsds import export as hsds
from ..imports.batch import Batch, Record
from ..models import (
    CoordinatesSource,
    Location,
    LocationType,
    Program,
)
from ..taxonomy import NAMESPACE, PROFILE, PROFILE_FIELDS_BY_CODE, STEM_TAXONOMY_ID
from .cells import PARSERS, blank, language_name
from .columns import COLUMNS, COLUMNS_BY_NAME, DEFAULTS, FACET_COLUMNS, PROFILE_COLUMNS, Label
from .writing import schedule_cells

MAX_ROWS = 5000
MAX_BYTES = 10 * 1024 * 1024
MAX_COLUMNS = 200
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
# Ids for organizations named in a spreadsheet: the importer finds the partner by name.
SPREADSHEET_NAMESPACE = uuid.UUID("5d0c2f7e-6b1a-4c3e-9d7a-ec070e000003")

# Reading files -------------------------------------------------------------------------------


def _header_lookup() -> dict[str, str]:
    found: dict[str, str] = {}
    for column in COLUMNS:
        found[fold(column.name)] = column.name
        found[fold(column.name.replace("_", " "))] = column.name
        for language in ("en", "es"):
            with translation.override(language):
                found.setdefault(fold(str(column.label)), column.name)
    return found


def _rows(path: Path) -> Iterator[list[Any]]:
    return tabular_files.rows(path, max_columns=MAX_COLUMNS, max_unpacked_bytes=MAX_UNPACKED_BYTES)


@dataclass
class Draft:
    """A record being gathered from several rows, with the row each value came from."""

    row: int
    values: dict[str, Any] = field(default_factory=dict)
    rows: dict[str, int] = field(default_factory=dict)

    def merge(self, values: dict[str, Any], part: str, row: int, batch: Batch) -> None:
        for name, value in values.items():
            if COLUMNS_BY_NAME[name].part != part or value in (None, "", []):
                continue
            if name not in self.values:
                self.values[name] = value
                self.rows[name] = row
            elif not _same(name, self.values[name], value):
                batch.problems.append(
                    Problem(
                        f"row {row}",
                        name,
                        str(CONFLICTS[part]) % {"other": self.rows[name]},
                    )
                )


def _same(name: str, first: Any, second: Any) -> bool:
    if name in ("organization", "program_name", "location_name"):
        return bool(fold(first) == fold(second))  # they name the record: case does not matter
    return bool(first == second)


CONFLICTS: dict[str, Label] = {
    "program": gettext_lazy(
        "Differs from row %(other)d of the same program; write the same value or leave this "
        "cell blank."
    ),
    "location": gettext_lazy(
        "Differs from row %(other)d of the same location; write the same value or leave this "
        "cell blank."
    ),
}


@dataclass
class ProgramDraft(Draft):
    id: str = ""
    # location key -> (location key, schedules) in order of appearance
    sites: dict[Any, list[dict[str, Any]]] = field(default_factory=dict)
    own_schedules: list[dict[str, Any]] = field(default_factory=list)


class Partners:
    """The ecosystem's partner organizations by name: a spreadsheet names them, HSDS needs ids.

    A name must match a published partner, as the export names them (case, accents and spacing
    aside): an active one, or an archived one still running a listed program. A spreadsheet never
    creates partners, so a typo cannot add a second "Robotics For All" to the ecosystem.
    """

    def __init__(self, ecosystem: Ecosystem) -> None:
        # An archived partner still running a listed program is in the export: a re-upload of
        # that export must find it. Where an active partner has the same name, it wins.
        self.by_name = {
            fold(organization.name): organization
            for organization in hsds.public_organizations(ecosystem).order_by(
                F("archived_at").desc(nulls_last=True), "pk"
            )
        }

    def id_of(self, name: str, where: str, column: str, batch: Batch) -> str | None:
        organization = self.by_name.get(fold(name))
        if organization is not None:
            return str(organization.hsds_id)
        message = _("No partner organization named “%(name)s” in this ecosystem.") % {"name": name}
        close = difflib.get_close_matches(fold(name), list(self.by_name), n=1, cutoff=0.75)
        if close:
            message += " " + _("Did you mean “%(name)s”?") % {"name": self.by_name[close[0]].name}
        batch.problems.append(Problem(where, column, message))
        return None


def read_spreadsheet(path: Path, ecosystem: Ecosystem | None = None) -> Batch:
    """The programs of a flat spreadsheet (.csv or .xlsx) as HSDS services, with its problems.

    With `ecosystem`, the organizations the rows name are found among its partners (an unknown
    name is a problem) and services carry their `organization_id`, ready for `import_batch`.
    Without it, each service nests its organization by name only, with an id derived from the
    name: enough to check a file, not to import it.
    """
    batch = Batch()
    try:
        if path.stat().st_size > MAX_BYTES:
            raise FileError(
                _("The file is larger than %(size)d MB; split it into smaller files.")
                % {"size": MAX_BYTES // (1024 * 1024)}
            )
        _read(_rows(path), batch, ecosystem)
    except FileError as error:
        batch.problems.append(Problem("", "", str(error)))
    return batch


def _read(rows: Iterator[list[Any]], batch: Batch, ecosystem: Ecosystem | None) -> None:
    partners = Partners(ecosystem) if ecosystem is not None else None
    scope = ecosystem.slug if ecosystem is not None else ""
    header: list[Any] | None = None
    for header_row in rows:
        if any(not blank(cell) for cell in header_row):
            header = header_row
            break
    if header is None:
        raise FileError(_("The file is empty: it needs a header row and a row per program."))
    positions = _positions(header, batch)
    if positions is None:
        return
    programs: dict[Any, ProgramDraft] = {}
    locations: dict[Any, Draft] = {}
    row_number = 1
    data_rows = 0
    for cells in rows:
        row_number += 1
        if all(blank(cell) for cell in cells):
            continue
        data_rows += 1
        if data_rows > MAX_ROWS:
            raise FileError(
                _("The file has more than %(count)d rows; split it into smaller files.")
                % {"count": MAX_ROWS}
            )
        values = _read_row(cells, positions, row_number, batch)
        if values is not None:
            _gather(values, row_number, programs, locations, batch, scope)
        elif partners is not None and "organization" in positions:
            # The row has other problems: still say now if its partner is unknown, so one
            # round of fixes is enough (good rows are looked up when their program is built).
            index = positions["organization"]
            if name := cell_text(cells[index] if index < len(cells) else None):
                partners.id_of(name, f"row {row_number}", "organization", batch)
    if not data_rows:
        raise FileError(_("The file has a header row but no programs."))
    if batch.problems:
        return
    location_records = {key: _location_record(draft) for key, draft in locations.items()}
    services = [
        (_service_record(draft, location_records, partners, batch), f"row {draft.row}")
        for draft in programs.values()
    ]
    if batch.problems:
        return
    if ecosystem is not None:
        existing = Existing(ecosystem, [record for record, _where in services])
        services = [(existing.overlay(record, set(positions)), where) for record, where in services]
    for record, where in services:
        batch.add_service(record, where)


def _positions(header: list[Any], batch: Batch) -> dict[str, int] | None:
    lookup = _header_lookup()
    positions: dict[str, int] = {}
    for index, cell in enumerate(header):
        title = cell_text(cell)
        if not title:
            continue
        name = lookup.get(fold(title)) or lookup.get(fold(title.replace("_", " ")))
        if name is None:
            batch.problems.append(
                Problem(
                    "row 1",
                    title,
                    _("Unknown column; rename it as in the column guide, or remove it."),
                )
            )
        elif name in positions:
            batch.problems.append(Problem("row 1", title, _("This column appears twice.")))
        else:
            positions[name] = index
    for column in COLUMNS:
        if column.required and column.name not in positions:
            batch.problems.append(Problem("row 1", column.name, _("This column is missing.")))
    if any(c.required and c.name not in positions for c in COLUMNS):
        return None
    return positions


def _read_row(
    cells: list[Any], positions: dict[str, int], row: int, batch: Batch
) -> dict[str, Any] | None:
    """The row's values by column name, or None when a cell has a problem (reported)."""
    where = f"row {row}"
    values: dict[str, Any] = {}
    before = len(batch.problems)
    for name, index in positions.items():
        column = COLUMNS_BY_NAME[name]
        raw = cells[index] if index < len(cells) else None
        if blank(raw) or (isinstance(raw, str) and not cell_text(raw)):
            if column.required:
                batch.problems.append(Problem(where, name, _("This cell must be filled in.")))
            continue
        try:
            values[name] = PARSERS[column.kind](raw, column)
        except CellError as error:
            batch.problems.append(Problem(where, name, cell_message(error)))
    if len(batch.problems) == before:
        _check_row(values, where, batch)
    return values if len(batch.problems) == before else None


def _check_row(values: dict[str, Any], where: str, batch: Batch) -> None:
    def problem(name: str, message: str) -> None:
        batch.problems.append(Problem(where, name, message))

    low, high = values.get("minimum_age"), values.get("maximum_age")
    if low is not None and high is not None and low > high:
        problem("maximum_age", _("The maximum age is below the minimum age."))
    if ("latitude" in values) != ("longitude" in values):
        missing = "longitude" if "latitude" in values else "latitude"
        problem(missing, _("Fill in both latitude and longitude, or neither."))
    located = [c.name for c in COLUMNS if c.part == "location" and c.name in values]
    if located and "location_name" not in values and "location_id" not in values:
        problem("location_name", _("The row has a location: give its name."))
    starts, ends = values.get("start_time"), values.get("end_time")
    if starts is not None and ends is not None and ends <= starts:
        problem("end_time", _("The end time must be after the start time."))
    first, last = values.get("first_date"), values.get("last_date")
    if first is not None and last is not None and last < first:
        problem("last_date", _("The last date must not be before the first date."))


def new_id(scope: str, key: Any) -> str:
    """The id of a new program or location: the same whenever the same file is read.

    So a dry run and the apply that follows (each reads the file) agree on ids, and importing
    the same sheet twice updates what the first import created instead of doubling it.
    """
    return str(uuid.uuid5(SPREADSHEET_NAMESPACE, "/".join((scope, *map(str, key)))))


def _gather(
    values: dict[str, Any],
    row: int,
    programs: dict[Any, ProgramDraft],
    locations: dict[Any, Draft],
    batch: Batch,
    scope: str,
) -> None:
    key: Any = values.get("program_id") or (
        "new",
        fold(values["organization"]),
        fold(values["program_name"]),
    )
    program = programs.get(key)
    if program is None:
        program = programs[key] = ProgramDraft(
            row=row, id=values.get("program_id") or new_id(scope, key)
        )
    program.merge(values, "program", row, batch)

    schedule = {k: v for k, v in values.items() if COLUMNS_BY_NAME[k].part == "schedule"}
    location_key: Any = None
    if "location_id" in values:
        location_key = values["location_id"]
    elif "location_name" in values:
        location_key = (
            fold(values["location_name"]),
            fold(values.get("address_1", "")),
            values.get("postal_code", "")[:5],
            values.get("virtual_url", ""),
        )
    if location_key is None:
        if schedule:
            program.own_schedules.append(schedule)
        return
    location = locations.get(location_key)
    if location is None:
        location = locations[location_key] = Draft(row=row)
        location.values["location_id"] = values.get("location_id") or new_id(scope, location_key)
    location.merge(values, "location", row, batch)
    schedules = program.sites.setdefault(location_key, [])
    if schedule:
        schedules.append(schedule)


# Building HSDS records -----------------------------------------------------------------------


def _compact(record: Record) -> Record:
    return {k: v for k, v in record.items() if v not in (None, "")}


def organization_ref(name: str) -> Record:
    """An organization named in a spreadsheet; the importer finds the partner by its name."""
    return {"id": str(uuid.uuid5(SPREADSHEET_NAMESPACE, fold(name))), "name": name}


def _term_record(code: str) -> Record:
    """The Ecotone taxonomy's term `code`, as `hsds/export.py` writes it, without the database."""
    facet_code, _sep, _rest = code.partition("/")
    with translation.override("en"):
        if facet_code == PROFILE:
            name = str(PROFILE_FIELDS_BY_CODE[code].label)
            description = PROFILE_FIELDS_BY_CODE[code].description
        else:
            name = str(stem_profile.label(facet_code, code.split("/", 1)[1]))
            description = ""
    return {
        "id": str(uuid.uuid5(NAMESPACE, code)),
        "code": code,
        "name": name,
        "description": description,
        "parent_id": str(uuid.uuid5(NAMESPACE, facet_code)),
        "taxonomy": stem_profile.TAXONOMY_NAME,
        "taxonomy_id": str(STEM_TAXONOMY_ID),
    }


def _attribute(owner_id: str, code: str, value: str, link_entity: str) -> Record:
    return _compact(
        {
            "id": hsds.derived_id(owner_id, f"{code}/{value}" if value else code),
            "taxonomy_term_id": str(uuid.uuid5(NAMESPACE, code)),
            "link_entity": link_entity,
            "value": value,
            "taxonomy_term": _term_record(code),
        }
    )


def _schedule_record(owner_id: str, index: int, values: dict[str, Any]) -> Record:
    first, last = values.get("first_date"), values.get("last_date")
    days = values.get("days", [])
    return _compact(
        {
            "id": hsds.derived_id(owner_id, f"schedule/{index}"),
            "valid_from": first.isoformat() if first else None,
            "valid_to": last.isoformat() if last else None,
            "dtstart": first.isoformat() if first else None,
            "until": last.isoformat() if last else None,
            "freq": values.get("frequency", "weekly").upper(),
            "interval": 1,
            "byday": ",".join(days),
            "opens_at": values["start_time"].strftime("%H:%M:%S")
            if "start_time" in values
            else None,
            "closes_at": values["end_time"].strftime("%H:%M:%S") if "end_time" in values else None,
        }
    )


def _location_record(draft: Draft) -> Record:
    values = draft.values
    location_id = values["location_id"]
    has_address = any(name in values for name in ("address_1", "city", "postal_code"))
    kind = (
        LocationType.VIRTUAL
        if "virtual_url" in values and not has_address
        else LocationType.PHYSICAL
    )
    latitude, longitude = values.get("latitude"), values.get("longitude")
    source = CoordinatesSource.ENTERED
    if latitude is None and "postal_code" in values and kind == LocationType.PHYSICAL:
        centroid = geocoding.zip_centroid(values["postal_code"])
        if centroid is not None:
            latitude, longitude = centroid.latitude, centroid.longitude
            source = CoordinatesSource.ZIP_CENTROID
    record = _compact(
        {
            "id": location_id,
            "location_type": kind.value,
            "url": values.get("virtual_url"),
            "name": values.get("location_name", ""),
            "latitude": latitude,
            "longitude": longitude,
        }
    )
    record["name"] = values.get("location_name", "")
    record["addresses"] = []
    if kind == LocationType.PHYSICAL and has_address:
        record["addresses"].append(
            {
                "id": hsds.derived_id(location_id, "address"),
                "address_1": values.get("address_1", ""),
                "city": values.get("city", ""),
                "state_province": values.get("state", ""),
                "postal_code": values.get("postal_code", ""),
                "country": "US",
                "address_type": kind.value,
            }
        )
    record["attributes"] = (
        [_attribute(location_id, "profile/coordinates_source", source.value, "location")]
        if latitude is not None
        else []
    )
    return record


def _service_record(
    draft: ProgramDraft, locations: dict[Any, Record], partners: Partners | None, batch: Batch
) -> Record:
    values = {**DEFAULTS, **draft.values}
    service_id = draft.id
    record = _compact(
        {
            "id": service_id,
            "name": values["program_name"],
            "description": values.get("description"),
            "url": values.get("url"),
            "email": values.get("email"),
            "status": values["status"],
            "fees_description": values.get("fees"),
            "minimum_age": values.get("minimum_age"),
            "maximum_age": values.get("maximum_age"),
        }
    )
    if partners is None:
        record["organization"] = organization_ref(values["organization"])
    else:
        where = f"row {draft.rows.get('organization', draft.row)}"
        record["organization_id"] = partners.id_of(
            values["organization"], where, "organization", batch
        )
    # No id: the sheet has no column for it, and the phone keeps the one it has.
    record["phones"] = [{"number": values["phone"]}] if values.get("phone") else []
    record["schedules"] = [
        _schedule_record(service_id, i, s) for i, s in enumerate(draft.own_schedules)
    ]
    record["service_at_locations"] = []
    for key, schedules in draft.sites.items():
        location = locations[key]
        site_id = hsds.derived_id(service_id, f"location/{location['id']}")
        record["service_at_locations"].append(
            {
                "id": site_id,
                "schedules": [_schedule_record(site_id, i, s) for i, s in enumerate(schedules)],
                "location": location,
            }
        )
    record["languages"] = [
        {
            "id": hsds.derived_id(service_id, f"language/{code}"),
            "name": language_name(code),
            "code": code,
        }
        for code in values.get("languages", [])
    ]
    record["funding"] = [
        {"id": hsds.derived_id(service_id, f"funding/{source}"), "source": source}
        for source in values.get("funding_sources", [])
    ]
    attributes = []
    for name, facet in FACET_COLUMNS.items():
        for code in values.get(name, []):
            attributes.append(_attribute(service_id, f"{facet.code}/{code}", "", "service"))
    for name, model_field in PROFILE_COLUMNS.items():
        value = values.get(name)
        if value is None:
            continue
        text = ("true" if value else "false") if isinstance(value, bool) else str(value)
        attributes.append(_attribute(service_id, f"{PROFILE}/{model_field}", text, "service"))
    for partner in values.get("partner_organizations", []):
        if partners is None:
            partner_id: str | None = organization_ref(partner)["id"]
        else:
            where = f"row {draft.rows['partner_organizations']}"
            partner_id = partners.id_of(partner, where, "partner_organizations", batch)
        if partner_id is None:
            continue
        attributes.append(
            _attribute(service_id, f"{PROFILE}/partner_organization", partner_id, "service")
        )
    record["attributes"] = attributes
    return record


# Keeping what a sheet leaves out ---------------------------------------------------------------

# The parts of a service record each column fills; a column missing from the file leaves them as
# the directory has them (the importer reads an absent scalar as empty).
SERVICE_KEYS = {
    "program_name": ("name",),
    "description": ("description",),
    "url": ("url",),
    "email": ("email",),
    "status": ("status",),
    "fees": ("fees_description",),
    "minimum_age": ("minimum_age",),
    "maximum_age": ("maximum_age",),
    "phone": ("phones",),
    "languages": ("languages",),
    "funding_sources": ("funding",),
}
LOCATION_KEYS = {
    "location_name": ("name",),
    "virtual_url": ("url",),
    "latitude": ("latitude", "longitude", "attributes"),
    "longitude": ("latitude", "longitude", "attributes"),
}
ADDRESS_KEYS = {
    "address_1": "address_1",
    "city": "city",
    "state": "state_province",
    "postal_code": "postal_code",
}
WHERE_AND_WHEN = {c.name for c in COLUMNS if c.part in ("location", "schedule")}


def _attribute_column(code: str) -> str | None:
    """The column an attribute of the Ecotone taxonomy comes from, if any."""
    facet_code, _sep, _rest = code.partition("/")
    for name, facet in FACET_COLUMNS.items():
        if facet.code == facet_code:
            return name
    if code == f"{PROFILE}/partner_organization":
        return "partner_organizations"
    for name, field_name in PROFILE_COLUMNS.items():
        if code == f"{PROFILE}/{field_name}":
            return name
    return None


def _replace(merged: Record, new: Record, keys: Iterable[str]) -> None:
    for key in keys:
        if key in new:
            merged[key] = new[key]
        else:
            merged.pop(key, None)


def _kept(new: list[Record], base: list[Record], cells: Callable[[Record], Any]) -> list[Record]:
    """The sheet's parts, each one that reads as a part the directory has taken as it is there.

    A sheet shows a part only in part (a language without its note, a schedule without its
    time zone or description): unchanged in the sheet, it stays whole in the directory.
    """
    free = list(base)
    kept = []
    for part in new:
        match = next((old for old in free if cells(old) == cells(part)), None)
        if match is not None:
            free.remove(match)
        kept.append(part if match is None else match)
    return kept


class Existing:
    """The directory's current records for the programs and locations a sheet names by id.

    A sheet may leave columns out, and HSDS has more than a sheet has columns: what the file
    does not say is taken from the directory, so an import changes only what the sheet shows.
    """

    def __init__(self, ecosystem: Ecosystem, services: list[Record]) -> None:
        service_ids = [record["id"] for record in services]
        location_ids = [
            site["location"]["id"]
            for record in services
            for site in record.get("service_at_locations", [])
        ]
        programs = Program.objects.filter(ecosystem=ecosystem, hsds_id__in=service_ids)
        self.services = {
            record["id"]: record for record in hsds.iter_full_services(ecosystem, programs)
        }
        self.assurers = dict(programs.values_list("hsds_id", "assurer_email"))
        export = hsds.HsdsExport(ecosystem)
        self.locations = {
            str(location.hsds_id): export.location_full(location)
            for location in Location.objects.filter(
                ecosystem=ecosystem, hsds_id__in=location_ids
            ).select_related("organization")
        }

    def overlay(self, new: Record, present: set[str]) -> Record:
        base = self.services.get(new["id"])
        sites = [
            {**site, "location": self.location(site["location"], present)}
            for site in new.get("service_at_locations", [])
        ]
        if base is None:
            return {**new, "service_at_locations": sites}
        merged = {k: v for k, v in base.items() if k not in ("organization", "last_modified")}
        merged["organization_id"] = new["organization_id"]
        if assurer := self.assurers.get(uuid.UUID(new["id"])):
            merged["assurer_email"] = assurer  # not published, but not to be lost either
        for column, keys in SERVICE_KEYS.items():
            if column in present:
                _replace(merged, new, keys)

        def from_sheet(attribute: Record) -> bool:
            code = attribute.get("taxonomy_term", {}).get("code", "")
            column = _attribute_column(code)
            return column is not None and column in present

        merged["attributes"] = [a for a in base["attributes"] if not from_sheet(a)] + [
            a for a in new["attributes"] if from_sheet(a)
        ]
        if "languages" in present:
            merged["languages"] = _kept(
                new["languages"], base["languages"], lambda language: language.get("code")
            )
        if present & WHERE_AND_WHEN:
            merged["schedules"] = _kept(new["schedules"], base["schedules"], schedule_cells)
            base_sites = {site["location"]["id"]: site for site in base["service_at_locations"]}
            merged["service_at_locations"] = [
                self.site(site, base_sites.get(site["location"]["id"])) for site in sites
            ]
        return merged

    @staticmethod
    def site(new: Record, base: Record | None) -> Record:
        """A site the directory has keeps its id, description and the schedules the sheet shows
        unchanged; the sheet gives its location and which schedules there are."""
        if base is None:
            return new
        return {
            **base,
            "location": new["location"],
            "schedules": _kept(new["schedules"], base["schedules"], schedule_cells),
        }

    def location(self, new: Record, present: set[str]) -> Record:
        base = self.locations.get(new["id"])
        if base is None:
            return new
        merged = dict(base)
        for column, keys in LOCATION_KEYS.items():
            if column in present:
                _replace(merged, new, keys)
        if present & set(ADDRESS_KEYS):
            address = dict((base.get("addresses") or new.get("addresses") or [{}])[0])
            new_address = (new.get("addresses") or [{}])[0]
            for column, key in ADDRESS_KEYS.items():
                if column in present:
                    address[key] = new_address.get(key, "")
            filled = any(address.get(key) for key in ADDRESS_KEYS.values())
            merged["addresses"] = (
                [
                    {
                        "id": hsds.derived_id(new["id"], "address"),
                        "country": "US",
                        "address_type": LocationType.PHYSICAL.value,
                        **address,
                    }
                ]
                if filled
                else []
            )
        if present & {"virtual_url", *ADDRESS_KEYS}:
            merged["location_type"] = new["location_type"]
        return merged
