"""The gatherings' rules through their services: capacity, waitlist and promotion (with a
property test over random register/cancel sequences), reminders once, digests never twice,
the steering committee's report from the chairs' notes."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.errors import DomainError
from ecotone.network.models import (
    DigestEntry,
    Member,
    Registration,
    RegistrationStatus,
    TaskStatus,
)
from ecotone.network.services import events, workgroups
from tests.conftest import World, build_world
from tests.network.builders import make_member
from tests.network.builders_gatherings import make_event, make_workgroup

POOL = 6


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, list[Member]]]:
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        members = [
            make_member(world.alpha, f"m{i}@example.org", name=f"Member {i}") for i in range(POOL)
        ]
        yield world, members
        transaction.set_rollback(True)


@pytest.fixture
def w(built: tuple[World, list[Member]], db: None) -> World:
    return built[0]


@pytest.fixture
def people(built: tuple[World, list[Member]], db: None) -> list[Member]:
    return built[1]


def _statuses(event: Any) -> dict[int, str]:
    return dict(event.registrations.values_list("member_id", "status"))


def test_capacity_waitlist_and_promotion_first_come(w: World, people: list[Member]) -> None:
    event = make_event(w.alpha, capacity=2)
    first, second, third, fourth = (events.register(m, event) for m in people[:4])
    assert [r.status for r in (first, second, third, fourth)] == [
        "registered",
        "registered",
        "waitlisted",
        "waitlisted",
    ]
    promoted = events.cancel_registration(first)
    assert [r.member_id for r in promoted] == [people[2].pk]
    status = _statuses(event)
    assert status[people[2].pk] == "registered"
    assert status[people[3].pk] == "waitlisted"
    # cancelling a waitlisted place promotes nobody
    assert events.cancel_registration(third.__class__.objects.get(pk=fourth.pk)) == []
    # registering again after cancelling starts over, at the end of the waitlist
    assert events.register(people[0], event).status == "waitlisted"


def test_members_only_event_refuses_other_members(w: World, people: list[Member]) -> None:
    group = make_workgroup(w.alpha, "Outreach", members=(people[0],))
    event = make_event(w.alpha, workgroup=group, members_only=True)
    assert events.register(people[0], event).status == "registered"
    with pytest.raises(DomainError):
        events.register(people[1], event)


def test_unpublished_and_cancelled_events_refuse(w: World, people: list[Member]) -> None:
    with pytest.raises(DomainError):
        events.register(people[0], make_event(w.alpha, published=False))
    with pytest.raises(DomainError):
        events.register(people[0], make_event(w.alpha, cancelled_at=timezone.now()))


@settings(max_examples=40, deadline=None)
@given(
    capacity=st.integers(min_value=1, max_value=3),
    steps=st.lists(
        st.tuples(st.sampled_from(["register", "cancel"]), st.integers(0, POOL - 1)),
        max_size=25,
    ),
)
def test_property_never_over_capacity_and_first_come(
    built: tuple[World, list[Member]], capacity: int, steps: list[tuple[str, int]]
) -> None:
    world, members = built
    with transaction.atomic():
        event = make_event(world.alpha, capacity=capacity)
        # the model: seats and the waitlist in order of (re)registration
        seats: list[int] = []
        waiting: list[int] = []
        for action, index in steps:
            member = members[index]
            if action == "register":
                events.register(member, event)
                if member.pk not in seats and member.pk not in waiting:
                    (seats if len(seats) < capacity else waiting).append(member.pk)
            else:
                found = Registration.objects.filter(event=event, member=member).first()
                if found is not None:
                    events.cancel_registration(found)
                if member.pk in seats:
                    seats.remove(member.pk)
                    if waiting:
                        seats.append(waiting.pop(0))
                elif member.pk in waiting:
                    waiting.remove(member.pk)
            registered = set(
                event.registrations.filter(status=RegistrationStatus.REGISTERED).values_list(
                    "member_id", flat=True
                )
            )
            assert len(registered) <= capacity
            assert registered == set(seats)
            queue = list(
                event.registrations.filter(status=RegistrationStatus.WAITLISTED)
                .order_by("registered_at", "pk")
                .values_list("member_id", flat=True)
            )
            assert queue == waiting
        transaction.set_rollback(True)


def test_reminders_go_once_per_registration(w: World, people: list[Member]) -> None:
    soon = make_event(w.alpha, in_days=0.5)
    later = make_event(w.alpha, in_days=3)
    events.register(people[0], soon)
    events.register(people[1], soon)
    events.register(people[0], later)
    assert events.send_reminders() == 2
    assert events.send_reminders() == 0
    assert soon.registrations.filter(reminded_at__isnull=False).count() == 2
    assert later.registrations.filter(reminded_at__isnull=False).count() == 0


def test_check_in_and_recording_once(w: World, people: list[Member]) -> None:
    staff = w.users["staff"]
    event = make_event(w.alpha, in_days=-0.01)
    event.ends_at = timezone.now() + datetime.timedelta(hours=1)
    event.save()
    came, absent = (events.register(m, event) for m in people[:2])
    events.check_in(staff, came)
    assert list(events.attendees(event)) == [people[0]]
    events.check_in(staff, came, undo=True)
    assert not events.attendees(event).exists()
    events.check_in(staff, came)
    with pytest.raises(DomainError):
        events.send_recording(staff, event)  # nothing to send yet
    events.save_archive(staff, event, "https://video.example.org/rec", "", None)
    assert events.send_recording(staff, event) == 1
    assert events.send_recording(staff, event) == 0
    assert events.send_recording(staff, event, include_absent=True) == 1
    with pytest.raises(DomainError):
        events.check_in(w.users["member"], absent)


def test_digest_lists_each_post_once(w: World, people: list[Member]) -> None:
    a, b, c = people[:3]
    group = make_workgroup(w.alpha, "Digest group", chairs=(a,), members=(b, c))
    group.memberships.filter(member=c).update(digest=False)
    workgroups.post(a, group, "Hello all", "Kickoff")
    assert workgroups.send_digests(w.alpha) == 1  # b only: a wrote it, c turned it off
    assert workgroups.send_digests(w.alpha) == 0
    workgroups.post(b, group, "Thanks", parent=group.posts.get())
    assert workgroups.send_digests(w.alpha) == 1  # a hears of b's reply
    assert DigestEntry.objects.filter(member=b).count() == 1


def test_report_compiles_latest_notes_and_locks_them(w: World, people: list[Member]) -> None:
    staff = w.users["staff"]
    chair = people[0]
    group = make_workgroup(w.alpha, "Reporting group", chairs=(chair,))
    make_workgroup(w.alpha, "Steering", is_steering_committee=True)
    goal = workgroups.save_goal(staff, group, {"title": "Reach schools"}, None)
    yesterday = timezone.localdate() - datetime.timedelta(days=40)
    workgroups.save_task(
        staff, goal, {"title": "Call", "owner": chair, "due_on": yesterday, "status": "todo"}, None
    )
    workgroups.save_task(staff, goal, {"title": "Mail", "status": TaskStatus.DONE}, None)
    with pytest.raises(DomainError):
        workgroups.save_task(staff, goal, {"title": "X", "owner": people[5]}, None)
    month = timezone.localdate()
    workgroups.save_note(staff, group, month, {"moved": "Two schools signed", "next": "More"})
    report = workgroups.compile_report(staff, w.alpha, month)
    rows = {r["workgroup"]: r for r in report.rows}
    assert "Steering" not in rows
    assert rows["Reporting group"]["moved"] == "Two schools signed"
    assert (rows["Reporting group"]["done"], rows["Reporting group"]["overdue"]) == (1, 1)
    with pytest.raises(DomainError):
        workgroups.save_note(staff, group, month, {"moved": "changed"})


def test_closed_workgroup_by_invitation(w: World, people: list[Member]) -> None:
    staff = w.users["staff"]
    group = make_workgroup(w.alpha, "Closed group", is_open=False)
    with pytest.raises(DomainError):
        workgroups.join(people[1], group)
    invitation = workgroups.invite(staff, group, people[1])
    workgroups.answer(people[1], invitation, accept=True)
    assert workgroups.membership_of(people[1], group) is not None
    workgroups.leave(people[1], group)
    assert workgroups.membership_of(people[1], group) is None


def test_daily_command_sends_nothing_twice(w: World, people: list[Member]) -> None:
    from io import StringIO

    from django.core.management import call_command
    from django.core.management.base import CommandError

    a, b = people[:2]
    group = make_workgroup(w.alpha, "Command group", members=(a, b))
    workgroups.post(a, group, "Agenda attached", "Agenda")
    events.register(b, make_event(w.alpha, in_days=0.5))
    first, second = StringIO(), StringIO()
    call_command("network_gatherings_daily", "--ecosystem", "alpha", stdout=first)
    call_command("network_gatherings_daily", "--ecosystem", "alpha", stdout=second)
    assert first.getvalue().strip() == "1 reminders queued, 1 digests sent"
    assert second.getvalue().strip() == "0 reminders queued, 0 digests sent"
    with pytest.raises(CommandError):
        call_command("network_gatherings_daily", "--ecosystem", "nowhere")


def test_more_seats_promote_the_waitlist_and_cancelling_tells_everyone(
    w: World, people: list[Member], django_capture_on_commit_callbacks: Any, smtp: Any
) -> None:
    staff = w.users["staff"]
    event = make_event(w.alpha, "Growing training", capacity=1)
    for member in people[:3]:
        events.register(member, event)
    data = {name: getattr(event, name) for name in events.EVENT_FIELDS if name not in ("capacity",)}
    events.save_event(staff, w.alpha, {**data, "capacity": 2}, event)
    status = _statuses(event)
    assert [status[m.pk] for m in people[:3]] == ["registered", "registered", "waitlisted"]
    with django_capture_on_commit_callbacks(execute=True):
        events.cancel_event(staff, event)
    for member in people[:3]:
        [cancelled] = smtp.to(member.email)
        assert cancelled.message["Subject"] == "Cancelled: Growing training"
        [part] = [p for p in cancelled.message.walk() if p.get_content_type() == "text/calendar"]
        assert b"METHOD:CANCEL" in part.get_payload(decode=True)
