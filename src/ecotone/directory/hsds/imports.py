"""Import a batch of HSDS records into one ecosystem's directory: all of it, or nothing.

`import_batch` is what every reader's batch goes through (HSDS JSON, the tabular data package,
the flat spreadsheet). It works in three steps:

1. Plan: each record is read into the fields Ecotone stores, checking types, lengths, code
   lists, dates, times, coordinates and references; each problem names where it is (the
   record) and the field. Parts of HSDS that Ecotone does not model (contacts, required
   documents, metadata, ...) are read and left out, and the report says so, naming per record
   every field with a value that is not kept.
2. Match: records are matched by their HSDS id within the ecosystem and updated; unknown ids
   are created. An id that another ecosystem already uses is replaced by an id derived from it
   and the ecosystem (the same on every import, so importing the file again still updates).
   A new program whose organization already runs one with a similar name at a nearby place is
   flagged as a likely duplicate and not created unless the reviewer decides so (`decisions`);
   one like a program an earlier record of the same file creates is flagged too, and created
   unless the reviewer skips it. Ids that are not UUIDs, and services and locations without
   one, get stable derived UUIDs; the report says which.
3. Apply, unless there is any problem or this is a dry run: one transaction, one audit entry.

Round trip: what `hsds/export.py` exports imports back to the same records, ids and STEM profile
included (facet terms as attributes, single-valued fields as `profile/...` attributes).
Absent scalar fields of a service or location mean empty (exports leave empty values out),
except what Ecotone's export never publishes (a program's `assurer_email`, archived partners):
their absence keeps them, so an export imported back into its own ecosystem is unchanged. An
absent list (no `schedules` or `capacities` key) leaves that part as it is; a nested
organization updates only the fields it carries. `capacities` are HSDS 3.1's, as `hsds/export.py`
writes them.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import uuid
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import transaction
from django.db.models import Model, Q
from django.utils.translation import gettext as _

from ecotone.cells import Problem, cell_number
from ecotone.ecosystems.models import Ecosystem, Organization, Sector
from ecotone.limits import LONG_TEXT, SERVICE_AREA_EXTENT, SHORT_TEXT

from .. import duplicates
from ..imports.batch import Batch, Record
from ..models import (
    CoordinatesSource,
    CostBand,
    CostOption,
    Delivery,
    Frequency,
    Funding,
    Language,
    Location,
    LocationType,
    MentoringDepth,
    Program,
    ProgramAttribute,
    ProgramLocation,
    ProgramStatus,
    Schedule,
    ServiceArea,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
    Term,
    Weekday,
)
from ..taxonomy import NAMESPACE, PROFILE_FIELDS_BY_CODE
from .export import ADDRESS_PARTS, complete_address, extent_type_of, utc_offset_hours

KINDS = ("organization", "service", "location", "taxonomy", "taxonomy_term")
DECISIONS = ("create", "update", "skip")
# HSDS parts Ecotone does not keep: read without error, named in the report when not empty.
UNMODELLED = (
    "contacts",
    "required_documents",
    "programs",
    "metadata",
    "organization_identifiers",
    "program",
)
_BYDAY = re.compile(r"^[+-]?\d{0,2}(MO|TU|WE|TH|FR|SA|SU)$")
_ID_NAMESPACE = uuid.UUID("5d0c2f7e-6b1a-4c3e-9d7a-ec070e000003")


@dataclass
class DuplicateFlag:
    """A new program that looks like one the directory already has, or like one that an
    earlier record of the same file creates (`in_file`)."""

    service_id: str
    where: str
    name: str
    existing_id: str
    existing_name: str
    similarity: float
    decision: str = ""  # "", "create", "update" or "skip"
    in_file: bool = False

    @property
    def choices(self) -> tuple[str, ...]:
        """What the reviewer may decide: a program not yet in the directory cannot be updated."""
        return ("create", "skip") if self.in_file else DECISIONS

    @property
    def skipped(self) -> bool:
        """Without a decision, a look-alike of a directory program is skipped; one of an
        earlier record of the same file is created, as the file lists both."""
        if self.decision in self.choices:
            return self.decision == "skip"
        return not self.in_file


@dataclass
class ImportReport:
    counts: dict[str, dict[str, int]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    duplicates: list[DuplicateFlag] = field(default_factory=list)
    applied: bool = False

    @property
    def has_problems(self) -> bool:
        return bool(self.problems)

    def count(self, kind: str, outcome: str) -> None:
        self.counts.setdefault(kind, {"created": 0, "updated": 0, "unchanged": 0, "skipped": 0})
        self.counts[kind][outcome] += 1

    def total(self, outcome: str) -> int:
        return sum(c.get(outcome, 0) for c in self.counts.values())

    @property
    def total_created(self) -> int:
        return self.total("created")

    @property
    def total_updated(self) -> int:
        return self.total("updated")

    def to_json(self) -> dict[str, Any]:
        return {
            "counts": self.counts,
            "problems": [asdict(p) for p in self.problems],
            "notes": self.notes,
            "duplicates": [asdict(d) for d in self.duplicates],
            "applied": self.applied,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ImportReport:
        return cls(
            counts=data.get("counts", {}),
            problems=[Problem(**p) for p in data.get("problems", [])],
            notes=list(data.get("notes", [])),
            duplicates=[DuplicateFlag(**d) for d in data.get("duplicates", [])],
            applied=bool(data.get("applied")),
        )


# Plans: what will be written, in model terms.


@dataclass
class _OrganizationPlan:
    hsds_id: uuid.UUID
    where: str
    fields: dict[str, Any]  # only the fields the record carries


@dataclass
class _LocationPlan:
    hsds_id: uuid.UUID
    where: str
    fields: dict[str, Any]
    organization: uuid.UUID | None
    # The fields the record gives (a summary leaves its addresses out): what two records of one
    # location are compared on.
    given: set[str] = field(default_factory=set)


@dataclass
class _SitePlan:
    hsds_id: uuid.UUID
    location: uuid.UUID
    description: str
    schedules: list[dict[str, Any]]


@dataclass
class _ServicePlan:
    hsds_id: uuid.UUID
    where: str
    organization: uuid.UUID | None
    fields: dict[str, Any]
    profile: dict[str, Any] | None  # None: the record carries no STEM profile
    partners: list[uuid.UUID] | None
    attributes: list[tuple[uuid.UUID, uuid.UUID, str]] | None  # (id, term id, value)
    children: dict[str, list[dict[str, Any]] | None]
    sites: list[_SitePlan] | None
    places: list[uuid.UUID] = field(default_factory=list)


@dataclass
class _TaxonomyPlan:
    hsds_id: uuid.UUID
    where: str
    fields: dict[str, Any]


@dataclass
class _TermPlan:
    hsds_id: uuid.UUID
    where: str
    taxonomy: uuid.UUID | None
    parent: uuid.UUID | None
    fields: dict[str, Any]


CHILD_MODELS: dict[str, type[Model]] = {
    "schedules": Schedule,
    "languages": Language,
    "cost_options": CostOption,
    "funding": Funding,
    "service_areas": ServiceArea,
    "capacities": ServiceCapacity,
}


class _Fields:
    """Reads one record's fields into Python values, noting each problem where it is."""

    def __init__(self, problems: list[Problem], where: str, record: Record, prefix: str = ""):
        if record.get("_where"):  # a row of its own table (tabular data package)
            where, prefix = record["_where"], ""
        self.problems, self.where, self.record, self.prefix = problems, where, record, prefix

    def problem(self, key: str, message: str) -> None:
        self.problems.append(Problem(self.where, f"{self.prefix}{key}", message))

    def raw(self, key: str) -> Any:
        value = self.record.get(key)
        return value.strip() if isinstance(value, str) else value

    def has(self, key: str) -> bool:
        return key in self.record

    def text(self, key: str, max_length: int = LONG_TEXT, *, required: bool = False) -> str:
        value = self.raw(key)
        if value is None or value == "":
            if required:
                self.problem(key, _("This field is required."))
            return ""
        if isinstance(value, (dict, list, bool)):
            self.problem(key, _("Expected text."))
            return ""
        text = str(value)
        if len(text) > max_length:
            self.problem(
                key,
                _("At most %(max)d characters (this has %(n)d).")
                % {"max": max_length, "n": len(text)},
            )
            return ""
        return text

    def number(
        self, key: str, *, integer: bool = False, minimum: float | None = None
    ) -> float | int | None:
        value = self.raw(key)
        if value is None or value == "":
            return None
        if isinstance(value, (bool, dict, list)):
            self.problem(key, _("Expected a number."))
            return None
        try:
            # HSDS numbers are JSON numbers: no thousands separators.
            number = cell_number(value, thousands=False)
        except ValueError:
            self.problem(key, _("Expected a number, not “%(value)s”.") % {"value": value})
            return None
        if not math.isfinite(number):
            self.problem(key, _("Expected a number."))
            return None
        if integer:
            if not number.is_integer():
                self.problem(key, _("Expected a whole number, not “%(value)s”.") % {"value": value})
                return None
            if minimum is not None and number < minimum:
                self.problem(key, _("Must be at least %(min)s.") % {"min": minimum})
                return None
            return int(number)
        if minimum is not None and number < minimum:
            self.problem(key, _("Must be at least %(min)s.") % {"min": minimum})
            return None
        return number

    def date(self, key: str) -> date | None:
        value = self.raw(key)
        if value is None or value == "":
            return None
        try:
            return date.fromisoformat(str(value))
        except ValueError:
            self.problem(
                key, _("Expected a date as YYYY-MM-DD, not “%(value)s”.") % {"value": value}
            )
            return None

    def datetime(self, key: str) -> datetime | None:
        """An ISO 8601 date-time with its zone (one without is read as UTC)."""
        value = self.raw(key)
        if value is None or value == "":
            return None
        try:
            parsed = datetime.fromisoformat(str(value))
        except ValueError:
            self.problem(
                key,
                _("Expected a date and time as YYYY-MM-DDTHH:MM:SSZ, not “%(value)s”.")
                % {"value": value},
            )
            return None
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)

    def time(self, key: str) -> time | None:
        value = self.raw(key)
        if value is None or value == "":
            return None
        text = str(value)
        try:
            parsed = time.fromisoformat(text)
            if len(text) < 5:
                raise ValueError
            return parsed.replace(tzinfo=None)
        except ValueError:
            self.problem(
                key, _("Expected a time as HH:MM or HH:MM:SS, not “%(value)s”.") % {"value": value}
            )
            return None

    def url(self, key: str, max_length: int = 200) -> str:
        text = self.text(key, max_length)
        if text:
            try:
                URLValidator()(text)
            except ValidationError:
                self.problem(key, _("Not a web address: “%(value)s”.") % {"value": text})
                return ""
        return text

    def email(self, key: str) -> str:
        text = self.text(key, 254)
        if text:
            try:
                EmailValidator()(text)
            except ValidationError:
                self.problem(key, _("Not an email address: “%(value)s”.") % {"value": text})
                return ""
        return text

    def choice(self, key: str, choices: Iterable[str], default: str, *, lower: bool = True) -> str:
        text = self.text(key)
        if not text:
            return default
        value = text.lower() if lower else text.upper()
        allowed = list(choices)
        if value not in allowed:
            self.problem(
                key,
                _("“%(value)s” is not one of: %(allowed)s.")
                % {"value": text, "allowed": ", ".join(allowed)},
            )
            return default
        return value

    def records(self, key: str) -> list[Record] | None:
        """A nested list of records; None when the key is absent."""
        if key not in self.record or self.record[key] is None:
            return None
        value = self.record[key]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            self.problem(key, _("Expected a list of records."))
            return []
        return value


