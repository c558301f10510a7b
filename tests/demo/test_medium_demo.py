"""The medium demo, the one `make demo` loads, built once for all the tests that read it:
about 150 partners, 400 programs at 250 places, 200 schools with clear rural deserts, 600
mentors and 150 opportunities, screening in every state, matches in every stage of life (each
live one safe), and work left for a matching round. Tests that need another size delete it
first, inside their own transaction, which puts it back when they end."""

from __future__ import annotations

import datetime
import html
from collections import Counter
from io import StringIO
from typing import Any

import numpy as np
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from ecotone.accounts.models import User
from ecotone.atlas.models import AreaImport, AreaImportStatus
from ecotone.demo import atlas as demo_atlas
from ecotone.demo import builder
from ecotone.demo import mentoring as demo
from ecotone.directory.models import CoordinatesSource, Delivery, Location, Program
from ecotone.directory.stem_profile import GRADE_BANDS, STEM_FIELDS
from ecotone.ecosystems.models import Ecosystem, Role, Sector
from ecotone.mentoring import engine, solver
from ecotone.mentoring.models import (
    IDENTITY_CODES,
    LIVE_STATUSES,
    CheckIn,
    Consent,
    HourLog,
    Match,
    Mentor,
    Opportunity,
    ScreeningRecord,
)
from ecotone.mentoring.services import screening
from tests.demo.helpers import nearest_in_person_miles

# The demo `make demo` loads into SQLite: its content is checked there, once (`make test` leaves
# the module out on PostgreSQL, tests/conftest.py); the small demo's tests run the same seeding
# on both databases.
pytestmark = pytest.mark.dialect_free

STEM_CODES = {code for code, _label in STEM_FIELDS.terms}
BAND_CODES = {code for code, _label in GRADE_BANDS.terms}


def seed(size: str) -> Ecosystem:
    call_command("seed_demo", "--size", size, "--quiet-accounts", stdout=StringIO())
    return Ecosystem.objects.get(slug=builder.MAIN_SLUG)


@pytest.fixture(scope="module")
def medium(django_db_setup: Any, django_db_blocker: Any) -> Any:
    """The medium demo, built once for this module: seeding it takes seconds."""
    with django_db_blocker.unblock():
        confluence = seed("medium")
        yield confluence
        builder.delete_demo()


def stages(ecosystem: Ecosystem) -> Counter[str]:
    steps = screening.steps(ecosystem)
    mentors = Mentor.objects.filter(ecosystem=ecosystem).prefetch_related("screening_records__step")
    return Counter(
        screening.standing(m, list(m.screening_records.all()), steps).stage for m in mentors
    )


# --- partners and programs -------------------------------------------------------------------


@pytest.mark.django_db
def test_medium_demo_is_about_150_partners_with_rural_ones(medium: Ecosystem) -> None:
    partners = medium.organizations.count()
    assert 140 <= partners <= 170
    rural = {t.name for t in builder.CONFLUENCE_TOWNS if t.locale in ("town", "rural")}
    assert medium.organizations.filter(city__in=rural).count() >= 15


@pytest.mark.django_db
def test_medium_demo_has_about_400_programs_at_about_250_locations(medium: Ecosystem) -> None:
    confluence = builder.MAIN_SLUG
    programs = Program.objects.filter(ecosystem__slug=confluence)
    locations = Location.objects.filter(ecosystem__slug=confluence)
    assert 350 <= programs.count() <= 450
    assert 200 <= locations.count() <= 300
    assert programs.filter(delivery=Delivery.VIRTUAL).count() >= 10
    assert locations.filter(coordinates_source=CoordinatesSource.ZIP_CENTROID).exists()

    # Every program carries a complete STEM profile.
    for facet in ("grade_band", "stem_field", "activity_type"):
        without = programs.exclude(terms__facet=facet).count()
        assert without == 0, facet

    # Dense in the metro, thin in the rural counties.
    towns = {t.name: t.locale for t in builder.CONFLUENCE_TOWNS}
    per_locale = Counter(towns.get(city) for city in locations.values_list("city", flat=True))
    assert per_locale["city"] > 3 * per_locale["rural"]

    # All in-person locations lie inside the ecosystem's region.
    ecosystem = programs.first().ecosystem
    for lat, lon in locations.exclude(latitude=None).values_list("latitude", "longitude"):
        assert ecosystem.region_contains(lat, lon)


