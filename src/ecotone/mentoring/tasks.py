"""Background work of mentoring (django-tasks): notification email."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from .models import Match, MatchStatus


def _recipients(kind: str, match: Match) -> list[str]:
    """Who hears about it: the mentor when the program acted (or a round proposed), the
    program's contact when the mentor acted, both when the match is accepted or declined."""
    mentor = [match.mentor.user.email]
    program = [
        e for e in (match.opportunity.program.email, match.opportunity.organization.email) if e
    ][:1]
    if kind in ("match_proposed", "match_accepted", "match_declined"):
        return mentor + program
    if kind == "match_invited":
        return mentor
    return program


@task()
def send_match_notice(kind: str, match_id: int) -> int:
    """Email about one match; returns how many messages were sent."""
    match = (
        Match.objects.select_related(
            "mentor__user", "opportunity__program__organization", "ecosystem"
        )
        .filter(pk=match_id)
        .first()
    )
    if match is None or match.status == MatchStatus.WITHDRAWN:
        return 0
    base_url = settings.SITE_URL.rstrip("/")
    sent = 0
    with translation.override(match.ecosystem.default_language):
        context = {"match": match, "kind": kind, "base_url": base_url}
        subject = render_to_string(f"mentoring/email/{kind}_subject.txt", context).strip()
        body = render_to_string(f"mentoring/email/{kind}_body.txt", context)
    for address in _recipients(kind, match):
        send_mail(subject, body, None, [address])
        sent += 1
    return sent


@task()
def run_round(round_id: int) -> str:
    """Compute a queued matching round; returns its final status ("gone" when it was deleted,
    its status unchanged when it was not queued: a task delivered twice does nothing)."""
    from .models import MatchingRound, RoundStatus
    from .services.rounds import compute

    round_ = MatchingRound.objects.select_related("ecosystem").filter(pk=round_id).first()
    if round_ is None:
        return "gone"
    if round_.status != RoundStatus.QUEUED:
        return str(round_.status)
    return str(compute(round_).status)