def _described(fields: dict[str, Any]) -> dict[str, Any]:
    """A description equal to the name is an export's stand-in for none (`export.described`)."""
    if fields["description"] == fields["name"]:
        fields["description"] = ""
    return fields


def _parse_id(value: Any) -> uuid.UUID | None:
    if value in (None, ""):
        return None
    text = str(value).strip()
    try:
        return uuid.UUID(text)
    except ValueError:
        # Not every system uses UUIDs; a stable one derived from theirs keeps re-imports updating.
        return uuid.uuid5(_ID_NAMESPACE, text)


def _unless_derived(part_id: uuid.UUID, owner_id: uuid.UUID, part: str) -> uuid.UUID | None:
    """A phone's, address's or accessibility's own id; None when it is the one the export
    derives from its owner's (`export.derived_id`), so that it follows the owner's id."""
    return None if part_id == uuid.uuid5(owner_id, part) else part_id


def _label(read: _Fields) -> str:
    return read.where + (f", {read.prefix.rstrip('.')}" if read.prefix else "")


def _location_basis(record: Record) -> str:
    addresses = record.get("addresses")
    address = addresses[0] if isinstance(addresses, list) and addresses else {}
    address = address if isinstance(address, dict) else {}
    parts = [record.get(k) for k in ("location_type", "name", "url", "latitude", "longitude")]
    parts += [address.get(k) for k in ("address_1", "city", "postal_code")]
    return "location/" + json.dumps(parts, default=str)


# What Ecotone keeps of each kind of record; any other field with a value is named in the report
# as not kept, per record. `last_modified` and `metadata` are the directory's own (see the
# docstring). Link columns of the data package (`service_id`, ...) are what rows are nested by.
_LINKS = frozenset(
    {
        "service_id",
        "location_id",
        "organization_id",
        "contact_id",
        "service_at_location_id",
        "phone_id",
        "link_id",
    }
)
_OWN = frozenset({"id", "metadata", "last_modified"})
_ORGANIZATION_KEPT = _OWN | {
    "name",
    "alternate_name",
    "description",
    "email",
    "website",
    "phones",
    "locations",
}
_SERVICE_KEPT = _OWN | {
    "organization",
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
    "accreditations",
    "licenses",
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "alert",
    "assured_date",
    "assurer_email",
    "phones",
    "schedules",
    "languages",
    "cost_options",
    "funding",
    "service_areas",
    "capacities",
    "attributes",
    "service_at_locations",
}
_PHONE_KEPT = frozenset({"id", "number"})
_SITE_KEPT = _OWN | {"location", "description", "schedules"}
_LOCATION_SCALARS = (
    "location_type",
    "name",
    "alternate_name",
    "description",
    "transportation",
    "url",
    "latitude",
    "longitude",
)
_ADDRESS_FIELDS = (
    "address_1",
    "address_2",
    "city",
    "region",
    "state_province",
    "postal_code",
    "country",
)
_LOCATION_KEPT = _OWN | {*_LOCATION_SCALARS, "addresses", "accessibility", "attributes"}
_ADDRESS_KEPT = frozenset({"id", *_ADDRESS_FIELDS})
_ACCESSIBILITY_KEPT = frozenset({"id", "description"})
_SCHEDULE_FIELDS = (
    "valid_from",
    "valid_to",
    "dtstart",
    "until",
    "count",
    "freq",
    "interval",
    "byday",
    "bymonthday",
    "wkst",
    "opens_at",
    "closes_at",
    "description",
    "attending_type",
    "notes",
)
_CHILD_FIELDS: dict[str, tuple[str, ...]] = {
    "languages": ("code", "name", "note"),
    "cost_options": (
        "valid_from",
        "valid_to",
        "option",
        "currency",
        "amount",
        "amount_description",
    ),
    "funding": ("source",),
    "service_areas": ("name", "description", "extent", "extent_type", "uri"),
    "capacities": ("unit", "available", "maximum", "description", "updated"),
}
_SCHEDULE_KEPT = _OWN | {*_SCHEDULE_FIELDS, "timezone"}
_LANGUAGE_KEPT = _OWN | set(_CHILD_FIELDS["languages"])
_COST_OPTION_KEPT = _OWN | set(_CHILD_FIELDS["cost_options"])
_FUNDING_KEPT = _OWN | set(_CHILD_FIELDS["funding"])
_SERVICE_AREA_KEPT = _OWN | set(_CHILD_FIELDS["service_areas"])
_CAPACITY_KEPT = _OWN | set(_CHILD_FIELDS["capacities"])
# An attribute's `link_entity` is where it is nested; its `link_type` Ecotone does not keep.
_ATTRIBUTE_KEPT = _OWN | {"taxonomy_term_id", "taxonomy_term", "value", "link_entity"}
_TAXONOMY_KEPT = _OWN | {"name", "description", "uri", "version"}
_TERM_KEPT = _OWN | {
    "code",
    "name",
    "description",
    "language",
    "term_uri",
    "taxonomy_id",
    "taxonomy_detail",
    "taxonomy",
    "parent_id",
}


