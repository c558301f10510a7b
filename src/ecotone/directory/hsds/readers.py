"""Read HSDS 3.0 files into a `Batch`: JSON, and the tabular data package (folder or .zip).

JSON: one record or a list of them, or an HSDS API page (`{"contents": [...]}`), of services,
organizations (with nested `services`), services at locations, locations, taxonomies or
taxonomy terms; what a record is, is told by its keys.

Tabular data package: the CSV files named in `datapackage.json` (or, without it, HSDS's own file
names). Rows are nested back into full services by their foreign keys (`service_id`,
`location_id`, `link_id` of attributes, ...; a row that links several records belongs to each);
a problem names the file, the row as a spreadsheet numbers it (the header is row 1) and the
column. Tables Ecotone does not model (contacts, programs, required documents, organization
identifiers, metadata, ...) are read without error and named in the batch's notes.

Nothing here touches the database: a reader turns bytes into records, the importer
(`hsds/imports.py`) decides what they mean for an ecosystem.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from collections import defaultdict
from pathlib import Path, PurePosixPath
from typing import Any

from django.utils.translation import gettext as _

from ecotone.cells import Problem
from ecotone.tabular_files import FileError, allow_long_cells, refuse_understated_members

from ..imports.batch import Batch, Record

MAX_BYTES = 200 * 1024 * 1024  # one file, or a whole package once unzipped
MAX_FILES = 200

# HSDS table name -> its usual file name; the tables the importer reads.
KNOWN_TABLES = {
    "organization": "organizations.csv",
    "service": "services.csv",
    "service_at_location": "service_at_location.csv",
    "location": "locations.csv",
    "address": "addresses.csv",
    "phone": "phones.csv",
    "schedule": "schedules.csv",
    "language": "languages.csv",
    "cost_option": "cost_options.csv",
    "funding": "funding.csv",
    "service_area": "service_areas.csv",
    "accessibility": "accessibility.csv",
    "attribute": "attributes.csv",
    "taxonomy": "taxonomies.csv",
    "taxonomy_term": "taxonomy_terms.csv",
}


class UnreadableFileError(Exception):
    """The file is not what its name says; the message says why, for a person."""


# JSON


def read_hsds_json(path: Path | str) -> Batch:
    batch = Batch()
    try:
        raw = Path(path).read_bytes()
        if len(raw) > MAX_BYTES:
            raise UnreadableFileError(
                _("The file is larger than %(mb)d MB.") % {"mb": MAX_BYTES >> 20}
            )
        data = _json_loads(raw)
    except UnreadableFileError as error:
        batch.problems.append(Problem("", "", str(error)))
        return batch
    except OSError as error:
        batch.problems.append(Problem("", "", _("The file cannot be read: %(e)s") % {"e": error}))
        return batch
    read_hsds_data(data, batch)
    return batch


def _json_loads(raw: bytes) -> Any:
    if not raw.strip():
        raise UnreadableFileError(_("The file is empty."))
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise UnreadableFileError(
            _("The file is not UTF-8 text (is it the right file?).")
        ) from None
    try:
        return json.loads(text)
    except RecursionError:
        raise UnreadableFileError(_("The file is nested too deeply to read.")) from None
    except ValueError as error:
        raise UnreadableFileError(
            _("The file is not valid JSON: %(error)s") % {"error": error}
        ) from None


def kind_of(record: Record) -> str:
    """What an HSDS record is, told by its keys."""
    if isinstance(record.get("service"), dict):
        return "service_at_location"
    if "services" in record or "organization_identifiers" in record or "tax_status" in record:
        return "organization"
    if "location_type" in record or "addresses" in record or "latitude" in record:
        return "location"
    if "taxonomy_detail" in record or "term_uri" in record or "parent_id" in record:
        return "taxonomy_term"
    if "code" in record and "taxonomy_id" in record:
        return "taxonomy_term"
    if "status" in record or "organization" in record or "service_at_locations" in record:
        return "service"
    if "organization_id" in record and "name" in record:
        return "service"
    if set(record) <= {"id", "name", "description", "uri", "version", "metadata"}:
        return "taxonomy"
    return "unknown"


def read_hsds_data(data: Any, batch: Batch) -> None:
    """Add the records of parsed HSDS JSON to `batch`."""
    if isinstance(data, dict) and isinstance(data.get("contents"), list):
        records, name = data["contents"], "contents"
    elif isinstance(data, list):
        records, name = data, ""
    elif isinstance(data, dict):
        records, name = [data], None
    else:
        batch.problems.append(Problem("", "", _("Expected HSDS records (a JSON object or list).")))
        return
    sites: dict[str, Record] = {}
    for i, record in enumerate(records):
        where = f"{name}[{i}]" if name is not None else ""
        if not isinstance(record, dict):
            batch.problems.append(Problem(where, "", _("Expected an HSDS record (a JSON object).")))
            continue
        kind = kind_of(record)
        if kind == "service":
            batch.add_service(record, where or "service")
        elif kind == "organization":
            batch.organizations.append(record)
        elif kind == "location":
            batch.locations.append(record)
        elif kind == "taxonomy":
            batch.taxonomies.append(record)
        elif kind == "taxonomy_term":
            batch.taxonomy_terms.append(record)
        elif kind == "service_at_location":
            # A service at a location nests its service: turn it inside out, one service each.
            service = record["service"]
            site = {k: v for k, v in record.items() if k != "service"}
            key = str(service.get("id") or id(service))
            if key in sites:
                sites[key].setdefault("service_at_locations", []).append(site)
            else:
                sites[key] = {**service, "service_at_locations": [site]}
                batch.add_service(sites[key], where or "service_at_location")
        else:
            batch.problems.append(
                Problem(where, "", _("This is not an HSDS record Ecotone can import."))
            )


# Tabular data package


def read_hsds_package(path: Path | str) -> Batch:
    """A folder holding datapackage.json and its CSV files, or a .zip of one."""
    batch = Batch()
    try:
        files = _package_files(Path(path))
        tables = _tables(files, batch)
    except UnreadableFileError as error:
        batch.problems.append(Problem("", "", str(error)))
        return batch
    _nest(tables, batch)
    return batch


def _package_files(path: Path) -> dict[str, bytes]:
    """File name (relative to datapackage.json's folder) -> content."""
    if path.is_dir():
        files = {}
        total = 0
        for file in sorted(path.rglob("*"))[:MAX_FILES]:
            if file.is_file():
                total += file.stat().st_size
                if total > MAX_BYTES:
                    raise UnreadableFileError(
                        _("The package is larger than %(mb)d MB.") % {"mb": MAX_BYTES >> 20}
                    )
                files[file.relative_to(path).as_posix()] = file.read_bytes()
        return _rooted(files)
    try:
        with zipfile.ZipFile(path) as archive:
            members = [m for m in archive.infolist() if not m.is_dir()]
            if len(members) > MAX_FILES:
                raise UnreadableFileError(_("The .zip holds too many files."))
            if sum(m.file_size for m in members) > MAX_BYTES:
                raise UnreadableFileError(
                    _("The .zip is larger than %(mb)d MB unpacked.") % {"mb": MAX_BYTES >> 20}
                )
            refuse_understated_members(archive)
            files = {}
            for member in members:
                name = PurePosixPath(member.filename)
                if name.is_absolute() or ".." in name.parts or name.name.startswith("."):
                    continue
                if "__MACOSX" in name.parts:
                    continue
                files[name.as_posix()] = archive.read(member)
    except FileError as error:
        raise UnreadableFileError(str(error)) from None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError):
        raise UnreadableFileError(_("The file is not a readable .zip archive.")) from None
    except OSError as error:
        raise UnreadableFileError(_("The file cannot be read: %(e)s") % {"e": error}) from None
    return _rooted(files)


