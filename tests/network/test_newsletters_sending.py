"""Sending newsletters through a real SMTP server (the `smtp` fixture): who receives them, in
which language, with which headers; a send interrupted and resumed mails nobody twice; the
one-click unsubscribe; bounce reports; clicks and opens counted in aggregate only."""

from __future__ import annotations

from typing import Any
from unittest import mock

import pytest
from django.test import Client, override_settings

from ecotone.network.models import (
    Delivery,
    DeliveryStatus,
    ItemKind,
    LinkClick,
    Member,
    Newsletter,
    NewsletterStatus,
    settings_of,
)
from ecotone.network.services import bounces, sending
from ecotone.network.services import newsletters as service
from ecotone.network.services.segments import Segment
from tests.network.builders import make_member


def _newsletter(world: Any, **fields: Any) -> Newsletter:
    newsletter = service.create_newsletter(
        world.alpha,
        world.users["staff"],
        subject="March news",
        subject_es="Noticias de marzo",
        intro="Hello, network.",
        intro_es="Hola, red.",
        **fields,
    )
    section = service.add_section(newsletter, "Opportunities", "Oportunidades")
    service.add_item(
        section,
        ItemKind.NEWS,
        title="Robotics fair",
        title_es="Feria de robótica",
        text="Come build.",
        text_es="Ven a construir.",
        link="https://example.org/fair",
    )
    service.add_item(section, ItemKind.RESOURCE, title="Guide", link="https://example.org/guide")
    return newsletter


def _members(world: Any, n: int, **fields: Any) -> list[Member]:
    return [
        make_member(world.alpha, f"m{i}@example.org", email_consent=True, **fields)
        for i in range(n)
    ]


def test_segment_reaches_mailable_members_only(world: Any) -> None:
    make_member(world.alpha, "en@example.org", email_consent=True, language="en", sector="library")
    make_member(world.alpha, "es@example.org", email_consent=True, language="es", sector="library")
    make_member(world.alpha, "noconsent@example.org", language="es", sector="library")
    make_member(
        world.alpha,
        "bounced@example.org",
        email_consent=True,
        language="es",
        email_bounced_at="2026-01-01T00:00Z",
    )
    make_member(world.alpha, "pending@example.org", email_consent=True, status="pending")
    make_member(world.beta, "beta@example.org", email_consent=True, language="es")
    newsletter = _newsletter(world)
    assert service.audience(newsletter).count() == 2
    service.set_segment(newsletter, Segment(languages=("es",)))
    assert [m.email for m in service.audience(newsletter)] == ["es@example.org"]