class _Planner:
    """Reads a batch into plans (step 1 of the module docstring)."""

    def __init__(self, ecosystem: Ecosystem, batch: Batch) -> None:
        self.ecosystem = ecosystem
        self.batch = batch
        self.problems: list[Problem] = list(batch.problems)
        self.notes: list[str] = list(batch.notes)
        self.pending: list[tuple[Record, str]] = [
            (record, batch.where[i] if i < len(batch.where) else f"services[{i}]")
            for i, record in enumerate(batch.services)
        ]
        self.skipped: dict[str, int] = {}
        self.organizations: dict[uuid.UUID, _OrganizationPlan] = {}
        self.locations: dict[uuid.UUID, _LocationPlan] = {}
        self.services: list[_ServicePlan] = []
        self.taxonomies: dict[uuid.UUID, _TaxonomyPlan] = {}
        self.terms: dict[uuid.UUID, _TermPlan] = {}
        self.known_terms: dict[uuid.UUID, TaxonomyTerm] = {}
        self.child_ids: dict[str, dict[uuid.UUID, int]] = {}
        # Per record (where it is), the fields Ecotone does not keep, for the report.
        self.unkept: dict[str, list[str]] = {}

    def not_kept(self, read: _Fields, kept: Iterable[str], more: Iterable[str] = ()) -> None:
        """Name each field of the record that has a value and is not in `kept` (nor a link
        column), and the `more` the caller leaves out (a second phone: "phones[1]")."""
        names = self.unkept.setdefault(read.where, [])
        kept = set(kept) | _LINKS
        found = [
            key
            for key, value in read.record.items()
            if key not in kept and not key.startswith("_") and value not in (None, "", [], {})
        ]
        for key in [*found, *more]:
            if f"{read.prefix}{key}" not in names:
                names.append(f"{read.prefix}{key}")

    def own_id(
        self, read: _Fields, basis_name: str | None = None, basis: str = ""
    ) -> uuid.UUID | None:
        """A record's id. HSDS 3.0 ids are UUIDs: any other id is replaced by a UUID derived
        from it, and a record without one (when `basis_name` says what to make one from) is
        given one made from `basis`; both the same on every import, so importing the file
        again updates the same records. The report says what was done."""
        value = read.raw("id")
        if value in (None, ""):
            if basis_name is None:
                return None
            made = uuid.uuid5(_ID_NAMESPACE, basis)
            self.notes.append(
                _(
                    "%(where)s has no id; it is given %(id)s, made from its %(basis)s, so "
                    "importing this file again updates the same record (HSDS 3.0 asks every "
                    "record for a UUID)."
                )
                % {"where": _label(read), "id": made, "basis": basis_name}
            )
            return made
        hsds_id = _parse_id(value)
        if str(value) != str(hsds_id) and hsds_id == uuid.uuid5(_ID_NAMESPACE, str(value)):
            self.notes.append(
                _(
                    "%(where)s: the id “%(value)s” is not a UUID, as HSDS 3.0 asks; it is kept "
                    "as %(id)s, made from it, the same on every import."
                )
                % {"where": _label(read), "value": value, "id": hsds_id}
            )
        return hsds_id

    def part_id(self, read: _Fields) -> uuid.UUID | None:
        """The id of a part Ecotone keeps as fields of its owner (a phone, an address)."""
        if read.raw("id") in (None, ""):
            return None
        return self.own_id(read)

    def child_id(self, kind: str, read: _Fields) -> uuid.UUID:
        """A part's id; one the file already used for another part gets a derived one."""
        hsds_id = self.own_id(read) or uuid.uuid4()
        seen = self.child_ids.setdefault(kind, {})
        seen[hsds_id] = seen.get(hsds_id, 0) + 1
        if seen[hsds_id] > 1:
            return uuid.uuid5(hsds_id, f"again/{seen[hsds_id]}")
        return hsds_id

    def skip(self, what: str, records: Any) -> None:
        if records:
            self.skipped[what] = self.skipped.get(what, 0) + (
                len(records) if isinstance(records, list) else 1
            )

    def note_unmodelled(self, record: Record) -> None:
        for key in UNMODELLED:
            value = record.get(key)
            if value not in (None, "", []):
                self.skip(key, value)

    def build(self) -> None:
        for i, record in enumerate(self.batch.organizations):
            self.organization(record, f"organizations[{i}]")
        for i, record in enumerate(self.batch.taxonomies):
            self.taxonomy(record, f"taxonomies[{i}]")
        for i, record in enumerate(self.batch.taxonomy_terms):
            self.term(record, f"taxonomy_terms[{i}]")
        for i, record in enumerate(self.batch.locations):
            if isinstance(record, dict):
                self.location(record, f"locations[{i}]")
        seen: set[uuid.UUID] = set()
        for record, where in self.pending:
            plan = self.service(record, where)
            if plan is None:
                continue
            if plan.hsds_id in seen:
                self.problems.append(
                    Problem(where, "id", _("Another service in this file has the same id."))
                )
                continue
            seen.add(plan.hsds_id)
            self.services.append(plan)
        self.check_references()

    # organizations

    def organization(
        self, record: Record, where: str, *, top_level: bool = True
    ) -> uuid.UUID | None:
        if not isinstance(record, dict):
            self.problems.append(Problem(where, "", _("Expected an organization record.")))
            return None
        read = _Fields(self.problems, where, record)
        hsds_id = self.own_id(read)
        if hsds_id is None:
            read.problem("id", _("An organization needs an id."))
            return None
        fields: dict[str, Any] = {}
        if read.has("name"):
            fields["name"] = read.text("name", 200, required=True)
        for key in ("alternate_name",):
            if read.has(key):
                fields[key] = read.text(key, 200)
        description = read.text("description")
        if (
            not description
            and (top_level or read.has("description"))
            and hsds_id not in self.organizations
        ):
            self.notes.append(
                _(
                    "%(where)s: no description, which HSDS requires; HSDS exports describe the "
                    "organization by its name until it has one."
                )
                % {"where": where}
            )
        if read.has("description"):
            # An export's stand-in for a missing description (`export.described`).
            fields["description"] = "" if description == fields.get("name") else description
        if read.has("email"):
            fields["email"] = read.email("email")
        if read.has("website"):
            fields["website"] = read.url("website")
        phones = read.records("phones")
        unkept = [f"phones[{k}]" for k in range(1, len(phones or []))]
        if phones is not None:
            fields["phone"] = ""
            self.skip("phones", phones[1:])
        if phones:
            phone = _Fields(self.problems, where, phones[0], "phones[0].")
            fields["phone"] = phone.text("number", 40)
            # Ecotone keeps an organization's phone id only as the one derived from its own.
            phone_id = self.part_id(phone)
            derived = phone_id is None or _unless_derived(phone_id, hsds_id, "phone") is None
            self.not_kept(phone, _PHONE_KEPT if derived else _PHONE_KEPT - {"id"})
        self.not_kept(read, _ORGANIZATION_KEPT | ({"services"} if top_level else set()), unkept)
        self.note_unmodelled(record)
        for key in ("funding", "attributes", "accessibility"):
            self.skip(f"organization {key}", record.get(key) or [])
        existing = self.organizations.get(hsds_id)
        if existing is None:
            self.organizations[hsds_id] = _OrganizationPlan(hsds_id, where, fields)
        else:
            existing.fields.update(fields)
        for j, location in enumerate(read.records("locations") or []):
            self.location(location, f"{where}.locations[{j}]", organization=hsds_id)
        for j, service in enumerate(read.records("services") or [] if top_level else []):
            if isinstance(service, dict):
                self.pending.append(
                    (
                        {
                            **service,
                            "organization_id": service.get("organization_id") or str(hsds_id),
                        },
                        f"{where}.services[{j}]",
                    )
                )
        return hsds_id

    # services

    def service(self, record: Record, where: str) -> _ServicePlan | None:
        if not isinstance(record, dict):
            self.problems.append(Problem(where, "", _("Expected a service record.")))
            return None
        read = _Fields(self.problems, where, record)
        nested = record.get("organization")
        owner = record.get("organization_id") or (
            nested.get("id") if isinstance(nested, dict) else ""
        )
        basis = "service/" + json.dumps([str(owner or ""), str(record.get("name") or "")])
        hsds_id = self.own_id(read, _("organization and name"), basis)
        assert hsds_id is not None
        organization = _parse_id(record.get("organization_id"))
        if isinstance(nested, dict):
            organization = (
                self.organization(nested, f"{where}.organization", top_level=False) or organization
            )
        if organization is None:
            read.problem("organization_id", _("A service needs its organization."))
        minimum_age = read.number("minimum_age", integer=True, minimum=0)
        maximum_age = read.number("maximum_age", integer=True, minimum=0)
        if maximum_age is not None and maximum_age > 99:
            self.notes.append(
                _("%(where)s: maximum_age %(age)s is kept as 99, Ecotone's highest age.")
                % {"where": where, "age": maximum_age}
            )
            maximum_age = 99
        if minimum_age is not None and minimum_age > 99:
            read.problem("minimum_age", _("Must be at most 99."))
            minimum_age = None
        if minimum_age is not None and maximum_age is not None and minimum_age > maximum_age:
            read.problem("maximum_age", _("The maximum age is below the minimum age."))
        fields: dict[str, Any] = {
            "name": read.text("name", 200, required=True),
            "alternate_name": read.text("alternate_name", 200),
            "description": read.text("description"),
            "url": read.url("url"),
            "email": read.email("email"),
            "status": read.choice("status", ProgramStatus.values, ProgramStatus.ACTIVE),
            "interpretation_services": read.text("interpretation_services"),
            "application_process": read.text("application_process"),
            "fees_description": read.text("fees_description"),
            "wait_time": read.text("wait_time", 200),
            "accreditations": read.text("accreditations"),
            "licenses": read.text("licenses"),
            "eligibility_description": read.text("eligibility_description"),
            "minimum_age": minimum_age,
            "maximum_age": maximum_age,
            "alert": read.text("alert", SHORT_TEXT),
            "assured_date": read.date("assured_date"),
        }
        if read.has("assurer_email"):
            # Ecotone's exports never publish who verified a listing: its absence keeps it.
            fields["assurer_email"] = read.email("assurer_email")
        phones = read.records("phones")
        unkept = [f"phones[{k}]" for k in range(1, len(phones or []))]
        if phones is not None or "phone" not in record:
            phones = phones or []
            fields["phone"], fields["phone_hsds_id"] = "", None
            if phones:
                phone = _Fields(self.problems, where, phones[0], "phones[0].")
                fields["phone"] = phone.text("number", 40)
                phone_id = self.part_id(phone)
                if phone_id is None:
                    del fields["phone_hsds_id"]  # no id given: the one stored stays
                else:
                    fields["phone_hsds_id"] = _unless_derived(phone_id, hsds_id, "phone")
                self.not_kept(phone, _PHONE_KEPT)
            self.skip("phones", phones[1:])
        self.not_kept(read, _SERVICE_KEPT, unkept)
        self.note_unmodelled(record)
        if record.get("fees"):
            self.skip("fees", record["fees"])
        children: dict[str, list[dict[str, Any]] | None] = {
            "schedules": self.schedules(read, "schedules"),
            "languages": self.languages(read),
            "cost_options": self.cost_options(read),
            "funding": self.funding(read),
            "service_areas": self.service_areas(read),
            "capacities": self.capacities(read),
        }
        profile, partners, attributes = self.service_attributes(read)
        sites = None
        places: list[uuid.UUID] = []
        site_records = read.records("service_at_locations")
        if site_records is not None:
            sites = []
            for j, site in enumerate(site_records):
                plan = self.site(site, f"{where}", f"service_at_locations[{j}].")
                if plan is None:
                    continue
                if plan.location in places:
                    self.problems.append(
                        Problem(
                            where,
                            f"service_at_locations[{j}].location",
                            _("The service is at this location twice."),
                        )
                    )
                    continue
                sites.append(plan)
                places.append(plan.location)
        return _ServicePlan(
            hsds_id,
            where,
            organization,
            fields,
            profile,
            partners,
            attributes,
            children,
            sites,
            places,
        )

    def service_attributes(
        self, read: _Fields
    ) -> tuple[
        dict[str, Any] | None, list[uuid.UUID] | None, list[tuple[uuid.UUID, uuid.UUID, str]] | None
    ]:
        records = read.records("attributes")
        if records is None:
            return None, None, None
        profile: dict[str, Any] = {}
        partners: list[uuid.UUID] = []
        attributes: list[tuple[uuid.UUID, uuid.UUID, str]] = []
        has_profile = False
        for j, record in enumerate(records):
            prefix = f"{read.prefix}attributes[{j}]."
            attr = _Fields(self.problems, read.where, record, prefix)
            term_id = self.attribute_term(record, read.where, prefix)
            if term_id is None:
                continue
            value = attr.text("value", 500)
            profile_field = self.profile_field(term_id)
            if profile_field is not None:
                has_profile = True
                if profile_field.field == "partner_organization":
                    partner = _parse_id(value)
                    if partner is not None:
                        partners.append(partner)
                elif profile_field.link_entity == "service":
                    profile[profile_field.field] = self.profile_value(
                        attr, profile_field.field, value
                    )
                continue
            self.not_kept(attr, _ATTRIBUTE_KEPT)
            attributes.append((self.child_id("attributes", attr), term_id, value))
        if not has_profile:
            return None, None, attributes
        return profile, partners, attributes

    def profile_field(self, term_id: uuid.UUID) -> Any:
        for code, profile_field in PROFILE_FIELDS_BY_CODE.items():
            if uuid.uuid5(NAMESPACE, code) == term_id:
                return profile_field
        return None

    def profile_value(self, attr: _Fields, name: str, value: str) -> Any:
        enums: dict[str, list[str]] = {
            "delivery": list(Delivery.values),
            "cost_band": list(CostBand.values),
            "mentoring_depth": list(MentoringDepth.values),
            "term": list(Term.values),
        }
        if name in enums:
            if value not in enums[name]:
                attr.problem(
                    "value",
                    _("“%(value)s” is not one of: %(allowed)s.")
                    % {"value": value, "allowed": ", ".join(enums[name])},
                )
                return None
            return value
        if name in ("scholarships", "transportation_provided"):
            if value.lower() not in ("true", "false"):
                attr.problem("value", _("Expected true or false."))
                return None
            return value.lower() == "true"
        return attr.number("value", integer=True, minimum=0)

    def attribute_term(self, record: Record, where: str, prefix: str) -> uuid.UUID | None:
        """The attribute's term id; a nested term (and its taxonomy) is planned too."""
        nested = record.get("taxonomy_term")
        term_id = _parse_id(record.get("taxonomy_term_id"))
        if isinstance(nested, dict):
            term_id = self.term(nested, f"{where}.{prefix}taxonomy_term") or term_id
        if term_id is None:
            self.problems.append(
                Problem(where, f"{prefix}taxonomy_term_id", _("An attribute needs its term."))
            )
        return term_id

    def site(self, record: Record, where: str, prefix: str) -> _SitePlan | None:
        read = _Fields(self.problems, where, record, prefix)
        location = record.get("location")
        location_id = _parse_id(record.get("location_id"))
        if isinstance(location, dict):
            location_id = self.location(location, where, prefix=f"{prefix}location.")
        if location_id is None:
            read.problem("location", _("A service at a location needs its location."))
            return None
        self.note_unmodelled(record)
        self.skip("phones", record.get("phones") or [])
        self.not_kept(read, _SITE_KEPT)
        return _SitePlan(
            self.child_id("sites", read),
            location_id,
            read.text("description"),
            self.schedules(read, "schedules") or [],
        )

    def schedules(self, read: _Fields, key: str) -> list[dict[str, Any]] | None:
        records = read.records(key)
        if records is None:
            return None
        planned = []
        for j, record in enumerate(records):
            s = _Fields(self.problems, read.where, record, f"{read.prefix}{key}[{j}].")
            byday = s.text("byday", 40).upper().replace(" ", "")
            for day in filter(None, byday.split(",")):
                if not _BYDAY.match(day):
                    s.problem(
                        "byday",
                        _("“%(day)s” is not a day (MO, TU, WE, TH, FR, SA, SU).") % {"day": day},
                    )
            bymonthday = s.text("bymonthday", 40).replace(" ", "")
            for day in filter(None, bymonthday.split(",")):
                if not re.fullmatch(r"-?\d{1,2}", day) or not 1 <= abs(int(day)) <= 31:
                    s.problem(
                        "bymonthday", _("“%(day)s” is not a day of the month.") % {"day": day}
                    )
            for extra in ("byweekno", "byyearday", "schedule_link"):
                self.skip(f"schedule {extra}", record.get(extra))
            self.not_kept(s, _SCHEDULE_KEPT)
            opens_at, closes_at = s.time("opens_at"), s.time("closes_at")
            planned.append(
                {
                    "hsds_id": self.child_id("schedules", s),
                    "valid_from": s.date("valid_from"),
                    "valid_to": s.date("valid_to"),
                    "dtstart": s.date("dtstart"),
                    "until": s.date("until"),
                    "count": s.number("count", integer=True, minimum=0),
                    "freq": s.choice("freq", Frequency.values, Frequency.WEEKLY, lower=False),
                    "interval": s.number("interval", integer=True, minimum=1) or 1,
                    "byday": byday,
                    "bymonthday": bymonthday,
                    "wkst": s.choice("wkst", Weekday.values, "", lower=False),
                    "opens_at": opens_at,
                    "closes_at": closes_at,
                    "timezone": s.number("timezone"),  # a UTC offset in hours; see _zone_for
                    "description": s.text("description"),
                    "attending_type": s.text("attending_type", 100),
                    "notes": s.text("notes"),
                }
            )
        return planned

    def languages(self, read: _Fields) -> list[dict[str, Any]] | None:
        records = read.records("languages")
        if records is None:
            return None
        planned, codes = [], set()
        for j, record in enumerate(records):
            s = _Fields(self.problems, read.where, record, f"{read.prefix}languages[{j}].")
            code = s.text("code", 10) or s.text("name", 10).lower()
            if not code:
                s.problem("code", _("A language needs a code (ISO 639-1, e.g. es)."))
                continue
            if code in codes:
                s.problem("code", _("This language is listed twice."))
                continue
            codes.add(code)
            self.not_kept(s, _LANGUAGE_KEPT)
            planned.append(
                {
                    "hsds_id": self.child_id("languages", s),
                    "code": code,
                    "name": s.text("name", 100),
                    "note": s.text("note", 300),
                }
            )
        return planned

    def cost_options(self, read: _Fields) -> list[dict[str, Any]] | None:
        records = read.records("cost_options")
        if records is None:
            return None
        planned = []
        for j, record in enumerate(records):
            s = _Fields(self.problems, read.where, record, f"{read.prefix}cost_options[{j}].")
            amount = s.number("amount", minimum=0)
            decimal_amount = None
            if amount is not None:
                try:
                    decimal_amount = Decimal(str(s.raw("amount"))).quantize(Decimal("0.01"))
                    if decimal_amount >= Decimal("100000000"):
                        raise InvalidOperation
                except InvalidOperation:
                    s.problem("amount", _("The amount is too large."))
            self.not_kept(s, _COST_OPTION_KEPT)
            planned.append(
                {
                    "hsds_id": self.child_id("cost_options", s),
                    "valid_from": s.date("valid_from"),
                    "valid_to": s.date("valid_to"),
                    "option": s.text("option", 200),
                    "currency": (s.text("currency", 3) or "USD").upper(),
                    "amount": decimal_amount,
                    "amount_description": s.text("amount_description"),
                }
            )
        return planned

    def funding(self, read: _Fields) -> list[dict[str, Any]] | None:
        records = read.records("funding")
        if records is None:
            return None
        planned = []
        for j, record in enumerate(records):
            s = _Fields(self.problems, read.where, record, f"{read.prefix}funding[{j}].")
            self.not_kept(s, _FUNDING_KEPT)
            planned.append(
                {
                    "hsds_id": self.child_id("funding", s),
                    "source": s.text("source", 300, required=True),
                }
            )
        return planned

    def service_areas(self, read: _Fields) -> list[dict[str, Any]] | None:
        records = read.records("service_areas")
        if records is None:
            return None
        planned = []
        for j, record in enumerate(records):
            s = _Fields(self.problems, read.where, record, f"{read.prefix}service_areas[{j}].")
            extent: Any = s.raw("extent")
            size = len(extent if isinstance(extent, str) else json.dumps(extent))
            if extent and size > SERVICE_AREA_EXTENT:
                s.problem(
                    "extent",
                    _("At most %(max)d characters (this has %(n)d).")
                    % {"max": SERVICE_AREA_EXTENT, "n": size},
                )
                extent = None
            if isinstance(extent, str) and extent:
                # HSDS carries the extent as text: GeoJSON is parsed, anything else kept as is.
                with contextlib.suppress(ValueError):
                    extent = json.loads(extent)
            self.not_kept(s, _SERVICE_AREA_KEPT)
            planned.append(
                {
                    "hsds_id": self.child_id("service_areas", s),
                    "name": s.text("name", 200),
                    "description": s.text("description"),
                    "extent": extent if extent not in ("", None) else None,
                    "extent_type": extent_type_of(extent, s.text("extent_type", 20)),
                    "uri": s.url("uri"),
                }
            )
        return planned

    def capacities(self, read: _Fields) -> list[dict[str, Any]] | None:
        """HSDS 3.1 service_capacity records, as `hsds/export.py` writes them."""
        records = read.records("capacities")
        if records is None:
            return None
        planned = []
        for j, record in enumerate(records):
            s = _Fields(self.problems, read.where, record, f"{read.prefix}capacities[{j}].")
            unit = record.get("unit")
            if not isinstance(unit, dict):
                s.problem("unit", _("A capacity needs its unit, a record with a name."))
                unit = {}
            unit_name = _Fields(
                self.problems, read.where, unit, f"{read.prefix}capacities[{j}].unit."
            ).text("name", 100, required=True)
            if s.raw("available") in (None, ""):
                s.problem("available", _("This field is required."))
            available = s.number("available", integer=True, minimum=0)
            maximum = s.number("maximum", integer=True, minimum=0)
            if available is not None and maximum is not None and available > maximum:
                s.problem("available", _("More places cannot be open than there are in total."))
            if s.raw("updated") in (None, ""):
                s.problem("updated", _("This field is required."))
            updated = s.datetime("updated")
            self.not_kept(s, _CAPACITY_KEPT)
            planned.append(
                {
                    "hsds_id": self.child_id("capacities", s),
                    "unit": unit_name,
                    "available": available,
                    "maximum": maximum,
                    "description": s.text("description", 300),
                    "updated": updated,
                }
            )
        return planned

    # locations

    def location(
        self,
        record: Record,
        where: str,
        *,
        prefix: str = "",
        organization: uuid.UUID | None = None,
    ) -> uuid.UUID | None:
        read = _Fields(self.problems, where, record, prefix)
        hsds_id = self.own_id(read, _("name, address and coordinates"), _location_basis(record))
        assert hsds_id is not None
        counted = dict(self.skipped)  # a location given again is counted once
        latitude = read.number("latitude")
        longitude = read.number("longitude")
        if (latitude is not None and not -90 <= latitude <= 90) or (
            longitude is not None and not -180 <= longitude <= 180
        ):
            self.notes.append(
                _(
                    "%(where)s: coordinates %(lat)s, %(lon)s are outside the globe; the "
                    "location is imported without them."
                )
                % {
                    "where": read.where + (f", {read.prefix.rstrip('.')}" if read.prefix else ""),
                    "lat": latitude,
                    "lon": longitude,
                }
            )
            latitude = longitude = None
        if (latitude is None) != (longitude is None):
            read.problem(
                "longitude" if longitude is None else "latitude",
                _("Give both latitude and longitude, or neither."),
            )
        fields: dict[str, Any] = {
            "location_type": read.choice(
                "location_type", LocationType.values, LocationType.PHYSICAL
            ),
            "name": read.text("name", 200),
            "alternate_name": read.text("alternate_name", 200),
            "description": read.text("description"),
            "transportation": read.text("transportation"),
            "url": read.url("url"),
            "latitude": latitude,
            "longitude": longitude,
            "address_1": "",
            "address_2": "",
            "city": "",
            "region": "",
            "state_province": "",
            "postal_code": "",
            "country": "US",
            "accessibility": "",
        }
        given = {key for key in _LOCATION_SCALARS if key in record}
        addresses = read.records("addresses")
        if addresses is not None:
            given |= {*_ADDRESS_FIELDS, "address_hsds_id"}
            fields["address_hsds_id"] = None
        unkept = [f"addresses[{k}]" for k in range(1, len(addresses or []))]
        if addresses:
            a = _Fields(self.problems, where, addresses[0], f"{prefix}addresses[0].")
            fields.update(
                address_1=a.text("address_1", 200),
                address_2=a.text("address_2", 200),
                city=a.text("city", 100),
                region=a.text("region", 100),
                state_province=a.text("state_province", 50),
                postal_code=a.text("postal_code", 10),
                country=(a.text("country", 2) or "US").upper(),
            )
            address_id = self.part_id(a)
            if address_id is None:
                given.discard("address_hsds_id")  # no id given: the one stored stays
                del fields["address_hsds_id"]
            else:
                fields["address_hsds_id"] = _unless_derived(address_id, hsds_id, "address")
            # Ecotone writes a location's type as its address's type.
            same_type = a.raw("address_type") in (None, "", fields["location_type"])
            self.not_kept(a, _ADDRESS_KEPT | ({"address_type"} if same_type else set()))
            self.skip("addresses", addresses[1:])
            missing = [part for part in ADDRESS_PARTS if not fields[part]]
            if missing:
                self.notes.append(
                    _(
                        "%(where)s: the address has no %(parts)s, which HSDS requires: it is kept, "
                        "and left out of HSDS exports until it is complete."
                    )
                    % {
                        "where": read.where + (f", {prefix.rstrip('.')}" if prefix else ""),
                        "parts": ", ".join(missing),
                    }
                )
        access = read.records("accessibility")
        if access is not None:
            given |= {"accessibility", "accessibility_hsds_id"}
            fields["accessibility_hsds_id"] = None
        texts = []
        for k, item in enumerate(access or []):
            a = _Fields(self.problems, where, item, f"{prefix}accessibility[{k}].")
            if item.get("description"):
                texts.append(a.text("description"))
            if k == 0 and (access_id := self.part_id(a)) is not None:
                fields["accessibility_hsds_id"] = _unless_derived(
                    access_id, hsds_id, "accessibility"
                )
            elif k == 0:
                given.discard("accessibility_hsds_id")
                del fields["accessibility_hsds_id"]
            self.not_kept(a, _ACCESSIBILITY_KEPT if k == 0 else _ACCESSIBILITY_KEPT - {"id"})
        fields["accessibility"] = "\n\n".join(texts)
        if len(fields["accessibility"]) > LONG_TEXT:
            read.problem(
                "accessibility",
                _("At most %(max)d characters (this has %(n)d).")
                % {"max": LONG_TEXT, "n": len(fields["accessibility"])},
            )
        if not fields["name"]:
            fields["name"] = fields["address_1"] or fields["city"] or fields["url"]
            if not fields["name"]:
                read.problem("name", _("A location needs a name or an address."))
        source: str = CoordinatesSource.IMPORTED if latitude is not None else CoordinatesSource.NONE
        for k, attribute in enumerate(read.records("attributes") or []):
            term_id = _parse_id(attribute.get("taxonomy_term_id"))
            if term_id == uuid.uuid5(NAMESPACE, "profile/coordinates_source"):
                attr = _Fields(self.problems, where, attribute, f"{prefix}attributes[{k}].")
                source = attr.choice("value", CoordinatesSource.values, source)
                self.not_kept(attr, _ATTRIBUTE_KEPT)
            else:
                self.skip("location attributes", [attribute])
                unkept.append(f"attributes[{k}]")
        if latitude is None:
            source = CoordinatesSource.NONE
        fields["coordinates_source"] = source
        self.note_unmodelled(record)
        for key in ("languages", "phones", "schedules"):
            self.skip(f"location {key}", record.get(key) or [])
        self.not_kept(read, _LOCATION_KEPT, unkept)
        organization = _parse_id(record.get("organization_id")) or organization
        plan = _LocationPlan(hsds_id, _label(read), fields, organization, given)
        earlier = self.locations.get(hsds_id)
        if earlier is None:
            self.locations[hsds_id] = plan
        else:
            self.skipped = counted
            self.same_location(earlier, plan, read)
        return hsds_id

    def same_location(self, earlier: _LocationPlan, again: _LocationPlan, read: _Fields) -> None:
        """A location the file gives twice (several services use it) must say the same twice;
        what only one of them gives is taken."""
        differ = sorted(
            key for key in earlier.given & again.given if earlier.fields[key] != again.fields[key]
        )
        if (
            earlier.organization is not None
            and again.organization is not None
            and earlier.organization != again.organization
        ):
            differ.append("organization_id")
        if differ:
            read.problem(
                "id",
                _(
                    "Another location of this file (%(where)s) has this id but other details "
                    "(%(fields)s): give each place its own id, or the same details."
                )
                % {"where": earlier.where, "fields": ", ".join(differ)},
            )
            return
        for key in again.given - earlier.given:
            earlier.fields[key] = again.fields[key]
            if key == "latitude":
                earlier.fields["coordinates_source"] = again.fields["coordinates_source"]
        earlier.given |= again.given
        earlier.organization = earlier.organization or again.organization

    # taxonomies

    def taxonomy(self, record: Record, where: str) -> uuid.UUID | None:
        if not isinstance(record, dict):
            self.problems.append(Problem(where, "", _("Expected a taxonomy record.")))
            return None
        read = _Fields(self.problems, where, record)
        hsds_id = self.own_id(read)
        if hsds_id is None:
            read.problem("id", _("A taxonomy needs an id."))
            return None
        self.not_kept(read, _TAXONOMY_KEPT)
        if hsds_id not in self.taxonomies:
            self.taxonomies[hsds_id] = _TaxonomyPlan(
                hsds_id,
                where,
                _described(
                    {
                        "name": read.text("name", 200, required=True),
                        "description": read.text("description"),
                        "uri": read.url("uri"),
                        "version": read.text("version", 40),
                    }
                ),
            )
        return hsds_id

    def term(self, record: Record, where: str) -> uuid.UUID | None:
        if not isinstance(record, dict):
            self.problems.append(Problem(where, "", _("Expected a taxonomy term record.")))
            return None
        read = _Fields(self.problems, where, record)
        hsds_id = self.own_id(read)
        if hsds_id is None:
            read.problem("id", _("A taxonomy term needs an id."))
            return None
        self.not_kept(read, _TERM_KEPT)
        if hsds_id in self.terms:
            return hsds_id
        taxonomy = _parse_id(record.get("taxonomy_id"))
        detail = record.get("taxonomy_detail")
        if isinstance(detail, dict):
            taxonomy = self.taxonomy(detail, f"{where}.taxonomy_detail") or taxonomy
        elif taxonomy is not None and taxonomy not in self.taxonomies and record.get("taxonomy"):
            # Only the taxonomy's name came with the term: enough to create it.
            self.taxonomies[taxonomy] = _TaxonomyPlan(
                taxonomy,
                where,
                {"name": read.text("taxonomy", 200), "description": "", "uri": "", "version": ""},
            )
        self.terms[hsds_id] = _TermPlan(
            hsds_id,
            where,
            taxonomy,
            _parse_id(record.get("parent_id")),
            _described(
                {
                    "code": read.text("code", 100),
                    "name": read.text("name", 200, required=True),
                    "description": read.text("description"),
                    "language": read.text("language", 10),
                    "term_uri": read.url("term_uri"),
                }
            ),
        )
        return hsds_id

    # references

    def check_references(self) -> None:
        """Organizations, terms and taxonomies named by id exist in the file or the ecosystem."""
        known_orgs = set(self.organizations) | set(
            self.ecosystem.organizations.filter(
                hsds_id__in={s.organization for s in self.services if s.organization}
            ).values_list("hsds_id", flat=True)
        )
        for service in self.services:
            if service.organization is not None and service.organization not in known_orgs:
                self.problems.append(
                    Problem(
                        service.where,
                        "organization_id",
                        _("No organization with id %(id)s in this file or this ecosystem.")
                        % {"id": service.organization},
                    )
                )
            if service.partners:
                missing = [p for p in service.partners if p not in known_orgs]
                known_orgs |= set(
                    self.ecosystem.organizations.filter(hsds_id__in=missing).values_list(
                        "hsds_id", flat=True
                    )
                )
                for partner in [p for p in service.partners if p not in known_orgs]:
                    self.notes.append(
                        _("%(where)s: partner organization %(id)s is unknown and left out.")
                        % {"where": service.where, "id": partner}
                    )
                service.partners = [p for p in service.partners if p in known_orgs]
        site_locations = {site.location for s in self.services for site in s.sites or []} - set(
            self.locations
        )
        found = set(
            self.ecosystem.locations.filter(hsds_id__in=site_locations).values_list(
                "hsds_id", flat=True
            )
        )
        for service in self.services:
            for site in service.sites or []:
                if site.location in site_locations and site.location not in found:
                    self.problems.append(
                        Problem(
                            service.where,
                            "service_at_locations.location_id",
                            _("No location with id %(id)s in this file or this ecosystem.")
                            % {"id": site.location},
                        )
                    )
        for location in self.locations.values():
            if location.organization is not None and location.organization not in known_orgs:
                known_orgs |= set(
                    self.ecosystem.organizations.filter(hsds_id=location.organization).values_list(
                        "hsds_id", flat=True
                    )
                )
                if location.organization not in known_orgs:
                    self.skip("unknown organizations of locations", [location.organization])
                    location.organization = None
        referenced = {t for s in self.services for _a, t, _v in s.attributes or []}
        self.known_terms = {
            term.hsds_id: term
            for term in TaxonomyTerm.objects.filter(
                Q(taxonomy__ecosystem__isnull=True) | Q(taxonomy__ecosystem=self.ecosystem),
                hsds_id__in=referenced | set(self.terms),
            ).select_related("taxonomy")
        }
        for service in self.services:
            kept = []
            for attribute in service.attributes or []:
                if attribute[1] in self.terms or attribute[1] in self.known_terms:
                    kept.append(attribute)
                else:
                    self.skip("attributes with unknown terms", [attribute])
            if service.attributes is not None:
                service.attributes = kept
        known_taxonomies = set(self.taxonomies) | set(
            Taxonomy.objects.filter(
                Q(ecosystem__isnull=True) | Q(ecosystem=self.ecosystem),
                hsds_id__in={t.taxonomy for t in self.terms.values() if t.taxonomy},
            ).values_list("hsds_id", flat=True)
        )
        for term in self.terms.values():
            if term.hsds_id in self.known_terms:
                continue
            if term.taxonomy is None or term.taxonomy not in known_taxonomies:
                self.problems.append(
                    Problem(
                        term.where,
                        "taxonomy_id",
                        _("No taxonomy with id %(id)s in this file or this ecosystem.")
                        % {"id": term.taxonomy},
                    )
                )
            if (
                term.parent is not None
                and term.parent not in self.terms
                and not TaxonomyTerm.objects.filter(hsds_id=term.parent).exists()
            ):
                self.skip("unknown parent terms", [term.parent])
                term.parent = None


