"""The welcome rotation through its services and pages: the next welcomer in turn is assigned
and told by mail (a real SMTP server), opens the pre-filled welcome and sends it (the newcomer
receives it in their language, answers going to the welcomer) or marks it sent; a welcomer
reaches only their newcomers; waiting welcomes are escalated to the backbone once; the page
shows who welcomed whom and how fast, with its export."""

from __future__ import annotations

import datetime
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from ecotone.network.models import Welcome, Welcomer, Workgroup, WorkgroupMembership, settings_of
from ecotone.network.services import members as member_services
from ecotone.network.services import roll
from ecotone.network.services import welcomes as services
from tests.conftest import World, make_user
from tests.network.builders import make_member

pytestmark = pytest.mark.django_db

WELCOMES = "/e/alpha/network/welcomes/"


@pytest.fixture
def rotation(world: World) -> dict[str, Any]:
    """Three welcomers with accounts, in order: Ana, Ben (away) and Cy."""
    people = {}
    for n, name in enumerate(("Ana", "Ben", "Cy"), start=1):
        user = make_user(f"{name.lower()}@example.org", name=name)
        member = make_member(world.alpha, user.email, name=name, language="en")
        roll.activate(member, user)
        Welcomer.objects.create(ecosystem=world.alpha, member=member, position=n)
        people[name] = member
    Welcomer.objects.filter(member=people["Ben"]).update(
        away_until=timezone.localdate() + datetime.timedelta(days=3)
    )
    return people


def _newcomer(world: World, name: str, language: str = "es") -> Any:
    member = member_services.join(
        world.alpha, f"{name.lower()}@example.org", {"name": name, "language": language}, []
    )
    member_services.confirm(member, "a-long-pass-phrase")
    return member


def test_each_newcomer_goes_to_the_next_welcomer_skipping_the_away(
    world: World, rotation: dict[str, Any]
) -> None:
    assigned = [_newcomer(world, f"N{n}").welcome.welcomer.name for n in range(4)]
    assert assigned == ["Ana", "Cy", "Ana", "Cy"]