# --- schools ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_about_200_schools_in_the_region_loaded_through_an_import(medium: Ecosystem) -> None:
    areas = list(medium.population_areas.all())
    assert 190 <= len(areas) <= 215
    assert all(medium.region_contains(a.latitude, a.longitude) for a in areas)
    assert {a.kind for a in areas} == {"school"}
    assert {a.locale for a in areas} == {"city", "suburb", "town", "rural"}
    run = AreaImport.objects.get(ecosystem=medium)
    assert run.status == AreaImportStatus.APPLIED
    assert run.created_by is not None  # the demo's backbone admin
    assert run.report["problems"] == []
    lakeshore = Ecosystem.objects.get(slug=builder.SECOND_SLUG)
    assert 10 <= lakeshore.population_areas.count() <= 30


@pytest.mark.django_db
def test_demo_demographics_are_believable(medium: Ecosystem) -> None:
    areas = list(medium.population_areas.all())
    for area in areas:
        bands = [area.youth_in_band(b) for b in ("prek", "k-2", "3-5", "6-8", "9-12")]
        assert sum(bands) == area.youth_total
        assert sum(area.race_counts.values()) == area.youth_total
        assert len(area.district_code) == 7
        assert len(area.code) == 12
        assert area.code.startswith(area.district_code)
    high = [a for a in areas if a.lowest_grade == 9]
    elementary = [a for a in areas if a.highest_grade == 5 and a.locale == "city"]
    assert np.median([a.youth_total for a in high]) > np.median([a.youth_total for a in elementary])
    rural = [a.low_income_share for a in areas if a.locale == "rural" and a.low_income_share]
    suburb = [a.low_income_share for a in areas if a.locale == "suburb" and a.low_income_share]
    assert np.mean(rural) > np.mean(suburb) + 0.3
    assert any(a.low_income_share is None for a in areas)  # a suppressed count stays unknown
    spans = {(a.lowest_grade, a.highest_grade) for a in areas}
    assert {(-1, 5), (0, 5), (6, 8), (9, 12), (0, 8), (0, 12)} <= spans
    west = [a.english_learner_share or 0 for a in areas if a.city == "Westfield"]
    assert np.mean(west) > 0.2


@pytest.mark.django_db
def test_rural_deserts_are_far_from_any_in_person_program(medium: Ecosystem) -> None:
    deserts = list(medium.population_areas.filter(district_name__in=demo_atlas.desert_districts()))
    miles = nearest_in_person_miles(medium, deserts)
    assert len(deserts) >= 24
    assert (miles > 20).sum() >= 24
    assert all(a.locale == "rural" for a in deserts)
    assert np.mean([a.low_income_share for a in deserts]) > 0.65
    # The rest of the rural and town schools mostly have a program within 20 miles.
    others = list(
        medium.population_areas.filter(locale__in=["rural", "town"]).exclude(
            district_name__in=demo_atlas.desert_districts()
        )
    )
    assert (nearest_in_person_miles(medium, others) <= 20).mean() > 0.8


@pytest.mark.django_db
def test_city_schools_are_mostly_served_but_two_neighbourhoods_are_not(medium: Ecosystem) -> None:
    city = list(medium.population_areas.filter(locale="city"))
    miles = nearest_in_person_miles(medium, city)
    assert (miles <= 2).mean() > 0.7
    underserved = [
        m for a, m in zip(city, miles, strict=True) if a.city in ("Linden Flats", "Hilltop West")
    ]
    assert len(underserved) == 10
    assert min(underserved) > 2.0  # beyond a city catchment


def test_demo_schools_file_is_deterministic() -> None:
    assert demo_atlas.schools_file("confluence") == demo_atlas.schools_file("confluence")
    assert demo_atlas.schools_file("confluence", "small") != demo_atlas.schools_file("confluence")


# --- mentoring -------------------------------------------------------------------------------


@pytest.mark.django_db
def test_about_600_mentors_in_every_screening_stage(medium: Ecosystem) -> None:
    mentors = Mentor.objects.filter(ecosystem=medium)
    n = mentors.count()
    assert 590 <= n <= 610
    share = {stage: count / n for stage, count in stages(medium).items()}
    assert 0.48 <= share["cleared"] <= 0.58
    assert 0.01 <= share["lapsed"] <= 0.05
    assert 0.12 <= share["supervised"] <= 0.18
    assert 0.17 <= share["in_progress"] <= 0.23
    assert 0.08 <= share["not_started"] <= 0.12