# Matching ids against what the database holds (step 2).


def _minted(hsds_id: uuid.UUID, ecosystem: Ecosystem) -> uuid.UUID:
    return uuid.uuid5(hsds_id, f"ecotone/ecosystem/{ecosystem.pk}")


class _Ids:
    """Final ids: the file's own, or, when another ecosystem already uses one, a derived one."""

    def __init__(self, ecosystem: Ecosystem) -> None:
        self.ecosystem = ecosystem
        self.changed: dict[str, dict[uuid.UUID, uuid.UUID]] = {}

    def resolve(self, kind: str, ids: set[uuid.UUID], foreign: Iterable[uuid.UUID]) -> None:
        self.changed[kind] = {i: _minted(i, self.ecosystem) for i in foreign if i in ids}

    def __call__(self, kind: str, hsds_id: uuid.UUID | None) -> Any:
        if hsds_id is None:
            return None
        return self.changed.get(kind, {}).get(hsds_id, hsds_id)


def _resolve_ids(planner: _Planner, ecosystem: Ecosystem) -> _Ids:
    ids = _Ids(ecosystem)
    org_ids = set(planner.organizations)
    ids.resolve(
        "organization",
        org_ids,
        Organization.objects.filter(hsds_id__in=org_ids)
        .exclude(ecosystem=ecosystem)
        .values_list("hsds_id", flat=True),
    )
    service_ids = {s.hsds_id for s in planner.services}
    ids.resolve(
        "service",
        service_ids,
        Program.objects.filter(hsds_id__in=service_ids)
        .exclude(ecosystem=ecosystem)
        .values_list("hsds_id", flat=True),
    )
    location_ids = set(planner.locations)
    ids.resolve(
        "location",
        location_ids,
        Location.objects.filter(hsds_id__in=location_ids)
        .exclude(ecosystem=ecosystem)
        .values_list("hsds_id", flat=True),
    )
    taxonomy_ids = set(planner.taxonomies)
    ids.resolve(
        "taxonomy",
        taxonomy_ids,
        Taxonomy.objects.filter(hsds_id__in=taxonomy_ids)
        .exclude(Q(ecosystem=ecosystem) | Q(ecosystem__isnull=True))
        .values_list("hsds_id", flat=True),
    )
    term_ids = set(planner.terms)
    ids.resolve(
        "taxonomy_term",
        term_ids,
        TaxonomyTerm.objects.filter(hsds_id__in=term_ids)
        .exclude(Q(taxonomy__ecosystem=ecosystem) | Q(taxonomy__ecosystem__isnull=True))
        .values_list("hsds_id", flat=True),
    )
    # A program's parts belong to it: an id another program holds is derived afresh.
    owners = {s.hsds_id: ids("service", s.hsds_id) for s in planner.services}
    child_ids: dict[str, dict[uuid.UUID, uuid.UUID]] = {}
    for kind, model in [*CHILD_MODELS.items(), ("attributes", ProgramAttribute)]:
        wanted = {}
        for service in planner.services:
            if kind == "attributes":
                rows = [{"hsds_id": a[0]} for a in service.attributes or []]
            else:
                rows = list(service.children[kind] or [])
                if kind == "schedules":
                    rows += [s for site in service.sites or [] for s in site.schedules]
            for row in rows:
                wanted[row["hsds_id"]] = owners[service.hsds_id]
        taken = model.objects.filter(hsds_id__in=wanted).values_list(  # type: ignore[attr-defined]
            "hsds_id", "program__hsds_id"
        )
        child_ids[kind] = {i: _minted(i, ecosystem) for i, owner in taken if owner != wanted.get(i)}
    sites = {site.hsds_id: owners[s.hsds_id] for s in planner.services for site in s.sites or []}
    taken_sites = ProgramLocation.objects.filter(hsds_id__in=sites).values_list(
        "hsds_id", "program__hsds_id"
    )
    child_ids["sites"] = {i: _minted(i, ecosystem) for i, owner in taken_sites if owner != sites[i]}
    ids.changed.update({f"child:{k}": v for k, v in child_ids.items()})
    total = sum(len(v) for v in ids.changed.values())
    if total:
        planner.notes.append(
            _(
                "%(n)d ids in this file are already used in another ecosystem (or by another "
                "program); those records get new ids derived from them, the same on every import."
            )
            % {"n": total}
        )
    return ids


