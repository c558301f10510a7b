"""A listing's life: a partner's or backbone staff's edit saved (published at once, or queued
for review), archived and restored, and whose listings a person keeps.

A partner's new listing or change to a live one becomes a pending `ListingChange` and nothing
public moves until backbone staff approve it (`moderation`); approval and backbone staff's own
edits both go through `apply_listing_state`, the one function that writes a listing.
"""

from __future__ import annotations

from datetime import date, time
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import stem_profile
from ..listings.state import (
    CAPACITY_FIELDS,
    LANGUAGE_NAMES,
    PROGRAM_FIELDS,
    SCHEDULE_FIELDS,
    program_state,
)
from ..models import (
    ChangeStatus,
    Language,
    ListingChange,
    Location,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    ServiceCapacity,
    TaxonomyTerm,
)


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
    """Write `state` (see `listings/state.py`) onto `program`, or create it when None.

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


def managed_organizations(user: Any, ecosystem: Ecosystem) -> QuerySet[Organization]:
    """The organizations whose listings this person keeps: all for backbone staff."""
    organizations = ecosystem.organizations.all()
    if publishes_directly(user, ecosystem):
        return organizations
    return organizations.filter(pk__in=roles.organizations_in(user, ecosystem))
