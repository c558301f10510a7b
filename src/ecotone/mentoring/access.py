"""Which mentors a person sees: one rule for the mentor pages, the API and the
`mentoring.view_mentor` object rule (which asks `is_seen_by_programs`, registered with the
rules in `apps.py`).

Backbone staff see every mentor of the ecosystem and a mentor sees themself. Partner staff see a
mentor available to programs (active, and screened at least for supervised work) or matched with
one of their organizations' programs (any match past a round's proposal, which only the backbone
reviews); never a mentor still in screening, lapsed, paused or withdrawn otherwise. Everyone
else sees none. A mentor one may not see answers 404, on the page as in the API.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest

from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import Ecosystem

from .models import Match, MatchStatus, Mentor, MentorStatus, ScreeningRecord
from .services import screening

# Screening stages at which a mentor is available to programs.
AVAILABLE_STAGES = frozenset({screening.Stage.CLEARED, screening.Stage.SUPERVISED})


def seen_by_programs(
    ecosystem: Ecosystem,
    organization_ids: Collection[int],
    mentors: QuerySet[Mentor] | None = None,
) -> QuerySet[Mentor]:
    """Of `mentors` (the ecosystem's by default), those the staff of these organizations see:
    available to programs, or matched with one of the organizations' programs."""
    mentors = Mentor.objects.all() if mentors is None else mentors
    mentors = mentors.filter(ecosystem=ecosystem)
    if not organization_ids:
        return mentors.none()
    steps = screening.steps(ecosystem)
    candidates = mentors.filter(status=MentorStatus.ACTIVE).prefetch_related(
        Prefetch("screening_records", queryset=ScreeningRecord.objects.select_related("step"))
    )
    # The stage is derived from the records, in Python: filter by the ids it selects.
    available = [
        mentor.pk
        for mentor in candidates
        if screening.standing(
            mentor, records=list(mentor.screening_records.all()), ecosystem_steps=steps
        ).stage
        in AVAILABLE_STAGES
    ]
    matched = (
        Match.objects.filter(
            ecosystem=ecosystem, opportunity__program__organization_id__in=organization_ids
        )
        .exclude(status=MatchStatus.PROPOSED)
        .values("mentor_id")
    )
    return mentors.filter(Q(pk__in=available) | Q(pk__in=matched))


def is_seen_by_programs(mentor: Mentor, organization_ids: Collection[int]) -> bool:
    """Whether the staff of these organizations see this mentor (`seen_by_programs`)."""
    mentors = Mentor.objects.filter(pk=mentor.pk)
    return seen_by_programs(mentor.ecosystem, organization_ids, mentors).exists()


def is_matched_with_programs(mentor: Mentor, organization_ids: Collection[int]) -> bool:
    """Whether this mentor is matched (accepted, active or closed) with one of these
    organizations' programs: their staff see the mentor's contact details."""
    return mentor.matches.filter(
        status__in=(MatchStatus.ACCEPTED, MatchStatus.ACTIVE, MatchStatus.CLOSED),
        opportunity__program__organization_id__in=organization_ids,
    ).exists()


def visible_mentors(
    user: Any, ecosystem: Ecosystem, mentors: QuerySet[Mentor] | None = None
) -> QuerySet[Mentor]:
    """Of `mentors` (the ecosystem's by default), those this user sees."""
    mentors = Mentor.objects.all() if mentors is None else mentors
    mentors = mentors.filter(ecosystem=ecosystem)
    if user.has_perm("mentoring.manage_mentors", ecosystem):
        return mentors
    if not user.is_authenticated:
        return mentors.none()
    visible = Q(user_id=user.pk)
    if organizations := roles.organizations_in(user, ecosystem):
        visible |= Q(pk__in=seen_by_programs(ecosystem, organizations, mentors).values("pk"))
    return mentors.filter(visible)


def get_mentor(request: HttpRequest, mentor_id: int) -> Mentor:
    """A mentor of this ecosystem the user sees; 404 for any other."""
    ecosystem = current_ecosystem(request)
    candidates = Mentor.objects.filter(pk=mentor_id).select_related("user", "employer")
    mentor = visible_mentors(request.user, ecosystem, candidates).first()
    if mentor is None:
        raise Http404
    return mentor