# Applying (step 3) and comparing with what is there.


def _zone_for(offset: float | None, ecosystem: Ecosystem, on: date | None, current: str) -> str:
    """A time zone name for an HSDS UTC offset: keep the schedule's own or the ecosystem's."""
    if offset is None:
        return current
    if utc_offset_hours(current or ecosystem.timezone, on) == offset:
        return current
    if utc_offset_hours(ecosystem.timezone, on) == offset:
        return ""
    if float(offset).is_integer() and -14 <= offset <= 12:
        hours = int(offset)
        # POSIX-style names: Etc/GMT-3 is three hours ahead of UTC.
        return "Etc/GMT" if hours == 0 else f"Etc/GMT{-hours:+d}"
    return current


def _schedule_state(schedule: Schedule, ecosystem: Ecosystem) -> dict[str, Any]:
    state = {k: getattr(schedule, k) for k in _SCHEDULE_FIELDS}
    state["timezone"] = utc_offset_hours(
        schedule.timezone or ecosystem.timezone, schedule.dtstart or schedule.valid_from
    )
    state["hsds_id"] = schedule.hsds_id
    return state


PROFILE_DEFAULTS: dict[str, Any] = {
    "delivery": Delivery.IN_PERSON,
    "cost_band": CostBand.FREE,
    "scholarships": False,
    "transportation_provided": False,
    "mentoring_depth": MentoringDepth.NONE,
    "seats": None,
    "term": Term.SCHOOL_YEAR,
    "participants_last_year": None,
}


