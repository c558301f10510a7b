"""Email about matches, sent as tasks after the transaction commits (so nobody is told about a
change that was rolled back). Templates: mentoring/email/<kind>_subject.txt and _body.txt."""

from __future__ import annotations

from django.db import transaction

from .models import Match

KINDS = (
    "match_proposed",
    "match_requested",
    "match_invited",
    "match_accepted",
    "match_declined",
    "check_in_flagged",
    "match_resumed",
)


def notify(kind: str, match: Match) -> None:
    if kind not in KINDS:
        raise ValueError(kind)
    from .tasks import send_match_notice

    pk = match.pk
    transaction.on_commit(lambda: send_match_notice.enqueue(kind, pk))


def notify_hold(match: Match) -> None:
    """The mentor, the program's contact and the ecosystem's contact hear, once each, that the
    match is on hold (the key names this hold: a later hold of the same match is told again)."""
    from .tasks import send_hold_notices

    pk = match.pk
    key = f"{match.pk}:{match.held_at.isoformat() if match.held_at else ''}"
    transaction.on_commit(lambda: send_hold_notices.enqueue(pk, key))
