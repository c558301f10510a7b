"""Verification ("Still accurate"), stale listings, and the reminders partners get about them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from ecotone.directory.models import Program, VerificationReminder
from ecotone.directory.services import verification
from ecotone.directory.services.verification import remind_verification
from tests.conftest import World
from tests.directory.test_search import add_program

pytestmark = pytest.mark.django_db


def verified_days_ago(world: World, name: str, days: int, **fields: Any) -> Program:
    program = add_program(world, name, **fields)
    program.assured_date = timezone.localdate() - timedelta(days=days)
    program.save()
    return program


def test_still_accurate_records_who_and_when_and_the_public_sees_the_date(world: World) -> None:
    program = add_program(world, "Robot Club")
    page = world.client("anonymous").get(program.get_absolute_url()).content.decode()
    assert "Not verified yet." in page
    assert "Still accurate" not in page
    response = world.client("partner_a").post(
        reverse("listings:program_verify", args=["alpha", program.slug]),
        {"next": program.get_absolute_url()},
    )
    assert response.url == program.get_absolute_url()
    program.refresh_from_db()
    assert program.assured_date == timezone.localdate()
    assert program.assurer_email == "partner_a@alpha.test"
    page = world.client("anonymous").get(program.get_absolute_url()).content.decode()
    assert "Last verified on" in page
    assert "partner_a@alpha.test" not in page  # who verified is not public
    from auditlog.models import LogEntry

    assert (
        LogEntry.objects.get_for_object(program).latest("timestamp").actor
        == world.users["partner_a"]
    )


def test_staff_see_the_still_accurate_button_on_the_public_page(world: World) -> None:
    program = add_program(world, "Robot Club")
    assert (
        "Still accurate"
        in world.client("partner_a").get(program.get_absolute_url()).content.decode()
    )
    assert (
        "Still accurate"
        not in world.client("partner_b").get(program.get_absolute_url()).content.decode()
    )


def test_stale_means_not_verified_within_the_ecosystems_period(world: World) -> None:
    verified_days_ago(world, "Fresh", 10)
    verified_days_ago(world, "Stale", 200)
    never = add_program(world, "Never verified, old")
    Program.objects.filter(pk=never.pk).update(created_at=timezone.now() - timedelta(days=400))
    add_program(world, "Never verified, new")
    archived = verified_days_ago(world, "Archived", 400)
    archived.archived_at = timezone.now()
    archived.save()
    names = set(verification.stale_programs(world.alpha).values_list("name", flat=True))
    assert names == {"Stale", "Never verified, old"}
    world.alpha.reverify_after_days = 7
    assert "Fresh" in set(verification.stale_programs(world.alpha).values_list("name", flat=True))


def test_the_backbone_queue_lists_stale_listings(world: World) -> None:
    verified_days_ago(world, "Fresh", 10)
    verified_days_ago(world, "Stale", 200)
    url = reverse("listings:moderation", args=["alpha"])
    page = world.client("staff").get(url, {"stale": "1"}).content.decode()
    assert "Stale" in page
    assert "Fresh" not in page


def test_each_partner_is_reminded_once_per_period(world: World) -> None:
    stale_a = verified_days_ago(world, "Robot Club", 200)
    verified_days_ago(world, "Story Lab", 300, organization=world.org_b)
    verified_days_ago(world, "Fresh Club", 5)
    assert verification.send_verification_reminders(world.alpha) == 2
    by_person = {m.to[0]: m for m in mail.outbox}
    assert set(by_person) == {"partner_a@alpha.test", "partner_b@alpha.test"}
    body = by_person["partner_a@alpha.test"].body
    assert "Robot Club" in body
    assert "Story Lab" not in body
    assert "Fresh Club" not in body
    assert f"http://testserver{stale_a.get_absolute_url()}" in body
    assert "http://testserver/e/alpha/listings/" in body

    # Running again the same day, or a month later, sends nothing new.
    assert verification.send_verification_reminders(world.alpha) == 0
    later = timezone.now() + timedelta(days=30)
    assert verification.send_verification_reminders(world.alpha, now=later) == 0
    assert len(mail.outbox) == 2
    # Once the period has passed again, the listing (still unverified) is due again.
    after_period = timezone.now() + timedelta(days=world.alpha.reverify_after_days + 1)
    assert verification.send_verification_reminders(world.alpha, now=after_period) == 2


def test_a_verified_listing_is_no_longer_reminded(world: World) -> None:
    program = verified_days_ago(world, "Robot Club", 200)
    verification.verify_program(program, world.users["partner_a"])
    assert verification.send_verification_reminders(world.alpha) == 0
    assert not VerificationReminder.objects.exists()


def test_reminders_are_in_the_recipients_language(world: World) -> None:
    verified_days_ago(world, "Robot Club", 200)
    partner = world.users["partner_a"]
    assert partner is not None
    partner.preferred_language = "es"
    partner.save()
    verification.send_verification_reminders(world.alpha)
    [email] = mail.outbox
    assert "Revise sus" in email.subject


def test_the_command_and_the_task_send_the_same_reminders(world: World) -> None:
    verified_days_ago(world, "Robot Club", 200)
    call_command("remind_verification", "--ecosystem", "alpha", stdout=_Sink())
    assert len(mail.outbox) == 1
    call_command("remind_verification", stdout=_Sink())
    assert remind_verification.enqueue().return_value == 0
    assert len(mail.outbox) == 1
    with pytest.raises(CommandError, match="nowhere"):
        call_command("remind_verification", "--ecosystem", "nowhere")


class _Sink:
    def write(self, text: str) -> None:
        pass

    def flush(self) -> None:
        pass


def test_the_period_is_an_ecosystem_setting(world: World) -> None:
    url = reverse("ecosystems:settings", args=["alpha"])
    page = world.client("admin").get(url).content.decode()
    assert "Re-verify listings older than (days)" in page
    assert 'value="180"' in page
    data = {
        "name": world.alpha.name,
        "timezone": "America/New_York",
        "default_language": "en",
        "suppression_threshold": "10",
        "reverify_after_days": "90",
        "region_south": "39",
        "region_west": "-84",
        "region_north": "41",
        "region_east": "-82",
    }
    assert world.client("admin").post(url, data).status_code == 302
    world.alpha.refresh_from_db()
    assert world.alpha.reverify_after_days == 90
    response = world.client("admin").post(url, {**data, "reverify_after_days": "0"})
    assert "reverify_after_days" in response.context["form"].errors
