"""The HSDS 3.0 conformance harness: the official JSON schemas, resolved and format-checked.

The schemas and examples live in the shared folder beside the repository
(`../shared/conformance/hsds-3.0`, as on CI). The export and API tests validate against them
through `validate_record` and `validate_response`, the tabular data package through
`validate_package`; the tests here check the harness itself:
the official examples pass, and broken records do not.

A required value must be there and, when it is text, not empty: the tabular form cannot tell an
empty cell from a missing one, so the JSON checks hold records to the same.
"""

from __future__ import annotations

import copy
import csv
import functools
import json
from collections.abc import Iterator
from datetime import date, datetime, time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from jsonschema import Draft202012Validator, FormatChecker, validators
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

from ecotone.tabular_files import allow_long_cells

SHARED = Path(__file__).resolve().parents[2] / ".." / "shared" / "conformance" / "hsds-3.0"
# Where the HSDS openapi.json points for its schemas; we serve them from the shared folder.
BASE = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/"
# openapi.json names list variants of three schemas under compiled/; they are the same records.
LIST_VARIANTS = {
    "service_list.json": "service.json",
    "organization_list.json": "organization.json",
    "service_at_location_list.json": "service_at_location.json",
}


def hsds_folder() -> Path:
    """The shared HSDS 3.0 folder; a clear failure, never a skip, when it is missing."""
    if not (SHARED / "schema" / "service.json").is_file():
        pytest.fail(
            f"The HSDS 3.0 conformance files are missing: expected them in {SHARED.resolve()} "
            "(the `shared` folder that sits beside the repository clone, as on CI). "
            "Check it out next to the clone and run the tests again.",
            pytrace=False,
        )
    return SHARED.resolve()


def example(name: str) -> Any:
    return json.loads((hsds_folder() / "examples" / name).read_text(encoding="utf-8"))


def schema_file(name: str) -> dict[str, Any]:
    contents: dict[str, Any] = json.loads(
        (hsds_folder() / "schema" / name).read_text(encoding="utf-8")
    )
    return contents


@functools.cache
def registry() -> Registry[Any]:
    """Every schema file under its published address (and compiled/), so $refs resolve."""
    folder = hsds_folder() / "schema"
    resources: list[tuple[str, Resource[Any]]] = []
    by_name = {}
    for path in sorted(folder.glob("*.json")):
        resource = DRAFT202012.create_resource(json.loads(path.read_text(encoding="utf-8")))
        by_name[path.name] = resource
        resources += [(BASE + path.name, resource), (BASE + "compiled/" + path.name, resource)]
    for variant, source in LIST_VARIANTS.items():
        resources.append((BASE + "compiled/" + variant, by_name[source]))
    return Registry().with_resources(resources)


FORMATS = FormatChecker()  # uuid, email, date, ... plus the two below, checked strictly


@FORMATS.checks("uri", raises=ValueError)
def _is_uri(value: object) -> bool:
    if not isinstance(value, str):
        return True
    parts = urlsplit(value)
    return bool(parts.scheme and parts.netloc)


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    if isinstance(value, str):
        datetime.fromisoformat(value)
    return True


