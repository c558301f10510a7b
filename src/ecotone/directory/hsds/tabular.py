"""One ecosystem's directory as the HSDS 3.0 tabular data package: CSV files + datapackage.json.

The tables, their file names and their columns (names and order) are HSDS's own, as in the
official examples (`examples/csv/` of the HSDS 3.0 specification; tests compare them). Rows are
the JSON records of `export.py` flattened: each nested record becomes a row of its table with the
id of the record it belongs to (`service_id`, `location_id`, ...). A schedule of a service at
one location keeps both its `service_id` and its `service_at_location_id`.

Written as it is read: services stream through `iter_full_services` in chunks, locations in
chunks of their own (a location used by many programs is written once), so memory stays bounded.
Tables Ecotone has nothing for (contacts, programs, required documents, ...) are left
out of the package rather than written empty.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from ecotone.ecosystems.models import Ecosystem

from ..models import Location
from . import export as hsds


@dataclass(frozen=True)
class Table:
    name: str  # the HSDS table (resource) name
    path: str
    columns: tuple[str, ...]
    foreign_keys: dict[str, str] = field(default_factory=dict)  # column -> table


TABLES = (
    Table(
        "organization",
        "organizations.csv",
        (
            "id",
            "name",
            "alternate_name",
            "description",
            "email",
            "website",
            "tax_status",
            "tax_id",
            "year_incorporated",
            "legal_status",
            "logo",
            "uri",
            "parent_organization_id",
        ),
        {"parent_organization_id": "organization"},
    ),
    Table(
        "service",
        "services.csv",
        (
            "id",
            "organization_id",
            "program_id",
            "name",
            "alternate_name",
            "description",
            "url",
            "email",
            "status",
            "interpretation_services",
            "application_process",
            "fees_description",
            "wait_time",
            "fees",
            "accreditations",
            "eligibility_description",
            "minimum_age",
            "maximum_age",
            "assured_date",
            "assurer_email",
            "licenses",
            "alert",
            "last_modified",
        ),
        {"organization_id": "organization"},
    ),
    Table(
        "service_at_location",
        "service_at_location.csv",
        ("id", "service_id", "location_id", "description"),
        {"service_id": "service", "location_id": "location"},
    ),
    Table(
        "location",
        "locations.csv",
        (
            "id",
            "location_type",
            "url",
            "organization_id",
            "name",
            "alternate_name",
            "description",
            "transportation",
            "latitude",
            "longitude",
            "external_identifier",
            "external_identifier_type",
        ),
        {"organization_id": "organization"},
    ),
    Table(
        "address",
        "addresses.csv",
        (
            "id",
            "location_id",
            "attention",
            "address_1",
            "address_2",
            "city",
            "region",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        ),
        {"location_id": "location"},
    ),
    Table(
        "phone",
        "phones.csv",
        (
            "id",
            "location_id",
            "service_id",
            "organization_id",
            "contact_id",
            "service_at_location_id",
            "number",
            "extension",
            "type",
            "description",
        ),
        {"service_id": "service", "organization_id": "organization"},
    ),
    Table(
        "schedule",
        "schedules.csv",
        (
            "id",
            "service_id",
            "location_id",
            "service_at_location_id",
            "valid_from",
            "valid_to",
            "dtstart",
            "timezone",
            "until",
            "count",
            "wkst",
            "freq",
            "interval",
            "byday",
            "byweekno",
            "bymonthday",
            "byyearday",
            "description",
            "opens_at",
            "closes_at",
            "schedule_link",
            "attending_type",
            "notes",
        ),
        {"service_id": "service", "service_at_location_id": "service_at_location"},
    ),
    Table(
        "language",
        "languages.csv",
        ("id", "service_id", "location_id", "phone_id", "name", "code", "note"),
        {"service_id": "service"},
    ),
    Table(
        "cost_option",
        "cost_options.csv",
        (
            "id",
            "service_id",
            "valid_from",
            "valid_to",
            "option",
            "currency",
            "amount",
            "amount_description",
        ),
        {"service_id": "service"},
    ),
    Table(
        "funding",
        "funding.csv",
        ("id", "organization_id", "service_id", "source"),
        {"service_id": "service"},
    ),
    Table(
        "service_area",
        "service_areas.csv",
        ("id", "service_id", "name", "description", "extent", "extent_type", "uri"),
        {"service_id": "service"},
    ),
    Table(
        "accessibility",
        "accessibility.csv",
        ("id", "location_id", "description", "details", "url"),
        {"location_id": "location"},
    ),
    Table(
        "attribute",
        "attributes.csv",
        ("id", "link_id", "taxonomy_term_id", "link_type", "link_entity", "value"),
        {"taxonomy_term_id": "taxonomy_term"},
    ),
    Table("taxonomy", "taxonomies.csv", ("id", "name", "description", "uri", "version")),
    Table(
        "taxonomy_term",
        "taxonomy_terms.csv",
        (
            "id",
            "code",
            "name",
            "description",
            "parent_id",
            "taxonomy",
            "language",
            "taxonomy_id",
            "term_uri",
        ),
        {"parent_id": "taxonomy_term", "taxonomy_id": "taxonomy"},
    ),
    Table(
        "metadata",
        "metadata.csv",
        (
            "id",
            "resource_id",
            "resource_type",
            "last_action_date",
            "last_action_type",
            "field_name",
            "previous_value",
            "replacement_value",
            "updated_by",
        ),
    ),
)

# Frictionless field types and formats, as the HSDS schemas give them.
_NUMBERS = {
    "year_incorporated",
    "minimum_age",
    "maximum_age",
    "latitude",
    "longitude",
    "extension",
    "timezone",
    "count",
    "interval",
    "amount",
}
_DATES = {"valid_from", "valid_to", "dtstart", "until", "assured_date", "last_action_date"}
_TIMES = {"opens_at", "closes_at"}
_EMAILS = {"email", "assurer_email"}
_URIS = {"url", "website", "uri", "term_uri", "schedule_link"}
_PLAIN = {("service_area", "uri")}  # HSDS gives this one no format
# Columns HSDS requires besides `id` (its schemas' `required`): a data package reads an empty
# cell as missing, so `export.py` never leaves one of these empty.
REQUIRED = {
    "organization": {"name", "description"},
    "service": {"name", "status"},
    "location": {"location_type"},
    "address": {"address_1", "city", "state_province", "postal_code", "country", "address_type"},
    "phone": {"number"},
    "taxonomy": {"name", "description"},
    "taxonomy_term": {"name", "description"},
    "metadata": {
        "last_action_date",
        "last_action_type",
        "field_name",
        "previous_value",
        "replacement_value",
        "updated_by",
    },
}


def field_schema(table: str, column: str) -> dict[str, Any]:
    """A Table Schema field for one column."""
    schema = _field_type(table, column)
    if column == "id" or column in REQUIRED.get(table, ()):
        schema["constraints"] = {"required": True}
    return schema


def _field_type(table: str, column: str) -> dict[str, Any]:
    if column in _NUMBERS:
        return {"name": column, "type": "number"}
    if column in _DATES:
        return {"name": column, "type": "date"}
    if column in _TIMES:
        return {"name": column, "type": "time"}
    if column == "last_modified":
        return {"name": column, "type": "datetime"}
    schema: dict[str, Any] = {"name": column, "type": "string"}
    if column == "id" or (column.endswith("_id") and column != "tax_id"):
        schema["format"] = "uuid"
    elif column in _EMAILS:
        schema["format"] = "email"
    elif column in _URIS and (table, column) not in _PLAIN:
        schema["format"] = "uri"
    return schema


def datapackage(ecosystem: Ecosystem) -> dict[str, Any]:
    """The package descriptor (Frictionless tabular data package) for the tables written."""
    return {
        "profile": "tabular-data-package",
        "name": f"{ecosystem.slug}-hsds",
        "title": f"{ecosystem.name}: STEM program directory (HSDS {hsds.HSDS_VERSION})",
        "created": datetime.now(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "resources": [
            {
                "name": table.name,
                "path": table.path,
                "profile": "tabular-data-resource",
                "format": "csv",
                "mediatype": "text/csv",
                "encoding": "utf-8",
                "schema": {
                    "fields": [field_schema(table.name, c) for c in table.columns],
                    "primaryKey": "id",
                    "foreignKeys": [
                        {
                            "fields": column,
                            "reference": {
                                # A table referring to itself names no resource.
                                "resource": "" if target == table.name else target,
                                "fields": "id",
                            },
                        }
                        for column, target in table.foreign_keys.items()
                    ],
                },
            }
            for table in TABLES
        ],
    }


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


class _Writers:
    """One CSV writer per table, each file opened once and written row by row."""

    def __init__(self, stack: ExitStack, folder: Path) -> None:
        self.writers: dict[str, csv.DictWriter[str]] = {}
        self.counts: dict[str, int] = {}
        for table in TABLES:
            handle: TextIO = stack.enter_context(
                (folder / table.path).open("w", encoding="utf-8", newline="")
            )
            writer = csv.DictWriter(handle, fieldnames=table.columns, extrasaction="ignore")
            writer.writeheader()
            self.writers[table.name] = writer
            self.counts[table.name] = 0

    def write(self, table: str, record: dict[str, Any], **links: Any) -> None:
        row = {**record, **links}
        self.writers[table].writerow({k: _cell(v) for k, v in row.items()})
        self.counts[table] += 1


def _write_service(out: _Writers, service: dict[str, Any]) -> None:
    service_id = service["id"]
    out.write("service", service, organization_id=service["organization"]["id"])
    for phone in service["phones"]:
        out.write("phone", phone, service_id=service_id)
    for schedule in service["schedules"]:
        out.write("schedule", schedule, service_id=service_id)
    for area in service["service_areas"]:
        out.write("service_area", area, service_id=service_id)
    for sal in service["service_at_locations"]:
        out.write(
            "service_at_location", sal, service_id=service_id, location_id=sal["location"]["id"]
        )
        for schedule in sal["schedules"]:
            # Not `service_id` too: a row linked to its service is a schedule of the whole
            # service as well (as the HSDS example's JSON form nests it).
            out.write("schedule", schedule, service_at_location_id=sal["id"])
    for language in service["languages"]:
        out.write("language", language, service_id=service_id)
    for funding in service["funding"]:
        out.write("funding", funding, service_id=service_id)
    for option in service["cost_options"]:
        out.write("cost_option", option, service_id=service_id)
    for attribute in service["attributes"]:
        out.write("attribute", attribute, link_id=service_id)
    for change in service["metadata"]:
        out.write("metadata", change)


def _locations(ecosystem: Ecosystem, chunk_size: int) -> Iterator[Location]:
    for pks in hsds.in_chunks(hsds.public_locations(ecosystem), chunk_size):
        yield from Location.objects.filter(pk__in=pks).select_related("organization").order_by("pk")


def write_package(
    ecosystem: Ecosystem, folder: Path, *, chunk_size: int = hsds.CHUNK_SIZE
) -> dict[str, int]:
    """Write the CSV files and datapackage.json into `folder`; return the rows per table."""
    folder.mkdir(parents=True, exist_ok=True)
    export = hsds.HsdsExport(ecosystem)
    with ExitStack() as stack:
        out = _Writers(stack, folder)
        for organization in hsds.public_organizations(ecosystem).order_by("pk").iterator():
            record = export.organization(organization)
            out.write("organization", record)
            for phone in export.organization_phones(organization):
                out.write("phone", phone, organization_id=record["id"])
        for service in hsds.iter_full_services(ecosystem, chunk_size=chunk_size):
            _write_service(out, service)
        for location in _locations(ecosystem, chunk_size):
            record = export.location_full(location)
            out.write("location", record)
            for address in record["addresses"]:
                out.write("address", address, location_id=record["id"])
            for access in record["accessibility"]:
                out.write("accessibility", access, location_id=record["id"])
            for attribute in record["attributes"]:
                out.write("attribute", attribute, link_id=record["id"])
        for taxonomy in hsds.public_taxonomies(ecosystem).order_by("pk"):
            out.write("taxonomy", export.taxonomy(taxonomy))
        for term in hsds.public_taxonomy_terms(ecosystem).order_by("pk").iterator():
            out.write("taxonomy_term", export.taxonomy_term(term))
    descriptor = json.dumps(datapackage(ecosystem), indent=2, ensure_ascii=False)
    (folder / "datapackage.json").write_text(descriptor + "\n", encoding="utf-8")
    return out.counts
