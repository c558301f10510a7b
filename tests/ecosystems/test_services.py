"""The ecosystems services: the rules every view, endpoint and command goes through."""

from __future__ import annotations

from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core import mail

from ecotone.concurrency import EditConflictError
from ecotone.ecosystems import roles, services
from ecotone.ecosystems.models import Invitation, Membership, Organization, Role
from ecotone.errors import DomainError
from tests.conftest import World, make_organization, make_user


def test_create_organization_gets_a_unique_slug_and_an_audit_entry(world: World) -> None:
    admin = world.users["admin"]
    first = services.create_organization(
        world.alpha, admin, name="Robotics For All", sector="library"
    )
    assert first.slug == "robotics-for-all-2"  # the fixture already holds "robotics-for-all"
    entry = LogEntry.objects.get_for_object(first).get()
    assert entry.actor == admin
    assert entry.additional_data == {"ecosystem_id": world.alpha.pk}


def test_same_slug_may_exist_in_another_ecosystem(world: World) -> None:
    organization = services.create_organization(
        world.beta, world.users["admin"], name="Robotics For All", sector="library"
    )
    assert organization.slug == "robotics-for-all"


def test_invalid_organization_fields_raise_validation_error(world: World) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        services.create_organization(world.alpha, world.users["admin"], name="X", sector="bogus")
    assert "sector" in error.value.message_dict
    assert not Organization.objects.filter(name="X").exists()


def test_archived_organization_cannot_be_changed_until_restored(world: World) -> None:
    admin = world.users["admin"]
    services.archive_organization(world.org_a, admin)
    with pytest.raises(DomainError, match="archived"):
        services.update_organization(world.org_a, admin, phone="1")
    with pytest.raises(DomainError):
        services.archive_organization(world.org_a, admin)
    services.restore_organization(world.org_a, admin)
    services.update_organization(world.org_a, admin, phone="555-0101")
    world.org_a.refresh_from_db()
    assert world.org_a.phone == "555-0101"
    assert world.org_a.archived_at is None


def test_partner_staff_need_an_organization_of_the_same_ecosystem(world: World) -> None:
    person = make_user("new@alpha.test")
    with pytest.raises(DomainError, match="at least one organization"):
        services.grant_role(world.alpha, person, Role.PARTNER_STAFF, world.users["admin"])
    with pytest.raises(DomainError, match="belong to this ecosystem"):
        services.grant_role(
            world.alpha, person, Role.PARTNER_STAFF, world.users["admin"], [world.org_beta]
        )
    with pytest.raises(DomainError, match="Only partner staff"):
        services.grant_role(world.alpha, person, Role.MENTOR, world.users["admin"], [world.org_a])
    assert not Membership.objects.filter(user=person).exists()


def test_one_person_can_hold_roles_in_several_ecosystems(world: World) -> None:
    person = make_user("both@alpha.test")
    services.grant_role(world.alpha, person, Role.MENTOR, world.users["admin"])
    services.grant_role(world.beta, person, Role.REVIEWER, world.users["admin"])
    services.grant_role(world.alpha, person, Role.MEMBER, world.users["admin"])
    assert roles.roles_in(person, world.alpha) == {Role.MENTOR, Role.MEMBER}
    assert roles.roles_in(person, world.beta) == {Role.REVIEWER}


def test_the_last_backbone_admin_cannot_be_removed_or_demoted(world: World) -> None:
    admin_membership = world.memberships["admin"]
    with pytest.raises(DomainError, match="at least one backbone admin"):
        services.remove_membership(admin_membership, world.users["admin"])
    with pytest.raises(DomainError, match="at least one backbone admin"):
        services.change_membership(admin_membership, world.users["admin"], role=Role.MEMBER)
    services.change_membership(
        world.memberships["staff"], world.users["admin"], role=Role.BACKBONE_ADMIN
    )
    services.change_membership(admin_membership, world.users["admin"], role=Role.MEMBER)
    admin_membership.refresh_from_db()
    assert admin_membership.role == Role.MEMBER


def test_changing_a_role_refuses_a_duplicate(world: World) -> None:
    mentor = world.users["mentor"]
    services.grant_role(world.alpha, mentor, Role.MEMBER, world.users["admin"])
    with pytest.raises(DomainError, match="already holds"):
        services.change_membership(
            world.memberships["mentor"], world.users["admin"], role=Role.MEMBER
        )


