"""Operator commands: create an ecosystem with its first backbone admin."""

from __future__ import annotations

from io import StringIO
from typing import Any

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from ecotone.ecosystems.models import Ecosystem, Invitation, Membership, Role
from tests.conftest import make_user

TOO_LONG = "a" * 65 + "@example.org"


def run(*args: str) -> str:
    out = StringIO()
    call_command("create_ecosystem", *args, stdout=out)
    return out.getvalue()


def test_existing_account_becomes_backbone_admin(db: Any) -> None:
    person = make_user("lead@example.org")
    output = run(
        "riverbend", "Riverbend STEM", "--region", "39,-84,41,-82", "--admin", "Lead@Example.org"
    )
    ecosystem = Ecosystem.objects.get(slug="riverbend")
    assert Membership.objects.filter(
        user=person, ecosystem=ecosystem, role=Role.BACKBONE_ADMIN
    ).exists()
    assert "lead@example.org is its backbone admin" in output


def test_new_person_is_invited(db: Any, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        output = run(
            "riverbend", "Riverbend STEM", "--region", "39,-84,41,-82", "--admin", "new@example.org"
        )
    invitation = Invitation.objects.get()
    assert invitation.role == Role.BACKBONE_ADMIN
    assert f"http://testserver{invitation.get_absolute_url()}" in output
    assert [m.to for m in mail.outbox] == [["new@example.org"]]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--region", "1,2,3"), "four numbers"),
        (("--region", "41,-84,39,-82"), "region_north"),
        (("--region", "39,-84,41,-82", "--timezone", "Nowhere/Land"), "timezone"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_created(
    db: Any, args: tuple[str, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        run("riverbend", "Riverbend STEM", "--admin", "x@example.org", *args)
    assert not Ecosystem.objects.exists()


def test_a_first_admin_address_mail_cannot_carry_is_refused(db: Any) -> None:
    with pytest.raises(CommandError, match="at most 64 characters before the @"):
        run("riverbend", "Riverbend STEM", "--region", "39,-84,41,-82", "--admin", TOO_LONG)
    assert not Ecosystem.objects.exists()
    assert not Invitation.objects.exists()
