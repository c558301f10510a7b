"""Challenge records built directly with the models, for the API's tests and permission rows:
calls (open, draft, one with published winners), applications with a revision, reviewer
profiles, assignments, reviews, a decision and awards."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from ecotone.challenges.models import (
    Application,
    ApplicationStatus,
    Assignment,
    Award,
    AwardMilestone,
    Call,
    CallStatus,
    Criterion,
    Decision,
    EligibilityQuestion,
    MilestoneKind,
    Outcome,
    Question,
    QuestionKind,
    Review,
    ReviewerProfile,
    ReviewStatus,
    Revision,
    Round,
    RoundKind,
    RoundStatus,
)
from ecotone.ecosystems.models import Ecosystem, Membership, Role, Sector
from tests.conftest import World, make_user

# Dates relative to when the tests run: the open call must still be open, whatever the date.
NOW = timezone.now().replace(microsecond=0)


def make_call(
    ecosystem: Ecosystem,
    slug: str,
    *,
    status: str = CallStatus.OPEN,
    winners_published_at: datetime.datetime | None = None,
) -> tuple[Call, Round]:
    """A call with one criterion, an eligibility question, a text question and a review round
    (returned with it)."""
    call = Call.objects.create(
        ecosystem=ecosystem,
        slug=slug,
        title=slug.replace("-", " ").title(),
        status=status,
        deadline=NOW + datetime.timedelta(days=30),
        winners_published_at=winners_published_at,
    )
    Criterion.objects.create(
        call=call,
        key="impact",
        name="Impact",
        descriptors=["None", "Little", "Some", "Much", "Transformative"],
    )
    EligibilityQuestion.objects.create(
        call=call, text="Do you serve young people?", reason="The call funds youth programs."
    )
    Question.objects.create(
        call=call, key="plan", kind=QuestionKind.TEXT, label="Plan", settings={"word_limit": 300}
    )
    round_ = Round.objects.create(
        call=call, position=1, name="Full review", kind=RoundKind.REVIEW, status=RoundStatus.OPEN
    )
    return call, round_


def make_application(
    call: Call,
    lead: Any,
    title: str,
    *,
    round_: Round | None = None,
    status: str = ApplicationStatus.SUBMITTED,
) -> Application:
    """An application; a submitted one has its first revision."""
    application = Application.objects.create(
        ecosystem=call.ecosystem,
        call=call,
        round=round_,
        lead=lead,
        organization_name=f"{title} Org",
        organization_sector=Sector.YOUTH_NONPROFIT,
        title=title,
        summary=f"About {title}",
        status=status,
        answers={"plan": f"The plan of {title}"},
        city="Riverton",
        state="OH",
        submitted_at=None if status == ApplicationStatus.DRAFT else NOW,
    )
    if status != ApplicationStatus.DRAFT:
        Revision.objects.create(
            application=application,
            round=round_,
            number=1,
            title=title,
            answers=application.answers,
            submitted_at=NOW,
            submitted_by=lead,
        )
    return application


def make_reviewer(ecosystem: Ecosystem, user: Any) -> ReviewerProfile:
    """The person's reviewer profile (kept if another builder made it), with the role."""
    Membership.objects.get_or_create(
        user=user, ecosystem=ecosystem, defaults={"role": Role.REVIEWER}
    )
    profile, _created = ReviewerProfile.objects.get_or_create(
        ecosystem=ecosystem, user=user, defaults={"sector": Sector.HIGHER_ED}
    )
    return profile


def make_review(
    assignment: Assignment, *, submitted: bool, score: int = 4, panel: str = ""
) -> Review:
    return Review.objects.create(
        assignment=assignment,
        status=ReviewStatus.SUBMITTED if submitted else ReviewStatus.DRAFT,
        scores={"impact": score},
        total=float(score) if submitted else None,
        comment_to_panel=panel,
        submitted_at=NOW if submitted else None,
    )


@dataclass
class ApiRecords:
    open_call: Call
    draft_call: Call
    past_call: Call
    review_round: Round
    mine: Application  # the member's, assigned to the reviewer and the peer
    other: Application  # partner B's, assigned to the peer only
    draft: Application  # the member's draft
    reviewer: ReviewerProfile  # the reviewer persona's
    peer: ReviewerProfile  # another reviewer's
    assignment: Assignment  # reviewer -> mine
    peer_assignment: Assignment  # peer -> mine
    review: Review  # the reviewer's draft review of mine
    peer_review: Review  # the peer's submitted review of mine
    decision: Decision
    award: Award  # on mine (unpublished call)
    winner: Award  # on the past call, whose winners are published


def build_records(world: World) -> ApiRecords:
    alpha = world.alpha
    users = world.users
    open_call, review_round = make_call(alpha, "api-open")
    draft_call, _draft_round = make_call(alpha, "api-draft", status=CallStatus.DRAFT)
    past_call, _past_round = make_call(
        alpha,
        "api-past",
        status=CallStatus.DECIDED,
        winners_published_at=NOW - datetime.timedelta(days=1),
    )
    mine = make_application(open_call, users["member"], "River Lab", round_=review_round)
    other = make_application(open_call, users["partner_b"], "Library Makers", round_=review_round)
    draft = make_application(open_call, users["member"], "Sky Club", status=ApplicationStatus.DRAFT)
    reviewer = make_reviewer(alpha, users["reviewer"])
    peer = make_reviewer(alpha, make_user("peer@alpha.test", name="Peer Reviewer"))
    assignment = Assignment.objects.create(
        round=review_round, reviewer=reviewer, application=mine, explanation={"topics": 2}
    )
    peer_assignment = Assignment.objects.create(round=review_round, reviewer=peer, application=mine)
    Assignment.objects.create(round=review_round, reviewer=peer, application=other)
    review = make_review(assignment, submitted=False, score=3)
    peer_review = make_review(peer_assignment, submitted=True, score=5, panel="Strong partners")
    decision = Decision.objects.create(
        application=mine,
        round=review_round,
        outcome=Outcome.ADVANCE,
        decided_by=users["staff"],
        raw_rank=1,
        adjusted_rank=2,
    )
    award = Award.objects.create(application=mine, amount=Decimal("5000"), citation="Soon")
    AwardMilestone.objects.create(
        award=award,
        kind=MilestoneKind.PAYMENT,
        title="First payment",
        due_on=datetime.date(2027, 1, 15),
        amount=Decimal("2500"),
    )
    past = make_application(
        past_call, users["partner_a"], "Robot Garden", status=ApplicationStatus.AWARDED
    )
    winner = Award.objects.create(
        application=past,
        amount=Decimal("20000"),
        in_kind="Coaching",
        citation="Robots for every garden",
        announced_at=timezone.now(),
    )
    return ApiRecords(
        open_call=open_call,
        draft_call=draft_call,
        past_call=past_call,
        review_round=review_round,
        mine=mine,
        other=other,
        draft=draft,
        reviewer=reviewer,
        peer=peer,
        assignment=assignment,
        peer_assignment=peer_assignment,
        review=review,
        peer_review=peer_review,
        decision=decision,
        award=award,
        winner=winner,
    )