@pytest.mark.django_db
def test_mentor_profiles_are_believable_and_in_the_region(medium: Ecosystem) -> None:
    mentors = list(Mentor.objects.filter(ecosystem=medium).select_related("user", "employer"))
    emails = [m.user.email for m in mentors]
    assert len(set(emails)) == len(emails)
    assert all(e.endswith((f"@{demo.MENTOR_DOMAIN}", f"@{builder.DEMO_DOMAIN}")) for e in emails)
    assert Counter(e.endswith(demo.MENTOR_DOMAIN) for e in emails)[True] > 500
    assert all(medium.region_contains(m.latitude, m.longitude) for m in mentors)
    assert all(m.home_postal_code for m in mentors)
    assert all(5 <= m.travel_radius_mi <= 30 for m in mentors)
    assert all(1 <= m.max_matches <= 3 for m in mentors)
    for m in mentors:
        assert m.availability
        assert all(s % 15 == 0 and e % 15 == 0 and s < e for _d, s, e in m.availability)
        assert set(m.topics) <= STEM_CODES
        assert set(m.grade_bands) <= BAND_CODES
        assert m.modes
        assert set(m.modes) <= {"in_person", "virtual"}
        assert set(m.identity_tags) <= IDENTITY_CODES
        assert bool(m.identity_tags) == m.shares_identity
    employed = [m for m in mentors if m.employer_id]
    assert 0.25 <= len(employed) / len(mentors) <= 0.42
    assert {m.employer.sector for m in employed if m.employer} == {Sector.BUSINESS}
    assert {m.career_stage for m in mentors} >= {"student", "early", "mid", "retired"}
    assert 0.1 <= sum("es" in m.languages for m in mentors) / len(mentors) <= 0.3
    assert sum(m.modes == ["virtual"] for m in mentors) >= 40
    sharing = [m for m in mentors if m.shares_identity]
    assert 0.25 <= len(sharing) / len(mentors) <= 0.35
    consents = Consent.objects.filter(mentor__ecosystem=medium)
    assert consents.filter(kind="terms").count() == len(mentors)
    assert consents.filter(kind="identity").count() == len(sharing)


@pytest.mark.django_db
def test_screening_records_are_what_update_step_would_write(medium: Ecosystem) -> None:
    today = timezone.localdate()
    backbone = set(
        medium.memberships.filter(role__in=[Role.BACKBONE_ADMIN, Role.BACKBONE_STAFF]).values_list(
            "user_id", flat=True
        )
    )
    passed = list(
        ScreeningRecord.objects.filter(mentor__ecosystem=medium, status="passed").select_related(
            "step"
        )
    )
    assert len(passed) > 1500
    for record in passed:
        assert record.verified_by_id in backbone
        assert record.completed_on is not None
        assert record.completed_on <= today
        assert record.expires_on == screening.expiry_of(record.step, record.completed_on)
        if record.step.minimum_hours is not None:
            assert record.hours is not None
            assert record.hours >= record.step.minimum_hours
    soon = [
        r
        for r in passed
        if r.expires_on and today <= r.expires_on <= today + datetime.timedelta(30)
    ]
    assert len(soon) >= 15
    assert len(screening.expiring(medium)) >= len(soon)


@pytest.mark.django_db
def test_about_150_opportunities_of_every_kind_on_youth_programs(medium: Ecosystem) -> None:
    opportunities = list(
        Opportunity.objects.filter(ecosystem=medium).select_related("program", "location")
    )
    assert 140 <= len(opportunities) <= 150
    kinds = Counter(o.kind for o in opportunities)
    assert kinds["relationship"] >= 35
    assert kinds["career_talk"] >= 15
    assert kinds["judging"] >= 8
    assert kinds["workshop"] >= 15
    assert sum(o.status == "open" for o in opportunities) >= 130
    for o in opportunities:
        assert o.program.archived_at is None
        assert 1 <= o.mentors_needed <= 6
        assert 0.0 <= o.equity_priority <= 1.0
        assert set(o.topics) <= STEM_CODES
        assert o.grade_bands
        assert set(o.grade_bands) <= BAND_CODES
        if o.mode != "virtual":
            assert o.location is not None
            assert o.location.latitude is not None
        for _day, start, end in o.schedule:
            assert start % 15 == 0
            assert end % 15 == 0
            assert start < end
    talks = [o for o in opportunities if o.kind == "career_talk" and o.mode == "virtual"]
    assert talks
    assert all(o.teacher_present and not o.direct_contact for o in talks)
    assert any(o.one_to_one and o.kind == "relationship" for o in opportunities)
    assert any(o.language_required == "es" for o in opportunities)
    assert any("woman" in o.welcomes_identities for o in opportunities)
    assert len({round(o.equity_priority, 1) for o in opportunities}) >= 5


