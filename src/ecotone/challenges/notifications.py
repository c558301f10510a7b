"""Email of a call to its applicants and reviewers, sent as tasks after the transaction
commits (nobody hears of an invitation or a decision that was rolled back), each in plain text
and HTML, in the recipient's language, through `ecotone.mail.send_templated`:

- a person invited onto an application as a co-applicant (with the link to accept);
- the lead applicant and co-applicants of each application decided at the end of a round
  (advanced or not), by `services.decisions.shortlist`;
- the lead applicant and co-applicants of each award announced (`services.awards.announce`);
- a reviewer with reviews still unsubmitted in a round (`services.reviews.send_reminders`,
  from the completion page's button or the daily `challenges_reminders`).

Co-applicants who have not accepted their invitation yet are written to at the invited
address. Templates: challenges/email/<kind>_subject.txt, _body.txt and _body.html.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from ecotone.accounts.models import User
from ecotone.mail import send_templated

from .models import (
    Application,
    Assignment,
    Award,
    CoApplicant,
    Decision,
    Outcome,
    ReviewerProfile,
    ReviewStatus,
    Round,
)


@dataclass(frozen=True)
class Invitee:
    """Someone invited by address who may have no account yet (send_templated reads these):
    written to in the ecosystem's language."""

    email: str
    name: str = ""
    preferred_language: str = ""
    is_active: bool = True


def _url(name: str, *args: Any) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse(name, args=args)


def applicants(application: Application) -> list[Any]:
    """The lead and the co-applicants, each address once. Needs `co_applicants__user`."""
    people: list[Any] = []
    seen: set[str] = set()
    candidates: list[Any] = [application.lead]
    for co in application.co_applicants.all():
        candidates.append(co.user if co.user is not None else Invitee(email=co.email))
    for person in candidates:
        email = (person.email or "").casefold()
        if not email or email in seen or not person.is_active:
            continue
        seen.add(email)
        people.append(person)
    return people


def decisions_made(decision_ids: list[int]) -> None:
    ids = list(decision_ids)
    transaction.on_commit(lambda: send_decisions.enqueue(ids))


def awards_announced(award_ids: list[int]) -> None:
    ids = list(award_ids)
    transaction.on_commit(lambda: send_announcements.enqueue(ids))


@task()
def send_decisions(decision_ids: list[int]) -> int:
    """Email each decided application's applicants; returns how many mails were sent."""
    sent = 0
    decisions = (
        Decision.objects.filter(pk__in=decision_ids)
        .select_related("round__call__ecosystem", "application__lead")
        .prefetch_related("application__co_applicants__user")
    )
    for decision in decisions:
        call = decision.round.call
        context = {
            "decision": decision,
            "application": decision.application,
            "call": call,
            "advanced": decision.outcome == Outcome.ADVANCE,
            "url": _url("challenges:call_list", call.ecosystem.slug),
        }
        for person in applicants(decision.application):
            send_templated(
                "challenges/email/decision", {**context, "user": person}, person, call.ecosystem
            )
            sent += 1
    return sent


@task()
def send_announcements(award_ids: list[int]) -> int:
    """Email each announced award's applicants; returns how many mails were sent."""
    sent = 0
    awards = (
        Award.objects.filter(pk__in=award_ids)
        .select_related("application__call__ecosystem", "application__lead")
        .prefetch_related("application__co_applicants__user")
    )
    for award in awards:
        call = award.application.call
        context = {"award": award, "application": award.application, "call": call}
        for person in applicants(award.application):
            send_templated(
                "challenges/email/award_announced",
                {**context, "user": person},
                person,
                call.ecosystem,
            )
            sent += 1
    return sent


def co_applicant_invited(invitation: CoApplicant) -> None:
    pk = invitation.pk
    transaction.on_commit(lambda: send_co_applicant_invitation.enqueue(pk))


@task()
def send_co_applicant_invitation(invitation_id: int) -> bool:
    """Email the invitation; False when it was removed or accepted meanwhile."""
    invitation = (
        CoApplicant.objects.select_related(
            "application__call", "application__ecosystem", "invited_by"
        )
        .filter(pk=invitation_id, accepted_at__isnull=True)
        .first()
    )
    if invitation is None:
        return False
    application = invitation.application
    ecosystem = application.ecosystem
    url = str(settings.SITE_URL).rstrip("/") + reverse(
        "challenges:accept_invitation", args=[ecosystem.slug, invitation.token]
    )
    known = User.objects.filter(email__iexact=invitation.email, is_active=True).first()
    recipient = known or Invitee(email=invitation.email)
    context = {
        "invitation": invitation,
        "application": application,
        "call": application.call,
        "ecosystem": ecosystem,
        "inviter": invitation.invited_by,
        "accept_url": url,
    }
    send_templated("challenges/email/co_applicant", context, recipient, ecosystem)
    return True


def reviews_waiting(round_: Round, reviewer_id: int) -> None:
    round_id = round_.pk
    transaction.on_commit(lambda: send_reviews_reminder.enqueue(round_id, reviewer_id))


@task()
def send_reviews_reminder(round_id: int, reviewer_id: int) -> int:
    """Email a reviewer the reviews they have not submitted in a round; returns 1 if sent."""
    profile = ReviewerProfile.objects.select_related("user", "ecosystem").filter(pk=reviewer_id)
    reviewer = profile.first()
    round_ = Round.objects.select_related("call").filter(pk=round_id).first()
    if reviewer is None or round_ is None or not reviewer.user.is_active:
        return 0
    waiting = list(
        Assignment.objects.filter(round=round_, reviewer=reviewer)
        .exclude(review__status=ReviewStatus.SUBMITTED)
        .select_related("application")
        .order_by("application__title")
    )
    if not waiting:
        return 0
    context = {
        "round": round_,
        "call": round_.call,
        "user": reviewer.user,
        "titles": [a.application.title for a in waiting],
        "count": len(waiting),
        "url": _url("challenges:my_reviews", reviewer.ecosystem.slug),
    }
    send_templated("challenges/email/reviews_waiting", context, reviewer.user, reviewer.ecosystem)
    return 1
