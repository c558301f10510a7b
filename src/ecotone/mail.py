"""Email to one person from a template triple, in their language.

`send_templated("measures/email/review", context, user, ecosystem)` renders
`<name>_subject.txt`, `<name>_body.txt` and `<name>_body.html` in the person's preferred
language (the ecosystem's default without one) and sends the plain text with the HTML beside
it. Apps call it from their notification tasks, after the transaction commits. The recipient
is anything with `email` and `preferred_language` (a user, or a network member's
`network.notifications_gatherings.recipient`); `attachments` are (filename, content, type)
triples (a calendar invite).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import translation


def send_templated(
    name: str,
    context: dict[str, Any],
    user: Any,
    ecosystem: Any,
    *,
    reply_to: list[str] | None = None,
    attachments: Sequence[tuple[str, str | bytes, str]] = (),
) -> None:
    """`user` is anyone with `email` and `preferred_language` (an account, or a network
    member without one); `reply_to` sends the answers to a person rather than the site;
    `attachments` are (file name, content, type), a calendar invite for example."""
    with translation.override(user.preferred_language or ecosystem.default_language):
        subject = render_to_string(f"{name}_subject.txt", context)
        body = render_to_string(f"{name}_body.txt", context)
        html = render_to_string(f"{name}_body.html", context)
    message = EmailMultiAlternatives(
        " ".join(subject.split()), body, None, [user.email], reply_to=reply_to
    )
    message.attach_alternative(html, "text/html")
    for filename, content, mimetype in attachments:
        message.attach(filename, content, mimetype)
    message.send()
