"""The learner's page: a person sees the badges sent to their VERIFIED addresses only, with the
pathway each leads into and its next steps, and can delete one after a confirmation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from django.db import transaction
from django.test import Client

from ecotone.pathways.models import Award, AwardStatus
from tests.conftest import build_world, make_user
from tests.pathways.builders_bissue import Badges, give, make_badges

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[Badges, Any]]:
    with django_db_blocker.unblock(), transaction.atomic():
        b = make_badges(build_world())
        ana = make_user("ana@example.org")
        EmailAddress.objects.create(user=ana, email="old@example.org", verified=False)
        mine = give(b.robots, "ana@example.org")
        give(b.robots, "old@example.org")  # an address she has not proved is hers
        give(b.reader, "ben@example.org")
        # a child's badge sent to her as the guardian
        give(
            b.coder,
            "kid@example.org",
            under_13=True,
            guardian_email="ana@example.org",
            guardian_consent=True,
        )
        yield b, (ana, mine)
        transaction.set_rollback(True)


@pytest.fixture
def b(built: Any, db: None) -> Any:
    return built


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_learner_sees_the_badges_sent_to_verified_addresses_only(b: Any) -> None:
    _badges, (ana, mine) = b
    page = _client(ana).get("/badges/mine/").content.decode()
    assert "Robot Builder" in page
    assert "Young Coder" in page  # her own, her child's
    assert "Bookworm" not in page
    assert page.count("Robot Builder") == 1  # not the one sent to the unverified address
    assert f"/badges/{mine.public_id}/credential.json" in page
    assert "Robotics" in page  # the pathway it leads into
    assert "Robotics team" in page  # and its next step


def test_without_a_verified_address_the_page_says_why(b: Any) -> None:
    unverified = make_user("new@example.org")
    EmailAddress.objects.filter(user=unverified).update(verified=False)
    page = _client(unverified).get("/badges/mine/").content.decode()
    assert "verified" in page
    assert "Robot Builder" not in page


def test_the_page_needs_a_sign_in(b: Any) -> None:
    assert Client().get("/badges/mine/").status_code == 302


def test_deleting_a_badge_asks_first_and_erases_it(b: Any) -> None:
    _badges, (ana, mine) = b
    client = _client(ana)
    url = f"/badges/mine/{mine.public_id}/delete/"
    assert client.get(url).status_code == 200
    client.post(url, {})
    mine.refresh_from_db()
    assert mine.status == AwardStatus.AWARDED
    client.post(url, {"confirm": "on"})
    mine.refresh_from_db()
    assert mine.status == AwardStatus.DELETED
    assert mine.credential == ""
    assert mine.recipient_lookup == ""
    assert client.get(url).status_code == 404


def test_nobody_deletes_another_persons_badge(b: Any) -> None:
    badges, (ana, _mine) = b
    other = Award.objects.get(achievement=badges.reader)
    assert (
        _client(ana).post(f"/badges/mine/{other.public_id}/delete/", {"confirm": "on"}).status_code
        == 404
    )
    other.refresh_from_db()
    assert other.status == AwardStatus.AWARDED