def _rooted(files: dict[str, bytes]) -> dict[str, bytes]:
    """Paths relative to the folder holding datapackage.json (zips often wrap one folder)."""
    descriptors = sorted((n for n in files if PurePosixPath(n).name == "datapackage.json"), key=len)
    if descriptors:
        root = str(PurePosixPath(descriptors[0]).parent)
    else:
        csvs = sorted((n for n in files if n.endswith(".csv")), key=len)
        if not csvs:
            raise UnreadableFileError(
                _("No datapackage.json and no CSV files: this is not an HSDS data package.")
            )
        root = str(PurePosixPath(csvs[0]).parent)
    if root in ("", "."):
        return files
    prefix = root + "/"
    return {n[len(prefix) :]: v for n, v in files.items() if n.startswith(prefix)}


def _tables(files: dict[str, bytes], batch: Batch) -> dict[str, list[Record]]:
    """Rows of each known table (empty cells left out), each row knowing where it came from."""
    resources: dict[str, str] = {}
    entries = None
    if "datapackage.json" in files:
        try:
            descriptor = _json_loads(files["datapackage.json"])
        except UnreadableFileError:
            descriptor = None
        entries = descriptor.get("resources") if isinstance(descriptor, dict) else None
    if isinstance(entries, list):
        for entry in entries:
            if isinstance(entry, dict) and isinstance(entry.get("path"), str):
                name = str(entry.get("name") or PurePosixPath(entry["path"]).stem)
                resources[name] = entry["path"]
    else:
        # The official example's datapackage.json is a link to a file it does not ship.
        batch.notes.append(
            _("No readable datapackage.json: the CSV files were read by HSDS's file names.")
        )
        by_file = {path: name for name, path in KNOWN_TABLES.items()}
        for file in files:
            if file.endswith(".csv"):
                resources[by_file.get(file, PurePosixPath(file).stem)] = file
    tables: dict[str, list[Record]] = {}
    skipped = []
    for name, file in resources.items():
        if name not in KNOWN_TABLES:
            if file in files:
                rows = len(_csv_rows(file, files[file], batch))
                if rows:
                    skipped.append(f"{file} ({rows})")
            continue
        if file not in files:
            batch.problems.append(
                Problem(file, "", _("datapackage.json names this file, but it is missing."))
            )
            continue
        tables[name] = _csv_rows(file, files[file], batch)
    if skipped:
        batch.notes.append(
            _("Tables Ecotone does not keep were read and left out: %(tables)s.")
            % {"tables": ", ".join(sorted(skipped))}
        )
    if not batch.problems and not any(tables.values()):
        raise UnreadableFileError(_("The package holds no services or organizations."))
    return tables