@pytest.mark.django_db
def test_matches_in_every_stage_and_every_live_one_is_safe(medium: Ecosystem) -> None:
    matches = list(
        Match.objects.filter(ecosystem=medium).select_related("mentor__ecosystem", "opportunity")
    )
    status = Counter(m.status for m in matches)
    assert 55 <= status["active"] <= 65
    assert 18 <= status["closed"] <= 22
    assert 13 <= status["offered"] <= 20
    assert status["accepted"] >= 2
    assert status["declined"] >= 2
    for match in matches:
        if match.status in LIVE_STATUSES:
            assert match.missing_steps() == []
        # Dated in order: the mentor signed up and the need was posted before the offer.
        assert match.mentor.created_at < match.created_at
        assert match.opportunity.created_at < match.created_at
    today = timezone.localdate()
    active = [m for m in matches if m.status == "active"]
    assert all(m.start_on and 28 <= (today - m.start_on).days <= 125 for m in active)
    assert all(m.expected_end_on and m.expected_end_on > today for m in active)
    closed = [m for m in matches if m.status == "closed"]
    assert sum(m.closure_kind == "planned" for m in closed) > len(closed) / 2
    assert all(m.closure_reason for m in closed if m.closure_kind == "early")
    check_ins = CheckIn.objects.filter(match__in=active)
    assert check_ins.filter(done_on__isnull=False).exists()
    assert check_ins.filter(done_on__isnull=True, due_on__lt=today).exists()  # overdue


@pytest.mark.django_db
def test_hours_fall_within_their_match_and_most_are_approved(medium: Ecosystem) -> None:
    logs = list(HourLog.objects.filter(ecosystem=medium).select_related("match"))
    assert len(logs) > 300
    today = timezone.localdate()
    for log in logs:
        match = log.match
        assert match.status in ("active", "closed")
        assert log.mentor_id == match.mentor_id
        assert match.start_on is not None
        assert match.start_on <= log.date < today
        assert match.closed_on is None or log.date <= match.closed_on
        assert 1 <= log.hours <= 3
        assert log.activity
        assert (log.status == "approved") == (log.reviewed_by_id is not None)
    approved = sum(log.status == "approved" for log in logs) / len(logs)
    assert 0.6 <= approved <= 0.9


@pytest.mark.django_db
def test_a_matching_round_in_the_demo_has_many_sensible_proposals(medium: Ecosystem) -> None:
    mentors = list(Mentor.objects.filter(ecosystem=medium, status="active"))
    opportunities = list(
        Opportunity.objects.filter(ecosystem=medium, status="open").select_related(
            "location", "program", "ecosystem"
        )
    )
    instance = engine.build_instance(mentors, opportunities)
    # Most opportunities still have places, and most cleared mentors are free.
    assert sum(o.capacity > 0 for o in instance.opportunities) == len(opportunities)
    assert sum(m.capacity > 0 for m in instance.mentors) > 400
    edges = solver.candidate_edges(instance.mentors, instance.opportunities)
    assignment = solver.solve(
        edges,
        [m.capacity for m in instance.mentors],
        [o.capacity for o in instance.opportunities],
    )
    assert len(assignment.pairs) >= 150
    assert assignment.covered >= 0.75 * len(opportunities)
    topics = [edges.explain(int(k))["topics"] for k in assignment.edges]
    assert sum(t > 0 for t in topics) / len(topics) > 0.75  # most share a topic


