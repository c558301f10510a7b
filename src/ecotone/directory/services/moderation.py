"""Moderation: backbone staff approve or reject the change a partner proposed to a listing; the
partner may withdraw it while it waits. An approved change is written by
`listings.apply_listing_state`, the one writer of a listing; the person who proposed it is told
by email after the commit.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..listings.state import program_state
from ..models import ChangeStatus, ListingChange, Program
from ..tasks import send_listing_decision
from .listings import apply_listing_state


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