def _canonical(value: Any) -> Any:
    """A program's parts in an order-free form, to compare what is there with what comes."""
    if isinstance(value, list):
        return sorted((_canonical(v) for v in value), key=repr)
    if isinstance(value, tuple):
        return tuple(_canonical(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _canonical(v)) for k, v in value.items()))
    return value


def _same(before: dict[str, Any] | None, after: dict[str, Any], kind: str | None = None) -> bool:
    if before is None:
        return False
    kinds = [kind] if kind else list(after)
    return all(_canonical(before[k]) == _canonical(after[k]) for k in kinds)


def _part_id(row: Any) -> Any:
    return row["hsds_id"] if isinstance(row, dict) else row[0]


def _normal(row: dict[str, Any]) -> dict[str, Any]:
    out = dict(row)
    if out.get("timezone") is not None:
        out["timezone"] = float(out["timezone"])
    if isinstance(out.get("amount"), Decimal):
        out["amount"] = out["amount"].quantize(Decimal("0.01"))
    if isinstance(out.get("updated"), datetime):
        # Exports give a capacity's count time to the second.
        out["updated"] = out["updated"].astimezone(UTC).replace(microsecond=0)
    if "extent" in out and "extent_type" in out:
        out["extent_type"] = extent_type_of(out["extent"], out["extent_type"])
    return out