def test_each_member_receives_it_once_in_their_language_with_one_click_unsubscribe(
    world: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    english = make_member(world.alpha, "ann@example.org", email_consent=True, language="en")
    spanish = make_member(world.alpha, "beto@example.org", email_consent=True, language="es")
    make_member(world.alpha, "quiet@example.org", language="es")  # no consent
    newsletter = _newsletter(world)
    with django_capture_on_commit_callbacks(execute=True):
        assert sending.request_send(newsletter, world.users["staff"]) == 2
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.SENT
    assert len(smtp.received) == 2
    assert not smtp.to("quiet@example.org")

    (mail_en,) = smtp.to("ann@example.org")
    (mail_es,) = smtp.to("beto@example.org")
    assert mail_en.message["Subject"] == "March news"
    assert mail_es.message["Subject"] == "Noticias de marzo"
    assert "Feria de robótica" in mail_es.html()
    assert "Ven a construir." in mail_es.text()
    assert "Robotics fair" in mail_en.text()
    assert "Feria" not in mail_en.text()
    assert mail_es.message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(mail_es.message["List-Unsubscribe"]).strip()  # folded: long
    url = f"http://testserver/e/alpha/network/unsubscribe/{spanish.unsubscribe_token}/"
    assert header == f"<{url}>"
    assert url in mail_es.text()
    assert url in mail_es.html()
    assert english.unsubscribe_token not in mail_es.text()
    # the item's link goes through the click counter, never straight to the target
    assert "https://example.org/fair" not in mail_en.html()
    assert f"/network/r/{newsletter.pk}/0/?s=" in mail_en.html()

    # RFC 8058: one POST, no session, no CSRF token, no confirmation page
    response = Client(enforce_csrf_checks=True).post(
        url.removeprefix("http://testserver"), {"List-Unsubscribe": "One-Click"}
    )
    assert response.status_code == 200
    spanish.refresh_from_db()
    assert spanish.email_consent is False
    assert spanish.status == "active"  # still on the roll
    assert not Member.objects.filter(pk=spanish.pk).mailable().exists()


def test_interrupted_after_a_batch_resumes_and_mails_each_address_once(
    world: Any, smtp: Any
) -> None:
    members = _members(world, 5)
    newsletter = _newsletter(world)
    sending.request_send(newsletter, world.users["staff"])  # no commit here: the task waits
    assert sending.run_send(newsletter.pk, batch_size=2, max_batches=1) == 2
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.SENDING
    assert service.progress(newsletter) == {"total": 5, "sent": 2, "failed": 0}

    assert sending.run_send(newsletter.pk, batch_size=2) == 3
    assert sorted(r.recipients[0] for r in smtp.received) == sorted(m.email for m in members)
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.SENT
    # sending again does nothing
    assert sending.run_send(newsletter.pk) == 0
    assert len(smtp.received) == 5


def test_a_crash_inside_a_batch_never_sends_the_claimed_mail_twice(world: Any, smtp: Any) -> None:
    _members(world, 6)
    newsletter = _newsletter(world)
    sending.request_send(newsletter, world.users["staff"])
    real = sending.Renderer.message
    calls = {"n": 0}

    def crashing(self: Any, member: Member, connection: Any) -> Any:
        calls["n"] += 1
        if calls["n"] == 3:
            raise ConnectionResetError("the server went away")
        return real(self, member, connection)

    with (
        mock.patch.object(sending.Renderer, "message", crashing),
        pytest.raises(ConnectionResetError),
    ):
        sending.run_send(newsletter.pk, batch_size=4)
    assert len(smtp.received) == 2
    sending.run_send(newsletter.pk, batch_size=4)
    addresses = [r.recipients[0] for r in smtp.received]
    assert len(addresses) == len(set(addresses)) == 5  # the one in doubt is not resent
    failed = Delivery.objects.get(newsletter=newsletter, status=DeliveryStatus.FAILED)
    assert failed.member.email not in addresses
    assert failed.error == sending.INTERRUPTED


DSN = """\
From: MAILER-DAEMON@mx.example.org
To: noreply@ecotone.invalid
Subject: Undelivered Mail Returned to Sender
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="B"

--B
Content-Type: text/plain

Your message could not be delivered.

--B
Content-Type: message/delivery-status

Reporting-MTA: dns; mx.example.org

Final-Recipient: rfc822; {address}
Action: {action}
Status: {status}
Diagnostic-Code: smtp; {status} mailbox problem

--B
Content-Type: text/rfc822-headers

Subject: March news
X-Ecotone-Newsletter: {newsletter}

--B--
"""


def test_a_hard_bounce_stops_mail_and_a_soft_one_does_not(world: Any, smtp: Any) -> None:
    dead = make_member(world.alpha, "dead@example.org", email_consent=True)
    slow = make_member(world.alpha, "slow@example.org", email_consent=True)
    newsletter = _newsletter(world)
    sending.request_send(newsletter, world.users["staff"])
    sending.run_send(newsletter.pk)

    soft = DSN.format(
        address="slow@example.org", action="delayed", status="4.2.2", newsletter=newsletter.pk
    )
    outcome = bounces.record(soft.encode(), world.alpha)
    assert (outcome.hard, outcome.soft, outcome.members) == (0, 1, 0)
    hard = DSN.format(
        address="Dead@Example.org", action="failed", status="5.1.1", newsletter=newsletter.pk
    )
    outcome = bounces.record(hard.encode(), world.alpha)
    assert (outcome.hard, outcome.members, outcome.deliveries) == (1, 1, 1)

    dead.refresh_from_db()
    slow.refresh_from_db()
    assert dead.email_bounced_at is not None
    assert slow.email_bounced_at is None
    assert list(Member.objects.filter(ecosystem=world.alpha).mailable()) == [slow]
    assert Delivery.objects.get(member=dead).status == DeliveryStatus.BOUNCED
    figures = service.engagement_of(newsletter)
    assert (figures.recipients, figures.delivered, figures.bounced) == (2, 1, 1)


def test_bounce_webhook_needs_the_secret(world: Any, tmp_path: Any) -> None:
    member = make_member(world.alpha, "gone@example.org", email_consent=True)
    raw = DSN.format(address="gone@example.org", action="failed", status="5.1.1", newsletter=0)
    url = "/e/alpha/network/bounces/"
    client = Client(enforce_csrf_checks=True)
    with override_settings(NETWORK_BOUNCE_SECRET="s3cret"):
        assert client.post(url, raw, content_type="message/rfc822").status_code == 403
        wrong = client.post(url, raw, content_type="message/rfc822", HTTP_X_BOUNCE_SECRET="no")
        assert wrong.status_code == 403
        ok = client.post(url, raw, content_type="message/rfc822", HTTP_X_BOUNCE_SECRET="s3cret")
        assert ok.status_code == 200
    member.refresh_from_db()
    assert member.email_bounced_at is not None

    # the same report from a mailbox file, through the command
    from django.core.management import call_command

    other = make_member(world.alpha, "gone2@example.org", email_consent=True)
    box = tmp_path / "bounces.mbox"
    box.write_text(
        "From MAILER-DAEMON Mon Dec  7 10:00:00 2026\n" + raw.replace("gone@", "gone2@") + "\n"
    )
    call_command("network_bounces", str(box))
    other.refresh_from_db()
    assert other.email_bounced_at is not None


def test_clicks_are_counted_per_link_without_who_and_opens_only_when_on(
    world: Any, smtp: Any
) -> None:
    _members(world, 2)
    newsletter = _newsletter(world)
    sending.request_send(newsletter, world.users["staff"])
    sending.run_send(newsletter.pk)
    client = Client()
    good = service.click_url(newsletter, 1).removeprefix("http://testserver")
    response = client.get(good)
    assert response.status_code == 302
    assert response["Location"] == "https://example.org/guide"
    client.get(good)
    assert client.get(good.replace("?s=", "?s=x")).status_code == 404  # not an open redirect
    assert client.get(f"/e/alpha/network/r/{newsletter.pk}/9/").status_code == 404
    assert LinkClick.objects.get(newsletter=newsletter, index=1).count == 2
    assert {f.name for f in LinkClick._meta.get_fields()} == {"id", "newsletter", "index", "count"}

    pixel = service.open_pixel_url(newsletter).removeprefix("http://testserver")
    assert client.get(pixel)["Content-Type"] == "image/gif"
    newsletter.refresh_from_db()
    assert newsletter.opens == 0  # off by default
    assert "/network/o/" not in smtp.received[0].html()
    network_settings = settings_of(world.alpha)
    network_settings.count_newsletter_opens = True
    network_settings.save()
    client.get(pixel)
    newsletter.refresh_from_db()
    figures = service.engagement_of(newsletter)
    assert (figures.clicks, figures.opens, figures.delivered) == (2, 1, 2)
    assert figures.click_rate == 1.0
    assert figures.links == [
        (0, "https://example.org/fair", 0),
        (1, "https://example.org/guide", 2),
    ]
