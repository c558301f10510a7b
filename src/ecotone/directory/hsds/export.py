"""The program directory as Open Referral HSDS 3.0 records (JSON-ready dicts).

Ecotone's Program is an HSDS *service*; ProgramLocation a *service_at_location*; the partner
organization (`ecosystems.Organization`) the HSDS *organization*. Every dict here is shaped as
the HSDS 3.0 JSON schemas want (checked in tests/directory/test_hsds_export.py against the
official schemas), with these conventions:

- Empty optional values are left out: HSDS types are plain "string" or "number" (no null), and
  an empty `url` or `email` would break their formats. Required values are always there and
  never empty (a data package reads an empty cell as missing): an organization, taxonomy or
  term without a description is described by its name (`described`); a location's address is
  published only when it has every part HSDS requires (`complete_address`), and a change
  history's empty value is written `NO_VALUE`.
- Nested records leave out the link back to their parent (a service's schedules carry no
  `service_id`), as the HSDS examples do; the tabular package (`tabular.py`) adds them.
- Ids are stable. Directory records and organizations carry their HSDS id (`hsds_id`); what
  HSDS models as a record but Ecotone keeps as fields (a program's phone, a location's address)
  gets an id derived from its owner's id.
- The single-valued STEM-profile fields (delivery, cost band, seats, ...) become attributes
  under the Ecotone taxonomy's `profile/...` terms, with the field's value as `value`.
- Public data only: listed programs, the locations they use, the partners running them, each
  with the contact details the public pages show (the program's and the organization's own
  email, phone and website). Never the partners' named contacts (`ecosystems.Contact`: for
  backbone and partner staff only), nor who verified a listing (`assurer_email`).

A page of services costs a constant number of queries (`with_full_detail` prefetches every
related table at once); a whole ecosystem streams in chunks of `CHUNK_SIZE` programs
(`iter_full_services`), so memory stays bounded however many programs there are.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db.models import Prefetch, Q, QuerySet

from ecotone.ecosystems.models import Ecosystem, Organization

from ..models import (
    CostOption,
    Funding,
    Language,
    Location,
    LocationType,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    ServiceArea,
    ServiceCapacity,
    Taxonomy,
    TaxonomyTerm,
)
from ..taxonomy import NAMESPACE, PROFILE_FIELDS

HSDS_VERSION = "3.0"
OPENAPI_URL = "https://raw.githubusercontent.com/openreferral/specification/3.0/schema/openapi.json"
# Ecotone publishes no HSDS profile of its own: it is plain HSDS 3.0 plus its taxonomy.
PROFILE_URL = "https://docs.openreferral.org/en/v3.0/"
ORGANIZATION_NAMESPACE = uuid.UUID("5d0c2f7e-6b1a-4c3e-9d7a-ec070e000002")
CHUNK_SIZE = 500
# The program fields whose changes a service's `metadata` publishes, as HSDS names them. Who
# verified a listing (`assurer_email`) and the profile fields (published as attributes) are not.
PUBLISHED_CHANGES = (
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
    "eligibility_description",
    "minimum_age",
    "maximum_age",
    "assured_date",
    "licenses",
    "alert",
)
_ACTIONS = {LogEntry.Action.CREATE: "create", LogEntry.Action.UPDATE: "update"}
# HSDS requires a change's field name and both values; a creation has none, a field may have
# been or become empty. A data package reads an empty cell as missing, so this stands in.
NO_VALUE = "-"

Record = dict[str, Any]


def organization_id(ecosystem_slug: str, organization_pk: int) -> str:
    """The HSDS id organizations had before they stored one (`Organization.hsds_id`).

    Kept for the data migration that filled `hsds_id` with it, so published ids did not change.
    """
    return str(uuid.uuid5(ORGANIZATION_NAMESPACE, f"{ecosystem_slug}/{organization_pk}"))


def derived_id(owner_id: uuid.UUID | str, part: str) -> str:
    """A stable id for a record that is a field of its owner in Ecotone (a phone, an address)."""
    return str(uuid.uuid5(uuid.UUID(str(owner_id)), part))


def _compact(record: Record, *required: str) -> Record:
    return {k: v for k, v in record.items() if k in required or v not in (None, "")}


def described(description: str, name: str) -> str:
    """HSDS requires a description of organizations, taxonomies and terms; the name stands in
    for a missing one. The import reads a description equal to the name back as none, so an
    export imported again changes nothing."""
    return description or name


ADDRESS_PARTS = ("address_1", "city", "state_province", "postal_code")


def complete_address(location: Location) -> bool:
    """Whether the location has the postal address HSDS requires whole (street, city, state,
    ZIP code): only then is it published. A partial one stays in Ecotone, for its own pages."""
    return location.location_type != LocationType.VIRTUAL and all(
        getattr(location, part) for part in ADDRESS_PARTS
    )


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def extent_type_of(extent: Any, extent_type: str) -> str:
    """A service area's extent type: its own, or "geojson" for a GeoJSON extent left untyped.

    Export and import both use this, so an untyped area reads back as it was written.
    """
    if extent_type:
        return extent_type
    return "geojson" if extent and not isinstance(extent, str) else ""


def _timestamp(value: datetime) -> str:
    """UTC to the second, "Z" for the zone: reads back as `modified_after` without encoding."""
    return value.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def utc_offset_hours(zone_name: str, on: date | None) -> float | None:
    """HSDS `schedule.timezone`: a UTC offset in hours, not a zone name.

    The offset on the schedule's first date when it has one, else the zone's standard offset,
    so the same schedule always exports the same number.
    """
    try:
        zone = ZoneInfo(zone_name)
    except (ZoneInfoNotFoundError, ValueError):
        return None
    if on is not None:
        offset = datetime(on.year, on.month, on.day, 12, tzinfo=zone).utcoffset()
    else:
        moment = datetime(2001, 1, 1, 12, tzinfo=zone)
        offset = (moment.utcoffset() or timedelta(0)) - (moment.dst() or timedelta(0))
    hours = (offset or timedelta(0)).total_seconds() / 3600
    return int(hours) if hours.is_integer() else hours


# Querysets: what is public, and how to load it in a constant number of queries.


def public_programs(ecosystem: Ecosystem) -> QuerySet[Program]:
    """What the public directory shows, hence all the HSDS API and export show."""
    return Program.objects.filter(ecosystem=ecosystem).listed()


def public_organizations(ecosystem: Ecosystem) -> QuerySet[Organization]:
    """Active partners, and an archived one while it still runs a listed program."""
    running = public_programs(ecosystem).values("organization_id")
    return ecosystem.organizations.filter(Q(archived_at__isnull=True) | Q(pk__in=running))


def public_locations(ecosystem: Ecosystem) -> QuerySet[Location]:
    """Locations where listed programs take place; other addresses stay unpublished."""
    used = ProgramLocation.objects.filter(program__in=public_programs(ecosystem))
    return Location.objects.filter(ecosystem=ecosystem, pk__in=used.values("location_id"))


def public_taxonomies(ecosystem: Ecosystem) -> QuerySet[Taxonomy]:
    return Taxonomy.objects.filter(Q(ecosystem__isnull=True) | Q(ecosystem=ecosystem))


def public_taxonomy_terms(ecosystem: Ecosystem) -> QuerySet[TaxonomyTerm]:
    return TaxonomyTerm.objects.filter(taxonomy__in=public_taxonomies(ecosystem)).select_related(
        "taxonomy", "parent"
    )


def with_full_detail(programs: QuerySet[Program], ecosystem: Ecosystem) -> QuerySet[Program]:
    """`programs` with everything a full HSDS service needs: eleven queries, any count."""
    return programs.select_related("organization").prefetch_related(
        Prefetch(
            "schedules",
            queryset=Schedule.objects.filter(program_location__isnull=True).order_by("pk"),
            to_attr="own_schedules",
        ),
        Prefetch(
            "program_locations",
            queryset=ProgramLocation.objects.select_related("location__organization")
            .prefetch_related(Prefetch("schedules", queryset=Schedule.objects.order_by("pk")))
            .order_by("pk"),
        ),
        Prefetch("languages", queryset=Language.objects.order_by("pk")),
        Prefetch("cost_options", queryset=CostOption.objects.order_by("pk")),
        Prefetch("funding", queryset=Funding.objects.order_by("pk")),
        Prefetch("service_areas", queryset=ServiceArea.objects.order_by("pk")),
        Prefetch("capacities", queryset=ServiceCapacity.objects.order_by("pk")),
        Prefetch(
            "attributes",
            queryset=ProgramAttribute.objects.select_related(
                "term__taxonomy", "term__parent"
            ).order_by("pk"),
        ),
        Prefetch(
            "partner_organizations",
            queryset=Organization.objects.filter(
                ecosystem=ecosystem, archived_at__isnull=True
            ).order_by("pk"),
        ),
    )


class HsdsExport:
    """Turns one ecosystem's records into HSDS dicts; remembers the taxonomy terms it met."""

    def __init__(self, ecosystem: Ecosystem) -> None:
        self.ecosystem = ecosystem
        self._terms: dict[int, Record] = {}
        self._profile_terms: dict[str, TaxonomyTerm] | None = None
        self._history: dict[int, list[tuple[int, int, datetime, Any]]] = {}

    # organizations

    def organization(self, organization: Organization) -> Record:
        """The one-to-one fields (an organization in a list, or nested in a service)."""
        return _compact(
            {
                "id": str(organization.hsds_id),
                "name": organization.name,
                "alternate_name": organization.alternate_name,
                "description": described(organization.description, organization.name),
                "email": organization.email,
                "website": organization.website,
            },
            "description",
        )

    def organization_phones(self, organization: Organization) -> list[Record]:
        if not organization.phone:
            return []
        owner = organization.hsds_id
        return [{"id": derived_id(owner, "phone"), "number": organization.phone}]

    def organization_full(
        self, organization: Organization, services: list[Record], locations: list[Record]
    ) -> Record:
        return {
            **self.organization(organization),
            "funding": [],
            "contacts": [],
            "phones": self.organization_phones(organization),
            "locations": locations,
            "programs": [],
            "organization_identifiers": [],
            "services": services,
            "attributes": [],
            "metadata": [],
        }

    # services

    def service(self, program: Program) -> Record:
        """The one-to-one fields of a service, without nested records."""
        return _compact(
            {
                "id": str(program.hsds_id),
                "name": program.name,
                "alternate_name": program.alternate_name,
                "description": program.description,
                "url": program.url,
                "email": program.email,
                "status": program.status,
                "interpretation_services": program.interpretation_services,
                "application_process": program.application_process,
                "fees_description": program.fees_description,
                "wait_time": program.wait_time,
                "accreditations": program.accreditations,
                "eligibility_description": program.eligibility_description,
                "minimum_age": program.minimum_age,
                "maximum_age": program.maximum_age,
                "assured_date": _date(program.assured_date),
                "licenses": program.licenses,
                "alert": program.alert,
                "last_modified": _timestamp(program.updated_at),
            },
            "name",
            "status",
        )

    def service_summary(self, program: Program) -> Record:
        """A service in a list: its own fields and its organization's (select_related)."""
        return {**self.service(program), "organization": self.organization(program.organization)}

    def service_full(
        self, program: Program, *, with_organization: bool = True, with_locations: bool = True
    ) -> Record:
        """A fully nested service; `program` must come from `with_full_detail`."""
        record = self.service(program)
        record["phones"] = self.service_phones(program)
        record["schedules"] = [self.schedule(s) for s in program.own_schedules]  # type: ignore[attr-defined]
        record["service_areas"] = [self.service_area(a) for a in program.service_areas.all()]
        if with_locations:
            record["service_at_locations"] = [
                self.service_at_location_full(sal) for sal in program.program_locations.all()
            ]
        record["languages"] = [self.language(language) for language in program.languages.all()]
        if with_organization:
            organization = program.organization
            record["organization"] = {
                **self.organization(organization),
                "phones": self.organization_phones(organization),
            }
        record["funding"] = [self.funding(f) for f in program.funding.all()]
        record["cost_options"] = [self.cost_option(c) for c in program.cost_options.all()]
        # HSDS 3.1's service_capacity, ahead of our 3.0 export: 3.0 readers ignore the key.
        record["capacities"] = [self.capacity(c) for c in program.capacities.all()]
        record["required_documents"] = []
        record["contacts"] = []
        record["attributes"] = self.service_attributes(program)
        record["metadata"] = self.service_metadata(program)
        return record

    def load_history(self, program_pks: list[int]) -> None:
        """Read the change history of these programs in one query, for `service_metadata`."""
        wanted = [pk for pk in program_pks if pk not in self._history]
        if not wanted:
            return
        history: dict[int, list[tuple[int, int, datetime, Any]]] = {pk: [] for pk in wanted}
        entries = (
            LogEntry.objects.filter(
                content_type=ContentType.objects.get_for_model(Program),
                object_id__in=wanted,
                action__in=list(_ACTIONS),
            )
            .order_by("object_id", "timestamp", "pk")
            .values_list("object_id", "pk", "action", "timestamp", "changes")
        )
        for program_pk, *entry in entries:
            history[program_pk].append(tuple(entry))
        self._history.update(history)

    def service_metadata(self, program: Program) -> list[Record]:
        """The service's change history: its creation, then each change of a published field.

        `updated_by` names the ecosystem, not the person: who edited a listing stays in the
        audit log that backbone administrators read.
        """
        self.load_history([program.pk])
        return [
            record
            for entry_pk, action, when, changes in self._history[program.pk]
            for record in self._metadata(program.hsds_id, entry_pk, action, when, changes)
        ]

    def _metadata(
        self, resource_id: uuid.UUID, entry_pk: int, action: int, when: datetime, changes: Any
    ) -> Iterator[Record]:
        base = {
            "resource_id": str(resource_id),
            "resource_type": "service",
            "last_action_date": when.date().isoformat(),
            "last_action_type": _ACTIONS[action],
            "updated_by": self.ecosystem.name,
        }
        if action == LogEntry.Action.CREATE:
            yield {
                "id": derived_id(resource_id, f"metadata/{entry_pk}"),
                **base,
                "field_name": NO_VALUE,
                "previous_value": NO_VALUE,
                "replacement_value": NO_VALUE,
            }
            return
        if isinstance(changes, str):  # auditlog before 3 kept the changes as JSON text
            changes = json.loads(changes)
        for name in PUBLISHED_CHANGES:
            change = changes.get(name) if isinstance(changes, dict) else None
            if not isinstance(change, list) or len(change) != 2:
                continue
            previous, replacement = (
                NO_VALUE if v in (None, "None", "") else str(v) for v in change
            )
            yield {
                "id": derived_id(resource_id, f"metadata/{entry_pk}/{name}"),
                **base,
                "field_name": name,
                "previous_value": previous,
                "replacement_value": replacement,
            }

    def service_phones(self, program: Program) -> list[Record]:
        if not program.phone:
            return []
        phone_id = program.phone_hsds_id or derived_id(program.hsds_id, "phone")
        return [{"id": str(phone_id), "number": program.phone}]

    def service_attributes(self, program: Program) -> list[Record]:
        attributes = [
            self.attribute(str(a.hsds_id), a.term, a.value, "service")
            for a in program.attributes.all()
        ]
        for code, value in self.profile_values(program):
            term = self.profile_terms.get(code)
            if term is not None:
                attribute_id = derived_id(program.hsds_id, f"{code}/{value}")
                attributes.append(self.attribute(attribute_id, term, value, "service"))
        return attributes

    def profile_values(self, program: Program) -> Iterator[tuple[str, str]]:
        """(term code, value) for each single-valued profile field the program has filled."""
        for field in PROFILE_FIELDS:
            if field.link_entity != "service":
                continue
            if field.field == "partner_organization":
                for partner in program.partner_organizations.all():
                    yield field.code, str(partner.hsds_id)
                continue
            raw = getattr(program, field.field)
            if raw is None:
                continue
            yield field.code, ("true" if raw else "false") if isinstance(raw, bool) else str(raw)

    # where and when

    def service_at_location_summary(self, sal: ProgramLocation) -> Record:
        """A service_at_location in a list (`program__organization` and `location` joined)."""
        return _compact(
            {
                "id": str(sal.hsds_id),
                "description": sal.description,
                "location": self.location(sal.location),
                "service": self.service_summary(sal.program),
            }
        )

    def service_at_location_full(self, sal: ProgramLocation) -> Record:
        return {
            **_compact({"id": str(sal.hsds_id), "description": sal.description}),
            "contacts": [],
            "phones": [],
            "schedules": [self.schedule(s) for s in sal.schedules.all()],
            "location": self.location_full(sal.location),
            "attributes": [],
            "metadata": [],
        }

    def location(self, location: Location) -> Record:
        organization = location.organization
        return _compact(
            {
                "id": str(location.hsds_id),
                "location_type": location.location_type,
                "url": location.url,
                "organization_id": (
                    str(organization.hsds_id)
                    if organization is not None and organization.archived_at is None
                    else None
                ),
                "name": location.name,
                "alternate_name": location.alternate_name,
                "description": location.description,
                "transportation": location.transportation,
                "latitude": location.latitude,
                "longitude": location.longitude,
            },
            "location_type",
        )

    def location_full(self, location: Location) -> Record:
        return {
            **self.location(location),
            "languages": [],
            "addresses": [address] if (address := self.address(location)) else [],
            "contacts": [],
            "accessibility": [access] if (access := self.accessibility(location)) else [],
            "phones": [],
            "schedules": [],
            "attributes": self.location_attributes(location),
            "metadata": [],
        }

    def address(self, location: Location) -> Record | None:
        """The location's postal address, when it is complete (`complete_address`)."""
        if not complete_address(location):
            return None
        return _compact(
            {
                "id": str(location.address_hsds_id or derived_id(location.hsds_id, "address")),
                "address_1": location.address_1,
                "address_2": location.address_2,
                "city": location.city,
                "region": location.region,
                "state_province": location.state_province,
                "postal_code": location.postal_code,
                "country": location.country,
                "address_type": location.location_type,
            },
            "address_1",
            "city",
            "state_province",
            "postal_code",
            "country",
            "address_type",
        )

    def accessibility(self, location: Location) -> Record | None:
        if not location.accessibility:
            return None
        return {
            "id": str(
                location.accessibility_hsds_id or derived_id(location.hsds_id, "accessibility")
            ),
            "description": location.accessibility,
        }

    def location_attributes(self, location: Location) -> list[Record]:
        term = self.profile_terms.get("profile/coordinates_source")
        if term is None or location.latitude is None or location.longitude is None:
            return []
        attribute_id = derived_id(location.hsds_id, "profile/coordinates_source")
        return [self.attribute(attribute_id, term, location.coordinates_source, "location")]

    def schedule(self, schedule: Schedule) -> Record:
        return _compact(
            {
                "id": str(schedule.hsds_id),
                "valid_from": _date(schedule.valid_from),
                "valid_to": _date(schedule.valid_to),
                "dtstart": _date(schedule.dtstart),
                "timezone": utc_offset_hours(
                    schedule.timezone or self.ecosystem.timezone,
                    schedule.dtstart or schedule.valid_from,
                ),
                "until": _date(schedule.until),
                "count": schedule.count,
                "wkst": schedule.wkst,
                "freq": schedule.freq,
                "interval": schedule.interval,
                "byday": schedule.byday,
                "bymonthday": schedule.bymonthday,
                "description": schedule.description,
                "opens_at": schedule.opens_at.strftime("%H:%M:%S") if schedule.opens_at else None,
                "closes_at": (
                    schedule.closes_at.strftime("%H:%M:%S") if schedule.closes_at else None
                ),
                "attending_type": schedule.attending_type,
                "notes": schedule.notes,
            }
        )

    # the rest of a service

    def language(self, language: Language) -> Record:
        return _compact(
            {
                "id": str(language.hsds_id),
                "name": language.name,
                "code": language.code,
                "note": language.note,
            }
        )

    def funding(self, funding: Funding) -> Record:
        return {"id": str(funding.hsds_id), "source": funding.source}

    def cost_option(self, option: CostOption) -> Record:
        return _compact(
            {
                "id": str(option.hsds_id),
                "valid_from": _date(option.valid_from),
                "valid_to": _date(option.valid_to),
                "option": option.option,
                "currency": option.currency,
                "amount": float(option.amount) if option.amount is not None else None,
                "amount_description": option.amount_description,
            }
        )

    def capacity(self, capacity: ServiceCapacity) -> Record:
        """An HSDS 3.1 service_capacity, its unit an HSDS 3.1 unit record."""
        return _compact(
            {
                "id": str(capacity.hsds_id),
                "unit": {
                    "id": derived_id(NAMESPACE, f"unit/{capacity.unit.lower()}"),
                    "name": capacity.unit,
                },
                "available": capacity.available,
                "maximum": capacity.maximum,
                "description": capacity.description,
                "updated": _timestamp(capacity.updated),
            },
            "id",
            "unit",
            "available",
            "updated",
        )

    def service_area(self, area: ServiceArea) -> Record:
        return _compact(
            {
                "id": str(area.hsds_id),
                "name": area.name,
                "description": area.description,
                # HSDS carries the extent as text; Ecotone stores GeoJSON.
                "extent": (
                    area.extent
                    if isinstance(area.extent, str)  # imported text that was not GeoJSON
                    else json.dumps(area.extent)
                    if area.extent
                    else None
                ),
                "extent_type": extent_type_of(area.extent, area.extent_type) or None,
                "uri": area.uri,
            }
        )

    # taxonomies

    @property
    def profile_terms(self) -> dict[str, TaxonomyTerm]:
        """The Ecotone taxonomy's `profile/...` terms by code (one query, then remembered)."""
        if self._profile_terms is None:
            ids = [uuid.uuid5(NAMESPACE, field.code) for field in PROFILE_FIELDS]
            self._profile_terms = {
                term.code: term
                for term in TaxonomyTerm.objects.filter(hsds_id__in=ids).select_related(
                    "taxonomy", "parent"
                )
            }
        return self._profile_terms

    def attribute(
        self, attribute_id: str, term: TaxonomyTerm, value: str, link_entity: str
    ) -> Record:
        return _compact(
            {
                "id": attribute_id,
                "taxonomy_term_id": str(term.hsds_id),
                "link_entity": link_entity,
                "value": value,
                "taxonomy_term": self.taxonomy_term(term),
            }
        )

    def taxonomy(self, taxonomy: Taxonomy) -> Record:
        return _compact(
            {
                "id": str(taxonomy.hsds_id),
                "name": taxonomy.name,
                "description": described(taxonomy.description, taxonomy.name),
                "uri": taxonomy.uri,
                "version": taxonomy.version,
            },
            "description",
        )

    def taxonomy_term(self, term: TaxonomyTerm) -> Record:
        """A term with its taxonomy (`taxonomy` and `parent` must be joined)."""
        if term.pk not in self._terms:
            self._terms[term.pk] = _compact(
                {
                    "id": str(term.hsds_id),
                    "code": term.code,
                    "name": term.name,
                    "description": described(term.description, term.name),
                    "parent_id": str(term.parent.hsds_id) if term.parent else None,
                    "taxonomy": term.taxonomy.name,
                    "taxonomy_detail": self.taxonomy(term.taxonomy),
                    "language": term.language,
                    "taxonomy_id": str(term.taxonomy.hsds_id),
                    "term_uri": term.term_uri,
                },
                "description",
            )
        return self._terms[term.pk]


