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
)


def notify(kind: str, match: Match) -> None:
    if kind not in KINDS:
        raise ValueError(kind)
    from .tasks import send_match_notice

    pk = match.pk
    transaction.on_commit(lambda: send_match_notice.enqueue(kind, pk))
