"""Operations on directory listings: partner self-service, moderation, verification, archive.

Views, commands and tasks call these. Each takes the acting user, runs in one transaction with
its audit trail (django-auditlog, actor set by `acting`) and raises `DomainError` with a
readable message.

Moderation: a partner's new listing or change to a live one becomes a pending `ListingChange`
and nothing public moves until backbone staff approve it; approval and backbone staff's own
edits both go through `apply_listing_state`, the one function that writes a listing.
Locations are not moderated (see docs/admin-guide.md): a new location shows nowhere until an
approved listing runs there, and an address fix must not wait for review.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone import concurrency
from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Ecosystem, Membership, Organization, Role
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from . import geocoding, stem_profile
from .listings.state import (
    CAPACITY_FIELDS,
    LANGUAGE_NAMES,
    PROGRAM_FIELDS,
    SCHEDULE_FIELDS,
    program_state,
)
from .models import (
    ChangeStatus,
    CoordinatesSource,
    Language,
    ListingChange,
    Location,
    LocationType,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    ServiceCapacity,
    TaxonomyTerm,
    VerificationReminder,
)
from .tasks import send_listing_decision, send_verification_reminder


def publishes_directly(actor: Any, ecosystem: Ecosystem) -> bool:
    """Backbone staff's edits go live at once; everybody else's wait for review."""
    return bool(actor.has_perm("directory.moderate_listings", ecosystem))


def _unique_program_slug(ecosystem: Ecosystem, name: str) -> str:
    return Program.objects.filter(ecosystem=ecosystem).free_slug(name)


def _parse(value: Any, kind: type) -> Any:
    if value in (None, ""):
        return None
    if kind is date:
        return date.fromisoformat(value)
    if kind is time:
        return time.fromisoformat(value)
    return value


def apply_listing_state(
    ecosystem: Ecosystem,
    organization: Organization,
    program: Program | None,
    state: dict[str, Any],
    actor: Any,
) -> Program:
    """Write `state` (see listing_state.py) onto `program`, or create it when None.

    The one writer of a listing: approving a change and backbone staff's direct edits both end
    here. Call inside `acting(actor)`. A state the model refuses (the form checks first, but a
    change may wait while the data around it moves) raises DomainError with the reasons.
    """
    try:
        return _apply_listing_state(ecosystem, organization, program, state)
    except ValidationError as error:
        reasons = "; ".join(
            f"{field}: {' '.join(messages)}" if field != NON_FIELD_ERRORS else " ".join(messages)
            for field, messages in error.message_dict.items()
        )
        raise DomainError(
            _("The listing cannot be saved as it is: %(reasons)s") % {"reasons": reasons}
        ) from error


def _apply_listing_state(
    ecosystem: Ecosystem,
    organization: Organization,
    program: Program | None,
    state: dict[str, Any],
) -> Program:
    if program is not None and program.is_archived:
        raise DomainError(_("An archived listing cannot be changed. Restore it first."))
    if program is None:
        program = Program(ecosystem=ecosystem, organization=organization)
        program.slug = _unique_program_slug(ecosystem, state["fields"]["name"])
    for name in PROGRAM_FIELDS:
        value = state["fields"].get(name)
        if value is None and not getattr(Program._meta.get_field(name), "null", False):
            value = ""
        setattr(program, name, value)
    program.full_clean()
    program.save()

    # STEM profile facets: replace this program's facet terms with the proposed ones.
    codes = [
        f"{facet}/{code}"
        for facet, facet_codes in state["profile"].items()
        if facet in stem_profile.FACETS_BY_CODE
        for code in facet_codes
    ]
    terms = {t.code: t for t in TaxonomyTerm.objects.filter(code__in=codes)}
    facet_codes = [f.code for f in stem_profile.FACETS]
    program.attributes.filter(term__facet__in=facet_codes).exclude(term__code__in=codes).delete()
    have = set(program.attributes.values_list("term__code", flat=True))
    ProgramAttribute.objects.bulk_create(
        [
            ProgramAttribute(program=program, term=terms[c])
            for c in codes
            if c in terms and c not in have
        ]
    )

    program.languages.exclude(code__in=state["languages"]).delete()
    have = set(program.languages.values_list("code", flat=True))
    for code in state["languages"]:
        if code not in have:
            Language.objects.create(program=program, code=code, name=LANGUAGE_NAMES.get(code, ""))

    wanted = set(state["locations"])
    locations = {
        str(loc.hsds_id): loc
        for loc in Location.objects.filter(ecosystem=ecosystem, hsds_id__in=wanted)
    }
    if len(locations) != len(wanted):
        raise DomainError(_("A chosen location no longer exists. Choose the locations again."))
    program.program_locations.exclude(location__hsds_id__in=wanted).delete()
    have = {str(h) for h in program.program_locations.values_list("location__hsds_id", flat=True)}
    for hsds_id, location in locations.items():
        if hsds_id not in have:
            ProgramLocation.objects.create(program=program, location=location)

    # The program's own schedules are replaced; per-location ones (from imports) stay.
    program.schedules.filter(program_location__isnull=True).delete()
    for entry in state["schedules"]:
        schedule = Schedule(program=program, timezone=ecosystem.timezone)
        for name in SCHEDULE_FIELDS:
            kind = {"dtstart": date, "until": date, "opens_at": time, "closes_at": time}.get(
                name, str
            )
            value = _parse(entry.get(name), kind)
            if value is None and not getattr(Schedule._meta.get_field(name), "null", False):
                value = 1 if name == "interval" else ""
            setattr(schedule, name, value)
        schedule.full_clean(exclude=["program"])
        schedule.save()

    # Capacities are kept where the count did not change, so "counted on" stays honest.
    existing = list(program.capacities.order_by("pk"))
    now = timezone.now()
    for index, entry in enumerate(state["capacities"]):
        values = {name: entry.get(name) for name in CAPACITY_FIELDS}
        values["description"] = values["description"] or ""
        if index < len(existing):
            capacity = existing[index]
            if all(getattr(capacity, k) == v for k, v in values.items()):
                continue
        else:
            capacity = ServiceCapacity(program=program)
        for name, value in values.items():
            setattr(capacity, name, value)
        capacity.updated = now
        capacity.full_clean(exclude=["program"])
        capacity.save()
    for capacity in existing[len(state["capacities"]) :]:
        capacity.delete()

    program.save(update_fields=["updated_at"])  # the map's and the API's change marker
    return program


def listing_version(program: Program | None, change: ListingChange | None) -> str:
    """The version of what a listing form edits: the live program and its pending change."""
    return concurrency.version_of(program, change if change and change.is_pending else None)


def save_listing(
    ecosystem: Ecosystem,
    organization: Organization,
    program: Program | None,
    state: dict[str, Any],
    actor: Any,
    *,
    change: ListingChange | None = None,
    expected_version: str | None = None,
) -> ListingChange:
    """A person saved the listing form: publish it (backbone) or queue it for review.

    A partner's edit to a listing that already has a pending change replaces that change's
    proposal, so there is at most one pending change per listing. `change` is the pending new
    listing being edited again, when there is no program yet. `expected_version` is
    `listing_version` as the editor loaded the form: when the listing or its pending change
    moved since (someone else's edit), `EditConflictError` refuses to overwrite it.
    """
    if program is not None and program.organization_id != organization.pk:
        raise DomainError(_("This listing belongs to another organization."))
    if organization.is_archived:
        raise DomainError(_("An archived organization cannot publish listings."))
    with acting(actor):
        if program is not None:
            change = program.changes.pending().select_for_update().first()
            if expected_version is not None:
                locked = Program.objects.select_for_update().get(pk=program.pk)
                concurrency.require(expected_version, listing_version(locked, change))
        elif change is not None and expected_version is not None:
            change = ListingChange.objects.select_for_update().get(pk=change.pk)
            concurrency.require(expected_version, listing_version(None, change))
        if publishes_directly(actor, ecosystem):
            previous = program_state(program) if program is not None else None
            program = apply_listing_state(ecosystem, organization, program, state, actor)
            now = timezone.now()
            if change is not None and change.is_pending:
                # The backbone edit supersedes what the partner proposed.
                change.status = ChangeStatus.WITHDRAWN
                change.reviewed_by, change.reviewed_at = actor, now
                change.review_note = _("Replaced by a direct edit from backbone staff.")
                change.save()
            return ListingChange.objects.create(
                ecosystem=ecosystem,
                organization=organization,
                program=program,
                proposed=state,
                previous=previous,
                status=ChangeStatus.APPROVED,
                submitted_by=actor,
                submitted_at=now,
                reviewed_by=actor,
                reviewed_at=now,
            )
        if change is not None and change.is_pending:
            change.proposed = state
            change.submitted_by = actor
            change.submitted_at = timezone.now()
            change.save()
            return change
        return ListingChange.objects.create(
            ecosystem=ecosystem,
            organization=organization,
            program=program,
            proposed=state,
            submitted_by=actor,
        )


def approve_change(
    change: ListingChange, actor: Any, note: str = "", *, expected_version: str | None = None
) -> Program:
    """Publish a change as proposed; `expected_version` is the change as the moderator read
    it: a change the partner edited since raises `EditConflictError`."""
    if not change.is_pending:
        raise DomainError(_("Only a change waiting for review can be approved."))
    with acting(actor):
        concurrency.require(expected_version, concurrency.locked_version(change))
        program = change.program
        change.previous = program_state(program) if program is not None else None
        program = apply_listing_state(
            change.ecosystem, change.organization, program, change.proposed, actor
        )
        change.program = program
        change.status = ChangeStatus.APPROVED
        change.reviewed_by, change.reviewed_at = actor, timezone.now()
        change.review_note = note
        change.save()
        _notify_decision(change)
    return program


def reject_change(
    change: ListingChange, actor: Any, note: str, *, expected_version: str | None = None
) -> ListingChange:
    if not change.is_pending:
        raise DomainError(_("Only a change waiting for review can be rejected."))
    if not note.strip():
        raise DomainError(_("Tell the partner why: a rejection needs a note."))
    with acting(actor):
        concurrency.require(expected_version, concurrency.locked_version(change))
        change.previous = program_state(change.program) if change.program else None
        change.status = ChangeStatus.REJECTED
        change.reviewed_by, change.reviewed_at = actor, timezone.now()
        change.review_note = note.strip()
        change.save()
        _notify_decision(change)
    return change


def withdraw_change(change: ListingChange, actor: Any) -> ListingChange:
    if not change.is_pending:
        raise DomainError(_("Only a change waiting for review can be withdrawn."))
    with acting(actor):
        change.status = ChangeStatus.WITHDRAWN
        change.save(update_fields=["status", "updated_at"])
    return change


def _notify_decision(change: ListingChange) -> None:
    if change.submitted_by_id is not None:
        transaction.on_commit(lambda: send_listing_decision.enqueue(change.pk))


# Verification and archive ------------------------------------------------------------------


def verify_program(program: Program, actor: Any) -> Program:
    """ "Still accurate": the listing was checked today. No review needed: nothing changes."""
    if program.is_archived:
        raise DomainError(_("An archived listing cannot be verified. Restore it first."))
    with acting(actor):
        program.assured_date = timezone.localdate()
        program.assurer_email = getattr(actor, "email", "") or ""
        program.save(update_fields=["assured_date", "assurer_email", "updated_at"])
    return program


def archive_program(program: Program, actor: Any) -> Program:
    """Archive instead of delete: the listing leaves every public view; its history stays."""
    if program.is_archived:
        raise DomainError(_("This listing is already archived."))
    with acting(actor):
        program.archived_at = timezone.now()
        program.save(update_fields=["archived_at", "updated_at"])
        for change in program.changes.pending():
            change.status = ChangeStatus.WITHDRAWN
            change.save(update_fields=["status", "updated_at"])
    return program


def restore_program(program: Program, actor: Any) -> Program:
    if not program.is_archived:
        raise DomainError(_("This listing is not archived."))
    if program.organization.is_archived:
        raise DomainError(_("Restore the organization before its listings."))
    with acting(actor):
        program.archived_at = None
        program.save(update_fields=["archived_at", "updated_at"])
    return program


def stale_programs(ecosystem: Ecosystem, today: date | None = None) -> QuerySet[Program]:
    """Listed programs not verified within the ecosystem's re-verification age.

    A program never verified counts from the day it was created.
    """
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=ecosystem.reverify_after_days)
    cutoff_moment = timezone.make_aware(datetime.combine(cutoff, time()))
    return (
        Program.objects.filter(ecosystem=ecosystem)
        .listed()
        .filter(
            Q(assured_date__lt=cutoff) | Q(assured_date__isnull=True, created_at__lt=cutoff_moment)
        )
    )


def send_verification_reminders(ecosystem: Ecosystem, now: datetime | None = None) -> int:
    """Email each partner staff member the stale listings of their organizations.

    Idempotent within the re-verification period: a person is not reminded twice about the
    same listing until the period has passed again. Returns the number of emails sent.
    """
    now = now or timezone.now()
    since = now - timedelta(days=ecosystem.reverify_after_days)
    stale = list(
        stale_programs(ecosystem, timezone.localdate(now)).order_by("organization_id", "name")
    )
    by_organization: dict[int, list[Program]] = defaultdict(list)
    for program in stale:
        by_organization[program.organization_id].append(program)
    staff = Membership.objects.filter(
        ecosystem=ecosystem, role=Role.PARTNER_STAFF, organizations__in=list(by_organization)
    ).values_list("user_id", "organizations")
    already = set(
        VerificationReminder.objects.filter(program__in=stale, sent_at__gt=since).values_list(
            "program_id", "recipient_id"
        )
    )
    per_person: dict[int, list[int]] = defaultdict(list)
    for user_id, organization_id in staff:
        for program in by_organization.get(organization_id, []):
            if (program.pk, user_id) not in already and program.pk not in per_person[user_id]:
                per_person[user_id].append(program.pk)
    sent = 0
    with transaction.atomic():
        for user_id, program_ids in per_person.items():
            if not program_ids:
                continue
            VerificationReminder.objects.bulk_create(
                [
                    VerificationReminder(program_id=pk, recipient_id=user_id, sent_at=now)
                    for pk in program_ids
                ]
            )
            send_verification_reminder.enqueue(ecosystem.pk, user_id, program_ids)
            sent += 1
    return sent


@task()
def remind_verification(ecosystem_id: int | None = None) -> int:
    """Send re-verification reminders for one ecosystem, or every active one (schedule daily)."""
    ecosystems = Ecosystem.objects.filter(is_active=True)
    if ecosystem_id is not None:
        ecosystems = ecosystems.filter(pk=ecosystem_id)
    return sum(send_verification_reminders(ecosystem) for ecosystem in ecosystems)


# Locations -----------------------------------------------------------------------------------

LOCATION_FIELDS = (
    "location_type",
    "name",
    "address_1",
    "address_2",
    "city",
    "state_province",
    "postal_code",
    "latitude",
    "longitude",
    "url",
    "description",
    "transportation",
    "accessibility",
)


def place_location(location: Location) -> None:
    """Coordinates left blank are taken from the ZIP code's center, and flagged approximate."""
    if location.location_type == LocationType.VIRTUAL:
        location.coordinates_source = CoordinatesSource.NONE
        return
    if location.latitude is not None and location.longitude is not None:
        location.coordinates_source = CoordinatesSource.ENTERED
        return
    centroid = geocoding.zip_centroid(location.postal_code)
    if centroid is None:
        location.latitude = location.longitude = None
        location.coordinates_source = CoordinatesSource.NONE
        return
    location.latitude, location.longitude = centroid.latitude, centroid.longitude
    location.coordinates_source = CoordinatesSource.ZIP_CENTROID


def save_location(
    ecosystem: Ecosystem,
    organization: Organization,
    location: Location | None,
    actor: Any,
    *,
    expected_version: str | None = None,
    **fields: Any,
) -> Location:
    """Create or change one of an organization's locations (applied directly, audited). A
    stale `expected_version` (someone else saved the location meanwhile) raises
    `EditConflictError`."""
    unknown = set(fields) - set(LOCATION_FIELDS)
    if unknown:
        raise TypeError(f"Unknown location fields: {sorted(unknown)}")
    if location is not None and location.organization_id != organization.pk:
        raise DomainError(_("This location belongs to another organization."))
    with acting(actor):
        if location is None:
            location = Location(ecosystem=ecosystem, organization=organization)
        else:
            concurrency.require(expected_version, concurrency.locked_version(location))
        for name, value in fields.items():
            if value is None and name not in ("latitude", "longitude"):
                value = ""
            setattr(location, name, value)
        place_location(location)
        location.full_clean()
        location.save()
    return location


def managed_organizations(user: Any, ecosystem: Ecosystem) -> QuerySet[Organization]:
    """The organizations whose listings this person keeps: all for backbone staff."""
    organizations = ecosystem.organizations.all()
    if publishes_directly(user, ecosystem):
        return organizations
    return organizations.filter(pk__in=roles.organizations_in(user, ecosystem))