def test_the_welcomer_is_told_and_the_newcomer_receives_the_welcome_in_their_language(
    world: World, rotation: dict[str, Any], smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    rotation["Ana"].language = "es"
    rotation["Ana"].save()
    with django_capture_on_commit_callbacks(execute=True):
        newcomer = _newcomer(world, "Lupe")
    [notice] = smtp.to("ana@example.org")
    link = re.search(r"http://testserver(/e/alpha/network/welcomes/\d+/)", notice.text())
    assert link is not None
    assert link.group(1) in notice.html()
    assert notice.message["Subject"] == "Le toca dar la bienvenida a Lupe"  # Ana's language
    client = world.client("anonymous")
    client.force_login(rotation["Ana"].user)
    page = client.get(link.group(1))
    assert page.status_code == 200
    assert page.context["form"]["body"].value().count("Lupe") >= 1  # pre-filled
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(
            link.group(1), {"action": "send", "subject": "¡Hola Lupe!", "body": "Bienvenida, Lupe."}
        )
    assert sent.status_code == 302
    # (confirmed before the commit: the confirmation mail was not needed)
    [welcome_mail] = smtp.to("lupe@example.org")
    assert welcome_mail.message["Subject"] == "¡Hola Lupe!"
    assert welcome_mail.message["Reply-To"] == "ana@example.org"
    assert "Bienvenida, Lupe." in welcome_mail.text()
    assert "Su página en la red de Alpha Valley STEM Alliance" in welcome_mail.text()  # Lupe's
    assert "http://testserver/e/alpha/network/" in welcome_mail.html()
    newcomer.welcome.refresh_from_db()
    assert newcomer.welcome.how == "app"


def test_the_template_fills_the_welcome_in_the_newcomers_language(
    world: World, rotation: dict[str, Any]
) -> None:
    found = settings_of(world.alpha)
    found.welcome_subject = "Welcome, {name}"
    found.welcome_body = "Hi {name}, I am {welcomer}."
    found.welcome_subject_es = "Bienvenida, {name}"
    found.welcome_body_es = "Hola {name}, soy {welcomer}."
    found.save()
    spanish = _newcomer(world, "Eva", "es")
    english = _newcomer(world, "Tom", "en")
    assert services.template_for(spanish.welcome) == ("Bienvenida, Eva", "Hola Eva, soy Ana.")
    assert services.template_for(english.welcome) == ("Welcome, Tom", "Hi Tom, I am Cy.")


def test_a_welcomer_sees_only_the_newcomers_assigned_to_them(
    world: World, rotation: dict[str, Any]
) -> None:
    to_ana = _newcomer(world, "First").welcome
    to_cy = _newcomer(world, "Second").welcome
    client = world.client("anonymous")
    client.force_login(rotation["Ana"].user)
    listed = client.get(WELCOMES)
    assert listed.status_code == 200
    assert [w.pk for w in listed.context["page"].object_list] == [to_ana.pk]
    assert client.get(f"{WELCOMES}{to_cy.pk}/").status_code == 404
    assert client.get(f"{WELCOMES}?format=csv").status_code == 200  # the page, not an export
    assert client.get(f"{WELCOMES}rotation/").status_code == 403


def test_marking_sent_and_the_speed_and_export_for_the_backbone(
    world: World, rotation: dict[str, Any]
) -> None:
    welcome = _newcomer(world, "Mo").welcome
    Welcome.objects.filter(pk=welcome.pk).update(
        assigned_at=timezone.now() - datetime.timedelta(hours=10)
    )
    client = world.client("anonymous")
    client.force_login(rotation["Ana"].user)
    assert client.post(f"{WELCOMES}{welcome.pk}/", {"action": "mark"}).status_code == 302
    welcome.refresh_from_db()
    assert welcome.how == "other"
    assert round(welcome.hours) == 10
    staff = world.client("staff")
    page = staff.get(f"{WELCOMES}?show=all")
    assert page.context["speed"].median_hours == pytest.approx(10, abs=0.1)
    export = staff.get(f"{WELCOMES}?format=csv")
    text = b"".join(export.streaming_content).decode()
    assert "Mo,Ana," in text
    # welcomed once
    assert client.post(f"{WELCOMES}{welcome.pk}/", {"action": "mark"}).status_code == 200


def test_unwelcomed_newcomers_are_escalated_to_the_backbone_once(
    world: World, rotation: dict[str, Any], smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    welcome = _newcomer(world, "Late").welcome
    Welcome.objects.filter(pk=welcome.pk).update(
        assigned_at=timezone.now() - datetime.timedelta(days=4)
    )
    with django_capture_on_commit_callbacks(execute=True):
        call_command("network_welcomes", "--ecosystem", "alpha", stdout=open("/dev/null", "w"))  # noqa: SIM115
        call_command("network_welcomes", "--ecosystem", "alpha", stdout=open("/dev/null", "w"))  # noqa: SIM115
    to_staff = smtp.to("staff@alpha.test")
    assert len(to_staff) == 1
    assert "Late" in to_staff[0].text()
    page = world.client("admin").get(WELCOMES)
    assert [w.pk for w in page.context["escalated"]] == [welcome.pk]


def test_the_backbone_adds_a_workgroups_members_and_marks_one_away(
    world: World, rotation: dict[str, Any]
) -> None:
    group = Workgroup.objects.create(ecosystem=world.alpha, slug="outreach", name="Outreach")
    extra = make_member(world.alpha, "dee@example.org", name="Dee")
    WorkgroupMembership.objects.create(workgroup=group, member=extra)
    WorkgroupMembership.objects.create(workgroup=group, member=rotation["Ana"])
    staff = world.client("staff")
    response = staff.post(f"{WELCOMES}rotation/", {"action": "workgroup", "workgroup": group.pk})
    assert response.status_code == 302
    assert list(services.welcomers(world.alpha).values_list("member__name", flat=True)) == [
        "Ana",
        "Ben",
        "Cy",
        "Dee",
    ]
    nonsense = staff.post(f"{WELCOMES}rotation/", {"action": "workgroup", "workgroup": "x"})
    assert nonsense.status_code == 404
    cy = Welcomer.objects.get(member=rotation["Cy"])
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    staff.post(f"{WELCOMES}rotation/{cy.pk}/", {"action": "away", "away_until": tomorrow})
    assert [_newcomer(world, f"X{n}").welcome.welcomer.name for n in range(2)] == ["Ana", "Dee"]


def test_a_welcomer_who_leaves_hands_their_waiting_newcomers_on(
    world: World, rotation: dict[str, Any]
) -> None:
    welcome = _newcomer(world, "Orphan").welcome
    assert welcome.welcomer.name == "Ana"
    member_services.leave(rotation["Ana"])
    newcomer = welcome.newcomer
    newcomer.refresh_from_db()
    assert Welcome.objects.get(newcomer=newcomer).welcomer.name == "Cy"