def _csv_rows(file: str, content: bytes, batch: Batch) -> list[Record]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        batch.problems.append(Problem(file, "", _("The file is not UTF-8 text.")))
        return []
    rows = []
    allow_long_cells()
    try:
        reader = csv.DictReader(io.StringIO(text, newline=""))
        for number, row in enumerate(reader, start=2):
            if None in row:
                batch.problems.append(
                    Problem(
                        f"{file} row {number}", "", _("This row has more cells than the header.")
                    )
                )
                continue
            record: Record = {k.strip(): v for k, v in row.items() if k and v not in (None, "")}
            if record:
                record["_where"] = f"{file} row {number}"
                rows.append(record)
    except csv.Error as error:
        batch.problems.append(Problem(file, "", _("Not a readable CSV file: %(e)s") % {"e": error}))
    return rows


def _nest(tables: dict[str, list[Record]], batch: Batch) -> None:
    """Put each row back under the record it belongs to, as HSDS JSON nests them."""

    def by(table: str, column: str) -> dict[str, list[Record]]:
        index: dict[str, list[Record]] = defaultdict(list)
        for row in tables.get(table, []):
            if row.get(column):
                index[row[column]].append(row)
        return index

    def clean(row: Record, *links: str) -> Record:
        return {k: v for k, v in row.items() if k not in links}

    def by_id(table: str) -> dict[str, Record]:
        """The rows by id; a second row with an id and other details is a problem."""
        rows: dict[str, Record] = {}
        for row in tables.get(table, []):
            earlier = rows.setdefault(row["id"], row) if row.get("id") else row
            if earlier is not row and clean(earlier, "_where") != clean(row, "_where"):
                batch.problems.append(
                    Problem(
                        row["_where"],
                        "id",
                        _("%(where)s has this id with other details: give each record its own id.")
                        % {"where": earlier["_where"]},
                    )
                )
        return rows

    services = by_id("service")
    locations = by_id("location")
    organizations = by_id("organization")
    sites = by_id("service_at_location")
    owners = {"service": services, "location": locations, "organization": organizations}

    # A phone, language or schedule row belongs to every record it links, as the JSON form of
    # the same data nests it under each; links to records Ecotone does not keep are noted.
    phones: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for row in tables.get("phone", []):
        if row.get("service_id"):
            phones[("service", row["service_id"])].append(row)
        if row.get("organization_id"):
            phones[("organization", row["organization_id"])].append(row)
        if row.get("contact_id") or row.get("service_at_location_id") or row.get("location_id"):
            _left_out(batch, "phones of contacts, locations or services at locations")
    languages = defaultdict(list)
    for row in tables.get("language", []):
        if row.get("service_id"):
            languages[row["service_id"]].append(row)
        if row.get("phone_id") or row.get("location_id") or not row.get("service_id"):
            _left_out(batch, "languages of phones or locations")
    schedules: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for row in tables.get("schedule", []):
        if row.get("service_at_location_id"):
            schedules[("site", row["service_at_location_id"])].append(row)
        if row.get("service_id"):
            schedules[("service", row["service_id"])].append(row)
        if row.get("location_id") or not (
            row.get("service_id") or row.get("service_at_location_id")
        ):
            _left_out(batch, "schedules of locations")
    attributes: dict[str, list[Record]] = by("attribute", "link_id")
    addresses = by("address", "location_id")
    access = by("accessibility", "location_id")

    def orphans(table: str, column: str, target: dict[str, Record]) -> None:
        for row in tables.get(table, []):
            value = row.get(column)
            if value and value not in target:
                batch.problems.append(
                    Problem(
                        row["_where"],
                        column,
                        _("No record with id %(id)s in %(file)s.")
                        % {"id": value, "file": KNOWN_TABLES[_TARGETS[column]]},
                    )
                )

    for table in ("cost_option", "service_area", "service_at_location"):
        orphans(table, "service_id", services)
    orphans("service_at_location", "location_id", locations)
    for key in [k for k in schedules if k[0] == "service"]:
        if key[1] not in services:
            for row in schedules[key]:
                orphans_row(batch, row, "service_id", "services.csv")
    for key in [k for k in schedules if k[0] == "site"]:
        if key[1] not in sites:
            for row in schedules[key]:
                orphans_row(batch, row, "service_at_location_id", "service_at_location.csv")
    for service_id, rows in languages.items():
        if service_id not in services:
            for row in rows:
                orphans_row(batch, row, "service_id", "services.csv")
    for row in tables.get("funding", []):
        if row.get("service_id") and row["service_id"] not in services:
            orphans_row(batch, row, "service_id", "services.csv")
    linked = {k for table in owners.values() for k in table}
    for link_id, rows in attributes.items():
        if link_id not in linked:
            _left_out(batch, "attributes of records not in the package", len(rows))

    def location_record(location_id: str) -> Record:
        row = locations[location_id]
        return {
            **row,
            "addresses": [clean(a, "location_id") for a in addresses.get(location_id, [])],
            "accessibility": [clean(a, "location_id") for a in access.get(location_id, [])],
            "attributes": [clean(a, "link_id") for a in attributes.get(location_id, [])],
        }

    used_locations = set()
    sites_of = by("service_at_location", "service_id")
    for service_id, row in services.items():
        record: Record = {
            **row,
            "phones": [clean(p, "service_id") for p in phones.get(("service", service_id), [])],
            "schedules": [
                clean(s, "service_id") for s in schedules.get(("service", service_id), [])
            ],
            "languages": [clean(x, "service_id") for x in languages.get(service_id, [])],
            "attributes": [clean(a, "link_id") for a in attributes.get(service_id, [])],
            "service_at_locations": [],
        }
        for table, nested in (
            ("cost_option", "cost_options"),
            ("funding", "funding"),
            ("service_area", "service_areas"),
        ):
            record[nested] = [
                clean(r, "service_id", "organization_id")
                for r in tables.get(table, [])
                if r.get("service_id") == service_id
            ]
        for site in sites_of.get(service_id, []):
            location_id = str(site.get("location_id", ""))
            if location_id not in locations:
                continue  # reported above
            used_locations.add(location_id)
            record["service_at_locations"].append(
                {
                    **clean(site, "service_id", "location_id"),
                    "location": location_record(location_id),
                    "schedules": [
                        clean(s, "service_id", "service_at_location_id", "location_id")
                        for s in schedules.get(("site", site.get("id", "")), [])
                    ],
                }
            )
        batch.add_service(record, row["_where"])
    for row in tables.get("funding", []):
        if not row.get("service_id"):
            _left_out(batch, "funding of organizations")
    for organization_id, row in organizations.items():
        batch.organizations.append(
            {
                **row,
                "phones": [
                    clean(p, "organization_id")
                    for p in phones.get(("organization", organization_id), [])
                ],
            }
        )
    for location_id in locations:
        if location_id not in used_locations:
            batch.locations.append(location_record(location_id))
    batch.taxonomies.extend(tables.get("taxonomy", []))
    batch.taxonomy_terms.extend(tables.get("taxonomy_term", []))
    for name in KNOWN_TABLES:
        for row in tables.get(name, []):
            if not row.get("id") and name in ("service", "organization", "location"):
                batch.problems.append(Problem(row["_where"], "id", _("This row has no id.")))


_TARGETS = {
    "service_id": "service",
    "location_id": "location",
    "service_at_location_id": "service_at_location",
}


def orphans_row(batch: Batch, row: Record, column: str, file: str) -> None:
    batch.problems.append(
        Problem(
            row["_where"],
            column,
            _("No record with id %(id)s in %(file)s.") % {"id": row[column], "file": file},
        )
    )


def _left_out(batch: Batch, what: str, n: int = 1) -> None:
    note = _("Left out, as Ecotone does not keep them: %(what)s.") % {"what": what}
    if note not in batch.notes:
        batch.notes.append(note)