def test_invitation_is_emailed_once_committed(
    world: World, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        invitation = services.invite(
            world.alpha, world.users["staff"], email="Nueva@Example.org", role=Role.MENTOR
        )
    assert invitation.email == "nueva@example.org"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nueva@example.org"]
    assert f"http://testserver/invitations/{invitation.token}/" in message.body


def test_only_backbone_admins_invite_to_backbone_roles(world: World) -> None:
    with pytest.raises(DomainError, match="backbone admin"):
        services.invite(
            world.alpha, world.users["staff"], email="x@example.org", role=Role.BACKBONE_STAFF
        )
    services.invite(
        world.alpha, world.users["admin"], email="x@example.org", role=Role.BACKBONE_STAFF
    )


def test_duplicate_pending_invitations_are_refused(world: World) -> None:
    services.invite(world.alpha, world.users["staff"], email="x@example.org", role=Role.MENTOR)
    with pytest.raises(DomainError, match="pending invitation"):
        services.invite(world.alpha, world.users["staff"], email="X@example.org", role=Role.MENTOR)
    with pytest.raises(DomainError, match="already holds"):
        services.invite(
            world.alpha, world.users["staff"], email="mentor@alpha.test", role=Role.MENTOR
        )


def test_accepting_needs_the_invited_verified_address(world: World) -> None:
    invitation = services.invite(
        world.alpha,
        world.users["staff"],
        email="newcomer@example.org",
        role=Role.PARTNER_STAFF,
        organizations=[world.org_b],
    )
    stranger = make_user("stranger@example.org")
    with pytest.raises(DomainError, match=r"newcomer@example\.org"):
        services.accept_invitation(invitation, stranger)

    newcomer = make_user("newcomer@example.org")
    membership = services.accept_invitation(invitation, newcomer)
    assert membership.role == Role.PARTNER_STAFF
    assert list(membership.organizations.all()) == [world.org_b]
    invitation.refresh_from_db()
    assert invitation.status == "accepted"
    with pytest.raises(DomainError, match="accepted"):
        services.accept_invitation(invitation, newcomer)


def test_revoked_and_expired_invitations_cannot_be_accepted(world: World) -> None:
    from datetime import timedelta

    from django.utils import timezone

    person = make_user("late@example.org")
    revoked = services.invite(
        world.alpha, world.users["staff"], email="late@example.org", role=Role.MENTOR
    )
    services.revoke_invitation(revoked, world.users["staff"])
    with pytest.raises(DomainError, match="revoked"):
        services.accept_invitation(revoked, person)
    expired = Invitation.objects.create(
        ecosystem=world.alpha,
        email="late@example.org",
        role=Role.MEMBER,
        expires_at=timezone.now() - timedelta(minutes=1),
    )
    with pytest.raises(DomainError, match="expired"):
        services.accept_invitation(expired, person)
    assert not Membership.objects.filter(user=person).exists()


def test_ecosystem_settings_are_validated(world: World) -> None:
    from django.core.exceptions import ValidationError

    admin = world.users["admin"]
    with pytest.raises(ValidationError):
        services.update_ecosystem(world.alpha, admin, region_south=45.0, region_north=40.0)
    with pytest.raises(ValidationError):
        services.update_ecosystem(world.alpha, admin, timezone="Mars/Olympus")
    with pytest.raises(ValidationError):
        services.update_ecosystem(world.alpha, admin, suppression_threshold=0)
    # A refused change leaves the object as it was.
    assert world.alpha.timezone == "America/New_York"
    assert world.alpha.region_north == 41.0
    services.update_ecosystem(world.alpha, admin, suppression_threshold=11)
    world.alpha.refresh_from_db()
    assert world.alpha.suppression_threshold == 11


def test_settings_saved_on_a_stale_page_are_refused_with_what_changed(world: World) -> None:
    from tests.html_forms import browser_form

    first, second = world.client("admin"), world.client("admin")
    first_form = browser_form(first.get("/e/alpha/settings/").content.decode(), "name")
    second_form = browser_form(second.get("/e/alpha/settings/").content.decode(), "name")
    first.post("/e/alpha/settings/", {**first_form, "suppression_threshold": "12"})
    response = second.post("/e/alpha/settings/", {**second_form, "name": "Alpha Alliance"})

    assert response.status_code == 200
    assert [(c.before, c.after) for c in response.context["conflict"].changes] == [("10", "12")]
    world.alpha.refresh_from_db()
    assert (world.alpha.name, world.alpha.suppression_threshold) == (
        "Alpha Valley STEM Alliance",
        12,
    )
    with pytest.raises(EditConflictError):
        services.update_ecosystem(
            world.alpha, world.users["admin"], expected_version="0", name="Alpha Alliance"
        )


def test_unknown_fields_are_a_programming_error(world: World) -> None:
    with pytest.raises(TypeError):
        services.create_organization(world.alpha, None, name="x", sector="library", owner="me")


def test_make_organization_helper_is_scoped(world: World) -> None:
    org = make_organization(world.beta, "Only In Beta")
    assert org not in world.alpha.organizations.all()
