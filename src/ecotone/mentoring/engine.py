"""The bridge between the database and the Django-free engine (`solver.py`): mentors and
opportunities become `solver.Mentor` / `solver.Opportunity` from their columns, with the
screening each mentor holds today and the screening each opportunity requires.

Used by matching rounds (many at once, a few queries in all) and by self-service requests and
invitations (one pair: is it a candidate, and why does it score what it does), so one set of
hard constraints decides every path.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone

from . import solver
from .models import (
    LIVE_STATUSES,
    Match,
    Mentor,
    Opportunity,
    ScreeningStep,
    current_step_codes,
    holding,
)


def _windows(value: Iterable[Sequence[int]]) -> tuple[solver.Window, ...]:
    return tuple((int(d), int(s), int(e)) for d, s, e in value)


def held_steps(mentor_ids: Iterable[int], on: datetime.date) -> dict[int, frozenset[str]]:
    """Mentor id -> codes of the screening steps current on `on` (one query)."""
    return current_step_codes(mentor_ids, on)


def live_counts(field: str, ids: Iterable[int], *, with_proposals: bool = False) -> dict[int, int]:
    """How many places each mentor or opportunity has taken (`field`: "mentor" or
    "opportunity"): its matches out of review (`models.holding`). `with_proposals`: the
    proposals in review count too (the open round's own view of its places)."""
    taken = Q(status__in=LIVE_STATUSES) if with_proposals else holding()
    matches = Match.objects.filter(taken, **{f"{field}_id__in": list(ids)})
    rows = matches.values(field).annotate(n=Count("pk"))
    return {row[field]: row["n"] for row in rows}


# The columns of a mentor `to_solver_mentor` reads: plain ones, and JSON lists (which a caller
# reading rows rather than records may decode itself, once per distinct value).
SOLVER_MENTOR_COLUMNS = ("pk", "latitude", "longitude", "travel_radius_mi", "shares_identity")
SOLVER_MENTOR_JSON = (
    "modes",
    "grade_bands",
    "languages",
    "topics",
    "skills",
    "availability",
    "identity_tags",
)
# The columns `to_solver_mentor`, `build_instance` and a proposal's name (the mentor's) read:
# what a matching round loads for each of its mentors.
MENTOR_FIELDS = (
    "ecosystem",
    "user__name",
    "status",
    *(column for column in SOLVER_MENTOR_COLUMNS if column != "pk"),
    *SOLVER_MENTOR_JSON,
    "max_matches",
)
# The same for `to_solver_opportunity`, `required_codes`, the safety rule and a proposal's name.
OPPORTUNITY_FIELDS = (
    "ecosystem",
    "program",
    "location",
    "title",
    "status",
    "kind",
    "mode",
    "one_to_one",
    "teacher_present",
    "grade_bands",
    "language_required",
    "languages",
    "topics",
    "skills",
    "schedule",
    "welcomes_shared_identity",
    "welcomes_identities",
    "equity_priority",
    "mentors_needed",
)


def to_solver_mentor(
    mentor: Mentor, screening: frozenset[str], saved: Iterable[int] = (), capacity: int = 1
) -> solver.Mentor:
    return solver.Mentor(
        id=str(mentor.pk),
        capacity=capacity,
        lat=mentor.latitude,
        lon=mentor.longitude,
        travel_radius_mi=float(mentor.travel_radius_mi),
        modes=frozenset(mentor.modes),
        grade_bands=frozenset(mentor.grade_bands),
        languages=frozenset(mentor.languages),
        topics=frozenset(mentor.topics) | frozenset(mentor.skills),
        availability=_windows(mentor.availability),
        screening=screening,
        identity_tags=frozenset(mentor.identity_tags) if mentor.shares_identity else frozenset(),
        interests=frozenset(str(pk) for pk in saved),
    )


def opportunity_point(opportunity: Opportunity) -> tuple[float | None, float | None]:
    """Where in-person work happens: the opportunity's location, else the program's first
    location with coordinates."""
    location = opportunity.location
    if location is not None and location.latitude is not None:
        return location.latitude, location.longitude
    for link in opportunity.program.program_locations.all():
        if link.location.latitude is not None:
            return link.location.latitude, link.location.longitude
    return None, None


def to_solver_opportunity(
    opportunity: Opportunity, required: frozenset[str], capacity: int = 1
) -> solver.Opportunity:
    lat, lon = opportunity_point(opportunity)
    return solver.Opportunity(
        id=str(opportunity.pk),
        capacity=capacity,
        mode=opportunity.mode,
        lat=lat,
        lon=lon,
        grade_bands=frozenset(opportunity.grade_bands),
        language_required=opportunity.language_required,
        languages=frozenset(opportunity.languages),
        topics=frozenset(opportunity.topics) | frozenset(opportunity.skills),
        schedule=_windows(opportunity.schedule),
        required_screening=required,
        welcomes_identities=(
            frozenset(opportunity.welcomes_identities)
            if opportunity.welcomes_shared_identity
            else frozenset()
        ),
        equity_priority=opportunity.equity_priority,
        one_to_one_with_minors=opportunity.one_to_one,
    )


def required_codes(
    opportunity: Opportunity, steps: list[ScreeningStep] | None = None
) -> frozenset[str]:
    """Codes of the steps the opportunity requires. When the ecosystem lacks the safety floor
    for a direct-contact opportunity, a code no mentor can hold, so nobody is a candidate.
    `steps`: the ecosystem's steps, when the caller has them loaded."""
    if steps is None:
        steps = list(ScreeningStep.for_ecosystem(opportunity.ecosystem))
    if opportunity.missing_floor(steps):
        return frozenset({"__no_safety_floor__"})
    return frozenset(step.code for step in opportunity.required_steps(steps))


@dataclass(frozen=True)
class Instance:
    """What a round hands to the solver: the people, their remaining capacities, and the
    database ids behind each index."""

    mentors: list[solver.Mentor]
    opportunities: list[solver.Opportunity]
    mentor_ids: list[int]
    opportunity_ids: list[int]


def build_instance(
    mentors: Iterable[Mentor],
    opportunities: Iterable[Opportunity],
    *,
    on: datetime.date | None = None,
    with_proposals: bool = False,
) -> Instance:
    """Solver inputs for these mentors and opportunities, capacities net of the places taken
    (`live_counts`; people with no room left are still listed, with capacity 0)."""
    on = on or timezone.localdate()
    mentors = list(mentors)
    opportunities = list(opportunities)
    m_ids = [m.pk for m in mentors]
    o_ids = [o.pk for o in opportunities]
    held = held_steps(m_ids, on)
    m_live = live_counts("mentor", m_ids, with_proposals=with_proposals)
    o_live = live_counts("opportunity", o_ids, with_proposals=with_proposals)
    saved: dict[int, list[int]] = defaultdict(list)
    for mentor_id, opportunity_id in Mentor.saved_opportunities.through.objects.filter(
        mentor_id__in=m_ids
    ).values_list("mentor_id", "opportunity_id"):
        saved[mentor_id].append(opportunity_id)
    steps_by_ecosystem: dict[int, list[ScreeningStep]] = {}
    for o in opportunities:
        if o.ecosystem_id not in steps_by_ecosystem:
            steps_by_ecosystem[o.ecosystem_id] = list(ScreeningStep.for_ecosystem(o.ecosystem))
    return Instance(
        mentors=[
            to_solver_mentor(
                m,
                held.get(m.pk, frozenset()),
                saved.get(m.pk, ()),
                max(0, m.max_matches - m_live.get(m.pk, 0)),
            )
            for m in mentors
        ],
        opportunities=[
            to_solver_opportunity(
                o,
                required_codes(o, steps_by_ecosystem[o.ecosystem_id]),
                max(0, o.mentors_needed - o_live.get(o.pk, 0)),
            )
            for o in opportunities
        ],
        mentor_ids=m_ids,
        opportunity_ids=o_ids,
    )


@dataclass(frozen=True)
class PairCheck:
    """Whether one mentor and one opportunity form a candidate pair, and its explanation."""

    candidate: bool
    score: int | None
    breakdown: dict[str, int]
    in_person: bool
    distance_mi: float | None


def check_pair(
    mentor: Mentor, opportunity: Opportunity, *, on: datetime.date | None = None
) -> PairCheck:
    """The engine's hard constraints and score for one pair (capacities aside)."""
    instance = build_instance([mentor], [opportunity], on=on)
    m = instance.mentors[0]
    o = instance.opportunities[0]
    edges = solver.candidate_edges([m], [o])
    k = edges.find(0, 0)
    if k < 0:
        return PairCheck(False, None, {}, False, None)
    distance = float(edges.distance_mi[k])
    return PairCheck(
        True,
        int(edges.score[k]),
        edges.explain(k),
        bool(edges.in_person[k]),
        None if distance != distance else round(distance, 1),
    )