@pytest.mark.django_db
def test_the_mentor_persona_has_an_active_match_with_hours_and_an_offer(
    medium: Ecosystem,
) -> None:
    mentor = Mentor.objects.get(ecosystem=medium, user__email=demo.MENTOR_PERSONA)
    assert screening.standing(mentor).stage == screening.Stage.CLEARED
    active = mentor.matches.get(status="active")
    assert active.hour_logs.filter(status="approved").exists()
    assert active.hour_logs.filter(status="pending").exists()  # for partner@ to approve
    assert active.check_ins.filter(done_on__isnull=False).exists()
    partner_orgs = medium.organizations.filter(staff_memberships__user__email=demo.PARTNER_PERSONA)
    assert active.organization in partner_orgs
    offer = mentor.matches.get(status="offered")
    assert offer.program_accepted_at is not None
    assert offer.mentor_accepted_at is None
    # partner@ has a mentor's request to answer too.
    assert Match.objects.filter(
        opportunity__program__organization__in=partner_orgs,
        status="offered",
        mentor_accepted_at__isnull=False,
        program_accepted_at__isnull=True,
    ).exists()


@pytest.mark.django_db
def test_the_demo_accounts_pages_tell_the_story(medium: Ecosystem) -> None:
    home = reverse("mentoring:home", kwargs={"ecosystem_slug": medium.slug})
    offer = Match.objects.get(mentor__user__email=demo.MENTOR_PERSONA, status="offered")
    mentor = Client()
    mentor.force_login(User.objects.get(email=demo.MENTOR_PERSONA))
    assert offer.opportunity.title in html.unescape(mentor.get(home).content.decode())
    active = Match.objects.get(mentor__user__email=demo.MENTOR_PERSONA, status="active")
    page = mentor.get(reverse("mentoring:match", args=[medium.slug, active.pk]))
    assert page.status_code == 200
    partner = Client()
    partner.force_login(User.objects.get(email=demo.PARTNER_PERSONA))
    hours = html.unescape(
        partner.get(reverse("mentoring:hours", args=[medium.slug])).content.decode()
    )
    assert "Dev Lindqvist" in hours  # mentor@'s latest sessions, awaiting partner@


@pytest.mark.django_db
def test_the_demo_network_tells_the_story_issue_19_asks(medium: Ecosystem) -> None:
    """About 1,000 members, four workgroups with tasks and progress notes, past quarterly
    meetings with attendance, twelve monthly newsletters, one survey with results; and the
    health dashboard reads them."""
    from ecotone.network.models import (
        Event,
        EventKind,
        MemberStatus,
        Newsletter,
        NewsletterStatus,
        ProgressNote,
        SteeringReport,
        Survey,
        SurveyStatus,
        Task,
        Welcome,
        Workgroup,
    )
    from ecotone.network.services import health, survey_results

    active = medium.members.filter(status=MemberStatus.ACTIVE).count()
    assert 850 <= active <= 1050
    # who left is kept as leaving leaves them: no one's name, role, address or consent
    left = medium.members.filter(status=MemberStatus.LEFT)
    assert left.count() >= 20
    assert not left.exclude(
        name="", email="", network_role="", postal_code="", email_consent_at=None
    ).exists()
    groups = Workgroup.objects.filter(ecosystem=medium, is_steering_committee=False)
    assert groups.count() == 4
    for group in groups:
        assert Task.objects.filter(workgroup=group).exists()
        assert ProgressNote.objects.filter(workgroup=group).count() == 6
    assert SteeringReport.objects.filter(ecosystem=medium).count() == 1
    past = Event.objects.filter(
        ecosystem=medium, kind=EventKind.NETWORK_MEETING, starts_at__lt=timezone.now()
    )
    assert past.count() == 8
    for meeting in past.filter(starts_at__gt=timezone.now() - datetime.timedelta(days=400)):
        registered = meeting.registrations.count()
        attended = meeting.registrations.filter(attended_at__isnull=False).count()
        assert 60 <= registered <= 110
        assert 0.3 < attended / registered < 0.7
    assert Newsletter.objects.filter(ecosystem=medium, status=NewsletterStatus.SENT).count() == 12
    survey = Survey.objects.get(ecosystem=medium)
    assert survey.status == SurveyStatus.CLOSED
    assert survey_results.results(survey).shown
    assert Welcome.objects.filter(ecosystem=medium, sent_at__isnull=False).count() > 100
    sections = {s.key: s for s in health.dashboard(medium)}
    assert not any(s.empty for s in sections.values()), [
        s.key for s in sections.values() if s.empty
    ]
