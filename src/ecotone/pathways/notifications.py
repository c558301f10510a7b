"""The credential mailed to its holder (the recipient, or the guardian of a child under 13),
after the transaction that awarded it commits, in plain text and HTML, in the holder's language
(the ecosystem's default when none was given).

The address is handed to the mail directly in the commit hook, NOT to a task: a task's
arguments are stored (the database task backend), and Ecotone keeps no recipient's address in
clear (design.md section 4). A mail that fails leaves the award in place; its page can be sent
again by the partner. Templates: pathways/email/credential_<part>.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from ecotone.mail import send_templated

from .models import Award

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class _Holder:
    # what send_templated reads of a person
    email: str
    preferred_language: str


def _url(name: str, *args: object) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse(name, args=args)


def send_credential(award: Award, address: str, language: str, *, to_guardian: bool) -> None:
    context = {
        "award": award,
        "achievement": award.achievement,
        "organization": award.achievement.organization,
        "ecosystem": award.ecosystem,
        "to_guardian": to_guardian,
        "url": _url("credentials:credential", award.public_id),
        "json_url": _url("credentials:credential_json", award.public_id),
        "png_url": _url("credentials:credential_png", award.public_id),
    }
    send_templated(
        "pathways/email/credential", context, _Holder(address, language), award.ecosystem
    )


def credential_awarded(award: Award, address: str, language: str, *, to_guardian: bool) -> None:
    pk = award.pk

    def send() -> None:
        found = (
            Award.objects.select_related("achievement__organization", "ecosystem")
            .filter(pk=pk)
            .first()
        )
        if found is None or not found.credential:
            return
        try:
            send_credential(found, address, language, to_guardian=to_guardian)
        except OSError as error:  # the mail server: the award stands
            # Not the exception itself: a refused recipient's message holds the address.
            logger.error("badge mail for award %s failed: %s", pk, type(error).__name__)

    transaction.on_commit(send)
