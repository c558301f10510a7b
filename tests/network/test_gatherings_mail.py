"""Mail of gatherings through a real SMTP server (tests/smtp.py): the registration's mail
carries a valid calendar invite (parsed with icalendar), and the digest arrives."""

from __future__ import annotations

from typing import Any

import icalendar
import pytest

from ecotone.network.services import events, workgroups
from tests.network.builders import make_member
from tests.network.builders_gatherings import make_event, make_workgroup

pytestmark = pytest.mark.django_db


def test_registration_mail_carries_the_invite(
    world: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    member = make_member(world.alpha, "ana@example.org", name="Ana Ruiz", language="es")
    event = make_event(
        world.alpha, "Reunión trimestral", video_link="https://video.example.org/room"
    )
    with django_capture_on_commit_callbacks(execute=True):
        events.register(member, event)
    [mail] = smtp.to("ana@example.org")
    assert "Reunión trimestral" in mail.message["Subject"]
    assert "Hola, Ana Ruiz" in mail.text()  # in the member's language
    assert "https://video.example.org/room" in mail.text()
    parts = [p for p in mail.message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    cal = icalendar.Calendar.from_ical(parts[0].get_payload(decode=True))
    assert str(cal["METHOD"]) == "REQUEST"
    [vevent] = cal.walk("VEVENT")
    assert str(vevent["UID"]) == f"{event.uid}@ecotone"
    assert vevent.decoded("DTSTART") == event.starts_at.replace(microsecond=0)
    assert vevent.decoded("DTSTART").utcoffset().total_seconds() == 0
    assert str(cal["X-WR-TIMEZONE"]) == world.alpha.timezone


def test_digest_arrives_once(world: Any, smtp: Any) -> None:
    writer = make_member(world.alpha, "writer@example.org", name="Writer")
    reader = make_member(world.alpha, "reader@example.org", name="Reader")
    group = make_workgroup(world.alpha, "Outreach", members=(writer, reader))
    workgroups.post(writer, group, "We meet on Friday.", "Next meeting")
    assert workgroups.send_digests(world.alpha) == 1
    assert workgroups.send_digests(world.alpha) == 0
    [mail] = smtp.to("reader@example.org")
    assert "Next meeting" in mail.text()
    assert "/network/workgroups/outreach/discussion/" in mail.text()
    assert smtp.to("writer@example.org") == []
