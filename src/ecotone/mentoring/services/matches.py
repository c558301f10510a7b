"""A match's life: proposed (a round's proposal, staff only) or requested/invited -> offered
-> accepted by both sides -> active under an agreement (frequency, duration, start) with
check-ins -> closed (planned or early), or declined/withdrawn before it starts. A live match whose
mentor's screening stops covering the work goes on hold (`hold_unsafe_matches`) until staff
resume it (`resume`, through the same safety check) or end it.

Places on both sides are held by the matches out of review (`models.holding`): a round's
proposal holds none outside its round, so it never stops a mentor or a program from matching
meanwhile, and `publish` checks the places again before it goes out.

Every way into a match goes through `_create`, which asks the engine (`engine.check_pair`)
whether the pair is a candidate: the same hard constraints as a matching round (screening,
mode and distance, schedule, grade band, language). `Match.save` checks screening again at
the model layer. Capacities on both sides are checked under row locks.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import IntegrityError
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import engine, notifications
from ..models import (
    LIVE_STATUSES,
    CheckIn,
    ClosureKind,
    Frequency,
    Match,
    MatchSafetyError,
    MatchSource,
    MatchStatus,
    Mentor,
    MentorStatus,
    Opportunity,
    OpportunityStatus,
    ScreeningStep,
    holding,
)

MENTOR = "mentor"
PROGRAM = "program"
# The first month has two check-ins; then one a month (MENTOR's Elements of Effective Practice).
FIRST_CHECK_INS = (14, 28)
CHECK_IN_EVERY_DAYS = 30
# Where a match on hold may go back to, and which of those had not started.
RESUMABLE = (MatchStatus.OFFERED, MatchStatus.ACCEPTED, MatchStatus.ACTIVE)
NOT_STARTED = (MatchStatus.PROPOSED, MatchStatus.OFFERED, MatchStatus.ACCEPTED)


def mentor_room(mentor: Mentor) -> int:
    """How many more matches the mentor takes (proposals in review hold no place)."""
    return max(0, mentor.max_matches - mentor.matches.filter(holding()).count())


def opportunity_room(opportunity: Opportunity) -> int:
    """How many more mentors the opportunity needs (proposals in review hold no place)."""
    return max(0, opportunity.mentors_needed - opportunity.matches.filter(holding()).count())


def _check_room(mentor: Mentor, opportunity: Opportunity) -> None:
    if opportunity.matches.filter(holding(), mentor=mentor).exists():
        raise DomainError(_("This mentor already has a live match with this opportunity."))
    if mentor_room(mentor) <= 0:
        raise DomainError(_("This mentor has no room for another match."))
    if opportunity_room(opportunity) <= 0:
        raise DomainError(_("This opportunity has all the mentors it needs."))


def _held_from(match: Match, statuses: tuple[str, ...]) -> bool:
    return match.status == MatchStatus.ON_HOLD and match.held_from in statuses


def _safe_save(match: Match) -> None:
    try:
        match.save()
    except MatchSafetyError as error:
        raise DomainError(" ".join(error.messages)) from error
    except IntegrityError as error:
        raise DomainError(
            _("This mentor already has a live match with this opportunity.")
        ) from error


def _create(
    opportunity: Opportunity,
    mentor: Mentor,
    actor: Any,
    *,
    source: str,
    status: str,
    message: str = "",
) -> Match:
    if opportunity.ecosystem_id != mentor.ecosystem_id:
        raise DomainError(_("The mentor and the opportunity are in different ecosystems."))
    # Lock both rows so two requests cannot both take the last place.
    opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    mentor = Mentor.objects.select_for_update().select_related("user").get(pk=mentor.pk)
    if opportunity.status != OpportunityStatus.OPEN:
        raise DomainError(_("This opportunity is not open."))
    if mentor.status != MentorStatus.ACTIVE:
        raise DomainError(_("This mentor is not available for matches."))
    _check_room(mentor, opportunity)
    pair = engine.check_pair(mentor, opportunity)
    match = Match(
        ecosystem_id=opportunity.ecosystem_id,
        mentor=mentor,
        opportunity=opportunity,
        source=source,
        status=status,
        message=message,
    )
    if not pair.candidate:
        # Say why: screening first (the rule people most need to understand), then the rest.
        missing = match.missing_steps()
        if missing or opportunity.missing_floor():
            match.check_safe()  # raises MatchSafetyError with the steps
        raise DomainError(
            _(
                "This mentor and opportunity do not fit: mode, distance, schedule, grade band "
                "or language rule them out."
            )
        )
    match.score = pair.score
    match.score_breakdown = pair.breakdown
    match.in_person = pair.in_person
    match.distance_mi = pair.distance_mi
    _safe_save(match)
    return match


def _offer(
    opportunity: Opportunity, mentor: Mentor, actor: Any, *, source: str, message: str
) -> Match:
    """An offer made by one side, which has accepted by making it; the other side answers."""
    with acting(actor):
        try:
            match = _create(
                opportunity,
                mentor,
                actor,
                source=source,
                status=MatchStatus.OFFERED,
                message=message,
            )
        except MatchSafetyError as error:
            raise DomainError(" ".join(error.messages)) from error
        if source == MatchSource.MENTOR:
            match.mentor_accepted_at = timezone.now()
        else:
            match.program_accepted_at = timezone.now()
            match.program_accepted_by = actor
        match.save()
        notifications.notify(
            "match_requested" if source == MatchSource.MENTOR else "match_invited", match
        )
    return match


def request_to_join(
    opportunity: Opportunity, mentor: Mentor, actor: Any, message: str = ""
) -> Match:
    """A mentor asks to join an opportunity; the program accepts or declines."""
    return _offer(opportunity, mentor, actor, source=MatchSource.MENTOR, message=message)


def invite(opportunity: Opportunity, mentor: Mentor, actor: Any, message: str = "") -> Match:
    """Program staff (or backbone staff) invite a mentor; the mentor accepts or declines."""
    return _offer(opportunity, mentor, actor, source=MatchSource.PROGRAM, message=message)


def publish(match: Match, actor: Any) -> Match:
    """A reviewed proposal goes out to both sides (proposed -> offered). Screening is checked
    again (it may have lapsed since the round ran), and so are the places: a proposal held
    none, and the mentor or the program may have matched meanwhile."""
    with acting(actor):
        match = Match.objects.select_for_update().get(pk=match.pk)
        if match.status != MatchStatus.PROPOSED:
            raise DomainError(_("Only a proposal in review can be published."))
        # The same row locks as `_create`, so a request made now cannot take the same place.
        opportunity = Opportunity.objects.select_for_update().get(pk=match.opportunity_id)
        mentor = Mentor.objects.select_for_update().get(pk=match.mentor_id)
        _check_room(mentor, opportunity)
        match.status = MatchStatus.OFFERED
        match.published_at = timezone.now()
        _safe_save(match)
        notifications.notify("match_proposed", match)
    return match


def accept(match: Match, actor: Any, *, side: str) -> Match:
    """One side accepts; when both have, the match is accepted and awaits its agreement."""
    if side not in (MENTOR, PROGRAM):
        raise DomainError(_("Unknown side."))
    with acting(actor):
        match = Match.objects.select_for_update().get(pk=match.pk)
        if match.status != MatchStatus.OFFERED:
            raise DomainError(_("This match is not awaiting acceptance."))
        now = timezone.now()
        if side == MENTOR:
            match.mentor_accepted_at = match.mentor_accepted_at or now
        else:
            match.program_accepted_at = match.program_accepted_at or now
            match.program_accepted_by = match.program_accepted_by or actor
        if match.mentor_accepted_at and match.program_accepted_at:
            match.status = MatchStatus.ACCEPTED
        _safe_save(match)
        if match.status == MatchStatus.ACCEPTED:
            notifications.notify("match_accepted", match)
    return match


def decline(match: Match, actor: Any, *, side: str, reason: str = "") -> Match:
    if side not in (MENTOR, PROGRAM):
        raise DomainError(_("Unknown side."))
    with acting(actor):
        match = Match.objects.select_for_update().get(pk=match.pk)
        answerable = (MatchStatus.OFFERED, MatchStatus.ACCEPTED)
        if match.status not in answerable and not _held_from(match, answerable):
            raise DomainError(_("Only an offered or accepted match can be declined."))
        match.status = MatchStatus.DECLINED
        match.declined_by = actor
        match.decline_reason = reason
        match.save()
        notifications.notify("match_declined", match)
    return match


def withdraw(match: Match, actor: Any, reason: str = "") -> Match:
    """Staff take back a proposal or an offer before it starts (or a mentor drops out)."""
    with acting(actor):
        match = Match.objects.select_for_update().get(pk=match.pk)
        if match.status not in NOT_STARTED and not _held_from(match, NOT_STARTED):
            raise DomainError(_("Only a match that has not started can be withdrawn."))
        match.status = MatchStatus.WITHDRAWN
        match.decline_reason = reason
        match.save()
    return match


def check_in_dates(start_on: datetime.date, end_on: datetime.date) -> list[datetime.date]:
    """Two check-ins in the first month (days 14 and 28), then every 30 days, until the end."""
    dates = [start_on + datetime.timedelta(d) for d in FIRST_CHECK_INS]
    day = FIRST_CHECK_INS[-1] + CHECK_IN_EVERY_DAYS
    while start_on + datetime.timedelta(day) <= end_on:
        dates.append(start_on + datetime.timedelta(day))
        day += CHECK_IN_EVERY_DAYS
    return [d for d in dates if d <= end_on]


def start(
    match: Match,
    actor: Any,
    *,
    frequency: str,
    duration_weeks: int,
    start_on: datetime.date,
) -> Match:
    """Record the match agreement and make the match active; a relationship match gets its
    check-ins scheduled."""
    if frequency not in Frequency.values:
        raise DomainError(_("Choose how often the mentor and the young people meet."))
    if not 1 <= duration_weeks <= 104:
        raise DomainError(_("Give a duration between 1 and 104 weeks."))
    with acting(actor):
        match = Match.objects.select_for_update().select_related("opportunity").get(pk=match.pk)
        if match.status != MatchStatus.ACCEPTED:
            raise DomainError(_("Only a match accepted by both sides can start."))
        match.frequency = frequency
        match.duration_weeks = duration_weeks
        match.start_on = start_on
        match.expected_end_on = start_on + datetime.timedelta(weeks=duration_weeks)
        match.status = MatchStatus.ACTIVE
        _safe_save(match)
        if match.opportunity.is_relationship:
            CheckIn.objects.bulk_create(
                CheckIn(match=match, due_on=d)
                for d in check_in_dates(start_on, match.expected_end_on)
            )
    return match


def record_check_in(
    check_in: CheckIn,
    actor: Any,
    *,
    rating: int | None,
    meeting_as_agreed: bool | None,
    notes: str = "",
    needs_attention: bool = False,
) -> CheckIn:
    if rating is not None and not 1 <= rating <= 5:
        raise DomainError(_("Rate the match from 1 to 5."))
    with acting(actor):
        check_in = CheckIn.objects.select_for_update().select_related("match").get(pk=check_in.pk)
        if check_in.match.status != MatchStatus.ACTIVE:
            raise DomainError(_("Check-ins are for active matches."))
        check_in.done_on = timezone.localdate()
        check_in.done_by = actor
        check_in.rating = rating
        check_in.meeting_as_agreed = meeting_as_agreed
        check_in.notes = notes
        check_in.needs_attention = needs_attention
        check_in.save()
        if needs_attention:
            notifications.notify("check_in_flagged", check_in.match)
    return check_in


def close(
    match: Match,
    actor: Any,
    *,
    kind: str,
    reason: str = "",
    survey: dict[str, Any] | None = None,
    rematch: bool = False,
    closed_on: datetime.date | None = None,
) -> Match:
    """Close an active match (or one on hold since it was active): planned (it reached its
    agreed end) or early (say why). Check-ins still due are dropped; the mentor may ask for a
    new match."""
    if kind not in ClosureKind.values:
        raise DomainError(_("Say whether the closure was planned or early."))
    if kind == ClosureKind.EARLY and not reason.strip():
        raise DomainError(_("Say why the match is closing early."))
    with acting(actor):
        match = Match.objects.select_for_update().get(pk=match.pk)
        if match.status != MatchStatus.ACTIVE and not _held_from(match, (MatchStatus.ACTIVE,)):
            raise DomainError(_("Only an active match can be closed."))
        match.status = MatchStatus.CLOSED
        match.closed_on = closed_on or timezone.localdate()
        match.closure_kind = kind
        match.closure_reason = reason
        match.closure_survey = survey or {}
        match.rematch_requested = rematch
        match.save()
        match.check_ins.filter(done_on__isnull=True).delete()
    return match


# Youth safety after a match is live ------------------------------------------------------------


def unsafe_live_matches(
    records: QuerySet[Match], on: datetime.date | None = None
) -> list[tuple[Match, MatchSafetyError]]:
    """The live matches among `records` that `Match.safety_problem` refuses on `on` (default
    today), each with its reason. A fixed number of queries, whatever the number of matches."""
    on = on or timezone.localdate()
    live = list(
        records.filter(status__in=LIVE_STATUSES).select_related(
            "mentor__user", "opportunity__program", "opportunity__ecosystem"
        )
    )
    held = engine.held_steps({m.mentor_id for m in live}, on)
    steps: dict[int, list[ScreeningStep]] = {}
    unsafe = []
    for match in live:
        if match.ecosystem_id not in steps:
            steps[match.ecosystem_id] = list(
                ScreeningStep.for_ecosystem(match.opportunity.ecosystem)
            )
        problem = match.safety_problem(
            on, steps[match.ecosystem_id], held.get(match.mentor_id, frozenset())
        )
        if problem is not None:
            unsafe.append((match, problem))
    return unsafe


def hold_unsafe_matches(
    ecosystem: Ecosystem,
    actor: Any,
    *,
    mentor: Mentor | None = None,
    opportunity: Opportunity | None = None,
    on: datetime.date | None = None,
) -> list[Match]:
    """Take out of live status every match of the ecosystem (of `mentor`, of `opportunity`)
    that the safety rule refuses on `on` (default today), in the caller's transaction: a
    match offered, accepted or active goes on hold, remembering its status and why, and the
    mentor, the program's contact and the ecosystem's contact are emailed once after commit;
    a proposal still in review (which only backbone staff see) is withdrawn. Called after
    every change that can make a live match unsafe (screening records, step settings, the
    daily reminders command for expiry). Returns the matches taken out of live status."""
    records = Match.objects.filter(ecosystem=ecosystem)
    if mentor is not None:
        records = records.filter(mentor=mentor)
    if opportunity is not None:
        records = records.filter(opportunity=opportunity)
    changed = []
    with acting(actor):
        unsafe = unsafe_live_matches(records.select_for_update(of=("self",)), on)
        now = timezone.now()
        for match, problem in unsafe:
            with translation.override(ecosystem.default_language):
                reason = " ".join(problem.messages)
            if match.status == MatchStatus.PROPOSED:
                match.status = MatchStatus.WITHDRAWN
                match.decline_reason = reason
                match.save(update_fields=["status", "decline_reason", "updated_at"])
            else:
                match.held_from = match.status
                match.status = MatchStatus.ON_HOLD
                match.held_at = now
                match.hold_reason = reason
                match.save(
                    update_fields=["status", "held_from", "held_at", "hold_reason", "updated_at"]
                )
                notifications.notify_hold(match)
            changed.append(match)
    return changed


def resume(match: Match, actor: Any) -> Match:
    """Staff take a match off hold, back to the status it had, once the mentor's screening
    covers the work again (the same check as any live match) and both sides still have room."""
    with acting(actor):
        match = (
            Match.objects.select_for_update()
            .select_related("mentor__user", "opportunity")
            .get(pk=match.pk)
        )
        if match.status != MatchStatus.ON_HOLD or match.held_from not in RESUMABLE:
            raise DomainError(_("Only a match on hold can be resumed."))
        if match.held_from != MatchStatus.ACTIVE:
            if match.opportunity.status != OpportunityStatus.OPEN:
                raise DomainError(_("This opportunity is not open."))
            if match.mentor.status != MentorStatus.ACTIVE:
                raise DomainError(_("This mentor is not available for matches."))
        if mentor_room(match.mentor) <= 0:
            raise DomainError(_("This mentor has no room for another match."))
        if opportunity_room(match.opportunity) <= 0:
            raise DomainError(_("This opportunity has all the mentors it needs."))
        match.status = match.held_from
        match.held_from = ""
        match.held_at = None
        match.hold_reason = ""
        _safe_save(match)
        notifications.notify("match_resumed", match)
    return match
