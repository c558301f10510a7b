"""Mentor profiles (services.profiles): sign-up with its consents and checks, changes,
withdrawing identity consent, pausing and withdrawing, and employers' rosters."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import given, settings
from hypothesis import strategies as st

from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Role
from ecotone.errors import DomainError
from ecotone.mentoring.models import (
    IDENTITY_CODES,
    Consent,
    ConsentKind,
    HourLog,
    Match,
    MatchStatus,
    Mentor,
    MentorStatus,
)
from ecotone.mentoring.services import matches, profiles
from tests.conftest import World, make_user
from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program

COLUMBUS = "43215"
DAYTON = "45402"


def profile(**fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "occupation": "Civil engineer",
        "stem_field": "engineering",
        "topics": ["engineering", "mathematics"],
        "skills": "bridges, CAD , cad, public speaking",
        "languages": ["en", "es"],
        "grade_bands": ["6-8"],
        "modes": ["in_person", "virtual"],
        "home_postal_code": DAYTON,
        "work_postal_code": COLUMBUS,
        "availability": [[1, 15 * 60, 17 * 60]],
        "agrees_to_terms": True,
        "agrees_to_background_check": True,
    }
    base.update(fields)
    return base


def kinds(mentor: Mentor, *, active: bool = True) -> set[str]:
    consents = Consent.objects.filter(mentor=mentor)
    if active:
        consents = consents.filter(withdrawn_at__isnull=True)
    return set(consents.values_list("kind", flat=True))


@pytest.fixture
def newcomer(world: World) -> Any:
    return make_user("grace@volunteer.test", name="Grace")


# Sign-up -------------------------------------------------------------------------------------


def test_sign_up_creates_the_mentor_gives_the_role_and_records_required_consents(
    world: World, newcomer: Any
) -> None:
    mentor = profiles.sign_up(world.alpha, newcomer, newcomer, **profile())
    assert mentor.pk
    assert mentor.status == MentorStatus.ACTIVE
    assert Role.MENTOR in roles.roles_in(newcomer, world.alpha)
    assert kinds(mentor) == {ConsentKind.TERMS, ConsentKind.BACKGROUND_CHECK}
    assert mentor.skills == ["bridges", "CAD", "public speaking"]
    assert mentor.languages == ["en", "es"]


def test_sign_up_places_the_mentor_at_the_work_zip_else_the_home_zip(
    world: World, newcomer: Any
) -> None:
    from ecotone.directory.geocoding import zip_centroid

    mentor = profiles.sign_up(world.alpha, newcomer, newcomer, **profile())
    columbus = zip_centroid(COLUMBUS)
    assert columbus is not None
    assert (mentor.latitude, mentor.longitude) == (columbus.latitude, columbus.longitude)
    other = make_user("lin@volunteer.test")
    home_only = profiles.sign_up(world.alpha, other, other, **profile(work_postal_code=""))
    dayton = zip_centroid(DAYTON)
    assert dayton is not None
    assert (home_only.latitude, home_only.longitude) == (dayton.latitude, dayton.longitude)


def test_sign_up_refuses_an_unknown_zip_for_in_person_mentoring(
    world: World, newcomer: Any
) -> None:
    with pytest.raises(DomainError, match="00000"):
        profiles.sign_up(world.alpha, newcomer, newcomer, **profile(work_postal_code="00000"))
    with pytest.raises(DomainError, match="ZIP"):
        profiles.sign_up(
            world.alpha,
            newcomer,
            newcomer,
            **profile(work_postal_code="", home_postal_code=""),
        )
    assert not Mentor.objects.filter(user=newcomer).exists()


def test_virtual_mentors_need_no_known_zip(world: World, newcomer: Any) -> None:
    mentor = profiles.sign_up(
        world.alpha,
        newcomer,
        newcomer,
        **profile(modes=["virtual"], work_postal_code="00000", home_postal_code=""),
    )
    assert mentor.latitude is None
    assert mentor.longitude is None


@pytest.mark.parametrize("missing", ["agrees_to_terms", "agrees_to_background_check"])
def test_sign_up_requires_the_agreement_and_background_check_consent(
    world: World, newcomer: Any, missing: str
) -> None:
    with pytest.raises(DomainError, match="agree"):
        profiles.sign_up(world.alpha, newcomer, newcomer, **profile(**{missing: False}))
    assert not Mentor.objects.filter(user=newcomer).exists()
    assert Role.MENTOR not in roles.roles_in(newcomer, world.alpha)


def test_sign_up_refuses_a_second_profile_in_the_same_ecosystem(
    world: World, newcomer: Any
) -> None:
    profiles.sign_up(world.alpha, newcomer, newcomer, **profile())
    with pytest.raises(DomainError, match="already"):
        profiles.sign_up(world.alpha, newcomer, newcomer, **profile())
    # Another ecosystem is another profile.
    assert profiles.sign_up(world.beta, newcomer, newcomer, **profile()).ecosystem == world.beta


def test_identity_is_kept_and_consented_only_when_shared(world: World, newcomer: Any) -> None:
    hidden = profiles.sign_up(
        world.alpha, newcomer, newcomer, **profile(identity_tags=["woman"], shares_identity=False)
    )
    assert hidden.identity_tags == []
    assert ConsentKind.IDENTITY not in kinds(hidden)
    other = make_user("ana@volunteer.test")
    shared = profiles.sign_up(
        world.alpha,
        other,
        other,
        **profile(identity_tags=["woman", "first_generation"], shares_identity=True),
    )
    assert shared.identity_tags == ["woman", "first_generation"]
    assert ConsentKind.IDENTITY in kinds(shared)


def test_identity_tags_are_checked_against_the_codes(world: World, newcomer: Any) -> None:
    with pytest.raises(DomainError, match="wizard"):
        profiles.sign_up(
            world.alpha,
            newcomer,
            newcomer,
            **profile(identity_tags=["wizard"], shares_identity=True),
        )


@settings(max_examples=30, deadline=None)
@given(tags=st.lists(st.sampled_from([*sorted(IDENTITY_CODES), "x", "Woman", ""]), max_size=5))
def test_stored_identity_tags_are_always_known_codes(tags: list[str]) -> None:
    mentor = Mentor(modes=["virtual"], shares_identity=True)
    try:
        profiles._apply(mentor, {"identity_tags": tags})
    except DomainError:
        assert set(t for t in tags if t) - IDENTITY_CODES
    else:
        assert set(mentor.identity_tags) <= IDENTITY_CODES


def test_employer_consent_is_recorded_when_given(world: World, newcomer: Any) -> None:
    mentor = profiles.sign_up(
        world.alpha, newcomer, newcomer, **profile(employer=world.org_a, employer_may_see=True)
    )
    assert ConsentKind.EMPLOYER in kinds(mentor)
    assert mentor.employer == world.org_a


def test_an_employer_of_another_ecosystem_is_refused(world: World, newcomer: Any) -> None:
    with pytest.raises(DomainError, match="partner organization"):
        profiles.sign_up(world.alpha, newcomer, newcomer, **profile(employer=world.org_beta))


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("topics", ["basket-weaving"]),
        ("grade_bands", ["13"]),
        ("modes", ["telepathy"]),
        ("modes", []),
        ("stem_field", "alchemy"),
        ("languages", ["English"]),
        ("travel_radius_mi", 500),
    ],
)
def test_sign_up_refuses_values_outside_the_vocabularies(
    world: World, newcomer: Any, field: str, value: Any
) -> None:
    with pytest.raises(DomainError):
        profiles.sign_up(world.alpha, newcomer, newcomer, **profile(**{field: value}))


# Changes -------------------------------------------------------------------------------------


def test_update_profile_follows_the_same_rules(world: World, newcomer: Any) -> None:
    mentor = profiles.sign_up(world.alpha, newcomer, newcomer, **profile())
    with pytest.raises(DomainError, match="00000"):
        profiles.update_profile(mentor, newcomer, work_postal_code="00000")
    mentor.refresh_from_db()
    assert mentor.work_postal_code == COLUMBUS
    changed = profiles.update_profile(mentor, newcomer, occupation="Bridge engineer")
    assert changed.occupation == "Bridge engineer"


def test_withdrawing_identity_consent_clears_the_tags_and_keeps_the_record(
    world: World, newcomer: Any
) -> None:
    mentor = profiles.sign_up(
        world.alpha, newcomer, newcomer, **profile(identity_tags=["veteran"], shares_identity=True)
    )
    mentor = profiles.update_profile(mentor, newcomer, shares_identity=False)
    mentor.refresh_from_db()
    assert mentor.identity_tags == []
    consent = Consent.objects.get(mentor=mentor, kind=ConsentKind.IDENTITY)
    assert consent.withdrawn_at is not None


def test_employer_consent_can_be_withdrawn_and_given_again(world: World, newcomer: Any) -> None:
    mentor = profiles.sign_up(
        world.alpha, newcomer, newcomer, **profile(employer=world.org_a, employer_may_see=True)
    )
    profiles.update_profile(mentor, newcomer, employer_may_see=False)
    assert ConsentKind.EMPLOYER not in kinds(mentor)
    profiles.update_profile(mentor, newcomer, employer_may_see=True)
    assert ConsentKind.EMPLOYER in kinds(mentor)
    assert Consent.objects.filter(mentor=mentor, kind=ConsentKind.EMPLOYER).count() == 2


def test_the_required_consents_are_not_withdrawn_by_a_profile_change(
    world: World, newcomer: Any
) -> None:
    mentor = profiles.sign_up(world.alpha, newcomer, newcomer, **profile())
    with pytest.raises(DomainError, match="withdraw"):
        profiles.update_profile(mentor, newcomer, agrees_to_terms=False)


# Status --------------------------------------------------------------------------------------


def test_withdrawing_withdraws_matches_not_yet_active(world: World) -> None:
    mentor = make_mentor(world.alpha, max_matches=3)
    clear(mentor, world.users["staff"])
    program = make_program(world.org_a)
    offered = matches.request_to_join(make_opportunity(program, "Club A"), mentor, mentor.user)
    started = matches.request_to_join(make_opportunity(program, "Club B"), mentor, mentor.user)
    matches.accept(started, world.users["partner_a"], side="program")
    started = matches.start(
        started,
        world.users["partner_a"],
        frequency="weekly",
        duration_weeks=12,
        start_on=timezone.localdate(),
    )
    profiles.set_status(mentor, mentor.user, MentorStatus.WITHDRAWN)
    mentor.refresh_from_db()
    assert mentor.status == MentorStatus.WITHDRAWN
    assert Match.objects.get(pk=offered.pk).status == MatchStatus.WITHDRAWN
    assert Match.objects.get(pk=started.pk).status == MatchStatus.ACTIVE


def test_pausing_keeps_matches(world: World) -> None:
    mentor = make_mentor(world.alpha)
    clear(mentor, world.users["staff"])
    offered = matches.request_to_join(
        make_opportunity(make_program(world.org_a)), mentor, mentor.user
    )
    profiles.set_status(mentor, mentor.user, MentorStatus.PAUSED)
    assert Match.objects.get(pk=offered.pk).status == MatchStatus.OFFERED
    with pytest.raises(DomainError):
        profiles.set_status(mentor, mentor.user, "asleep")


# Rosters -------------------------------------------------------------------------------------


def test_roster_lists_only_the_employers_people_who_agreed(world: World) -> None:
    staff = world.users["staff"]
    shares = make_mentor(world.alpha, "sharer@corp.test", name="Sharer", employer=world.org_a)
    Consent.objects.create(mentor=shares, kind=ConsentKind.EMPLOYER)
    make_mentor(world.alpha, "private@corp.test", employer=world.org_a)
    withdrew = make_mentor(world.alpha, "gone@corp.test", employer=world.org_a)
    Consent.objects.create(mentor=withdrew, kind=ConsentKind.EMPLOYER, withdrawn_at=timezone.now())
    elsewhere = make_mentor(world.alpha, "other@corp.test", employer=world.org_b)
    Consent.objects.create(mentor=elsewhere, kind=ConsentKind.EMPLOYER)
    clear(shares, staff)
    rows = profiles.roster(world.org_a)
    assert [r.mentor for r in rows] == [shares]
    assert rows[0].stage == "Cleared for all work with youth"
    assert rows[0].approved_hours == 0


def test_roster_sums_approved_hours_in_the_period(world: World) -> None:
    mentor = make_mentor(world.alpha, employer=world.org_a)
    Consent.objects.create(mentor=mentor, kind=ConsentKind.EMPLOYER)
    clear(mentor, world.users["staff"])
    match = matches.request_to_join(
        make_opportunity(make_program(world.org_b)), mentor, mentor.user
    )
    day = datetime.date(2026, 3, 1)
    for hours, status, date in [
        ("2", "approved", day),
        ("1.5", "approved", day + datetime.timedelta(40)),
        ("4", "pending", day),
        ("3", "rejected", day),
    ]:
        HourLog.objects.create(
            match=match,
            mentor=mentor,
            ecosystem=world.alpha,
            date=date,
            hours=Decimal(hours),
            status=status,
        )
    (row,) = profiles.roster(world.org_a)
    assert row.approved_hours == Decimal("3.5")
    (row,) = profiles.roster(world.org_a, start=day, end=day + datetime.timedelta(30))
    assert row.approved_hours == Decimal("2")


def test_the_employer_may_be_given_by_id_within_the_ecosystem(world: World, newcomer: Any) -> None:
    mentor = profiles.sign_up(world.alpha, newcomer, newcomer, **profile(employer=world.org_b.pk))
    assert mentor.employer == world.org_b
    with pytest.raises(DomainError, match="Unknown partner"):
        profiles.update_profile(mentor, newcomer, employer=world.org_beta.pk)
