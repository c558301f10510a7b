"""Screening: recording and verifying steps (services.screening.update_step), configuring the
steps (create_step, change_step and the safety floor), renewals due, and their pages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from ecotone import concurrency
from ecotone.errors import DomainError
from ecotone.mentoring.models import ScreeningRecord, ScreeningStatus, ScreeningStep
from ecotone.mentoring.services import screening
from tests.conftest import World
from tests.html_forms import browser_form
from tests.mentoring.builders import make_mentor

BASE = "/e/alpha/mentoring/"


def step(world: World, code: str) -> ScreeningStep:
    return ScreeningStep.for_ecosystem(world.alpha).get(code=code)


@pytest.fixture
def ada(world: World) -> Any:
    return make_mentor(world.alpha, "ada@mentor.test", name="Ada Lovelace")


# Recording a step ----------------------------------------------------------------------------


def test_passing_training_needs_its_minimum_hours(world: World, ada: Any) -> None:
    training = step(world, "training")
    staff = world.users["staff"]
    with pytest.raises(DomainError, match="at least 2"):
        screening.update_step(ada, training, staff, status="passed", hours=Decimal("1.5"))
    record = screening.update_step(ada, training, staff, status="passed", hours=Decimal("2"))
    assert record.is_current()


def test_passing_verifies_and_computes_the_expiry(world: World, ada: Any) -> None:
    check = step(world, "background_check")
    done = timezone.localdate() - datetime.timedelta(days=10)
    record = screening.update_step(
        ada, check, world.users["staff"], status="passed", completed_on=done
    )
    assert record.verified_by == world.users["staff"]
    assert record.expires_on == done + datetime.timedelta(days=730)
    assert record.is_current()
    application = screening.update_step(
        ada, step(world, "application"), world.users["staff"], status="passed"
    )
    assert application.expires_on is None


def test_a_pass_cannot_be_dated_in_the_future(world: World, ada: Any) -> None:
    with pytest.raises(DomainError, match="future"):
        screening.update_step(
            ada,
            step(world, "interview"),
            world.users["staff"],
            status="passed",
            completed_on=timezone.localdate() + datetime.timedelta(days=1),
        )


def test_failing_a_step_records_who_and_is_not_current(world: World, ada: Any) -> None:
    check = step(world, "background_check")
    screening.update_step(ada, check, world.users["staff"], status="passed")
    record = screening.update_step(
        ada, check, world.users["staff"], status="failed", notes="record found"
    )
    assert record.status == ScreeningStatus.FAILED
    assert record.expires_on is None
    assert record.verified_by == world.users["staff"]
    assert not record.is_current()
    assert "background_check" not in ada.current_step_codes()


def test_an_expired_pass_is_not_current(world: World, ada: Any) -> None:
    long_ago = timezone.localdate() - datetime.timedelta(days=800)
    record = screening.update_step(
        ada,
        step(world, "background_check"),
        world.users["staff"],
        status="passed",
        completed_on=long_ago,
    )
    assert record.expires_on is not None
    assert record.expires_on < timezone.localdate()
    assert not record.is_current()


# Configuring steps ---------------------------------------------------------------------------


def test_the_last_active_background_check_or_training_cannot_be_deactivated(
    world: World,
) -> None:
    admin = world.users["admin"]
    for code in ("background_check", "training"):
        with pytest.raises(DomainError, match="safety floor"):
            screening.change_step(step(world, code), admin, is_active=False)
        assert step(world, code).is_active
    with pytest.raises(DomainError, match="safety floor"):
        screening.change_step(step(world, "training"), admin, kind="other")


def test_a_floor_step_can_go_once_another_of_its_kind_is_active(world: World) -> None:
    admin = world.users["admin"]
    screening.create_step(
        world.alpha, admin, code="", name="Fingerprint check", kind="background_check"
    )
    changed = screening.change_step(step(world, "background_check"), admin, is_active=False)
    assert not changed.is_active


def test_create_step_adds_it_last_with_a_code_from_its_name(world: World) -> None:
    created = screening.create_step(
        world.alpha, world.users["admin"], code="", name="Safeguarding course", valid_days=365
    )
    assert created.code == "safeguarding_course"
    assert created.position == max(s.position for s in screening.steps(world.alpha))
    with pytest.raises(DomainError, match="already"):
        screening.create_step(
            world.alpha, world.users["admin"], code="", name="Safeguarding course"
        )


def test_change_step_edits_the_fields(world: World) -> None:
    changed = screening.change_step(
        step(world, "interview"),
        world.users["admin"],
        name="Conversation",
        valid_days=90,
        remind_days_before=14,
        for_supervised=True,
        position=9,
    )
    assert (changed.name, changed.valid_days, changed.for_supervised) == ("Conversation", 90, True)
    with pytest.raises(DomainError):
        screening.change_step(step(world, "interview"), world.users["admin"], name="")


def test_renewals_due_lists_expired_and_soon_expiring_passes(world: World, ada: Any) -> None:
    staff = world.users["staff"]
    today = timezone.localdate()
    other = make_mentor(world.alpha, "bob@mentor.test")
    fresh = make_mentor(world.alpha, "cy@mentor.test")
    check = step(world, "background_check")  # 730 days, reminded 30 days before
    screening.update_step(
        ada, check, staff, status="passed", completed_on=today - datetime.timedelta(740)
    )
    screening.update_step(
        other, check, staff, status="passed", completed_on=today - datetime.timedelta(720)
    )
    screening.update_step(fresh, check, staff, status="passed", completed_on=today)
    due = screening.renewals_due(world.alpha)
    assert [r.mentor for r in due] == [ada, other]


# The pages -----------------------------------------------------------------------------------


def test_backbone_staff_update_a_step_from_the_mentors_page(world: World, ada: Any) -> None:
    training = step(world, "training")
    url = f"{BASE}mentors/{ada.pk}/screening/{training.pk}/"
    prefix = f"step{training.pk}-"
    staff = world.client("staff")
    response = staff.post(url, {prefix + "status": "passed", prefix + "hours": "1"})
    assert response.status_code == 302
    follow = staff.get(response["Location"].split("#")[0]).content.decode()
    assert "needs at least 2.0 hours" in follow
    assert not ScreeningRecord.objects.filter(mentor=ada, step=training, status="passed").exists()
    staff.post(url, {prefix + "status": "passed", prefix + "hours": "2.5"})
    record = ScreeningRecord.objects.get(mentor=ada, step=training)
    assert record.status == "passed"
    assert record.verified_by == world.users["staff"]


def test_step_updates_are_for_backbone_staff_only(world: World, ada: Any) -> None:
    training = step(world, "training")
    url = f"{BASE}mentors/{ada.pk}/screening/{training.pk}/"
    data = {f"step{training.pk}-status": "in_progress"}
    for persona, status in [("partner_a", 403), ("mentor", 403), ("outsider", 404)]:
        assert world.client(persona).post(url, data).status_code == status
    assert world.client("staff").get(url).status_code == 405
    assert not ScreeningRecord.objects.filter(mentor=ada).exists()


def test_admins_edit_a_step_and_the_floor_refusal_is_shown(world: World) -> None:
    admin = world.client("admin")
    training = step(world, "training")
    form = {
        "name": "Mentor training",
        "kind": "training",
        "description": "Two hours online",
        "valid_days": "365",
        "remind_days_before": "20",
        "minimum_hours": "2.0",
        "for_direct_contact": "on",
        "position": "5",
    }
    response = admin.post(f"{BASE}screening/{training.pk}/", form)  # is_active unticked
    assert response.status_code == 200
    assert "safety floor" in response.content.decode()
    assert step(world, "training").is_active
    response = admin.post(f"{BASE}screening/{training.pk}/", {**form, "is_active": "on"})
    assert response.status_code == 302
    assert step(world, "training").valid_days == 365
    assert "Two hours online" in admin.get(f"{BASE}screening/").content.decode()


def test_admins_add_a_step(world: World) -> None:
    response = world.client("admin").post(
        f"{BASE}screening/new/",
        {
            "name": "Safeguarding course",
            "kind": "other",
            "remind_days_before": "30",
            "position": "10",
            "is_active": "on",
        },
    )
    assert response.status_code == 302
    assert ScreeningStep.objects.filter(ecosystem=world.alpha, code="safeguarding_course").exists()


def test_the_renewals_page_links_to_the_mentor(world: World, ada: Any) -> None:
    empty = world.client("staff").get(f"{BASE}screening/expiring/").content.decode()
    assert "Nothing to renew" in empty
    screening.update_step(
        ada,
        step(world, "background_check"),
        world.users["staff"],
        status="passed",
        completed_on=timezone.localdate() - datetime.timedelta(740),
    )
    html = world.client("staff").get(f"{BASE}screening/expiring/").content.decode()
    assert f"/mentoring/mentors/{ada.pk}/#screening" in html
    assert "expired" in html


def test_an_ecosystem_short_of_the_floor_can_still_edit_other_steps(world: World) -> None:
    # Set up as a misconfigured ecosystem would be (bypassing the service on purpose).
    ScreeningStep.for_ecosystem(world.alpha).filter(kind="training").update(is_active=False)
    changed = screening.change_step(step(world, "interview"), world.users["admin"], name="Talk")
    assert changed.name == "Talk"
    # And may bring the floor back.
    restored = screening.change_step(step(world, "training"), world.users["admin"], is_active=True)
    assert restored.is_active


def test_a_second_admin_editing_a_step_sees_the_first_change_and_keeps_their_input(
    world: World,
) -> None:
    url = f"{BASE}screening/{step(world, 'training').pk}/"
    first, second = world.client("admin"), world.client("admin")
    first_form = browser_form(first.get(url).content.decode(), "valid_days")
    second_form = browser_form(second.get(url).content.decode(), "valid_days")
    assert first.post(url, {**first_form, "valid_days": "400"}).status_code == 302

    response = second.post(url, {**second_form, "description": "Two hours online"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this record after you opened it" in html
    assert [(c.after) for c in response.context["conflict"].changes] == ["400"]
    assert "Two hours online" in html  # their input is kept
    training = step(world, "training")
    assert (training.valid_days, training.description) == (400, "")

    again = browser_form(html, "valid_days")
    assert second.post(url, again).status_code == 302
    training = step(world, "training")
    assert training.description == "Two hours online"


def test_a_second_staff_member_saving_a_stale_step_result_sees_the_change_and_keeps_their_input(
    world: World, ada: Any
) -> None:
    training = step(world, "training")
    page = f"{BASE}mentors/{ada.pk}/"
    url = f"{page}screening/{training.pk}/"
    prefix = f"step{training.pk}-"
    first, second = world.client("staff"), world.client("admin")
    first_form = browser_form(first.get(page).content.decode(), prefix + "status")
    second_form = browser_form(second.get(page).content.decode(), prefix + "status")
    passed = {**first_form, prefix + "status": "passed", prefix + "hours": "2.5"}
    assert first.post(url, passed).status_code == 302

    response = second.post(
        url, {**second_form, prefix + "status": "failed", prefix + "notes": "Missed the session"}
    )

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this record after you opened it" in html
    (row,) = [r for r in response.context["screening_rows"] if r["step"] == training]
    changes = {c.label: (c.before, c.after) for c in row["conflict"].changes}
    assert changes["Status"] == ("Not started", "Passed")
    assert changes["Hours"] == ("—", "2.5")
    assert "Missed the session" in html  # their input is kept
    record = ScreeningRecord.objects.get(mentor=ada, step=training)
    assert (record.status, record.notes) == ("passed", "")

    again = browser_form(html, prefix + "status")
    assert again[prefix + "status"] == "failed"
    assert second.post(url, again).status_code == 302
    record.refresh_from_db()
    assert (record.status, record.notes) == ("failed", "Missed the session")


def test_update_step_refuses_a_stale_loaded_version(world: World, ada: Any) -> None:
    check = step(world, "background_check")
    staff = world.users["staff"]
    loaded = concurrency.version_of(None)
    screening.update_step(ada, check, staff, status="passed", expected_version=loaded)
    with pytest.raises(concurrency.EditConflictError):
        screening.update_step(ada, check, staff, status="failed", expected_version=loaded)
    record = ScreeningRecord.objects.get(mentor=ada, step=check)
    assert record.status == "passed"
    screening.update_step(
        ada, check, staff, status="failed", expected_version=concurrency.version_of(record)
    )
    record.refresh_from_db()
    assert record.status == "failed"
