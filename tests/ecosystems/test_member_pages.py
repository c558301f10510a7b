"""Members and invitations pages, as backbone staff use them."""

from __future__ import annotations

import csv
import io
from typing import Any

from django.core import mail

from ecotone.ecosystems.models import Invitation, Membership, Role
from tests.conftest import World, make_user
from tests.html_forms import browser_form


def test_member_list_filters_by_role_and_search(world: World) -> None:
    client = world.client("staff")
    mentors = client.get("/e/alpha/members/?role=mentor").context["page"].object_list
    assert [m.user.email for m in mentors] == ["mentor@alpha.test"]
    found = client.get("/e/alpha/members/?q=partner").context["page"].object_list
    assert {m.user.email for m in found} == {"partner_a@alpha.test", "partner_b@alpha.test"}
    # Only this ecosystem's people.
    everyone = client.get("/e/alpha/members/?q=outsider").context["page"].object_list
    assert list(everyone) == []


def test_member_list_query_count_is_flat(world: World, django_assert_max_num_queries: Any) -> None:
    for i in range(30):
        user = make_user(f"mentor{i}@alpha.test")
        Membership.objects.create(user=user, ecosystem=world.alpha, role=Role.MENTOR)
    client = world.client("staff")
    client.get("/e/alpha/members/")
    # 13, plus the navigation's count of listing changes waiting for backbone review.
    with django_assert_max_num_queries(14):
        client.get("/e/alpha/members/?page=2")


def test_member_export_lists_roles_and_organizations(world: World) -> None:
    response = world.client("staff").get("/e/alpha/members/?format=csv&role=partner_staff")
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0] == ["Name", "Email", "Role", "Organizations", "Since"]
    assert sorted((r[1], r[3]) for r in rows[1:]) == [
        ("partner_a@alpha.test", "Robotics For All"),
        ("partner_b@alpha.test", "Eastside Library"),
    ]


