"""Surveys' services: anonymity, one response per invitation, reminders once per setting,
the audiences, the template, and the results' suppression."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.db import transaction
from django.utils import timezone

from ecotone.ecosystems.models import Sector
from ecotone.errors import DomainError
from ecotone.network.models import (
    Answer,
    Event,
    EventKind,
    Invitation,
    Registration,
    Response,
    Survey,
    SurveyAudience,
    SurveyStatus,
    Workgroup,
    WorkgroupMembership,
)
from ecotone.network.services import survey_results, surveys
from tests.conftest import World, build_world
from tests.network.builders import make_member
from tests.network.builders_surveys import answer, make_members, make_survey, questions


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        # 12 members: 9 in schools, 2 libraries, 1 without a sector
        make_members(world.alpha, 9, "school", sector=Sector.SCHOOL, region="North")
        make_members(world.alpha, 2, "library", sector=Sector.LIBRARY, region="South")
        make_members(world.alpha, 1, "nosector")
        # not asked: no consent, bounced, pending, another ecosystem
        make_member(world.alpha, "quiet@example.org")
        make_member(
            world.alpha, "bounced@example.org", email_consent=True, email_bounced_at=timezone.now()
        )
        make_member(world.alpha, "pending@example.org", email_consent=True, status="pending")
        make_member(world.beta, "beta@example.org", email_consent=True)
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def w(built: World, db: None) -> World:
    return built


def _open(w: World, **fields: Any) -> Survey:
    survey = make_survey(w.alpha, **fields)
    surveys.open_survey(w.users["staff"], survey)
    return survey


def test_opening_invites_the_mailable_members_once_each(w: World) -> None:
    survey = _open(w)
    assert survey.status == SurveyStatus.OPEN
    invited = set(survey.invitations.values_list("member__email", flat=True))
    assert len(invited) == 12
    assert not invited & {"quiet@example.org", "bounced@example.org", "pending@example.org"}
    with pytest.raises(DomainError):
        surveys.open_survey(w.users["staff"], survey)


def test_a_survey_without_questions_or_recipients_does_not_open(w: World) -> None:
    empty = Survey.objects.create(ecosystem=w.alpha, title="Empty")
    with pytest.raises(DomainError, match="at least one question"):
        surveys.open_survey(w.users["staff"], empty)
    nobody = make_survey(w.alpha, audience=SurveyAudience.SEGMENT, segment={"regions": ["Mars"]})
    with pytest.raises(DomainError, match="Nobody"):
        surveys.open_survey(w.users["staff"], nobody)
    assert Survey.objects.get(pk=nobody.pk).is_draft


def test_audiences_event_attendees_workgroup_and_segment(w: World) -> None:
    people = list(w.alpha.members.order_by("pk"))
    now = timezone.now()
    event = Event.objects.create(
        ecosystem=w.alpha, kind=EventKind.NETWORK_MEETING, title="Q1", starts_at=now, ends_at=now
    )
    Registration.objects.create(event=event, member=people[0], attended_at=now)
    Registration.objects.create(event=event, member=people[1])  # registered, did not come
    group = Workgroup.objects.create(ecosystem=w.alpha, slug="outreach", name="Outreach")
    WorkgroupMembership.objects.create(workgroup=group, member=people[2])
    by_event = Survey(ecosystem=w.alpha, audience=SurveyAudience.EVENT, event=event)
    assert list(surveys.recipients(by_event)) == [people[0]]
    by_group = Survey(ecosystem=w.alpha, audience=SurveyAudience.WORKGROUP, workgroup=group)
    assert list(surveys.recipients(by_group)) == [people[2]]
    libraries = Survey(
        ecosystem=w.alpha, audience=SurveyAudience.SEGMENT, segment={"sectors": ["library"]}
    )
    assert surveys.recipients(libraries).count() == 2


def test_an_anonymous_response_holds_nothing_that_links_it_to_a_member_or_invitation(
    w: World,
) -> None:
    survey = _open(w)
    member = w.alpha.members.get(email="school0@example.org")
    before = LogEntry.objects.count()
    answer(survey, member, likert=4, single=1, multiple=["1", "3"], number="12.5", text="More")
    response = Response.objects.get(survey=survey)
    # the row: a random key, the survey, nothing else
    assert response.member_id is None
    assert response.invitation_id is None
    assert response.submitted_on is None
    assert isinstance(response.pk, uuid.UUID)
    stored = {f.attname for f in Response._meta.concrete_fields}
    assert stored == {"id", "survey_id", "member_id", "invitation_id", "submitted_on"}
    answer_fields = {f.attname for f in Answer._meta.concrete_fields}
    assert answer_fields == {"id", "response_id", "question_id", "choice", "number", "text"}
    # the invitation knows only that it was used: no time, no response
    invitation = Invitation.objects.get(survey=survey, member=member)
    assert invitation.responded is True
    assert not hasattr(invitation, "updated_at")
    assert not Response.objects.filter(invitation=invitation).exists()
    # and nothing in the change history was written by answering
    assert LogEntry.objects.count() == before
    choices = Answer.objects.filter(response=response).values_list("choice", flat=True)
    assert sorted(c for c in choices if c is not None) == [1, 1, 3, 4]


def test_one_response_per_invitation(w: World) -> None:
    survey = _open(w)
    member = w.alpha.members.get(email="school1@example.org")
    answer(survey, member, likert=5, single=2)
    with pytest.raises(DomainError, match="already answered"):
        answer(survey, member, likert=1, single=1)
    assert Response.objects.filter(survey=survey).count() == 1


def test_a_named_response_keeps_its_member(w: World) -> None:
    survey = _open(w, anonymous=False)
    member = w.alpha.members.get(email="library0@example.org")
    answer(survey, member, likert=3, single=2)
    response = Response.objects.get(survey=survey)
    assert response.member == member
    assert response.invitation.member == member
    assert response.submitted_on == timezone.localdate()


def test_a_closed_survey_takes_no_answer(w: World) -> None:
    survey = _open(w)
    surveys.close_survey(w.users["staff"], survey)
    with pytest.raises(DomainError, match="closed"):
        answer(survey, w.alpha.members.get(email="school2@example.org"), likert=1, single=1)


def test_reminders_go_once_per_setting_to_those_who_have_not_answered(w: World) -> None:
    survey = _open(w, reminder_days=[3, 7])
    answer(survey, w.alpha.members.get(email="school3@example.org"), likert=2, single=1)
    opened = timezone.localdate(survey.opened_at)

    def day(n: int) -> int:
        return surveys.send_reminders(opened + datetime.timedelta(days=n), ecosystem=w.alpha)

    assert day(2) == 0
    assert day(3) == 11
    assert day(3) == 0  # run again the same day
    assert day(5) == 0
    assert day(30) == 11  # the second reminder, once, however late the run
    assert day(31) == 0
    assert set(survey.invitations.values_list("reminders_sent", flat=True)) == {0, 2}
    # closing an anonymous survey forgets who was reminded (results are shown from then on)
    surveys.close_survey(w.users["staff"], survey)
    assert set(survey.invitations.values_list("reminders_sent", flat=True)) == {0}


def test_a_survey_past_its_closing_day_is_closed_by_the_daily_run(w: World) -> None:
    survey = _open(w)
    Survey.objects.filter(pk=survey.pk).update(closes_on=timezone.localdate())
    surveys.send_reminders(timezone.localdate() + datetime.timedelta(days=1), ecosystem=w.alpha)
    assert Survey.objects.get(pk=survey.pk).status == SurveyStatus.CLOSED


def test_the_template_is_a_bilingual_draft_of_valid_questions(w: World) -> None:
    survey = surveys.from_template(w.users["staff"], w.alpha)
    assert survey.is_draft
    assert survey.anonymous
    assert survey.title_es
    assert survey.sections.count() == 5
    kinds = set(survey.questions.values_list("kind", flat=True))
    assert kinds == {"likert", "single", "multiple", "number", "text"}
    for question in survey.questions.all():
        assert question.text_es, question.text
        assert surveys.check_question(question) == [], question.text


def test_check_question_names_each_problem(w: World) -> None:
    from ecotone.network.models import Question

    one = Question(kind="single", options="Only")
    assert surveys.check_question(one)
    mismatch = Question(kind="single", options="A\nB", options_es="A")
    assert surveys.check_question(mismatch)
    backwards = Question(kind="number", min_value=5, max_value=1)
    assert surveys.check_question(backwards)
    assert surveys.check_question(Question(kind="likert")) == []


# --- results -------------------------------------------------------------------------------------


def _answered(w: World, *, anonymous: bool) -> Survey:
    """12 answers: 9 schools (likert 4, 'Yes'), 2 libraries (likert 2, 'No'), one without a
    sector (likert 5, 'No'); text from 9 of them."""
    survey = _open(w, anonymous=anonymous)
    for member in w.alpha.members.filter(email_consent=True, email_bounced_at__isnull=True):
        if member.status != "active" or member.email == "quiet@example.org":
            continue
        if member.sector == Sector.SCHOOL:
            answer(survey, member, likert=4, single=1, text=f"note {member.pk}", number="10")
        elif member.sector == Sector.LIBRARY:
            answer(survey, member, likert=2, single=2, number="20")
        else:
            answer(survey, member, likert=5, single=2)
    return survey


def test_results_are_withheld_below_the_threshold_and_while_an_anonymous_survey_is_open(
    w: World,
) -> None:
    survey = _open(w, anonymous=False)
    answer(survey, w.alpha.members.get(email="school0@example.org"), likert=4, single=1)
    found = survey_results.results(survey)
    assert not found.shown
    assert "Fewer than 10" in found.withheld
    anonymous = _answered(w, anonymous=True)
    assert not survey_results.results(anonymous).shown
    surveys.close_survey(w.users["staff"], anonymous)
    assert survey_results.results(anonymous).shown


def test_small_groups_are_hidden_with_a_complement(w: World) -> None:
    survey = _answered(w, anonymous=False)
    found = survey_results.results(survey, breakdown="sector")
    assert found.shown
    assert found.responses == 12
    likert = next(q for q in found.questions if q.question.kind == "likert")
    overall = {f.key: f.value for f in likert.options}
    # 9 "agree", 2 "disagree", 1 "strongly agree": the small ones are hidden, and so is a
    # complement, so that 12 - 9 does not give them back
    assert overall["4"] is None or overall["2"] is None
    hidden = [f for f in likert.options if f.value is None]
    assert len(hidden) >= 2
    assert all(f.share is None for f in hidden)
    groups = {g.label: g for g in likert.groups}
    assert groups["Library"].total.value is None  # 2 libraries
    # no group's hidden cells can be recovered from the group's total and its shown cells
    for group in likert.groups:
        if group.total.value is None:
            continue
        positive_hidden = [f for f in group.options if f.value is None]
        assert len(positive_hidden) != 1
    assert found.any_hidden


def test_text_answers_need_the_threshold_and_never_carry_a_name(w: World) -> None:
    survey = _answered(w, anonymous=False)
    found = survey_results.results(survey)
    text = next(q for q in found.questions if q.question.kind == "text")
    assert text.texts is None  # 9 wrote one: fewer than 10
    number = next(q for q in found.questions if q.question.kind == "number")
    assert number.mean is not None
    assert number.median == 10.0


def test_breakdown_of_an_anonymous_survey_is_by_an_answer_never_by_who(w: World) -> None:
    survey = _answered(w, anonymous=True)
    surveys.close_survey(w.users["staff"], survey)
    choices = dict(survey_results.breakdown_choices(survey))
    assert "sector" not in choices
    assert "region" not in choices
    single = questions(survey)["single"]
    found = survey_results.results(survey, breakdown=f"q{single.pk}", language="es")
    assert found.breakdown == f"q{single.pk}"
    own = next(q for q in found.questions if q.question.pk == single.pk)
    assert [f.label for f in own.options] == ["Sí", "No"]
    assert survey_results.results(survey, breakdown="sector").breakdown == ""


def test_leaving_erases_the_member_from_their_surveys(w: World) -> None:
    survey = _open(w, anonymous=False, reminder_days=[1])
    member = make_member(w.alpha, "leaver@example.org", email_consent=True)
    from ecotone.network.models import Invitation as Invite

    invitation = Invite.objects.create(survey=survey, member=member)
    answer(survey, member, likert=3, single=1)
    other = w.alpha.members.get(email="school4@example.org")
    other.status = "left"
    other.save()
    opened = timezone.localdate(survey.opened_at)
    # nobody who left is reminded, nor can they answer
    assert surveys.send_reminders(opened + datetime.timedelta(days=1), ecosystem=w.alpha) == 11
    with pytest.raises(DomainError):
        answer(survey, other, likert=1, single=1)
    surveys.forget_member(member)
    assert not Invite.objects.filter(pk=invitation.pk).exists()
    kept = Response.objects.get(survey=survey)
    assert (kept.member_id, kept.invitation_id, kept.submitted_on) == (None, None, None)
    assert kept.answers.count() == 2


def test_the_daily_command_reminds_once(w: World) -> None:
    from io import StringIO

    from django.core.management import call_command

    survey = _open(w, reminder_days=[2])
    day = timezone.localdate(survey.opened_at) + datetime.timedelta(days=2)
    out = StringIO()
    call_command("survey_reminders", "--ecosystem", "alpha", "--on", day.isoformat(), stdout=out)
    call_command("survey_reminders", "--ecosystem", "alpha", "--on", day.isoformat(), stdout=out)
    assert out.getvalue().splitlines() == ["12 reminder(s) queued", "0 reminder(s) queued"]
