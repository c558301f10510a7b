"""Reminders (the daily task and its command): screening about to expire, check-ins due or
overdue, the weekly digest of hours awaiting approval. Each is sent once to each person; a
second run sends nothing."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from ecotone.mentoring.models import Notice, ScreeningRecord, ScreeningStep
from ecotone.mentoring.services import hours, screening
from ecotone.mentoring.tasks import send_reminders
from tests.mentoring.life_builders import active, cleared_mentor, opportunity_of

pytestmark = pytest.mark.django_db


def run(world: Any, on: datetime.date | None = None) -> dict[str, int]:
    result = send_reminders.enqueue(world.alpha.pk, on.isoformat() if on else None)
    return result.return_value  # type: ignore[return-value]


def recipients() -> list[str]:
    return sorted(address for message in mail.outbox for address in message.to)


@pytest.fixture
def life(world: Any) -> Any:
    world.alpha.contact_email = "hello@alpha.test"
    world.alpha.save()
    world.mentor = cleared_mentor(world)
    mail.outbox.clear()
    return world


def test_nothing_to_remind_sends_nothing(life: Any) -> None:
    assert run(life) == {"screening_expiring": 0, "check_in_due": 0, "hours_pending": 0}
    assert mail.outbox == []


def test_screening_expiring_reminds_mentor_and_ecosystem_contact_once(life: Any) -> None:
    step = ScreeningStep.objects.get(ecosystem=life.alpha, code="code_of_conduct")
    today = timezone.localdate()
    record = screening.update_step(
        life.mentor,
        step,
        life.users["staff"],
        status="passed",
        completed_on=today - datetime.timedelta(350),
    )
    assert record.expires_on == today + datetime.timedelta(15)  # within the 30-day window

    assert run(life)["screening_expiring"] == 2
    assert recipients() == ["hello@alpha.test", "mentor@alpha.test"]
    assert "Code of conduct" in mail.outbox[0].subject
    assert ScreeningRecord.objects.get(pk=record.pk).reminded_at is not None

    mail.outbox.clear()
    assert run(life)["screening_expiring"] == 0
    assert mail.outbox == []


def test_screening_renewed_and_expiring_again_is_reminded_again(life: Any) -> None:
    step = ScreeningStep.objects.get(ecosystem=life.alpha, code="code_of_conduct")
    today = timezone.localdate()
    screening.update_step(
        life.mentor,
        step,
        life.users["staff"],
        status="passed",
        completed_on=today - datetime.timedelta(350),
    )
    run(life)
    # Renewed a year ago yesterday: a new expiry, a new reminder.
    screening.update_step(
        life.mentor,
        step,
        life.users["staff"],
        status="passed",
        completed_on=today - datetime.timedelta(351),
    )
    mail.outbox.clear()
    assert run(life)["screening_expiring"] == 2


def test_check_in_due_reminds_mentor_and_program_once(life: Any) -> None:
    # Started 12 days ago: the first check-in (day 14) is due in two days.
    match = active(life, life.mentor, opportunity_of(life.org_a), started_days_ago=12)
    mail.outbox.clear()
    assert run(life)["check_in_due"] == 2
    assert recipients() == ["girls-who-build@program.test", "mentor@alpha.test"]
    assert "Check-in due" in mail.outbox[0].subject
    assert f"/e/alpha/mentoring/matches/{match.pk}/" in mail.outbox[0].body
    first = match.check_ins.order_by("due_on").first()
    assert first is not None
    assert first.reminded_at is not None

    mail.outbox.clear()
    assert run(life)["check_in_due"] == 0
    assert mail.outbox == []


def test_overdue_check_in_is_reminded_and_future_ones_are_not(life: Any) -> None:
    match = active(life, life.mentor, opportunity_of(life.org_a), started_days_ago=20)
    mail.outbox.clear()
    assert run(life)["check_in_due"] == 2  # day 14 is overdue; day 28 is eight days away
    assert "overdue" in mail.outbox[0].subject
    reminded = match.check_ins.filter(reminded_at__isnull=False)
    assert [c.due_on - match.start_on for c in reminded] == [datetime.timedelta(14)]


def test_a_match_recorded_months_late_gets_one_reminder_not_one_per_missed_check_in(
    life: Any,
) -> None:
    match = active(life, life.mentor, opportunity_of(life.org_a), started_days_ago=120, weeks=40)
    mail.outbox.clear()
    assert match.check_ins.filter(due_on__lt=timezone.localdate()).count() >= 4
    assert run(life)["check_in_due"] == 2  # the latest due check-in, to mentor and program
    assert not match.check_ins.filter(
        due_on__lte=timezone.localdate(), reminded_at__isnull=True
    ).exists()
    mail.outbox.clear()
    assert run(life)["check_in_due"] == 0


def test_done_check_ins_are_not_reminded(life: Any) -> None:
    from ecotone.mentoring.services import matches

    match = active(life, life.mentor, opportunity_of(life.org_a), started_days_ago=14)
    first = match.check_ins.order_by("due_on").first()
    assert first is not None
    matches.record_check_in(first, life.users["mentor"], rating=5, meeting_as_agreed=True)
    mail.outbox.clear()
    assert run(life)["check_in_due"] == 0


def test_hours_digest_weekly_per_program_contact(life: Any) -> None:
    match = active(life, life.mentor, opportunity_of(life.org_a), started_days_ago=30)
    match.check_ins.update(reminded_at=timezone.now())  # only the digest in this test
    for day in (1, 2):
        hours.log_hours(
            match,
            life.users["mentor"],
            date=timezone.localdate() - datetime.timedelta(day),
            hours=Decimal("1.5"),
        )
    mail.outbox.clear()
    today = timezone.localdate()
    assert run(life, today)["hours_pending"] == 1
    assert recipients() == ["girls-who-build@program.test"]
    message = mail.outbox[0]
    assert "2 logs of mentor hours" in message.subject
    assert "Girls Who Build: 2 logs, 3 hours" in message.body
    assert "/e/alpha/mentoring/hours/" in message.body

    mail.outbox.clear()
    assert run(life, today)["hours_pending"] == 0  # same day
    same_week = today + datetime.timedelta(6 - today.weekday())  # Sunday of this week
    if same_week != today:
        assert run(life, same_week)["hours_pending"] == 0
    next_week = today + datetime.timedelta(7)
    assert run(life, next_week)["hours_pending"] == 1
    assert Notice.objects.filter(kind="hours_pending").count() == 2


def test_no_digest_when_nothing_is_pending(life: Any) -> None:
    match = active(life, life.mentor, opportunity_of(life.org_a), started_days_ago=30)
    match.check_ins.update(reminded_at=timezone.now())
    entry = hours.log_hours(
        match, life.users["mentor"], date=timezone.localdate(), hours=Decimal("1")
    )
    hours.approve([entry], life.users["staff"])
    mail.outbox.clear()
    assert run(life)["hours_pending"] == 0


def test_a_notice_already_sent_is_not_sent_again(life: Any) -> None:
    match = active(life, life.mentor, opportunity_of(life.org_a), started_days_ago=12)
    first = match.check_ins.order_by("due_on").first()
    assert first is not None
    Notice.objects.create(
        ecosystem=life.alpha,
        kind="check_in_due",
        key=f"check_in:{first.pk}",
        recipient="mentor@alpha.test",
    )
    mail.outbox.clear()
    assert run(life)["check_in_due"] == 1
    assert recipients() == ["girls-who-build@program.test"]


def test_the_command_queues_reminders_for_every_active_ecosystem(life: Any) -> None:
    active(life, life.mentor, opportunity_of(life.org_a), started_days_ago=12)
    life.beta.is_active = False
    life.beta.save()
    mail.outbox.clear()
    out = io.StringIO()
    call_command("mentoring_reminders", stdout=out)
    assert "alpha: mentoring reminders queued" in out.getvalue()
    assert "beta" not in out.getvalue()
    assert len(mail.outbox) == 2
    call_command("mentoring_reminders", stdout=io.StringIO())
    assert len(mail.outbox) == 2
