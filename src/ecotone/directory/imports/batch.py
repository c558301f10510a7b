"""What every directory import has in common: the batch a file becomes, and its problems.

Each format has a reader that turns a file into a `Batch`: records in the shape of HSDS 3.0's
JSON (as `hsds/export.py` writes them and the official examples show), with the problems found
while reading (`ecotone.cells.Problem`, the one every upload reports). The HSDS JSON reader
passes records through, the tabular data package reader nests its rows, the flat spreadsheet
reader builds one service per row. One importer (`hsds.imports.import_batch`) then validates
the batch against the ecosystem and applies it in one transaction, or reports why not.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ecotone.cells import Problem

Record = dict[str, Any]


@dataclass
class Batch:
    """A file's content in HSDS 3.0 shape, before anything is written.

    `services` are fully nested service records (`service_at_locations` with their `location`,
    `schedules`, `languages`, `cost_options`, `funding`, `service_areas`, `attributes`, ...);
    a service names its organization by `organization_id`, or nests it as `organization`.
    `where[i]` says where `services[i]` came from, for problem reports. A nested record may
    carry `_where` ("schedules.csv row 3") when it came from a row of its own.
    """

    organizations: list[Record] = field(default_factory=list)
    services: list[Record] = field(default_factory=list)
    where: list[str] = field(default_factory=list)
    taxonomies: list[Record] = field(default_factory=list)
    taxonomy_terms: list[Record] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    # Locations no service in the file uses (an HSDS location file, an unused row).
    locations: list[Record] = field(default_factory=list)
    # What the reader read but left out (tables Ecotone does not model), for the report.
    notes: list[str] = field(default_factory=list)

    def add_service(self, record: Record, where: str) -> None:
        self.services.append(record)
        self.where.append(where)
