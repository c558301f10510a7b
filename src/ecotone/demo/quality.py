"""The demo's program quality: two rounds of self-assessment a year apart on the equity rubric.

A step of the demo builder (ecotone.demo.builder.STEPS), after the directory: it reads the main
ecosystem's programs, their organizations' partner staff and the demo accounts.

What it makes, for about 40 programs (the same at every size, so the roll-up has enough
programs behind its figures and the small demo stays fast):
- the shipped rubrics, installed by the rubric service (`install_shipped_rubrics`);
- a first round, completed about fourteen months ago: two or three raters each (the
  organization's partner staff, with the backbone's staff or admin as co-raters where an
  organization has fewer), their ratings close to the program's level, a consensus per
  attribute (a note and evidence on some), complete;
- an improvement plan on each first round (`plans`): goals on the three lowest-rated
  attributes, one stage up, with two actions each;
- a second round, completed about two months ago, following the first: the attributes the
  plan aimed at mostly moved up a stage, the others mostly stayed;
- the demo reviewer assigned to a few second rounds, with ratings and a comment;
- two programs (one of partner@'s) showing their mark on the directory listing.

Rows are written through the models in bulk: the assessment services check one rating at a
time, which would take seconds here, and this data is what those services would have written.
Random draws come from this module's own seed, so the other steps' draws do not move it.
"""

from __future__ import annotations

import datetime
import random
from typing import Any

from django.utils import timezone

from ecotone.accounts.models import User
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem, Membership, Role
from ecotone.quality import rubrics
from ecotone.quality.models import (
    ActionStatus,
    Assessment,
    AssessmentStatus,
    ConsensusRating,
    ImprovementPlan,
    PlanAction,
    PlanGoal,
    Rating,
    Review,
    RubricVersion,
)
from ecotone.quality.services.rubrics import install_shipped_rubrics

SEED = 20261207
PROGRAMS = 40
RUBRIC = "equity-in-stem-programs"
DOMAIN = "demo.ecotone.example.org"
PARTNER_PERSONA = f"partner@{DOMAIN}"
REVIEWER_PERSONA = f"reviewer@{DOMAIN}"
BACKBONE_PERSONAS = (f"admin@{DOMAIN}", f"staff@{DOMAIN}")
GOALS = 3  # per plan: the lowest-rated attributes
REVIEWED = 4  # second rounds the demo reviewer is assigned to
NOTES = (
    "We agreed after comparing the sign-up numbers by school.",
    "Two of us rated a stage higher; the evidence supports the lower one.",
    "Staff described the practice, but it is not written down yet.",
    "Families told us this in the spring survey.",
)
EVIDENCE = (
    "Enrollment form in English and Spanish; outreach calendar.",
    "Staff training agenda, September.",
    "Family night sign-in sheets.",
)
REVIEW_COMMENTS = (
    "A careful self-assessment. The outreach plan is real progress; the data on who stays "
    "through the year is the next step.",
    "The ratings are honest. I would rate family engagement a stage lower until the family "
    "nights reach the rural sites.",
)


def build(ctx: Any) -> None:
    """Demo builder step: the main ecosystem's two rounds of equity self-assessment."""
    ecosystem = ctx.ecosystems.get("confluence") or next(iter(ctx.ecosystems.values()))
    ctx.counts.update(build_for(ecosystem))


def _people(ecosystem: Ecosystem) -> tuple[dict[int, list[User]], list[User]]:
    """Each organization's partner staff (partner@ first), and the backbone's demo accounts."""
    staff: dict[int, list[User]] = {}
    memberships = (
        Membership.objects.filter(ecosystem=ecosystem, role=Role.PARTNER_STAFF)
        .select_related("user")
        .prefetch_related("organizations")
        .order_by("pk")
    )
    for membership in memberships:
        for organization in membership.organizations.all():
            people = staff.setdefault(organization.pk, [])
            if membership.user.email == PARTNER_PERSONA:
                people.insert(0, membership.user)
            else:
                people.append(membership.user)
    by_email = {u.email: u for u in User.objects.filter(email__in=BACKBONE_PERSONAS)}
    return staff, [by_email[e] for e in BACKBONE_PERSONAS if e in by_email]


