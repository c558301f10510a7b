"""Every email is plain text: a name with <, &, " or ' arrives as it was typed, in the subject
and the body of every notice (a listing named `<script>` was approved as "Approved:
&lt;script&gt;…")."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.utils import timezone

from ecotone.directory.models import ListingChange
from ecotone.directory.services import verification
from ecotone.ecosystems.models import Invitation
from ecotone.ecosystems.tasks import send_invitation
from ecotone.mentoring.models import Match, ScreeningStep
from ecotone.mentoring.notifications import KINDS, send_hold_notices, send_match_notice
from ecotone.mentoring.services import hours, matches, screening
from ecotone.mentoring.tasks import send_reminders
from tests.conftest import World
from tests.directory.test_moderation import decide, submit_new
from tests.directory.test_verification import verified_days_ago
from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program
from tests.mentoring.life_builders import active

pytestmark = pytest.mark.django_db

NAME = '<b>Tom & Jerry\'s "Lab"</b>'
ENTITIES = ("&lt;", "&gt;", "&amp;", "&quot;", "&#x27;", "&#39;", "&#34;")
TEMPLATES = Path(__file__).resolve().parents[1] / "src" / "ecotone"


def assert_plain(message: EmailMessage, *, in_subject: bool = True) -> None:
    for text in (message.subject, message.body):
        assert not any(entity in text for entity in ENTITIES), text
    assert NAME in message.body, message.body
    if in_subject:
        assert NAME in message.subject, message.subject


@pytest.fixture
def match(world: World) -> Match:
    world.alpha.contact_email = "hello@alpha.test"
    world.alpha.save()
    mentor = make_mentor(world.alpha, "mentor-x@alpha.test", name=NAME)
    clear(mentor, world.users["staff"])
    opportunity = make_opportunity(make_program(world.org_a, NAME), NAME)
    return matches.invite(opportunity, mentor, world.users["partner_a"])


@pytest.mark.parametrize("kind", KINDS)
def test_every_match_notice_is_plain_text(match: Match, kind: str) -> None:
    mail.outbox.clear()
    assert send_match_notice.enqueue(kind, match.pk).return_value
    for message in mail.outbox:
        # "... invites you to mentor" names the program in the subject, the others the need.
        assert_plain(message)


def test_every_hold_notice_is_plain_text(match: Match) -> None:
    Match.objects.filter(pk=match.pk).update(hold_reason=NAME)
    mail.outbox.clear()
    assert send_hold_notices.enqueue(match.pk, "hold-1").return_value == 3
    for message in mail.outbox:
        assert_plain(message)


def test_every_mentoring_reminder_is_plain_text(world: World) -> None:
    world.alpha.contact_email = "hello@alpha.test"
    world.alpha.save()
    user = world.users["mentor"]
    assert user is not None
    user.name = NAME
    user.save()
    mentor = make_mentor(world.alpha, user=user)
    clear(mentor, world.users["staff"])
    step = ScreeningStep.objects.get(ecosystem=world.alpha, code="code_of_conduct")
    step.name = NAME
    step.save()
    today = timezone.localdate()
    screening.update_step(
        mentor,
        step,
        world.users["staff"],
        status="passed",
        completed_on=today - datetime.timedelta(350),
    )
    opportunity = make_opportunity(make_program(world.org_a, NAME), NAME)
    started = active(world, mentor, opportunity, started_days_ago=12)
    hours.log_hours(started, user, date=today - datetime.timedelta(1), hours=Decimal("1.5"))
    mail.outbox.clear()

    sent = send_reminders.enqueue(world.alpha.pk, None).return_value
    assert sent == {"screening_expiring": 2, "check_in_due": 2, "hours_pending": 1}
    for message in mail.outbox:
        assert_plain(message, in_subject="hours" not in message.subject)


@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_a_listing_decision_is_plain_text(
    world: World, decision: str, django_capture_on_commit_callbacks: Any
) -> None:
    submit_new(world, name=NAME)
    change = ListingChange.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        decide(world, change, decision, f"Note about {NAME}")
    [message] = mail.outbox
    assert_plain(message)
    assert f"Note about {NAME}" in message.body


def test_a_verification_reminder_is_plain_text(world: World) -> None:
    world.alpha.name = NAME
    world.alpha.save()
    verified_days_ago(world, NAME, 200)
    assert verification.send_verification_reminders(world.alpha) == 1
    [message] = mail.outbox
    assert_plain(message)


def test_an_invitation_is_plain_text(world: World) -> None:
    world.alpha.name = NAME
    world.alpha.save()
    inviter = world.users["admin"]
    assert inviter is not None
    inviter.name = NAME
    inviter.save()
    invitation = Invitation.objects.create(
        ecosystem=world.alpha, email="new@alpha.test", role="member", invited_by=inviter
    )
    invitation.message = f"Welcome to {NAME}"
    invitation.save()
    mail.outbox.clear()
    assert send_invitation.enqueue(invitation.pk).return_value
    [message] = mail.outbox
    assert_plain(message)
    assert f"Welcome to {NAME}" in message.body


def test_every_email_template_is_rendered_without_html_escaping() -> None:
    # A new notice's template is covered before anyone writes its test.
    templates = sorted(TEMPLATES.glob("*/templates/*/email/*.txt"))
    assert len(templates) >= 20
    for template in templates:
        text = template.read_text(encoding="utf-8")
        assert "{% autoescape off %}" in text, template
        assert text.rstrip().endswith("{% endautoescape %}"), template