def _required_and_filled(
    validator: Any, required: list[str], instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """HSDS's `required` as its data package reads it: present, and not empty text (a CSV
    reader cannot tell an empty required cell from a missing one)."""
    if not validator.is_type(instance, "object"):
        return
    for name in required:
        if name not in instance:
            yield ValidationError(f"{name!r} is a required property")
        elif instance[name] == "":
            yield ValidationError(f"{name!r} is a required property, and it is empty")


Validator = validators.extend(Draft202012Validator, {"required": _required_and_filled})


def _validator(schema: dict[str, Any]) -> Any:
    return Validator(schema, registry=registry(), format_checker=FORMATS)


def validate_record(record: Any, schema: str) -> None:
    """Validate against one schema file, e.g. "service.json"."""
    _validator({"$ref": BASE + schema}).validate(record)


def response_schema(path: str) -> dict[str, Any]:
    """The 200 response schema openapi.json gives `path` (e.g. "/services/{id}")."""
    pointer = path.replace("~", "~0").replace("/", "~1")
    return {
        "$ref": f"{BASE}openapi.json#/paths/{pointer}/get/responses/200/content/"
        "application~1json/schema"
    }


def validate_response(body: Any, path: str) -> None:
    """Validate a response body as openapi.json declares it for `path`.

    openapi.json gives `/service_at_locations/{id}` the *service* schema, a copy-and-paste slip
    (its own example, service_at_location_full.json, has no name or status): that one is
    checked against service_at_location.json.
    """
    if path == "/service_at_locations/{id}":
        validate_record(body, "service_at_location.json")
        return
    _validator(response_schema(path)).validate(body)


@functools.cache
def table_schemas() -> dict[str, dict[str, Any]]:
    """The schema of each HSDS table, by the CSV file it is written to (its `path`)."""
    tables = {}
    for path in (hsds_folder() / "schema").glob("*.json"):
        contents = schema_file(path.name)
        if "path" in contents:
            tables[contents["path"]] = contents
    return tables


def _cell(field: dict[str, Any], cell: str) -> Any:
    """A cell as the data package's field type reads it; ValueError when it cannot."""
    kind = field.get("datapackage_type")
    if field.get("type") == "number":
        return float(cell)
    if kind == "date":
        date.fromisoformat(cell)
    elif kind == "time":
        time.fromisoformat(cell)
    return cell


def table_problems(path: Path) -> list[str]:
    """What a Frictionless validation of one CSV file against HSDS's data package finds: an
    empty cell is a missing value, so a required column must be filled; every other cell must
    be of its field's type, format and code list."""
    schema = table_schemas().get(path.name)
    if schema is None:
        return [f"{path.name}: not an HSDS table"]
    problems = []
    allow_long_cells()  # read as the importer reads: cells up to the longest Ecotone exports
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        columns = list(reader.fieldnames or [])
        unknown = [c for c in columns if c not in schema["properties"]]
        if unknown:
            problems.append(f"{path.name}: columns HSDS does not have: {unknown}")
        row_schema = {
            "type": "object",
            "properties": {c: schema["properties"][c] for c in columns if c not in unknown},
            "required": [name for name in schema["required"] if name in columns],
        }
        for number, row in enumerate(reader, start=2):
            record = {}
            for column, cell in row.items():
                if cell == "" or column in unknown:
                    continue
                try:
                    record[column] = _cell(schema["properties"][column], cell)
                except ValueError:
                    problems.append(f"{path.name} row {number}, {column}: cannot read {cell!r}")
            for error in _validator(row_schema).iter_errors(record):
                where = ".".join(str(p) for p in error.absolute_path)
                problems.append(f"{path.name} row {number}, {where or '-'}: {error.message}")
    return problems


def validate_package(folder: Path) -> None:
    """Validate every CSV file of a tabular data package against the HSDS table schemas."""
    problems = [p for path in sorted(folder.glob("*.csv")) for p in table_problems(path)]
    assert not problems, "\n".join(problems[:40])


def test_the_official_examples_pass_the_harness() -> None:
    validate_record(example("service_full.json"), "service.json")
    validate_record(example("location.json"), "location.json")
    validate_response(example("base.json"), "/")
    validate_response(example("service_full.json"), "/services/{id}")
    validate_response(example("service_list.json"), "/services")
    validate_response(example("organization_full.json"), "/organizations/{id}")
    validate_response(example("organization_list.json"), "/organizations")
    validate_response(example("service_at_location_full.json"), "/service_at_locations/{id}")
    validate_response(example("service_at_location_list.json"), "/service_at_locations")
    validate_response(example("taxonomy.json"), "/taxonomies/{id}")
    validate_response(example("taxonomy_list.json"), "/taxonomies")
    validate_response(example("taxonomy_term.json"), "/taxonomy_terms/{id}")
    validate_response(example("taxonomy_term_list.json"), "/taxonomy_terms")


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda s: s.pop("status"), "'status' is a required property"),
        (lambda s: s.update(url=""), "is not a 'uri'"),
        (lambda s: s.update(email="nobody"), "is not a 'email'"),
        (lambda s: s.update(minimum_age=None), "is not of type 'number'"),
        (lambda s: s.update(last_modified="yesterday"), "is not a 'date-time'"),
        (lambda s: s["schedules"][0].update(freq="DAILY"), "is not one of"),
        (lambda s: s["schedules"][0].update(timezone="America/New_York"), "not of type"),
        (lambda s: s["organization"].pop("description"), "'description' is a required"),
        (lambda s: s["phones"][0].update(id="1554"), "is not a 'uuid'"),
        (lambda s: s["attributes"][0]["taxonomy_term"].pop("name"), "'name' is a required"),
    ],
)
def test_the_harness_rejects_broken_records(change: Any, problem: str) -> None:
    service = copy.deepcopy(example("service_full.json"))
    change(service)
    with pytest.raises(ValidationError, match=problem):
        validate_record(service, "service.json")


def test_a_page_must_be_shaped_as_openapi_says() -> None:
    page = example("service_list.json")
    page["total_items"] = "10"
    with pytest.raises(ValidationError, match="is not of type 'integer'"):
        validate_response(page, "/services")


def test_the_official_csv_examples_pass_the_table_harness() -> None:
    validate_package(hsds_folder() / "examples" / "csv")


@pytest.mark.parametrize(
    ("table", "column", "value", "problem"),
    [
        ("taxonomy_terms.csv", "description", "", "'description' is a required property"),
        ("addresses.csv", "postal_code", "", "'postal_code' is a required property"),
        ("organizations.csv", "description", "", "'description' is a required property"),
        ("schedules.csv", "timezone", "EST", "cannot read 'EST'"),
        ("schedules.csv", "freq", "DAILY", "is not one of"),
        ("schedules.csv", "opens_at", "9am", "cannot read '9am'"),
        ("services.csv", "email", "nobody", "is not a 'email'"),
    ],
)
def test_the_table_harness_rejects_broken_rows(
    tmp_path: Path, table: str, column: str, value: str, problem: str
) -> None:
    with (hsds_folder() / "examples" / "csv" / table).open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    rows[0][column] = value
    with (tmp_path / table).open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    problems = table_problems(tmp_path / table)
    assert any(problem in p and f"{table} row 2" in p for p in problems), problems
