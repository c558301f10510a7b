"""The mentor form asks for the account's name when it has none: programs see a mentor's name,
and without one every page would show the email address in its place."""

from __future__ import annotations

from django.test import Client

from ecotone.accounts.models import User
from ecotone.mentoring.models import Mentor
from tests.conftest import World, make_user
from tests.mentoring.test_people_pages import BASE, page, sign_up_form


def test_signing_up_without_a_name_on_the_account_asks_for_one_and_saves_it(
    world: World,
) -> None:
    user = make_user("nameless@volunteer.test")
    client = Client()
    client.force_login(user)
    assert "Your name <span" in page(client.get(BASE + "join/"))  # marked required
    client.post(BASE + "join/", sign_up_form())
    assert not Mentor.objects.filter(user=user).exists()
    response = client.post(BASE + "join/", sign_up_form(name="  Nadia Nameless "))
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).name == "Nadia Nameless"
    assert Mentor.objects.get(user=user).display_name == "Nadia Nameless"


def test_the_profile_keeps_the_name_when_left_empty_and_changes_it_when_given(
    world: World,
) -> None:
    user = make_user("named@volunteer.test", name="Nell Named")
    client = Client()
    client.force_login(user)
    assert client.post(BASE + "join/", sign_up_form()).status_code == 302
    data = sign_up_form(name="")
    del data["agrees_to_terms"], data["agrees_to_background_check"]
    assert client.post(BASE + "profile/", data).status_code == 302
    assert User.objects.get(pk=user.pk).name == "Nell Named"
    data["name"] = "Nell Renamed"
    assert client.post(BASE + "profile/", data).status_code == 302
    assert User.objects.get(pk=user.pk).name == "Nell Renamed"
    assert 'value="Nell Renamed"' in page(client.get(BASE + "profile/"))
