"""Reading bounce reports: delivery status notifications (DSN, RFC 3464) as mail servers send
them back, parsed with the standard library's `email` package. Django-free.

A report is a multipart/report message whose message/delivery-status part has one block of
fields about the message, then one per recipient (`Final-Recipient`, `Action`, `Status`). A
status of class 5 (5.x.x) with the action `failed` is a hard bounce: the address is dead. Class
4 (4.x.x, or `delayed`) is a soft one: the server keeps trying and the address stays mailable.
The returned message's headers (text/rfc822-headers or message/rfc822 part) may name the
newsletter (`X-Ecotone-Newsletter`). Linear in the size of the message.
"""

from __future__ import annotations

import email
import email.policy
import re
from dataclasses import dataclass
from email.message import Message

STATUS = re.compile(r"^([245])\.\d{1,3}\.\d{1,3}")


@dataclass(frozen=True)
class Bounce:
    recipient: str  # lower-cased address
    status: str  # "5.1.1"
    action: str  # failed, delayed, delivered, relayed, expanded
    newsletter_id: int | None

    @property
    def hard(self) -> bool:
        return self.status.startswith("5") and self.action in ("failed", "")


def _address(value: str) -> str:
    # "rfc822; someone@example.org" -> someone@example.org
    _type, _sep, address = value.partition(";")
    address = (address or _type).strip().strip("<>").strip()
    return address.lower()


def _newsletter_id(report: Message) -> int | None:
    for part in report.walk():
        kind = part.get_content_type()
        headers: Message | None = None
        if kind == "text/rfc822-headers":
            payload = part.get_payload(decode=True)
            if isinstance(payload, bytes):
                headers = email.message_from_bytes(payload)
        elif kind == "message/rfc822":
            inner = part.get_payload()
            if isinstance(inner, list) and inner and isinstance(inner[0], Message):
                headers = inner[0]
        if headers is not None:
            value = str(headers.get("X-Ecotone-Newsletter", "")).strip()
            if value.isdigit():
                return int(value)
    return None


def parse(raw: bytes) -> list[Bounce]:
    """The recipients a delivery status notification reports on (empty for anything else)."""
    report = email.message_from_bytes(raw, policy=email.policy.compat32)
    newsletter_id = _newsletter_id(report)
    found: list[Bounce] = []
    for part in report.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        blocks = part.get_payload()
        if not isinstance(blocks, list):
            continue
        for block in blocks[1:]:
            if not isinstance(block, Message):
                continue
            recipient = _address(
                str(block.get("Final-Recipient") or block.get("Original-Recipient") or "")
            )
            match = STATUS.match(str(block.get("Status", "")).strip())
            if not recipient or "@" not in recipient or match is None:
                continue
            found.append(
                Bounce(
                    recipient=recipient,
                    status=match.group(0),
                    action=str(block.get("Action", "")).strip().lower(),
                    newsletter_id=newsletter_id,
                )
            )
    return found
