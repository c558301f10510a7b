"""The gatherings' rows of the permission table (tests/test_permissions.py) and their records
(`records`): the open workgroup "Outreach" chaired by the "member" persona, with a goal, a task,
a post and a shared link; the steering committee with a compiled report; a published event the
member registered for."""

from __future__ import annotations

import datetime
from typing import Any

from ecotone.network.models import Goal, Member, Post, SteeringReport, Task, WorkgroupFile
from ecotone.network.services import events
from tests.conftest import World
from tests.network.builders_gatherings import make_event, make_workgroup
from tests.permission_rows import ALL_200, BACKBONE, Row, members_only, statuses

NETWORK = "/e/alpha/network"
WG = f"{NETWORK}/workgroups/outreach"
EV = f"{NETWORK}/events/{{gatherings_event}}"
API = "/api/v1/ecosystems/alpha/network"
CHAIRS = ("member", *BACKBONE)


def _page(allowed: tuple[str, ...], ok: int = 200) -> dict[str, int]:
    return members_only(allowed, ok)


ROWS = [
    # workgroups
    Row("gatherings workgroups", "get", f"{NETWORK}/workgroups/", ALL_200),
    Row("gatherings workgroups csv", "get", f"{NETWORK}/workgroups/?format=csv", ALL_200),
    Row("gatherings workgroup", "get", f"{WG}/", ALL_200),
    Row("gatherings workgroup new", "get", f"{NETWORK}/workgroups/new/", _page(BACKBONE)),
    Row("gatherings workgroup edit", "get", f"{WG}/edit/", _page(BACKBONE)),
    Row("gatherings workgroup archive", "get", f"{WG}/archive/", _page(BACKBONE)),
    Row("gatherings workgroup join", "post", f"{WG}/join/", _page(("member",), 302)),
    Row(
        "gatherings invitation answer",
        "post",
        f"{WG}/invitation/",
        _page(("member",), 404),
        data={"answer": "accept"},
    ),
    Row("gatherings workgroup leave", "get", f"{WG}/leave/", _page(("member",))),
    Row("gatherings workgroup invite", "get", f"{WG}/invite/", _page(CHAIRS)),
    Row(
        "gatherings workgroup digest",
        "post",
        f"{WG}/digest/",
        _page(("member",), 302),
        data={"digest": "off"},
    ),
    Row("gatherings goal new", "get", f"{WG}/goals/new/", _page(CHAIRS)),
    Row("gatherings goal edit", "get", f"{WG}/goals/{{gatherings_goal}}/", _page(CHAIRS)),
    Row("gatherings task new", "get", f"{WG}/goals/{{gatherings_goal}}/tasks/new/", _page(CHAIRS)),
    Row("gatherings task edit", "get", f"{WG}/tasks/{{gatherings_task}}/", _page(CHAIRS)),
    Row("gatherings note", "get", f"{WG}/note/", _page(CHAIRS)),
    Row("gatherings file new", "get", f"{WG}/files/new/", _page(("member",))),
    # a shared link has no file to download: 404 to those who may see the space
    Row("gatherings file", "get", f"{WG}/files/{{gatherings_file}}/", _page(CHAIRS, 404)),
    Row(
        "gatherings file remove",
        "get",
        f"{WG}/files/{{gatherings_file}}/remove/",
        _page(CHAIRS),
    ),
    Row("gatherings discussion", "get", f"{WG}/discussion/", _page(CHAIRS)),
    Row("gatherings post", "get", f"{WG}/discussion/{{gatherings_post}}/", _page(CHAIRS)),
    Row("gatherings reports", "get", f"{NETWORK}/workgroups/reports/", _page(BACKBONE)),
    Row("gatherings report", "get", f"{NETWORK}/workgroups/reports/2026-01/", _page(BACKBONE)),
    Row(
        "gatherings report csv",
        "get",
        f"{NETWORK}/workgroups/reports/2026-01/?format=csv",
        _page(BACKBONE),
    ),
    # events
    Row("gatherings events", "get", f"{NETWORK}/events/", ALL_200),
    Row("gatherings events past", "get", f"{NETWORK}/events/?when=past&kind=training", ALL_200),
    Row("gatherings event feed", "get", f"{NETWORK}/events.ics", ALL_200),
    Row("gatherings event", "get", f"{EV}/", ALL_200),
    Row("gatherings event ics", "get", f"{EV}/event.ics", ALL_200),
    Row("gatherings event new", "get", f"{NETWORK}/events/new/", _page(BACKBONE)),
    Row("gatherings event edit", "get", f"{EV}/edit/", _page(BACKBONE)),
    Row("gatherings event status", "get", f"{EV}/status/?action=cancel", _page(BACKBONE)),
    Row("gatherings event register", "post", f"{EV}/register/", _page(CHAIRS, 302)),
    Row(
        "gatherings event unregister",
        "get",
        f"{EV}/unregister/",
        {**_page(CHAIRS), "staff": 404, "admin": 404},
    ),
    Row("gatherings event check-in", "get", f"{EV}/check-in/", _page(BACKBONE)),
    Row("gatherings event archive", "get", f"{EV}/archive/", _page(BACKBONE)),
    Row("gatherings event send recording", "post", f"{EV}/send-recording/", _page(BACKBONE, 302)),
    Row("gatherings event slides", "get", f"{EV}/slides/", statuses(404)),
    Row("gatherings attendance", "get", f"{NETWORK}/events/attendance/", _page(BACKBONE)),
    Row(
        "gatherings attendance xlsx",
        "get",
        f"{NETWORK}/events/attendance/?format=xlsx",
        _page(BACKBONE),
    ),
    # API
    Row("gatherings api workgroups", "get", f"{API}/workgroups/", ALL_200),
    Row("gatherings api workgroup", "get", f"{API}/workgroups/outreach/", ALL_200),
    Row("gatherings api events", "get", f"{API}/events/", ALL_200),
    Row("gatherings api event", "get", f"{API}/events/{{gatherings_event}}/", ALL_200),
    Row(
        "gatherings api registrations",
        "get",
        f"{API}/registrations/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "gatherings api registration",
        "get",
        f"{API}/registrations/{{gatherings_registration}}/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "gatherings api check-in",
        "post",
        f"{API}/registrations/{{gatherings_registration}}/check-in/",
        members_only(BACKBONE, api=True),
        data={"undo": False},
    ),
    Row("gatherings api attendance", "get", f"{API}/attendance/", members_only(BACKBONE, api=True)),
]

