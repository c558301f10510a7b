"""Reading bounce reports (network/dsn.py, Django-free): hard and soft bounces, the newsletter
named in the returned headers, and anything else read as no bounce at all."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from ecotone.network import dsn

REPORT = """\
From: MAILER-DAEMON@mx.example.org
Subject: Delivery Status Notification (Failure)
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="XX"

--XX
Content-Type: text/plain

Delivery failed.

--XX
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org
Arrival-Date: Mon, 7 Dec 2026 10:00:00 +0000

{recipients}
--XX
Content-Type: message/rfc822

X-Ecotone-Newsletter: 42
Subject: News

body
--XX--
"""


def _block(address: str, action: str, status: str) -> str:
    return f"Final-Recipient: rfc822; {address}\nAction: {action}\nStatus: {status}\n\n"


def test_several_recipients_with_hard_and_soft_bounces_and_the_newsletter() -> None:
    raw = REPORT.format(
        recipients=_block("A@Example.org", "failed", "5.1.1")
        + _block("<b@example.org>", "delayed", "4.4.7")
        + _block("c@example.org", "failed", "5.7.1 (policy)")
    ).encode()
    found = dsn.parse(raw)
    assert [(b.recipient, b.status, b.hard) for b in found] == [
        ("a@example.org", "5.1.1", True),
        ("b@example.org", "4.4.7", False),
        ("c@example.org", "5.7.1", True),
    ]
    assert {b.newsletter_id for b in found} == {42}


def test_a_plain_message_or_garbage_is_no_bounce() -> None:
    assert dsn.parse(b"Subject: hello\n\nJust a reply, not a report.\n") == []
    assert dsn.parse(b"\x00\xff not mail at all") == []
    assert dsn.parse(REPORT.format(recipients="Status: nonsense\n\n").encode()) == []


@given(
    local=st.from_regex(r"[a-z0-9][a-z0-9._+-]{0,20}", fullmatch=True),
    klass=st.sampled_from("245"),
    subject=st.integers(0, 7),
    detail=st.integers(0, 9),
    action=st.sampled_from(["failed", "delayed", "delivered", "relayed"]),
)
def test_any_report_reads_back_its_recipient_and_class(
    local: str, klass: str, subject: int, detail: int, action: str
) -> None:
    status = f"{klass}.{subject}.{detail}"
    raw = REPORT.format(recipients=_block(f"{local}@example.org", action, status)).encode()
    (bounce,) = dsn.parse(raw)
    assert bounce.recipient == f"{local}@example.org"
    assert bounce.status == status
    assert bounce.hard == (klass == "5" and action == "failed")
