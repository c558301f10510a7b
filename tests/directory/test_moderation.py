"""Moderation: a partner's listing or change goes public only once backbone staff approve it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.urls import reverse

from ecotone.directory.listings.state import diff, program_state
from ecotone.directory.models import ChangeStatus, ListingChange, Location, Program
from ecotone.directory.services.listings import save_listing
from ecotone.directory.services.moderation import approve_change
from ecotone.errors import DomainError
from tests.conftest import World
from tests.directory.listings import WEEKLY, listing_data
from tests.directory.test_search import add_program
from tests.html_forms import browser_form

pytestmark = pytest.mark.django_db


def submit_new(world: World, persona: str = "partner_a", **fields: Any) -> Any:
    url = reverse("listings:program_create", args=["alpha", world.org_a.slug])
    return world.client(persona).post(url, listing_data(schedules=[WEEKLY], **fields))


def edit(world: World, program: Program, persona: str = "partner_a", **fields: Any) -> Any:
    url = reverse("listings:program_edit", args=["alpha", program.slug])
    return world.client(persona).post(url, listing_data(**fields))


def decide(world: World, change: ListingChange, decision: str, note: str = "") -> Any:
    url = reverse("listings:change_decide", args=["alpha", change.pk])
    return world.client("staff").post(url, {"decision": decision, "note": note})


def public_names(world: World) -> set[str]:
    api = world.client("anonymous").get("/api/v1/ecosystems/alpha/programs/").json()
    hsds = world.client("anonymous").get("/api/hsds/alpha/services").json()
    page = world.client("anonymous").get("/e/alpha/programs/").content.decode()
    names = {p["name"] for p in api["results"]}
    assert names == {s["name"] for s in hsds["contents"]}
    assert all(name in page for name in names)
    return names


def test_a_new_listing_goes_public_only_when_approved(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    response = submit_new(world, name="Coding Nights", profile_stem_field=["computing"])
    change = ListingChange.objects.get()
    assert response.url == change.get_absolute_url()
    assert change.status == ChangeStatus.PENDING
    assert change.program is None
    assert not Program.objects.exists()
    assert "Coding Nights" not in public_names(world)
    assert (
        "Coding Nights" not in world.client("anonymous").get("/e/alpha/programs/").content.decode()
    )

    # The backbone queue shows it; the partner cannot decide.
    queue = world.client("staff").get(reverse("listings:moderation", args=["alpha"]))
    assert "Coding Nights" in queue.content.decode()
    assert decide_as(world, "partner_a", change, "approve").status_code == 403

    with django_capture_on_commit_callbacks(execute=True):
        response = decide(world, change, "approve", "Welcome!")
    assert response.status_code == 302
    program = Program.objects.get()
    assert program.organization == world.org_a
    assert program.terms.filter(code="stem_field/computing").exists()
    assert program.schedules.get().byday == "MO,WE"
    assert "Coding Nights" in public_names(world)
    assert world.client("anonymous").get(program.get_absolute_url()).status_code == 200
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED
    assert change.program == program
    assert change.reviewed_by == world.users["staff"]
    from auditlog.models import LogEntry

    decision = LogEntry.objects.get_for_object(change).latest("timestamp")
    assert decision.actor == world.users["staff"]
    assert decision.changes_dict["status"] == ["pending", "approved"]
    [email] = mail.outbox
    assert email.to == ["partner_a@alpha.test"]
    assert "approved" in email.subject.lower()
    assert "Welcome!" in email.body


def decide_as(world: World, persona: str, change: ListingChange, decision: str) -> Any:
    url = reverse("listings:change_decide", args=["alpha", change.pk])
    return world.client(persona).post(url, {"decision": decision, "note": "x"})


def test_a_rejection_keeps_the_listing_private_and_tells_the_partner_why(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    submit_new(world, name="Coding Nights")
    change = ListingChange.objects.get()
    # A rejection without a note is refused: the partner must learn what to fix.
    response = decide(world, change, "reject", "  ")
    assert response.status_code == 200
    assert "needs a note" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decide(world, change, "reject", "Please add the meeting times.")
    change.refresh_from_db()
    assert change.status == ChangeStatus.REJECTED
    assert not Program.objects.exists()
    mine = world.client("partner_a").get(reverse("listings:mine", args=["alpha"]))
    assert "Please add the meeting times." in mine.content.decode()
    page = world.client("partner_a").get(change.get_absolute_url()).content.decode()
    assert "Please add the meeting times." in page
    [email] = mail.outbox
    assert "Please add the meeting times." in email.body


def test_an_edit_of_a_live_listing_keeps_the_old_version_public_until_approved(
    world: World,
) -> None:
    program = add_program(world, "Robot Club", description="Old text")
    edit(world, program, name="Robot Club", description="New text", seats="12")
    program.refresh_from_db()
    assert program.description == "Old text"
    public = world.client("anonymous").get(program.get_absolute_url()).content.decode()
    assert "Old text" in public
    assert "New text" not in public

    # A second edit replaces the pending change: one pending change per listing.
    edit(world, program, name="Robot Club", description="Newer text", seats="12")
    change = ListingChange.objects.get()
    assert change.proposed["fields"]["description"] == "Newer text"
    # The partner's form starts from the pending proposal, not the live listing.
    form = world.client("partner_a").get(
        reverse("listings:program_edit", args=["alpha", "robot-club"])
    )
    assert "Newer text" in form.content.decode()

    decide(world, change, "approve")
    program.refresh_from_db()
    assert (program.description, program.seats) == ("Newer text", 12)
    assert program.slug == "robot-club"  # addresses stay stable across edits


def test_backbone_edits_go_live_at_once_and_are_recorded(world: World) -> None:
    program = add_program(world, "Robot Club", description="Old text")
    response = edit(world, program, persona="staff", name="Robot Club", description="Fixed")
    assert response.status_code == 302
    program.refresh_from_db()
    assert program.description == "Fixed"
    change = ListingChange.objects.get()
    assert change.status == ChangeStatus.APPROVED
    assert change.submitted_by == change.reviewed_by == world.users["staff"]
    assert [line.after for line in diff(change.previous, change.proposed)] == [["Fixed"]]
    from auditlog.models import LogEntry

    entry = LogEntry.objects.get_for_object(program).latest("timestamp")
    assert entry.actor == world.users["staff"]


def test_the_diff_names_fields_readably_and_compares_lists_item_by_item(world: World) -> None:
    site = Location.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Riverton hall", city="Riverton"
    )
    program = add_program(world, "Robot Club", terms=("grade_band/6-8",), cost_band="low")
    before = program_state(program)
    after = program_state(program)
    after["fields"]["cost_band"] = "free"
    after["fields"]["transportation_provided"] = True
    after["profile"]["grade_band"] = ["6-8", "9-12"]
    after["languages"] = ["es"]
    after["locations"] = [str(site.hsds_id)]
    after["schedules"] = [
        {
            **dict.fromkeys(("dtstart", "until", "count", "opens_at", "closes_at")),
            **WEEKLY,
            "byday": "MO,WE",
            "opens_at": "15:30:00",
            "closes_at": "17:00:00",
            "bymonthday": "",
            "description": "",
            "interval": 1,
        }
    ]
    lines = {str(line.label): line for line in diff(before, after)}
    assert lines["Cost"].before == ["Under $50"]
    assert lines["Cost"].after == ["Free"]
    assert lines["Transportation provided"].after == ["Yes"]
    assert lines["Grades"].added == ["9–12"]
    assert lines["Grades"].removed == []
    assert lines["Languages"].added == ["Spanish"]
    assert lines["Locations"].added == ["Riverton hall, Riverton"]
    assert lines["Schedules"].added == ["Weekly · Monday, Wednesday · 15:30–17:00"]
    assert "Name" not in lines  # unchanged fields are left out

    # The change page shows the same lines, old and new side by side.
    change = ListingChange.objects.create(
        ecosystem=world.alpha, organization=world.org_a, program=program, proposed=after
    )
    page = world.client("staff").get(change.get_absolute_url()).content.decode()
    assert "<del>Under $50</del>" in page
    assert "<ins>Free</ins>" in page
    assert "<ins>Riverton hall, Riverton</ins>" in page


def test_staff_of_another_organization_cannot_reach_a_listing(world: World) -> None:
    program = add_program(world, "Robot Club")
    site = Location.objects.create(ecosystem=world.alpha, organization=world.org_a, name="Hall")
    edit(world, program, description="x")
    change = ListingChange.objects.get()
    client = world.client("partner_b")
    for url in (
        reverse("listings:program_edit", args=["alpha", program.slug]),
        reverse("listings:program_archive", args=["alpha", program.slug]),
        reverse("listings:change", args=["alpha", change.pk]),
        reverse("listings:location_edit", args=["alpha", site.hsds_id]),
        reverse("listings:program_create", args=["alpha", world.org_a.slug]),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, listing_data()).status_code == 404, url
    assert (
        client.post(reverse("listings:program_verify", args=["alpha", program.slug])).status_code
        == 404
    )
    mine = client.get(reverse("listings:mine", args=["alpha"])).content.decode()
    assert "Robot Club" not in mine
    program.refresh_from_db()
    assert program.assured_date is None
    assert not program.is_archived


def test_the_queue_is_oldest_first_and_filters_by_status_and_organization(world: World) -> None:
    first = add_program(world, "First Club")
    second = add_program(world, "Second Club", organization=world.org_b)
    edit(world, first, name="First Club", description="a")
    world.client("partner_b").post(
        reverse("listings:program_edit", args=["alpha", second.slug]),
        listing_data(name="Second Club", description="b"),
    )
    url = reverse("listings:moderation", args=["alpha"])
    page = world.client("staff").get(url).content.decode()
    assert page.index("First Club") < page.index("Second Club")
    assert "2 changes to review" in page
    only_b = world.client("staff").get(url, {"organization": world.org_b.slug}).content.decode()
    assert "Second Club" in only_b
    assert "First Club" not in only_b
    approved = world.client("staff").get(url, {"status": "approved"}).content.decode()
    assert "First Club" not in approved
    # The navigation shows the count of changes waiting.
    assert '<span class="tag">2<span class="visually-hidden"> waiting' in page


def test_a_partner_can_withdraw_a_pending_change(world: World) -> None:
    program = add_program(world, "Robot Club")
    edit(world, program, name="Robot Club", description="x")
    change = ListingChange.objects.get()
    world.client("partner_a").post(reverse("listings:change_withdraw", args=["alpha", change.pk]))
    change.refresh_from_db()
    assert change.status == ChangeStatus.WITHDRAWN
    with pytest.raises(DomainError):
        approve_change(change, world.users["staff"])


def test_a_pending_new_listing_can_be_edited_again(world: World) -> None:
    submit_new(world, name="Coding Nights")
    change = ListingChange.objects.get()
    url = reverse("listings:change_edit", args=["alpha", change.pk])
    assert "Coding Nights" in world.client("partner_a").get(url).content.decode()
    world.client("partner_a").post(url, listing_data(name="Coding Evenings"))
    assert ListingChange.objects.get().listing_name == "Coding Evenings"


def test_a_change_already_decided_cannot_be_decided_again(world: World) -> None:
    submit_new(world)
    change = ListingChange.objects.get()
    decide(world, change, "approve")
    response = decide(world, change, "reject", "too late")
    assert response.status_code == 302
    change.refresh_from_db()
    assert change.status == ChangeStatus.APPROVED


def test_approving_a_change_that_no_longer_fits_explains_why(world: World) -> None:
    site = Location.objects.create(ecosystem=world.alpha, organization=world.org_a, name="Hall")
    submit_new(world, locations=[str(site.hsds_id)])
    change = ListingChange.objects.get()
    site.delete()  # the place went away while the change waited
    response = decide(world, change, "approve")
    assert response.status_code == 200
    assert "no longer exists" in response.content.decode()
    assert not Program.objects.exists()
    change.refresh_from_db()
    assert change.is_pending


@pytest.mark.parametrize("url_name", ["listings:moderation", "listings:mine"])
def test_list_pages_cost_the_same_queries_however_many_listings(
    world: World, django_assert_max_num_queries: Any, url_name: str
) -> None:
    for n in range(12):
        program = add_program(world, f"Club {n}")
        save_listing(
            world.alpha,
            world.org_a,
            program,
            {**program_state(program), "fields": {**program_state(program)["fields"], "seats": n}},
            world.users["partner_a"],
        )
    client = world.client("staff")
    url = reverse(url_name, args=["alpha"])
    client.get(url)  # warm the session and role caches
    with django_assert_max_num_queries(20):
        response = client.get(url)
    assert response.status_code == 200
    assert "Club 11" in response.content.decode()


# Concurrent edits ------------------------------------------------------------------------------


def test_two_partner_sessions_editing_one_listing_do_not_lose_the_first_edit(
    world: World,
) -> None:
    program = add_program(world, "Robot Club", description="Build robots.", phone="555-0100")
    url = reverse("listings:program_edit", args=["alpha", program.slug])
    renamer, phoner = world.client("partner_a"), world.client("partner_a")
    renamer_form = browser_form(renamer.get(url).content.decode(), "schedules-TOTAL_FORMS")
    phoner_form = browser_form(phoner.get(url).content.decode(), "schedules-TOTAL_FORMS")

    assert renamer.post(url, {**renamer_form, "name": "Robot Club Junior"}).status_code == 302
    response = phoner.post(url, {**phoner_form, "phone": "555-0199"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this record after you opened it" in html
    assert [(c.label, c.before, c.after) for c in response.context["conflict"].changes] == [
        ("Name", "Robot Club", "Robot Club Junior")
    ]
    assert 'value="555-0199"' in html  # the phone they typed is still in the form
    pending = ListingChange.objects.pending().get()
    assert pending.proposed["fields"]["name"] == "Robot Club Junior"
    assert pending.proposed["fields"]["phone"] == "555-0100"

    # Having seen the rename, they keep it and send their phone again: both are proposed.
    again = browser_form(html, "schedules-TOTAL_FORMS")
    assert phoner.post(url, {**again, "name": "Robot Club Junior"}).status_code == 302
    pending.refresh_from_db()
    assert pending.proposed["fields"]["name"] == "Robot Club Junior"
    assert pending.proposed["fields"]["phone"] == "555-0199"


def test_a_backbone_edit_made_meanwhile_conflicts_with_a_partner_edit(world: World) -> None:
    program = add_program(world, "Robot Club", description="Build robots.")
    url = reverse("listings:program_edit", args=["alpha", program.slug])
    partner = world.client("partner_a")
    loaded = browser_form(partner.get(url).content.decode(), "schedules-TOTAL_FORMS")
    staff = world.client("staff")
    staff_form = browser_form(staff.get(url).content.decode(), "schedules-TOTAL_FORMS")
    assert staff.post(url, {**staff_form, "name": "Robot Club (ages 10+)"}).status_code == 302

    response = partner.post(url, {**loaded, "phone": "555-0199"})
    assert response.status_code == 200
    assert response.context["conflict"].changes[0].after == "Robot Club (ages 10+)"
    assert not ListingChange.objects.pending().exists()


def test_a_pending_new_listing_edited_in_two_sessions_conflicts(world: World) -> None:
    submit_new(world, name="Coding Nights")
    change = ListingChange.objects.get()
    url = reverse("listings:change_edit", args=["alpha", change.pk])
    first, second = world.client("partner_a"), world.client("partner_a")
    first_form = browser_form(first.get(url).content.decode(), "schedules-TOTAL_FORMS")
    second_form = browser_form(second.get(url).content.decode(), "schedules-TOTAL_FORMS")
    assert first.post(url, {**first_form, "name": "Coding Nights 2"}).status_code == 302
    assert second.post(url, {**second_form, "phone": "555-0199"}).status_code == 200
    change.refresh_from_db()
    assert change.proposed["fields"]["name"] == "Coding Nights 2"


def test_a_change_edited_after_the_moderator_read_it_is_not_approved_unseen(world: World) -> None:
    program = add_program(world, "Robot Club", description="Build robots.")
    edit(world, program, name="Robot Club", phone="555-0199")
    change = ListingChange.objects.pending().get()
    staff = world.client("staff")
    page = staff.get(change.get_absolute_url()).content.decode()
    approve_link = re.search(r'href="([^"]*decision=approve[^"]*)"', page)
    assert approve_link is not None
    confirm = staff.get(approve_link.group(1).replace("&amp;", "&")).content.decode()
    loaded = browser_form(confirm, "decision")

    edit(world, program, name="Robot Club", phone="555-0666")
    response = staff.post(reverse("listings:change_decide", args=["alpha", change.pk]), loaded)

    assert response.status_code == 200
    assert "changed this listing after you opened it" in response.content.decode()
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING
    program.refresh_from_db()
    assert program.phone == ""


def test_a_listing_page_shown_again_for_a_mistake_still_catches_a_change_made_meanwhile(
    world: World,
) -> None:
    program = add_program(world, "Robot Club", description="Build robots.")
    url = reverse("listings:program_edit", args=["alpha", program.slug])
    first, second = world.client("partner_a"), world.client("partner_a")
    second_form = browser_form(second.get(url).content.decode(), "schedules-TOTAL_FORMS")
    first_form = browser_form(first.get(url).content.decode(), "schedules-TOTAL_FORMS")
    assert first.post(url, {**first_form, "name": "Robot Club Junior"}).status_code == 302

    mistake = second.post(url, {**second_form, "name": ""})
    assert mistake.status_code == 200
    assert mistake.context["conflict"] is None
    corrected = browser_form(mistake.content.decode(), "schedules-TOTAL_FORMS")
    response = second.post(url, {**corrected, "name": "Robot Club", "phone": "555-0199"})

    assert response.status_code == 200
    assert response.context["conflict"].changes[0].after == "Robot Club Junior"
    assert ListingChange.objects.pending().get().proposed["fields"]["name"] == "Robot Club Junior"
