"""Email of the applicant's side of a call, sent as tasks after the transaction commits
(nobody hears of an invitation that was rolled back), in plain text and HTML, through
`ecotone.mail.send_templated`:

- a person invited onto an application as a co-applicant (with the link to accept).

Templates: challenges/email/<kind>_subject.txt, _body.txt and _body.html.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django_tasks import task

from ecotone.accounts.models import User
from ecotone.mail import send_templated

from .models import CoApplicant


@dataclass(frozen=True)
class Invitee:
    """Someone invited by address who may have no account yet: send_templated reads these."""

    email: str
    preferred_language: str = ""


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
    recipient = known or Invitee(invitation.email)
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