class _Applier:
    def __init__(self, ecosystem: Ecosystem, planner: _Planner, ids: _Ids, report: ImportReport):
        self.ecosystem = ecosystem
        self.planner = planner
        self.ids = ids
        self.report = report
        self.write = False
        self.organizations: dict[uuid.UUID, Organization] = {
            o.hsds_id: o
            for o in ecosystem.organizations.filter(
                hsds_id__in=[ids("organization", i) for i in planner.organizations]
                + [ids("organization", s.organization) for s in planner.services]
                + [ids("organization", p) for s in planner.services for p in s.partners or []]
                + [ids("organization", loc.organization) for loc in planner.locations.values()]
            )
        }
        self.locations: dict[uuid.UUID, Location] = {
            loc.hsds_id: loc
            for loc in Location.objects.select_related("organization").filter(
                ecosystem=ecosystem,
                hsds_id__in=[ids("location", i) for i in planner.locations]
                + [site.location for s in planner.services for site in s.sites or []],
            )
        }
        self.taxonomies: dict[uuid.UUID, Taxonomy] = {
            t.hsds_id: t
            for t in Taxonomy.objects.filter(
                Q(ecosystem=ecosystem) | Q(ecosystem__isnull=True),
                hsds_id__in=[ids("taxonomy", i) for i in planner.taxonomies]
                + [ids("taxonomy", t.taxonomy) for t in planner.terms.values()],
            )
        }
        self.terms: dict[uuid.UUID, TaxonomyTerm] = {
            t.hsds_id: t
            for t in TaxonomyTerm.objects.filter(
                Q(taxonomy__ecosystem=ecosystem) | Q(taxonomy__ecosystem__isnull=True),
                hsds_id__in=[ids("taxonomy_term", i) for i in planner.terms]
                + list(planner.known_terms),
            ).select_related("taxonomy")
        }
        self.slugs: set[str] = set()

    # one record kind at a time

    def save_fields(self, instance: Model, fields: dict[str, Any], kind: str, *, new: bool) -> bool:
        changed = new or any(getattr(instance, k) != v for k, v in fields.items())
        if not changed:
            self.report.count(kind, "unchanged")
            return False
        self.report.count(kind, "created" if new else "updated")
        for k, v in fields.items():
            setattr(instance, k, v)
        if self.write:
            instance.full_clean(validate_unique=False, validate_constraints=False)
            instance.save()
        return True

    def taxonomies_and_terms(self) -> None:
        for plan in self.planner.taxonomies.values():
            hsds_id = self.ids("taxonomy", plan.hsds_id)
            taxonomy = self.taxonomies.get(hsds_id)
            if taxonomy is not None and taxonomy.ecosystem_id is None:
                self.report.count("taxonomy", "unchanged")  # shared vocabularies stay as they are
                continue
            new = taxonomy is None
            if taxonomy is None:
                taxonomy = Taxonomy(hsds_id=hsds_id, ecosystem=self.ecosystem)
                self.taxonomies[hsds_id] = taxonomy
            self.save_fields(taxonomy, plan.fields, "taxonomy", new=new)
        pending_parents = []
        for term_plan in self.planner.terms.values():
            hsds_id = self.ids("taxonomy_term", term_plan.hsds_id)
            term = self.terms.get(hsds_id)
            if term is not None and term.taxonomy.ecosystem_id is None:
                self.report.count("taxonomy_term", "unchanged")
                continue
            new = term is None
            if term is None:
                term = TaxonomyTerm(hsds_id=hsds_id)
                self.terms[hsds_id] = term
            taxonomy = self.taxonomies.get(self.ids("taxonomy", term_plan.taxonomy))
            fields = {**term_plan.fields, "taxonomy": taxonomy}
            if not new and term.taxonomy_id == getattr(taxonomy, "pk", None):
                fields.pop("taxonomy")
            if self.write and taxonomy is not None and taxonomy.pk is None:
                taxonomy.save()
            self.save_fields(term, fields, "taxonomy_term", new=new)
            pending_parents.append((term, term_plan.parent))
        for term, parent_id in pending_parents:
            parent = self.terms.get(self.ids("taxonomy_term", parent_id)) if parent_id else None
            if parent is None and parent_id:
                parent = TaxonomyTerm.objects.filter(hsds_id=parent_id).first()
            if self.write and term.parent_id != getattr(parent, "pk", None):
                term.parent = parent
                term.save(update_fields=["parent"])

    def organizations_(self) -> None:
        from ecotone.ecosystems.services import unique_slug

        for plan in self.planner.organizations.values():
            hsds_id = self.ids("organization", plan.hsds_id)
            organization = self.organizations.get(hsds_id)
            new = organization is None
            fields = dict(plan.fields)
            if organization is None:
                name = fields.get("name") or _("Organization")
                fields["name"] = name
                organization = Organization(
                    hsds_id=hsds_id,
                    ecosystem=self.ecosystem,
                    sector=Sector.COMMUNITY,
                    slug=unique_slug(self.ecosystem.organizations.all(), name)
                    if self.write
                    else "new",
                )
                self.organizations[hsds_id] = organization
            elif not fields.get("name"):
                fields.pop("name", None)
            self.save_fields(organization, fields, "organization", new=new)

    def locations_(self) -> None:
        for plan in self.planner.locations.values():
            hsds_id = self.ids("location", plan.hsds_id)
            location = self.locations.get(hsds_id)
            new = location is None
            if location is None:
                location = Location(hsds_id=hsds_id, ecosystem=self.ecosystem)
                self.locations[hsds_id] = location
            organization = self.organizations.get(self.ids("organization", plan.organization))
            fields = {**plan.fields, "organization_id": getattr(organization, "pk", None)}
            if organization is None and not new and self.hidden_organization(location):
                # Exports leave out an archived organization: its absence is no change.
                fields.pop("organization_id")
            given = any(fields[part] for part in ADDRESS_PARTS)
            if not new and not given and not complete_address(location):
                # Exports leave out an incomplete address: its absence is no change.
                for part in (*ADDRESS_PARTS, "address_2", "region", "country", "address_hsds_id"):
                    fields.pop(part, None)
            if self.write and organization is not None and organization.pk is None:
                organization.save()
            self.save_fields(location, fields, "location", new=new)

    @staticmethod
    def hidden_organization(location: Location) -> bool:
        organization = location.organization if location.organization_id else None
        return organization is not None and organization.archived_at is not None

    # programs

    def programs(self, decisions: dict[str, str]) -> None:
        planned = {self.ids("service", s.hsds_id): s for s in self.planner.services}
        existing = {
            p.hsds_id: p
            for p in Program.objects.filter(ecosystem=self.ecosystem, hsds_id__in=planned)
            .select_related("organization")
            .prefetch_related(
                "schedules",
                "languages",
                "cost_options",
                "funding",
                "service_areas",
                "capacities",
                "attributes__term",
                "partner_organizations",
                "program_locations__location",
                "program_locations__schedules",
            )
        }
        self.report.duplicates = []
        # The look-alikes are read as the directory stands before the import, plus the programs
        # this file creates, in the file's order: the dry run and the apply see the same.
        new = [plan for hsds_id, plan in planned.items() if hsds_id not in existing]
        # Each name meets only the look-alikes it may resemble (duplicates.LookAlikes), not
        # every program of its organization: a file of a thousand services of one
        # organization would otherwise compare half a million pairs.
        rarity = duplicates.Rarity(plan.fields["name"] for plan in new)
        candidates = self.directory_candidates(new, rarity)
        created_here: dict[uuid.UUID, duplicates.LookAlikes] = {}
        for hsds_id, plan in planned.items():
            program = existing.get(hsds_id)
            if program is None:
                key = self.ids("organization", plan.organization)
                places = self.places_of(plan)
                name = plan.fields["name"]
                in_directory = candidates.get(key)
                flag = self.duplicate_of(
                    plan, hsds_id, in_directory.best(name, places) if in_directory else None
                )
                if flag is None and key in created_here:
                    # The first look-alike the file created before (not the best).
                    flag = self.duplicate_of(plan, hsds_id, created_here[key].first(name, places))
                    if flag is not None:
                        flag.in_file = True
                if flag is not None:
                    flag.decision = decisions.get(flag.service_id, "")
                    self.report.duplicates.append(flag)
                    if flag.skipped:
                        self.report.count("service", "skipped")
                        continue
                    if flag.decision == "update" and not flag.in_file:
                        program = Program.objects.filter(
                            ecosystem=self.ecosystem, hsds_id=flag.existing_id
                        ).first()
                if program is None:
                    if key not in created_here:
                        created_here[key] = duplicates.LookAlikes(rarity)
                    created_here[key].add(duplicates.Candidate(str(hsds_id), name, tuple(places)))
            self.program(plan, hsds_id, program)

    def directory_candidates(
        self, new: list[_ServicePlan], rarity: duplicates.Rarity
    ) -> dict[uuid.UUID, duplicates.LookAlikes]:
        """The programs of the new services' organizations, by organization id, as they are."""
        wanted = {
            organization.pk
            for plan in new
            if (organization := self.organizations.get(self.ids("organization", plan.organization)))
            and organization.pk is not None
        }
        candidates: dict[uuid.UUID, duplicates.LookAlikes] = {}
        for program in (
            Program.objects.filter(
                ecosystem=self.ecosystem, organization__in=wanted, archived_at__isnull=True
            )
            .select_related("organization")
            .prefetch_related("program_locations__location")
            .order_by("pk")
        ):
            key = program.organization.hsds_id
            if key not in candidates:
                candidates[key] = duplicates.LookAlikes(rarity)
            candidates[key].add(
                duplicates.Candidate(
                    str(program.hsds_id),
                    program.name,
                    tuple(
                        duplicates.Place(
                            pl.location.latitude,
                            pl.location.longitude,
                            pl.location.location_type == LocationType.VIRTUAL,
                        )
                        for pl in program.program_locations.all()
                    ),
                )
            )
        return candidates

    def places_of(self, plan: _ServicePlan) -> list[duplicates.Place]:
        return [
            duplicates.Place(
                loc.fields["latitude"],
                loc.fields["longitude"],
                loc.fields["location_type"] == LocationType.VIRTUAL,
            )
            for loc in (self.planner.locations.get(i) for i in plan.places)
            if loc is not None
        ]

    def duplicate_of(
        self, plan: _ServicePlan, hsds_id: uuid.UUID, match: duplicates.Match | None
    ) -> DuplicateFlag | None:
        if match is None:
            return None
        return DuplicateFlag(
            service_id=str(hsds_id),
            where=plan.where,
            name=plan.fields["name"],
            existing_id=str(match.candidate.key),
            existing_name=match.candidate.name,
            similarity=round(match.similarity, 3),
        )

    def program(self, plan: _ServicePlan, hsds_id: uuid.UUID, program: Program | None) -> None:
        new = program is None
        organization = self.organizations[self.ids("organization", plan.organization)]
        fields = {**plan.fields, "organization": organization}
        if plan.profile is not None:
            fields.update(PROFILE_DEFAULTS)
            fields.update({k: v for k, v in plan.profile.items() if v is not None})
        if program is None:
            program = Program(hsds_id=hsds_id, ecosystem=self.ecosystem)
            fields["slug"] = self.unique_program_slug(plan.fields["name"])
        else:
            if program.organization_id == organization.pk:
                fields.pop("organization")
        before = None if new else self.program_parts(program)
        after = self.planned_parts(plan, program, before)
        if self.write and organization.pk is None:
            organization.save()
        if (
            not new
            and _same(before, after)
            and all(getattr(program, k) == v for k, v in fields.items())
        ):
            self.report.count("service", "unchanged")
            return
        self.report.count("service", "created" if new else "updated")
        for k, v in fields.items():
            setattr(program, k, v)
        if not self.write:
            return
        program.full_clean(validate_unique=False, validate_constraints=False)
        program.save()
        self.write_parts(program, plan, after, before)

    def unique_program_slug(self, name: str) -> str:
        candidate = Program.objects.filter(ecosystem=self.ecosystem).free_slug(name, self.slugs)
        self.slugs.add(candidate)
        return candidate

    def program_parts(self, program: Program) -> dict[str, Any]:
        parts: dict[str, Any] = {
            "schedules": sorted(
                (
                    _normal(_schedule_state(s, self.ecosystem))
                    for s in program.schedules.all()
                    if s.program_location_id is None
                ),
                key=lambda r: str(r["hsds_id"]),
            ),
            "attributes": sorted(
                (a.hsds_id, a.term.hsds_id, a.value) for a in program.attributes.all()
            ),
            "partners": sorted(str(p.hsds_id) for p in program.partner_organizations.all()),
            "sites": sorted(
                (
                    (
                        pl.hsds_id,
                        pl.location.hsds_id,
                        pl.description,
                        sorted(
                            (
                                _normal(_schedule_state(s, self.ecosystem))
                                for s in pl.schedules.all()
                            ),
                            key=lambda r: str(r["hsds_id"]),
                        ),
                    )
                    for pl in program.program_locations.all()
                ),
                key=lambda r: str(r[0]),
            ),
        }
        for kind, names in _CHILD_FIELDS.items():
            parts[kind] = sorted(
                (
                    _normal({"hsds_id": row.hsds_id, **{n: getattr(row, n) for n in names}})
                    for row in getattr(program, kind).all()
                ),
                key=lambda r: str(r["hsds_id"]),
            )
        return parts

    def planned_parts(
        self, plan: _ServicePlan, program: Program, before: dict[str, Any] | None
    ) -> dict[str, Any]:
        """What the program's parts will be; parts the record leaves out stay as they are."""

        def child(kind: str, row: dict[str, Any]) -> dict[str, Any]:
            row = {**row, "hsds_id": self.ids(f"child:{kind}", row["hsds_id"])}
            if kind == "schedules" and row["timezone"] is None:
                # No offset given: the schedule follows the ecosystem's zone.
                row["timezone"] = utc_offset_hours(
                    self.ecosystem.timezone, row["dtstart"] or row["valid_from"]
                )
            return _normal(row)

        def rows(kind: str, planned: list[dict[str, Any]] | None) -> Any:
            if planned is None:
                return before[kind] if before else []
            return [child(kind, r) for r in planned]

        parts: dict[str, Any] = {kind: rows(kind, plan.children[kind]) for kind in CHILD_MODELS}
        if plan.attributes is None:
            parts["attributes"] = before["attributes"] if before else []
        else:
            parts["attributes"] = [
                (self.ids("child:attributes", a), self.ids("taxonomy_term", t), v)
                for a, t, v in plan.attributes
            ]
        if plan.partners is None:
            parts["partners"] = before["partners"] if before else []
        else:
            # Exports leave archived partners out: their absence is no change.
            hidden = (
                [str(p.hsds_id) for p in program.partner_organizations.all() if p.archived_at]
                if program.pk
                else []
            )
            parts["partners"] = list(
                dict.fromkeys([*(str(self.ids("organization", p)) for p in plan.partners), *hidden])
            )
        if plan.sites is None:
            parts["sites"] = before["sites"] if before else []
        else:
            parts["sites"] = [
                (
                    self.ids("child:sites", site.hsds_id),
                    self.ids("location", site.location),
                    site.description,
                    rows("schedules", site.schedules),
                )
                for site in plan.sites
            ]
        if before is not None:
            self.adopt_known_ids(parts, before)
        return parts

    @staticmethod
    def adopt_known_ids(parts: dict[str, Any], before: dict[str, Any]) -> None:
        """A part that comes without an id the program knows takes the id of its match.

        A flat spreadsheet carries no ids for schedules, languages, sites...: matched by what
        they are (a language by its code, a site by its location, an attribute by its term,
        others by all their fields), they keep their ids and count as unchanged.
        """

        def adopt(new: list[Any], old: list[Any], key: Any, with_id: Any) -> list[Any]:
            known = {_part_id(row) for row in old}
            taken = {_part_id(row) for row in new}
            free = [row for row in old if _part_id(row) not in taken]
            adopted = []
            for row in new:
                match = None
                if _part_id(row) not in known:
                    match = next((o for o in free if key(o) == key(row)), None)
                if match is not None:
                    free.remove(match)
                    row = with_id(row, _part_id(match), match)
                adopted.append(row)
            return adopted

        def fields(row: dict[str, Any]) -> Any:
            return _canonical({k: v for k, v in row.items() if k != "hsds_id"})

        def dict_with_id(row: dict[str, Any], hsds_id: Any, _match: Any) -> dict[str, Any]:
            return {**row, "hsds_id": hsds_id}

        for kind in ("schedules", "cost_options", "funding", "service_areas", "capacities"):
            parts[kind] = adopt(parts[kind], before[kind], fields, dict_with_id)
        parts["languages"] = adopt(
            parts["languages"], before["languages"], lambda r: r["code"], dict_with_id
        )
        parts["attributes"] = adopt(
            parts["attributes"],
            before["attributes"],
            lambda a: a[1],
            lambda a, hsds_id, _m: (hsds_id, a[1], a[2]),
        )

        def site_with_id(site: tuple[Any, ...], hsds_id: Any, match: Any) -> tuple[Any, ...]:
            schedules = adopt(site[3], match[3], fields, dict_with_id)
            return (hsds_id, site[1], site[2], schedules)

        parts["sites"] = adopt(parts["sites"], before["sites"], lambda t: t[1], site_with_id)

    def write_parts(
        self,
        program: Program,
        plan: _ServicePlan,
        after: dict[str, Any],
        before: dict[str, Any] | None,
    ) -> None:
        """Replace the program's parts with `after` (ids kept), when they changed."""
        if before is not None and _same(before, after):
            return
        changed = {k for k in after if before is None or not _same(before, after, k)}
        for kind, model in CHILD_MODELS.items():
            if kind not in changed or kind == "schedules":
                continue  # schedules go with the sites below: some hang on them
            model.objects.filter(program=program).delete()  # type: ignore[attr-defined]
            for row in after[kind]:
                model.objects.create(program=program, **row)  # type: ignore[attr-defined]
        if "attributes" in changed:
            program.attributes.all().delete()
            ProgramAttribute.objects.bulk_create(
                ProgramAttribute(program=program, hsds_id=a, term=self.terms[t], value=v)
                for a, t, v in after["attributes"]
            )
        if "partners" in changed:
            program.partner_organizations.set(
                self.organizations[uuid.UUID(p)] for p in after["partners"]
            )
        if "sites" in changed or "schedules" in changed:
            program.schedules.all().delete()
            program.program_locations.all().delete()
            for row in after["schedules"]:
                self.create_schedule(program, None, row)
            for site_id, location_id, description, schedules in after["sites"]:
                location = self.locations[location_id]
                site = ProgramLocation.objects.create(
                    hsds_id=site_id, program=program, location=location, description=description
                )
                for row in schedules:
                    self.create_schedule(program, site, row)

    def create_schedule(
        self, program: Program, site: ProgramLocation | None, row: dict[str, Any]
    ) -> None:
        values = dict(row)
        offset = values.pop("timezone")
        values["timezone"] = _zone_for(
            offset, self.ecosystem, values.get("dtstart") or values.get("valid_from"), ""
        )
        Schedule.objects.create(program=program, program_location=site, **values)