def test_admin_changes_a_role_and_organizations(world: World) -> None:
    membership = world.memberships["mentor"]
    response = world.client("admin").post(
        f"/e/alpha/members/{membership.pk}/",
        {"role": "partner_staff", "organizations": [world.org_b.pk]},
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.role == Role.PARTNER_STAFF
    assert list(membership.organizations.all()) == [world.org_b]


def test_change_refused_by_a_rule_shows_the_reason(world: World) -> None:
    membership = world.memberships["mentor"]
    response = world.client("admin").post(
        f"/e/alpha/members/{membership.pk}/", {"role": "partner_staff"}
    )
    assert response.status_code == 200
    assert "Partner staff need at least one organization." in response.content.decode()


def test_organizations_of_another_ecosystem_are_not_offered(world: World) -> None:
    membership = world.memberships["mentor"]
    response = world.client("admin").post(
        f"/e/alpha/members/{membership.pk}/",
        {"role": "partner_staff", "organizations": [world.org_beta.pk]},
    )
    assert "organizations" in response.context["form"].errors


def test_remove_asks_first(world: World) -> None:
    membership = world.memberships["reviewer"]
    url = f"/e/alpha/members/{membership.pk}/remove/"
    client = world.client("admin")
    assert "Remove Reviewer as Reviewer?" in client.get(url).content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    client.post(url)
    assert not Membership.objects.filter(pk=membership.pk).exists()


def test_membership_of_another_ecosystem_is_404(world: World) -> None:
    other = world.memberships["outsider"]
    assert world.client("admin").get(f"/e/alpha/members/{other.pk}/").status_code == 404


def test_invite_accept_flow(world: World, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = world.client("staff").post(
            "/e/alpha/invitations/",
            {"email": "volunteer@example.org", "role": "mentor", "message": "Join us!"},
        )
    assert response.status_code == 302
    invitation = Invitation.objects.get(email="volunteer@example.org")
    assert invitation.invited_by == world.users["staff"]
    assert len(mail.outbox) == 1
    assert "Join us!" in mail.outbox[0].body

    # Anonymous: the page explains, accepting sends to sign-in first.
    accept_url = invitation.get_absolute_url()
    anonymous = world.client("anonymous")
    assert "Sign in" in anonymous.get(accept_url).content.decode()
    assert anonymous.post(accept_url)["Location"].startswith("/accounts/login/")

    volunteer = make_user("volunteer@example.org")
    from django.test import Client

    client = Client()
    client.force_login(volunteer)
    response = client.post(accept_url)
    assert response["Location"] == "/e/alpha/"
    assert Membership.objects.filter(
        user=volunteer, ecosystem=world.alpha, role=Role.MENTOR
    ).exists()


def test_invitation_form_errors_are_shown(world: World) -> None:
    response = world.client("staff").post(
        "/e/alpha/invitations/", {"email": "not-an-email", "role": "wizard"}
    )
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"email", "role"}
    assert not Invitation.objects.exists()


TOO_LONG = "a" * 65 + "@example.org"
LOCAL_PART = "An email address can have at most 64 characters before the @; this one has 65."


def test_an_invitation_to_an_address_mail_cannot_carry_is_refused(world: World) -> None:
    response = world.client("staff").post(
        "/e/alpha/invitations/", {"email": TOO_LONG, "role": "mentor"}
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [LOCAL_PART]
    api = world.client("staff").post(
        "/api/v1/ecosystems/alpha/invitations/",
        {"email": TOO_LONG, "role": "mentor"},
        content_type="application/json",
    )
    assert api.status_code == 400
    assert LOCAL_PART in str(api.json())
    assert not Invitation.objects.exists()
    fits = "a" * 64 + "@example.org"
    response = world.client("staff").post(
        "/e/alpha/invitations/", {"email": fits, "role": "mentor"}
    )
    assert response.status_code == 302
    assert Invitation.objects.filter(email=fits).exists()


def test_unknown_invitation_token_is_404(world: World) -> None:
    assert world.client("anonymous").get("/invitations/not-a-token/").status_code == 404


def test_revoke_only_pending_and_only_here(world: World) -> None:
    theirs = Invitation.objects.create(ecosystem=world.beta, email="x@example.org", role="mentor")
    response = world.client("staff").post(f"/e/alpha/invitations/{theirs.pk}/revoke/")
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.revoked_at is None


def test_api_refuses_a_role_change_made_on_a_stale_read(world: World) -> None:
    url = f"/api/v1/ecosystems/alpha/memberships/{world.memberships['member'].pk}/"
    admin = world.client("admin")
    loaded = admin.get(url)["ETag"]
    promoted = admin.patch(
        url, {"role": "reviewer"}, "application/json", headers={"If-Match": loaded}
    )
    assert promoted.status_code == 200
    stale = admin.patch(
        url, {"role": "backbone_staff"}, "application/json", headers={"If-Match": loaded}
    )
    assert stale.status_code == 412
    assert admin.get(url).json()["role"] == "reviewer"


def test_a_second_admin_changing_a_role_sees_the_first_change_and_keeps_their_choice(
    world: World,
) -> None:
    url = f"/e/alpha/members/{world.memberships['member'].pk}/"
    first, second = world.client("admin"), world.client("admin")
    first_form = browser_form(first.get(url).content.decode(), "role")
    second_form = browser_form(second.get(url).content.decode(), "role")
    assert first.post(url, {**first_form, "role": "reviewer"}).status_code == 302

    response = second.post(
        url, {**second_form, "role": "partner_staff", "organizations": [world.org_b.pk]}
    )

    assert response.status_code == 200
    assert "Someone else changed this record after you opened it" in response.content.decode()
    assert [(c.label, c.before, c.after) for c in response.context["conflict"].changes] == [
        ("Role", "Member", "Reviewer")
    ]
    assert response.context["form"]["role"].value() == "partner_staff"  # their choice is kept
    assert response.context["form"]["organizations"].value() == [str(world.org_b.pk)]
    world.memberships["member"].refresh_from_db()
    assert world.memberships["member"].role == Role.REVIEWER

    again = browser_form(response.content.decode(), "role")
    assert second.post(url, again).status_code == 302
    world.memberships["member"].refresh_from_db()
    assert world.memberships["member"].role == Role.PARTNER_STAFF


def test_a_role_page_shown_again_for_a_mistake_still_catches_a_change_made_meanwhile(
    world: World,
) -> None:
    url = f"/e/alpha/members/{world.memberships['member'].pk}/"
    first, second = world.client("admin"), world.client("admin")
    second_form = browser_form(second.get(url).content.decode(), "role")
    first_form = browser_form(first.get(url).content.decode(), "role")
    assert first.post(url, {**first_form, "role": "reviewer"}).status_code == 302

    mistake = second.post(url, {**second_form, "role": "partner_staff"})
    assert "Partner staff need at least one organization." in mistake.content.decode()
    assert mistake.context["conflict"] is None
    corrected = browser_form(mistake.content.decode(), "role")
    response = second.post(url, {**corrected, "organizations": [world.org_b.pk]})

    assert response.status_code == 200
    assert response.context["conflict"].changes[0].after == "Reviewer"
