"""Workgroups and events through their pages and the API: what each person sees (the video
link only to registrants, never in the feed), the check-in page, the steering committee's
report from a chair's note, shared files checked, the rates page and its exports."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import icalendar
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from ecotone.network.models import Registration
from ecotone.network.services import events, roll
from tests.conftest import build_world
from tests.network.builders import make_member
from tests.network.builders_gatherings import make_event, make_workgroup

NET = "/e/alpha/network"
SECRET = "https://video.example.org/secret-room"


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[dict[str, Any]]:
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        member = make_member(world.alpha, world.users["member"].email, name="Carmen Abara")
        roll.activate(member, world.users["member"])
        others = [make_member(world.alpha, f"p{i}@example.org", name=f"Pat {i}") for i in range(3)]
        group = make_workgroup(world.alpha, "Outreach", chairs=(member,), members=(others[0],))
        steering = make_workgroup(world.alpha, "Steering", is_steering_committee=True)
        event = make_event(world.alpha, "Winter meeting", video_link=SECRET, capacity=10)
        past = make_event(world.alpha, "Autumn meeting", in_days=-30)
        for person in others:
            registration = Registration.objects.create(event=past, member=person)
        Registration.objects.filter(pk=registration.pk).update(attended_at=timezone.now())
        yield {
            "world": world,
            "member": member,
            "others": others,
            "group": group,
            "steering": steering,
            "event": event,
            "past": past,
        }
        transaction.set_rollback(True)


def _text(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


@pytest.fixture
def d(built: dict[str, Any], db: None) -> dict[str, Any]:
    return built


def test_video_link_only_after_registering_and_never_in_the_feed(d: dict[str, Any]) -> None:
    world, event = d["world"], d["event"]
    client = world.client("member")
    page = f"{NET}/events/{event.pk}/"
    assert SECRET not in client.get(page).content.decode()
    assert SECRET not in world.client("anonymous").get(page).content.decode()
    response = client.post(f"{page}register/")
    assert response.status_code == 302
    assert SECRET in client.get(page).content.decode()
    assert SECRET in client.get(f"{page}event.ics").content.decode()
    assert SECRET not in world.client("anonymous").get(f"{page}event.ics").content.decode()
    feed = world.client("anonymous").get(f"{NET}/events.ics")
    cal = icalendar.Calendar.from_ical(feed.content)
    titles = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert "Winter meeting" in titles
    assert SECRET not in feed.content.decode()
    assert "Carmen" not in feed.content.decode()


def test_list_filters_upcoming_past_and_kind(d: dict[str, Any]) -> None:
    client = d["world"].client("anonymous")
    upcoming = client.get(f"{NET}/events/").content.decode()
    assert "Winter meeting" in upcoming
    assert "Autumn meeting" not in upcoming
    past = client.get(f"{NET}/events/?when=past").content.decode()
    assert "Autumn meeting" in past
    assert "Winter meeting" not in past
    assert (
        "Autumn meeting"
        not in client.get(f"{NET}/events/?when=past&kind=training").content.decode()
    )
    assert client.get(f"{NET}/events/?when=nonsense&kind=<b>&page=x").status_code == 200


def test_check_in_page_search_and_one_tap(d: dict[str, Any]) -> None:
    world, past = d["world"], d["past"]
    staff = world.client("staff")
    url = f"{NET}/events/{past.pk}/check-in/"
    page = staff.get(url, {"q": "Pat 1"}).content.decode()
    assert "Pat 1" in page
    assert "Pat 0" not in page
    registration = past.registrations.get(member=d["others"][1])
    assert staff.post(url, {"registration": registration.pk, "q": "Pat"}).status_code == 302
    registration.refresh_from_db()
    assert registration.attended_at is not None
    staff.post(url, {"registration": registration.pk, "undo": "1"})
    registration.refresh_from_db()
    assert registration.attended_at is None
    assert staff.post(url, {"registration": "999999"}).status_code == 404
    assert staff.post(url, {"registration": "abc"}).status_code == 404


def test_attendance_rates_page_chart_and_exports(d: dict[str, Any]) -> None:
    staff = d["world"].client("staff")
    page = staff.get(f"{NET}/events/attendance/").content.decode()
    assert "Autumn meeting" in page
    assert "33 %" in page  # 1 of 3 attended
    assert 'class="chart"' in page
    csv = _text(staff.get(f"{NET}/events/attendance/?format=csv"))
    assert "Autumn meeting" in csv
    assert "Pat" not in csv
    xlsx = staff.get(f"{NET}/events/attendance/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_event_form_refuses_end_before_start(d: dict[str, Any]) -> None:
    staff = d["world"].client("staff")
    response = staff.post(
        f"{NET}/events/new/",
        {
            "kind": "training",
            "title": "Backwards",
            "starts_at": "2027-01-10T10:00",
            "ends_at": "2027-01-10T09:00",
        },
    )
    assert response.status_code == 200
    assert "The event ends before it starts." in response.content.decode()


def test_workgroup_space_is_for_its_members(d: dict[str, Any]) -> None:
    world, group = d["world"], d["group"]
    url = f"{NET}/workgroups/{group.slug}/"
    assert "Goals and tasks" in world.client("member").get(url).content.decode()
    assert "Goals and tasks" in world.client("staff").get(url).content.decode()
    public = world.client("anonymous").get(url).content.decode()
    assert "Outreach" in public
    assert "Goals and tasks" not in public
    assert world.client("partner_a").get(f"{url}discussion/").status_code == 403


def test_chair_note_reaches_the_steering_committee_report(d: dict[str, Any]) -> None:
    world, group, steering = d["world"], d["group"], d["steering"]
    chair = world.client("member")
    response = chair.post(
        f"{NET}/workgroups/{group.slug}/note/",
        {"moved": "Three libraries joined", "blocked": "", "next": "A fair"},
    )
    assert response.status_code == 302
    staff = world.client("staff")
    month = timezone.localdate().strftime("%Y-%m")
    response = staff.post(f"{NET}/workgroups/reports/", {"month": timezone.localdate().isoformat()})
    assert response.status_code == 302
    report = staff.get(f"{NET}/workgroups/reports/{month}/").content.decode()
    assert "Three libraries joined" in report
    assert (
        "Three libraries joined" in staff.get(f"{NET}/workgroups/{steering.slug}/").content.decode()
    )
    csv = _text(staff.get(f"{NET}/workgroups/reports/{month}/?format=csv"))
    assert "Three libraries joined" in csv
    # compiled: the note is locked
    locked = chair.get(f"{NET}/workgroups/{group.slug}/note/").content.decode()
    assert "can no longer change" in locked
    assert staff.get(f"{NET}/workgroups/reports/2026-13/").status_code == 404


def test_shared_files_are_checked(d: dict[str, Any]) -> None:
    world, group = d["world"], d["group"]
    chair = world.client("member")
    url = f"{NET}/workgroups/{group.slug}/files/new/"
    page = SimpleUploadedFile("page.html", b"<html><script>x</script></html>", "text/html")
    refused = chair.post(url, {"title": "Bad", "file": page})
    assert refused.status_code == 200
    assert "page.html" in refused.content.decode()
    pdf = SimpleUploadedFile("plan.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj\n<<>>\nendobj\n", "x")
    assert chair.post(url, {"title": "Plan", "file": pdf}).status_code == 302
    shared = group.files.get(title="Plan")
    download = chair.get(f"{NET}/workgroups/{group.slug}/files/{shared.pk}/")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    remove = f"{NET}/workgroups/{group.slug}/files/{shared.pk}/remove/"
    assert "Remove “Plan”?" in chair.get(remove).content.decode()
    assert chair.post(remove).status_code == 302
    assert not group.files.filter(pk=shared.pk).exists()


def test_discussion_post_and_reply(d: dict[str, Any]) -> None:
    world, group = d["world"], d["group"]
    chair = world.client("member")
    url = f"{NET}/workgroups/{group.slug}/discussion/"
    response = chair.post(url, {"title": "Kickoff", "body": "Welcome all"})
    assert response.status_code == 302
    thread = response["Location"]
    chair.post(thread, {"body": "First reply"})
    assert "First reply" in chair.get(thread).content.decode()
    assert chair.post(url, {"title": "", "body": ""}).status_code == 200


def test_api_check_in_and_rates(d: dict[str, Any]) -> None:
    world, past = d["world"], d["past"]
    staff = world.client("staff")
    api = "/api/v1/ecosystems/alpha/network"
    listed = staff.get(f"{api}/registrations/", {"event": past.pk}).json()
    rows = listed["results"] if isinstance(listed, dict) else listed
    assert len(rows) == 3
    target = rows[0]["id"]
    done = staff.post(
        f"{api}/registrations/{target}/check-in/", {"undo": False}, content_type="application/json"
    )
    assert done.status_code == 200
    assert done.json()["attended_at"]
    rates = staff.get(f"{api}/attendance/").json()
    assert rates["events"][0]["registered"] == 3
    assert staff.get(f"{api}/registrations/", {"event": "x"}).status_code == 400
    public = world.client("anonymous").get(f"{api}/events/").json()
    assert SECRET not in str(public)


def test_capacity_full_puts_on_waitlist_through_the_page(d: dict[str, Any]) -> None:
    world = d["world"]
    small = make_event(world.alpha, "Small training", capacity=1, kind="training")
    events.register(d["others"][2], small)
    client = world.client("member")
    client.post(f"{NET}/events/{small.pk}/register/")
    page = client.get(f"{NET}/events/{small.pk}/").content.decode()
    assert "You are on the waitlist." in page
    assert "video.example.org" not in page


def test_a_shared_link_is_removed_by_its_sharer_a_chair_or_the_backbone_only(
    d: dict[str, Any],
) -> None:
    from ecotone.errors import DomainError
    from ecotone.network.services import workgroups

    world, group, sharer = d["world"], d["group"], d["others"][0]
    shared = workgroups.add_file(sharer, group, "Agenda", "https://example.org/agenda", None)
    outsider_user = world.users["partner_a"]
    stranger = make_member(world.alpha, outsider_user.email, name="Ines")
    with pytest.raises(DomainError):
        workgroups.remove_file(outsider_user, stranger, shared)
    assert workgroups.may_remove_file(world.users["member"], d["member"], shared)  # a chair
    assert workgroups.may_remove_file(world.users["staff"], None, shared)  # the backbone
    assert workgroups.may_remove_file(outsider_user, sharer, shared)  # its sharer
    workgroups.remove_file(world.users["staff"], None, shared)
    assert not group.files.filter(pk=shared.pk).exists()