def import_batch(
    ecosystem: Ecosystem,
    batch: Batch,
    *,
    user: Any,
    dry_run: bool,
    decisions: dict[str, str] | None = None,
    on_progress: Callable[[str], None] | None = None,
) -> ImportReport:
    """Check `batch` against `ecosystem` and, unless `dry_run` or any problem, apply it.

    `decisions` maps a flagged service's id (as in the report) to "create", "update" (the
    existing program it looks like) or "skip"; a flag without a decision is skipped.
    Nothing is written when the report has problems. One audit entry records an applied run.
    """
    planner = _Planner(ecosystem, batch)
    try:
        planner.build()
    except RecursionError:
        planner.problems.append(Problem("", "", _("The file is nested too deeply to read.")))
    # A record the file gives twice (a location several services use) is read twice.
    report = ImportReport(
        problems=list({(p.where, p.field, p.message): p for p in planner.problems}.values()),
        notes=list(dict.fromkeys(planner.notes)),
    )
    for what, n in sorted(planner.skipped.items()):
        report.notes.append(
            _("Left out, as Ecotone does not keep them: %(what)s (%(n)d).") % {"what": what, "n": n}
        )
    for where, names in planner.unkept.items():
        if names:
            report.notes.append(
                _("%(where)s: not kept: %(fields)s.") % {"where": where, "fields": ", ".join(names)}
            )
    if report.problems:
        return report
    ids = _resolve_ids(planner, ecosystem)
    applier = _Applier(ecosystem, planner, ids, report)

    def run(write: bool) -> None:
        report.counts = {}
        applier.write = write
        applier.taxonomies_and_terms()
        applier.organizations_()
        applier.locations_()
        applier.programs(decisions or {})

    try:
        run(write=False)
    except ValidationError as error:
        report.problems.append(Problem("", "", "; ".join(error.messages)))
    if dry_run or report.problems:
        return report
    if on_progress:
        on_progress("applying")
    try:
        with transaction.atomic(), disable_auditlog():
            applier = _Applier(ecosystem, planner, ids, report)
            run(write=True)
            LogEntry.objects.log_create(
                ecosystem,
                force_log=True,
                action=LogEntry.Action.UPDATE,
                changes={"directory import": ["", _summary(report)]},
                additional_data={"ecosystem_id": ecosystem.pk},
                actor=user if getattr(user, "pk", None) else None,
            )
    except ValidationError as error:
        report.problems.append(Problem("", "", "; ".join(error.messages)))
        return report
    report.applied = True
    return report


def _summary(report: ImportReport) -> str:
    return ", ".join(
        f"{kind}: " + ", ".join(f"{n} {outcome}" for outcome, n in counts.items() if n)
        for kind, counts in sorted(report.counts.items())
    )