def _programs(
    ecosystem: Ecosystem, rng: random.Random, staff: dict[int, list[User]]
) -> list[Program]:
    found = list(
        Program.objects.filter(ecosystem=ecosystem, organization__archived_at__isnull=True)
        .select_related("organization")
        .order_by("slug")
    )
    # partner@'s programs first, so the persona has a story; then a seeded sample
    own = [
        p
        for p in found
        if staff.get(p.organization_id, [None])[0] is not None
        and staff[p.organization_id][0].email == PARTNER_PERSONA
    ]
    rest = [p for p in found if p not in own]
    rng.shuffle(rest)
    return (own + rest)[:PROGRAMS]


def _clamp(position: int, top: int) -> int:
    return max(0, min(top, position))


def build_for(ecosystem: Ecosystem, *, seed: int = SEED) -> dict[str, int]:
    """Two rounds of equity self-assessment for about 40 of `ecosystem`'s programs."""
    rng = random.Random(seed)
    staff, backbone = _people(ecosystem)
    if not backbone:
        return {}
    install_shipped_rubrics(backbone[0], ecosystem)
    version = RubricVersion.objects.select_related("rubric").get(
        rubric__ecosystem=ecosystem, rubric__key=RUBRIC, number=1
    )
    rubric = rubrics.from_json(version.content)
    stages = [s.key for s in rubric.stages]
    top = len(stages) - 1
    attributes = [a.key for a in rubric.attributes()]
    programs = _programs(ecosystem, rng, staff)
    now = timezone.now()
    first_done = now - datetime.timedelta(days=425)
    second_done = now - datetime.timedelta(days=60)

    # The agreed position of each attribute, round by round: a program's level, and each
    # attribute a little above or below it.
    levels: dict[int, dict[str, int]] = {}
    for program in programs:
        level = rng.choice((0, 1, 1, 1, 2, 2))
        levels[program.pk] = {
            a: _clamp(level + rng.choice((-1, 0, 0, 0, 1)), top) for a in attributes
        }
    # A few attributes are weak across the coalition: the roll-up's story.
    for weak in ("data-use-for-equity", "removing-barriers"):
        section = next((s for s in rubric.sections if s.key == weak), None)
        for program in programs:
            for a in section.attributes if section else ():
                if rng.random() < 0.6:
                    levels[program.pk][a.key] = 0
    first_round = _round(
        ecosystem, version, programs, staff, backbone, levels, stages, rng, first_done, None
    )
    plans = create_plan_rows(first_round, levels, stages, staff, backbone, rng, first_done)
    later: dict[int, dict[str, int]] = {}
    for program in programs:
        aimed = plans.get(program.pk, set())
        # partner@'s first program keeps every promise of its plan: the persona's story
        aimed_steps = (1, 1, 2) if program is programs[0] else (1, 1, 1, 2, 0)
        later[program.pk] = {
            a: _clamp(
                position
                + (rng.choice(aimed_steps) if a in aimed else rng.choice((0, 0, 0, 0, 0, 1, -1))),
                top,
            )
            for a, position in levels[program.pk].items()
        }
    second_round = _round(
        ecosystem, version, programs, staff, backbone, later, stages, rng, second_done, first_round
    )
    _reviews(second_round, later, stages, rng, second_done)
    shown = [second_round[p.pk] for p in programs[:1] + programs[5:6]]
    Assessment.objects.filter(pk__in=[a.pk for a in shown]).update(show_mark=True)
    return {"quality_assessments": 2 * len(programs), "quality_plans": len(plans)}


def _round(
    ecosystem: Ecosystem,
    version: RubricVersion,
    programs: list[Program],
    staff: dict[int, list[User]],
    backbone: list[User],
    agreed: dict[int, dict[str, int]],
    stages: list[str],
    rng: random.Random,
    completed_at: datetime.datetime,
    follows: dict[int, Assessment] | None,
) -> dict[int, Assessment]:
    """One complete assessment per program, with its raters' ratings and the consensus."""
    made: dict[int, Assessment] = {}
    raters_of: dict[int, list[User]] = {}
    for program in programs:
        raters = raters_of[program.pk] = _raters(program, staff, backbone, rng)
        made[program.pk] = Assessment.objects.create(
            ecosystem=ecosystem,
            organization=program.organization,
            program=program,
            version=version,
            title=f"{version.rubric.title} {completed_at.year}",
            status=AssessmentStatus.COMPLETE,
            created_by=raters[0],
            completed_at=completed_at,
            follows=None if follows is None else follows[program.pk],
        )
    Assessment.objects.filter(pk__in=[a.pk for a in made.values()]).update(
        created_at=completed_at - datetime.timedelta(days=21)
    )
    ratings = []
    consensus = []
    top = len(stages) - 1
    for program in programs:
        assessment = made[program.pk]
        for attribute, position in agreed[program.pk].items():
            for rater in raters_of[program.pk]:
                given = _clamp(position + rng.choice((0, 0, 0, 1, -1)), top)
                ratings.append(
                    Rating(
                        assessment=assessment, rater=rater, attribute=attribute, stage=stages[given]
                    )
                )
            noted = rng.random() < 0.15
            consensus.append(
                ConsensusRating(
                    assessment=assessment,
                    attribute=attribute,
                    stage=stages[position],
                    note=rng.choice(NOTES) if noted else "",
                    evidence=rng.choice(EVIDENCE) if noted else "",
                )
            )
    Rating.objects.bulk_create(ratings, batch_size=1000)
    ConsensusRating.objects.bulk_create(consensus, batch_size=1000)
    return made


