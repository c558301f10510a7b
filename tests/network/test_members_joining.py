"""Joining the network: the public page's double opt-in (the mail a real SMTP server receives,
in the member's language, whose link confirms), re-joining, a new account with a password,
an existing account linked, partners' staff and mentors in one click, the profile, and
leaving (which erases the person)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from auditlog.models import LogEntry
from django.test import Client

from ecotone.accounts.models import User
from ecotone.ecosystems.models import Membership, Role
from ecotone.network.models import (
    Member,
    MemberSource,
    MemberStatus,
    Workgroup,
    WorkgroupMembership,
)
from ecotone.network.services import members as services
from tests.conftest import PASSWORD, World, make_user
from tests.network.builders import make_member

pytestmark = pytest.mark.django_db

JOIN = "/e/alpha/network/join/"
HOME = "/e/alpha/network/"


def _form(email: str, **extra: Any) -> dict[str, Any]:
    return {
        "name": "Rosa Díaz",
        "email": email,
        "organization_name": "Riverton Library",
        "sector": "library",
        "network_role": "educator",
        "region": "Franklin",
        "postal_code": "43215",
        "interests": ["math", "family"],
        "language": "es",
        "email_consent": "on",
        "in_directory": "on",
        **extra,
    }


def _link(text: str) -> str:
    found = re.search(r"http://testserver(/e/alpha/network/confirm/[^/\s]+/)", text)
    assert found, text
    return found.group(1)


def test_join_mails_a_confirmation_in_the_members_language_and_the_link_confirms(
    world: World, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(JOIN, _form("Rosa@Example.org"))
    assert response.status_code == 200
    member = Member.objects.get(ecosystem=world.alpha, email="rosa@example.org")
    assert member.status == MemberStatus.PENDING
    assert member.latitude is not None  # placed at the ZIP code's centroid
    assert sorted(member.interests.values_list("code", flat=True)) == ["family", "math"]
    [mail] = smtp.to("rosa@example.org")
    assert mail.message["Subject"] == "Confirme que se une a Alpha Valley STEM Alliance"  # es
    link = _link(mail.text())
    assert link in mail.html()

    page = client.get(link)
    assert page.status_code == 200
    assert b"password1" in page.content
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(
            link, {"password1": "a-long-pass-phrase", "password2": "a-long-pass-phrase"}
        )
    assert done.status_code == 302
    assert done["Location"] == HOME
    member.refresh_from_db()
    assert member.status == MemberStatus.ACTIVE
    assert member.confirmed_at is not None
    user = User.objects.get(email="rosa@example.org")
    assert member.user == user
    assert EmailAddress.objects.get(user=user).verified
    assert Membership.objects.filter(user=user, role=Role.NETWORK_MEMBER).exists()
    home = client.get(HOME)
    assert "Rosa Díaz".encode() in home.content  # signed in, on the member home
    # the link works once
    assert client.get(link).status_code == 404


def test_joining_again_while_pending_resends_and_never_duplicates(
    world: World, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(JOIN, _form("twice@example.org"))
        client.post(JOIN, _form("twice@example.org", name="Rosa D."))
    assert Member.objects.filter(email="twice@example.org").count() == 1
    assert Member.objects.get(email="twice@example.org").name == "Rosa D."
    assert len(smtp.to("twice@example.org")) == 2


def test_the_page_says_the_same_whether_or_not_the_address_is_on_the_roll(
    world: World, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    on_roll = make_user("onroll@example.org")
    member = make_member(world.alpha, "onroll@example.org", user=on_roll)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        known = client.post(JOIN, _form("onroll@example.org"))
        new = client.post(JOIN, _form("fresh@example.org"))

    def page(response: Any, email: str) -> str:
        text = response.content.decode().replace(email, "EMAIL")
        return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", text)

    assert page(known, "onroll@example.org") == page(new, "fresh@example.org")
    assert smtp.to("onroll@example.org") == []  # an account on the roll hears nothing
    member.refresh_from_db()
    assert member.name != "Rosa Díaz"  # and nothing changed


def test_join_refuses_bad_input_with_the_field_named(world: World) -> None:
    response = Client().post(JOIN, _form("not-an-address", postal_code="abc", interests=["x"]))
    assert response.status_code == 200
    form = response.context["form"]
    assert {"email", "postal_code", "interests"} <= set(form.errors)
    assert not Member.objects.exists()


def test_join_is_rate_limited_per_client(world: World) -> None:
    client = Client()
    for n in range(10):
        assert client.post(JOIN, _form(f"bot{n}@example.org", website="")).status_code == 200
    assert client.post(JOIN, _form("bot11@example.org")).status_code == 429


def test_the_hidden_field_filled_by_robots_keeps_nothing(world: World) -> None:
    response = Client().post(JOIN, _form("robot@example.org", website="http://spam"))
    assert response.status_code == 200
    assert not Member.objects.filter(email="robot@example.org").exists()


def test_confirming_links_the_account_with_that_verified_address(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    user = make_user("had-account@example.org")
    member = services.join(world.alpha, "had-account@example.org", {"name": "Had"}, [])
    assert member is not None
    client = Client()
    page = client.get(f"{HOME}confirm/{member.confirmation_token}/")
    assert b"password1" not in page.content
    response = client.post(f"{HOME}confirm/{member.confirmation_token}/")
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]
    member.refresh_from_db()
    assert member.user == user
    assert member.status == MemberStatus.ACTIVE
    assert User.objects.filter(email="had-account@example.org").count() == 1


def test_partner_staff_join_in_one_click_with_their_organization(world: World) -> None:
    client = world.client("partner_a")
    home = client.get(HOME)
    assert b"join/staff/" in home.content
    response = client.post(f"{HOME}join/staff/", {"agree": "on", "email_consent": "on"})
    assert response.status_code == 302
    member = Member.objects.get(user=world.users["partner_a"])
    assert member.status == MemberStatus.ACTIVE
    assert member.source == MemberSource.PARTNER_STAFF
    assert member.organization == world.org_a
    assert member.organization_name == "Robotics For All"
    assert member.email_consent


def test_staff_join_needs_the_consent_tick_and_the_role(world: World) -> None:
    client = world.client("partner_a")
    client.post(f"{HOME}join/staff/", {"email_consent": "on"})
    assert not Member.objects.filter(user=world.users["partner_a"]).exists()
    assert world.client("reviewer").post(f"{HOME}join/staff/", {"agree": "on"}).status_code == 404


def test_a_member_edits_their_profile(world: World) -> None:
    user = world.users["partner_b"]
    member = services.join_as_staff(world.alpha, user, email_consent=False)
    client = world.client("partner_b")
    response = client.post(
        f"{HOME}me/",
        {"name": "New Name", "language": "en", "interests": ["data"], "postal_code": "43215"},
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.name == "New Name"
    assert list(member.interests.values_list("code", flat=True)) == ["data"]


def test_leaving_erases_the_person_and_takes_them_off_every_list(world: World) -> None:
    user = world.users["mentor"]
    member = services.join_as_staff(world.alpha, user, email_consent=True, in_directory=True)
    group = Workgroup.objects.create(ecosystem=world.alpha, slug="outreach", name="Outreach")
    WorkgroupMembership.objects.create(workgroup=group, member=member)
    client = world.client("mentor")
    page = client.get(f"{HOME}me/leave/")
    assert b"erase" in page.content
    assert client.post(f"{HOME}me/leave/").status_code == 302
    member.refresh_from_db()
    assert member.status == MemberStatus.LEFT
    assert member.left_at is not None
    assert (member.name, member.email, member.postal_code, member.user) == ("", "", "", None)
    assert member.latitude is None
    assert not member.interests.exists()
    assert member.source == MemberSource.MENTOR
    assert member.joined_at is not None
    assert not WorkgroupMembership.objects.filter(member=member).exists()
    assert not Membership.objects.filter(user=user, role=Role.NETWORK_MEMBER).exists()
    # nor does the change history keep who they were
    history = LogEntry.objects.filter(object_pk=str(member.pk), content_type__model="member")
    assert history.exists()
    for entry in history:
        assert "Mentor" not in entry.object_repr
        assert "mentor@alpha.test" not in json.dumps(entry.changes)
    # and they may join again later
    assert services.join_as_staff(world.alpha, user, email_consent=False).pk != member.pk


def test_an_imported_member_claims_their_membership_by_joining(
    world: World, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    member = make_member(world.alpha, "imported@example.org", source=MemberSource.IMPORT)
    client = Client()
    with django_capture_on_commit_callbacks(execute=True):
        client.post(JOIN, _form("imported@example.org"))
    [mail] = smtp.to("imported@example.org")
    link = _link(mail.text())
    client.post(link, {"password1": PASSWORD, "password2": PASSWORD})
    member.refresh_from_db()
    assert member.user is not None
    assert member.status == MemberStatus.ACTIVE
    assert Member.objects.filter(email="imported@example.org").count() == 1


def test_leaving_gives_the_seat_to_the_waitlist_and_ends_the_survey_invitations(
    world: World, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    from ecotone.network.models import Invitation, RegistrationStatus
    from ecotone.network.services import events, surveys
    from tests.network.builders_gatherings import make_event
    from tests.network.builders_surveys import make_survey

    user = world.users["mentor"]
    leaving = services.join_as_staff(world.alpha, user, email_consent=True)
    waiting = make_member(world.alpha, "waiting@example.org", email_consent=True)
    event = make_event(world.alpha, capacity=1)
    events.register(leaving, event)
    assert events.register(waiting, event).status == RegistrationStatus.WAITLISTED
    survey = make_survey(world.alpha)
    surveys.open_survey(world.users["admin"], survey)
    assert Invitation.objects.filter(member=leaving).exists()

    with django_capture_on_commit_callbacks(execute=True):
        services.leave(leaving)

    assert events.registration_of(waiting, event).status == RegistrationStatus.REGISTERED
    assert smtp.to("waiting@example.org"), "the promoted member is told"
    assert not Invitation.objects.filter(member=leaving).exists()