def in_chunks(queryset: QuerySet[Any], chunk_size: int = CHUNK_SIZE) -> Iterator[list[int]]:
    """The primary keys of `queryset` in ascending order, `chunk_size` at a time.

    Keyset pagination: each chunk is a fresh query starting after the last key, so memory holds
    one chunk however large the table, and no database cursor stays open between chunks.
    """
    last_pk = 0
    while True:
        pks = list(
            queryset.filter(pk__gt=last_pk).order_by("pk").values_list("pk", flat=True)[:chunk_size]
        )
        if not pks:
            return
        last_pk = pks[-1]
        yield pks


def iter_full_services(
    ecosystem: Ecosystem,
    programs: QuerySet[Program] | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[Record]:
    """Fully nested services, one at a time, for `programs` (default: every listed one).

    Each chunk of `chunk_size` programs costs the queries of `with_full_detail`, a constant.
    """
    export = HsdsExport(ecosystem)
    selection = public_programs(ecosystem) if programs is None else programs
    for pks in in_chunks(selection, chunk_size):
        export.load_history(pks)
        chunk = with_full_detail(Program.objects.filter(pk__in=pks), ecosystem).order_by("pk")
        for program in chunk:
            yield export.service_full(program)


def iter_services_json(
    ecosystem: Ecosystem,
    programs: QuerySet[Program] | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[str]:
    """One JSON array of full services, as text pieces to write or send one after the other."""
    yield "["
    separator = "\n"
    for record in iter_full_services(ecosystem, programs, chunk_size=chunk_size):
        yield separator + json.dumps(record, ensure_ascii=False)
        separator = ",\n"
    yield "\n]\n"


def iter_services_ndjson(
    ecosystem: Ecosystem,
    programs: QuerySet[Program] | None = None,
    *,
    chunk_size: int = CHUNK_SIZE,
) -> Iterator[str]:
    """Full services as newline-delimited JSON (the HSDS API's `format=ndjson`)."""
    for record in iter_full_services(ecosystem, programs, chunk_size=chunk_size):
        yield json.dumps(record, ensure_ascii=False) + "\n"