def _raters(
    program: Program, staff: dict[int, list[User]], backbone: list[User], rng: random.Random
) -> list[User]:
    """Two or three colleagues: the organization's partner staff, then the backbone's."""
    wanted = rng.choice((2, 3))
    found = list(staff.get(program.organization_id, []))
    for user in backbone:
        if len(found) >= wanted:
            break
        if user not in found:
            found.append(user)
    return found[:wanted]


def create_plan_rows(
    first_round: dict[int, Assessment],
    agreed: dict[int, dict[str, int]],
    stages: list[str],
    staff: dict[int, list[User]],
    backbone: list[User],
    rng: random.Random,
    written: datetime.datetime,
) -> dict[int, set[str]]:
    """The improvement plan of each first round, written as rows in bulk like the
    assessments (through `services.plans` the 40 plans took 3.8 s on SQLite, half the small
    demo, and far more on PostgreSQL). Returns each program's attributes the plan aims at."""
    aims: dict[int, set[str]] = {}
    actions = []
    top = len(stages) - 1
    for program_id, assessment in first_round.items():
        owners = staff.get(assessment.organization_id) or backbone
        plan = ImprovementPlan.objects.create(assessment=assessment, created_by=owners[0])
        lowest = sorted(agreed[program_id].items(), key=lambda item: (item[1], item[0]))[:GOALS]
        aims[program_id] = {a for a, _p in lowest}
        for attribute, position in lowest:
            goal = PlanGoal.objects.create(
                plan=plan,
                attribute=attribute,
                target_stage=stages[_clamp(position + 1, top)],
                goal=f"Reach the next stage on {attribute.replace('-', ' ')} by next year.",
            )
            for n, what in enumerate(
                ("Agree who leads it and by when.", "Try it with one group first.")
            ):
                actions.append(
                    PlanAction(
                        goal=goal,
                        description=what,
                        owner=owners[n % len(owners)],
                        due_on=(written + datetime.timedelta(days=90 * (n + 1))).date(),
                        status=rng.choice(
                            (ActionStatus.DONE, ActionStatus.DONE, ActionStatus.IN_PROGRESS)
                        ),
                    )
                )
    PlanAction.objects.bulk_create(actions)
    return aims


def _reviews(
    second_round: dict[int, Assessment],
    agreed: dict[int, dict[str, int]],
    stages: list[str],
    rng: random.Random,
    completed_at: datetime.datetime,
) -> None:
    reviewer = User.objects.filter(email=REVIEWER_PERSONA).first()
    if reviewer is None:
        return
    backbone = User.objects.filter(email=BACKBONE_PERSONAS[1]).first()
    top = len(stages) - 1
    ratings: list[Rating] = []
    for n, (program_id, assessment) in enumerate(list(second_round.items())[1 : 1 + REVIEWED]):
        Review.objects.create(
            assessment=assessment,
            reviewer=reviewer,
            assigned_by=backbone,
            comment=REVIEW_COMMENTS[n % len(REVIEW_COMMENTS)],
            submitted_at=completed_at - datetime.timedelta(days=5),
        )
        ratings.extend(
            Rating(
                assessment=assessment,
                rater=reviewer,
                attribute=attribute,
                stage=stages[_clamp(position + rng.choice((0, 0, -1)), top)],
            )
            for attribute, position in agreed[program_id].items()
        )
    Rating.objects.bulk_create(ratings)


def delete(ecosystem_slug: str) -> None:
    """The demo ecosystem's assessments (they protect its programs and organizations)."""
    Assessment.objects.filter(ecosystem__slug=ecosystem_slug).delete()
