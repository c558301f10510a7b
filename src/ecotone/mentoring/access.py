"""The mentoring records a person may reach, each from the request's ecosystem; any other
answers 404 (or 403 where the page says the person lacks the role), on the page as in the API.

Which mentors a person sees is one rule for the mentor pages, the API and the
`mentoring.view_mentor` object rule (which asks `is_seen_by_programs`, registered with the
rules in `apps.py`). Backbone staff see every mentor of the ecosystem and a mentor sees themself.
Partner staff see a mentor available to programs (active, and screened at least for supervised
work) or matched with one of their organizations' programs (any published match: a round's
proposal that never went out is the backbone's alone, `models.published`); never a mentor
still in screening, lapsed, paused or withdrawn otherwise. Everyone else sees none.

The same goes for opportunities (`visible_opportunities`), matches (`visible_matches`), hour
logs to review (`reviewable_logs`), matching rounds and screening steps.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import Ecosystem

from .models import (
    CheckIn,
    HourLog,
    Match,
    MatchingRound,
    MatchStatus,
    Mentor,
    MentorStatus,
    Opportunity,
    OpportunityStatus,
    ScreeningStep,
    published,
)
from .services import rounds, screening

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
    # The stored stage where it holds, the rule for the rest (screening.with_stage).
    matched = (
        Match.objects.filter(published())
        .filter(ecosystem=ecosystem, opportunity__program__organization_id__in=organization_ids)
        .values("mentor_id")
    )
    available = Q(status=MentorStatus.ACTIVE) & screening.stage_in(ecosystem, AVAILABLE_STAGES)
    return mentors.filter(available | Q(pk__in=matched))


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


def own_mentor(request: HttpRequest) -> Mentor | None:
    """The person's own mentor record in this ecosystem, if they have one."""
    if not request.user.is_authenticated:
        return None
    return (
        Mentor.objects.filter(ecosystem=current_ecosystem(request), user=request.user)
        .select_related("user", "employer", "ecosystem")
        .first()
    )


def get_screening_step(request: HttpRequest, step_id: int) -> ScreeningStep:
    """A screening step of this ecosystem; 404 for any other."""
    steps = ScreeningStep.objects.filter(ecosystem=current_ecosystem(request))
    return get_object_or_404(steps, pk=step_id)


# Opportunities -------------------------------------------------------------------------------


def visible_opportunities(request: HttpRequest) -> QuerySet[Opportunity]:
    """The opportunities this person may open: all (backbone), their organizations' (partner
    staff), and, for mentors, the open ones and those they have a match with."""
    ecosystem = current_ecosystem(request)
    user = request.user
    found = Opportunity.objects.filter(ecosystem=ecosystem).select_related(
        "ecosystem", "program__organization", "location"
    )
    if user.has_perm("mentoring.change_opportunity", ecosystem):
        return found
    visible = Q(pk__in=[])
    if user.has_perm("mentoring.post_opportunities", ecosystem):
        visible |= Q(program__organization_id__in=roles.organizations_in(user, ecosystem))
    if user.has_perm("mentoring.browse_opportunities", ecosystem):
        visible |= Q(status=OpportunityStatus.OPEN)
        mentor = own_mentor(request)
        if mentor is not None:
            visible |= Q(pk__in=mentor.matches.filter(published()).values("opportunity_id"))
    return found.filter(visible)


def get_opportunity(request: HttpRequest, opportunity_id: int) -> Opportunity:
    """An opportunity this person may open (`visible_opportunities`); 404 for any other."""
    return get_object_or_404(visible_opportunities(request), pk=opportunity_id)


# Matches and hours ---------------------------------------------------------------------------


def is_backbone(request: HttpRequest) -> bool:
    """Backbone staff of this ecosystem: they see every match, a round's proposals included."""
    return bool(request.user.has_perm("mentoring.manage_mentors", current_ecosystem(request)))


def visible_matches(request: HttpRequest) -> QuerySet[Match]:
    """The ecosystem's matches this person may see; a round's proposals that never went out
    (in review, or withdrawn in review) for backbone only."""
    ecosystem = current_ecosystem(request)
    matches = Match.objects.filter(ecosystem=ecosystem)
    if is_backbone(request):
        return matches
    organizations = roles.organizations_in(request.user, ecosystem)
    return matches.filter(published()).filter(
        Q(mentor__user_id=request.user.pk)
        | Q(opportunity__program__organization_id__in=organizations)
    )


def get_match(request: HttpRequest, match_id: int) -> Match:
    """One match the person may see; 404 for any other (another organization's, a proposal
    not yet published, another ecosystem's)."""
    match = get_object_or_404(
        visible_matches(request).select_related(
            "ecosystem",
            "mentor__user",
            "mentor__employer",
            "opportunity__program__organization",
            "round",
            "program_accepted_by",
            "declined_by",
        ),
        pk=match_id,
    )
    if not request.user.has_perm("mentoring.view_match", match):
        raise Http404
    return match


def get_check_in(match: Match, check_in_id: int) -> CheckIn:
    """One of this match's check-ins; 404 for any other."""
    return get_object_or_404(match.check_ins.all(), pk=check_in_id)


def reviewable_logs(request: HttpRequest) -> QuerySet[HourLog]:
    """The hour logs this person reviews: backbone staff all of the ecosystem's, partner staff
    those on their organizations' programs."""
    ecosystem = current_ecosystem(request)
    logs = HourLog.objects.filter(ecosystem=ecosystem)
    if is_backbone(request):
        return logs
    organizations = roles.organizations_in(request.user, ecosystem)
    return logs.filter(match__opportunity__program__organization_id__in=organizations)


# Matching rounds -----------------------------------------------------------------------------


def get_round(request: HttpRequest, round_id: int) -> MatchingRound:
    """A matching round of this ecosystem (404 for any other) that the person may run (403)."""
    round_ = get_object_or_404(
        MatchingRound.objects.filter(ecosystem=current_ecosystem(request)).select_related(
            "ecosystem", "created_by", "published_by"
        ),
        pk=round_id,
    )
    if not request.user.has_perm("mentoring.run_matching", round_):
        raise PermissionDenied
    return round_


def get_round_mentor(round_: MatchingRound, mentor_id: int) -> Mentor:
    """A mentor of the round's ecosystem; 404 for any other."""
    mentors = Mentor.objects.filter(ecosystem=round_.ecosystem).select_related("user")
    return get_object_or_404(mentors, pk=mentor_id)


def get_proposal(round_: MatchingRound, match_id: int) -> Match:
    """One of the round's proposals still in review; 404 for any other."""
    return get_object_or_404(
        rounds.proposals(round_).select_related("mentor__user", "opportunity__program"),
        pk=match_id,
    )
