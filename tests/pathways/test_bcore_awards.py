"""The award contract (services/awards.py): award, check, revoke, delete, verify; the mail."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection, transaction
from django.utils import timezone

from ecotone.errors import DomainError
from ecotone.pathways import identity, openbadges, status_list
from ecotone.pathways.models import Award, AwardStatus, IssuerKey, StatusList
from ecotone.pathways.services import awards
from ecotone.pathways.services.awards import Recipient
from tests.conftest import World, build_world
from tests.pathways.builders_bcore import make_achievement

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, Any]]:
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        achievement = make_achievement(world)
        yield world, achievement
        transaction.set_rollback(True)


@pytest.fixture
def w(built: tuple[World, Any], db: None) -> World:
    return built[0]


@pytest.fixture
def achievement(built: tuple[World, Any], db: None) -> Any:
    return built[1]


def test_check_recipient_names_each_problem() -> None:
    assert awards.check_recipient(Recipient("ana@example.org")) == {}
    assert set(awards.check_recipient(Recipient("not an address"))) == {"email"}
    child = awards.check_recipient(Recipient("kid@example.org", under_13=True))
    assert set(child) == {"guardian_email", "guardian_consent"}
    same = Recipient(
        "kid@example.org", under_13=True, guardian_email="KID@example.org ", guardian_consent=True
    )
    assert set(awards.check_recipient(same)) == {"guardian_email"}
    ok = Recipient(
        "kid@example.org", under_13=True, guardian_email="mum@example.org", guardian_consent=True
    )
    assert awards.check_recipient(ok) == {}
    assert set(awards.check_recipient(Recipient("a@example.org", language="fr"))) == {"language"}


def test_an_award_is_a_signed_credential_with_no_address_in_clear(
    w: World, achievement: Any
) -> None:
    made = awards.award(
        w.users["partner_a"], achievement, Recipient("Ana@Example.org"), notify=False
    )
    assert made.status == AwardStatus.AWARDED
    assert made.recipient_lookup == identity.lookup("ana@example.org") == made.holder_lookup
    parts = openbadges.unverified(made.credential)
    assert parts is not None
    header, credential = parts
    assert header["alg"] == "EdDSA"
    assert header["kid"].endswith(
        f"/e/alpha/badges/keys/{IssuerKey.objects.get(ecosystem=w.alpha).kid}/"
    )
    assert credential["id"] == f"urn:uuid:{made.public_id}"
    subject = credential["credentialSubject"]["identifier"][0]
    assert identity.matches("ana@example.org", subject["identityHash"], subject["salt"])
    assert credential["credentialStatus"]["statusListIndex"] == str(made.status_index)
    # the address appears nowhere in the database
    with connection.cursor() as cursor:
        cursor.execute("SELECT * FROM pathways_award")
        assert "example.org" not in repr(cursor.fetchall()).lower()
    result = awards.verify(made.credential)
    assert result.valid, result.problems
    assert result.award == made


def test_a_child_under_13_needs_a_guardian_and_consent(w: World, achievement: Any) -> None:
    with pytest.raises(DomainError):
        awards.award(None, achievement, Recipient("kid@example.org", under_13=True), notify=False)
    made = awards.award(
        None,
        achievement,
        Recipient(
            "kid@example.org",
            under_13=True,
            guardian_email="mum@example.org",
            guardian_consent=True,
        ),
        notify=False,
    )
    assert made.sent_to_guardian
    assert made.guardian_consent_at is not None
    assert made.holder_lookup == identity.lookup("mum@example.org")
    assert made.recipient_lookup == identity.lookup("kid@example.org")


def test_indexes_are_random_and_distinct(w: World, achievement: Any) -> None:
    made = [
        awards.award(None, achievement, Recipient(f"p{i}@example.org"), notify=False)
        for i in range(6)
    ]
    indexes = [a.status_index for a in made]
    assert len(set(indexes)) == 6
    assert indexes != sorted(indexes) or max(indexes) > 1000  # not 0, 1, 2...


def test_revoked_and_deleted_credentials_fail(w: World, achievement: Any) -> None:
    one = awards.award(None, achievement, Recipient("r@example.org"), notify=False)
    token = one.credential
    with pytest.raises(DomainError):
        awards.revoke(w.users["partner_a"], one, "  ")
    awards.revoke(w.users["partner_a"], one, "Awarded by mistake")
    one.refresh_from_db()
    assert one.status == AwardStatus.REVOKED
    assert one.revocation_reason == "Awarded by mistake"
    result = awards.verify(token)
    assert not result.valid
    assert result.codes == [openbadges.REVOKED]
    bits = bytes(StatusList.objects.get(pk=one.status_list_id).bits)
    assert status_list.get(bits, one.status_index)

    two = awards.award(None, achievement, Recipient("d@example.org"), notify=False)
    token = two.credential
    awards.delete_at_request(two)
    two.refresh_from_db()
    assert (two.credential, two.recipient_lookup, two.holder_lookup) == ("", "", "")
    assert two.status == AwardStatus.DELETED
    assert awards.verify(token).codes == [openbadges.REVOKED]


def test_expired_and_tampered_credentials_fail(w: World, achievement: Any) -> None:
    achievement.valid_days = 30
    achievement.save()
    old = timezone.now() - timedelta(days=40)
    made = awards.award(None, achievement, Recipient("e@example.org"), notify=False, now=old)
    assert awards.verify(made.credential).codes == [openbadges.EXPIRED]
    assert awards.verify(made.credential, now=old + timedelta(days=1)).valid
    assert awards.verify(made.credential, now=old - timedelta(days=1)).codes == [
        openbadges.NOT_YET_VALID
    ]


def test_garbage_is_malformed_not_an_error(w: World) -> None:
    for text in (
        "",
        "hello",
        "{}",
        "[1]",
        "a.b.c",
        "eyJhbGciOiJFZERTQSJ9.e30.AAAA",
        b"\xff\xfe",
        '{"type": ["VerifiableCredential", "OpenBadgeCredential"]}',
    ):
        result = awards.verify(text)
        assert not result.valid, text
        assert result.problems, text


def test_the_credential_is_mailed_after_commit(
    w: World, achievement: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        made = awards.award(
            None,
            achievement,
            Recipient(
                "kid2@example.org",
                under_13=True,
                guardian_email="dad@example.org",
                guardian_consent=True,
                language="es",
            ),
        )
    assert smtp.to("kid2@example.org") == []
    [message] = smtp.to("dad@example.org")
    assert message.message["Subject"] == "Una insignia para su hijo o hija: Robot Builder"
    assert f"/badges/{made.public_id}/" in message.text()
    assert f"/badges/{made.public_id}/badge.png" in message.html()


def test_public_records_and_the_key_page(w: World, achievement: Any) -> None:
    from django.test import Client

    made = awards.award(None, achievement, Recipient("k@example.org"), notify=False)
    anyone = Client()
    profile = anyone.get(f"/e/alpha/badges/issuers/{w.org_a.slug}/").json()
    assert profile["type"] == ["Profile"]
    assert profile["name"] == "Robotics For All"
    public = anyone.get(f"/e/alpha/badges/achievements/{achievement.public_id}/").json()
    assert public["criteria"]["narrative"] == achievement.criteria
    # revoked: the published list has the bit set
    awards.revoke(w.users["admin"], made, "Mistake")
    token = anyone.get("/e/alpha/badges/issuers/robotics-for-all/status/").content.decode()
    parts = openbadges.unverified(token)
    assert parts is not None
    encoded = parts[1]["credentialSubject"]["encodedList"]
    assert status_list.get(status_list.decode(encoded), made.status_index)
    # the admin lists and rotates the keys, behind a confirmation
    admin = w.client("admin")
    before = IssuerKey.objects.get(ecosystem=w.alpha, retired_at__isnull=True)
    page = admin.get("/e/alpha/badges/issuer-keys/").content.decode()
    assert before.kid in page
    assert 'href="/e/alpha/badges/issuer-keys/"' in page  # in the admin's navigation
    staff_home = w.client("staff").get("/e/alpha/").content.decode()
    assert "/badges/issuer-keys/" not in staff_home
    assert (
        "Rotate the issuer key?"
        in admin.get("/e/alpha/badges/issuer-keys/rotate/").content.decode()
    )
    assert IssuerKey.objects.filter(ecosystem=w.alpha).count() == 1
    response = admin.post("/e/alpha/badges/issuer-keys/rotate/")
    assert response.status_code == 302
    before.refresh_from_db()
    assert before.retired_at is not None
    assert IssuerKey.objects.filter(ecosystem=w.alpha, retired_at__isnull=True).count() == 1
    # the private half is stored encrypted, never as the raw key
    assert b"PRIVATE" not in bytes(before.private_key)
    assert len(anyone.get("/e/alpha/badges/keys/").json()["keys"]) == 2
    # the rotation is in the change history, with who did it
    from auditlog.models import LogEntry

    from ecotone.ecosystems.audit import log_for

    entries = list(log_for(w.alpha, "issuerkey"))
    [retired] = [e for e in entries if e.action == LogEntry.Action.UPDATE]
    assert "retired_at" in retired.changes
    assert retired.actor == w.users["admin"]
    assert "private_key" not in json.dumps(retired.changes)


def test_award_many_is_all_or_none(w: World, achievement: Any) -> None:
    before = Award.objects.count()
    rows = [
        awards.Row(achievement, Recipient("m1@example.org")),
        awards.Row(achievement, Recipient("kid@example.org", under_13=True)),
    ]
    with pytest.raises(DomainError, match="Row 2"):
        awards.award_many(None, rows, notify=False)
    assert Award.objects.count() == before
    made = awards.award_many(None, rows[:1] * 3, notify=False)
    assert len({a.status_index for a in made}) == 3


def test_a_badge_is_earned_only_at_a_program_of_the_awarding_partner(
    w: World, achievement: Any
) -> None:
    from tests.mentoring.builders import make_program

    own = make_program(achievement.organization, "Robot Lab")
    other = make_program(w.org_b, "Story Time")
    assert list(awards.programs_of(achievement)) == [own]
    made = awards.award(None, achievement, Recipient("p1@example.org"), program=own, notify=False)
    assert made.program == own
    with pytest.raises(DomainError, match="awarding partner"):
        awards.award(None, achievement, Recipient("p2@example.org"), program=other, notify=False)


def test_a_learner_finds_badges_by_verified_addresses_only(w: World) -> None:
    from allauth.account.models import EmailAddress
    from django.contrib.auth.models import AnonymousUser

    member = w.users["member"]
    assert identity.verified_lookups(member) == [identity.lookup("member@alpha.test")]
    EmailAddress.objects.create(user=member, email="Other@Example.org", verified=False)
    assert identity.verified_lookups(member) == [identity.lookup("member@alpha.test")]
    assert identity.verified_lookups(AnonymousUser()) == []