FAKE: dict[str, Any] = {
    "gatherings_event": "1",
    "gatherings_goal": "1",
    "gatherings_task": "1",
    "gatherings_file": "1",
    "gatherings_post": "1",
    "gatherings_registration": "1",
}


def records(world: World) -> dict[str, Any]:
    """Call after permissions_core.records (the member persona on the roll)."""
    member = Member.objects.get(ecosystem=world.alpha, user=world.users["member"])
    group = make_workgroup(world.alpha, "Outreach", chairs=(member,))
    make_workgroup(world.alpha, "Steering", is_steering_committee=True)
    SteeringReport.objects.create(ecosystem=world.alpha, month=datetime.date(2026, 1, 1))
    goal = Goal.objects.create(workgroup=group, title="Reach schools")
    task = Task.objects.create(goal=goal, workgroup=group, title="Call", owner=member)
    post = Post.objects.create(workgroup=group, author=member, title="Hello", body="Hi")
    shared = WorkgroupFile.objects.create(
        workgroup=group, title="Plan", url="https://example.org/plan"
    )
    event = make_event(world.alpha, video_link="https://video.example.org/secret")
    registration = events.register(member, event)
    return {
        "gatherings_event": event.pk,
        "gatherings_goal": goal.pk,
        "gatherings_task": task.pk,
        "gatherings_file": shared.pk,
        "gatherings_post": post.pk,
        "gatherings_registration": registration.pk,
    }
