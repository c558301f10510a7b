"""Matching rounds: the engine (`solver.py`, through `engine.py`) run over an ecosystem's
available mentors and open opportunities, its proposals reviewed by backbone staff before
anyone else sees them.

A round is queued (`start_round`), computed by a task (`run_round` -> `compute`) and
then in review: staff lock the pairs they like, exclude the ones they do not, swap in another
mentor (`replace`), re-solve the rest (`resolve`), take out a mentor who dropped out
(`drop_mentor`), and finally publish the chosen proposals (`publish`: they go out to both
sides; the rest are withdrawn) or `discard` the round. A round whose task was lost while it was
queued or computed (`MatchingRound.is_interrupted`) can be computed again (`retry`).

Proposals are `Match`es in status proposed with `round` set; each is created with
`Match.save` (never in bulk), so the model's screening check stands behind the engine's. They
are backbone staff's draft: nobody else sees them, and outside their round they hold no place
(`models.holding`), so mentors and programs go on matching while a round is in review;
publishing checks each proposal's places again (`matches.publish`). Inside the round they
hold their places (a reviewer's swap and its candidates count them), which is why one round
at a time may be open (queued, running or in review): two rounds proposing over the same
capacities would fight.

What a round remembers besides its proposals lives in `summary`: the figures of the last
solve, `excluded` ([mentor id, opportunity id] pairs a reviewer turned down) and `dropped`
(ids of mentors taken out of the round).
"""

from __future__ import annotations

import logging
import math
import time
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from typing import Any, Literal

from auditlog.context import disable_auditlog
from auditlog.models import LogEntry
from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_tasks import task

from ecotone.assignment import Assignment
from ecotone.ecosystems.audit import log_many, log_updates
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import engine, solver
from ..models import (
    LIVE_STATUSES,
    Match,
    MatchingRound,
    MatchSafetyError,
    MatchSource,
    MatchStatus,
    Mentor,
    MentorStatus,
    Opportunity,
    OpportunityStatus,
    RoundMode,
    RoundStatus,
    holding,
)
from . import matches as match_services
from .opportunities import refresh_equity_priorities

logger = logging.getLogger(__name__)

# Statuses in which a round holds proposals (or is about to): only one such round at a time.
OPEN_STATUSES = (RoundStatus.QUEUED, RoundStatus.RUNNING, RoundStatus.REVIEW)
WEIGHT_NAMES = tuple(f.name for f in fields(solver.ScoreWeights))
MAX_WEIGHT = 100

_MODES: dict[str, Literal["score", "participation", "stable"]] = {
    RoundMode.SCORE: "score",
    RoundMode.PARTICIPATION: "participation",
    RoundMode.STABLE: "stable",
}

# What a computing round is doing, as its page says it (`MatchingRound.stage`).
STAGES = {
    "queued": gettext_lazy("waiting for a worker"),
    "loading": gettext_lazy("loading mentors and opportunities"),
    "pairs": gettext_lazy("finding and weighing the pairs"),
    "saving": gettext_lazy("saving the proposals"),
}
# Progress of a computation (per cent) when the people are loaded, and when saving begins.
PROGRESS_LOADED = 30
PROGRESS_SAVING = 70
Progress = Callable[[int, str], None]

# Why an opportunity is left (partly) unfilled.
NO_CANDIDATES = "no_candidates"
CANDIDATES_TAKEN = "candidates_taken"


# --- starting and computing ------------------------------------------------------------------


def clean_weights(weights: dict[str, Any] | None) -> dict[str, int]:
    """Score weights as the round stores them: known components, whole points 0-100."""
    cleaned: dict[str, int] = {}
    for name, value in (weights or {}).items():
        if name not in WEIGHT_NAMES:
            raise DomainError(_("Unknown score component: %(name)s.") % {"name": name})
        try:
            points = int(value)
        except (TypeError, ValueError):
            raise DomainError(_("Give score weights as whole numbers of points.")) from None
        if not 0 <= points <= MAX_WEIGHT:
            raise DomainError(
                _("Give score weights between 0 and %(max)s points.") % {"max": MAX_WEIGHT}
            )
        cleaned[name] = points
    return cleaned


def stage_label(round_: MatchingRound) -> str:
    """What a queued or computing round is doing, in words ("" otherwise)."""
    if round_.status not in (RoundStatus.QUEUED, RoundStatus.RUNNING):
        return ""
    return str(STAGES.get(round_.stage, ""))


def open_round(ecosystem: Ecosystem) -> MatchingRound | None:
    """The round queued, running or in review, if there is one."""
    return (
        MatchingRound.objects.filter(ecosystem=ecosystem, status__in=OPEN_STATUSES)
        .order_by("-created_at")
        .first()
    )


def start_round(
    ecosystem: Ecosystem,
    actor: Any,
    *,
    name: str,
    mode: str,
    weights: dict[str, Any] | None = None,
    require_shared_topic: bool = True,
) -> MatchingRound:
    """Queue a new round and hand it to the task queue (with the immediate backend, as in
    the demo, it is computed before this returns). `require_shared_topic`: propose a pair
    only when the mentor offers one of the topics or skills the opportunity asks for."""
    name = (name or "").strip()
    if not name:
        raise DomainError(_("Give the round a name."))
    if len(name) > 120:
        raise DomainError(_("Keep the name to 120 characters at most."))
    if mode not in RoundMode.values:
        raise DomainError(_("Choose what the round optimises for."))
    cleaned = clean_weights(weights)
    with acting(actor):
        # The ecosystem row orders two staff members starting rounds at once (PostgreSQL).
        Ecosystem.objects.select_for_update().filter(pk=ecosystem.pk).first()
        current = open_round(ecosystem)
        if current is not None:
            raise DomainError(
                _(
                    "The round “%(name)s” is still %(status)s. Publish or discard it before "
                    "starting another: one round at a time keeps mentors' and programs' "
                    "places straight."
                )
                % {"name": current.name, "status": current.get_status_display().lower()}
            )
        round_ = MatchingRound.objects.create(
            ecosystem=ecosystem,
            name=name,
            mode=mode,
            weights=cleaned,
            require_shared_topic=require_shared_topic,
            created_by=actor if getattr(actor, "pk", None) else None,
        )
    run_round.enqueue(round_.pk)
    round_.refresh_from_db()
    return round_


class _NoLongerRunningError(Exception):
    """The round was discarded while it computed."""


def compute(round_: MatchingRound) -> MatchingRound:
    """Solve a queued round and store its proposals; the round goes to review, or to failed
    with the reason (never an exception to the caller). A re-solve queued from review
    (`summary["resolving"]`) that fails goes back to review with its proposals as they were and
    the reason in `error`. A round that is no longer queued is left as it is, and one discarded
    while it computes keeps no proposal: the status moves only from the status expected
    (queued -> running -> review), under the round's lock, which `discard` takes too.

    The engine works outside the transaction (it only reads: reviewers cannot change a round
    that is not in review), saving its progress and stage on the round for the page to poll;
    the proposals are then stored in one transaction."""
    now = timezone.now()
    started = MatchingRound.objects.filter(pk=round_.pk, status=RoundStatus.QUEUED).update(
        status=RoundStatus.RUNNING,
        started_at=now,
        error="",
        progress=0,
        stage="loading",
        updated_at=now,
    )
    if not started:
        round_.refresh_from_db()
        return round_
    resolving = bool(round_.summary.get("resolving"))

    def progress(percent: int, stage: str) -> None:
        MatchingRound.objects.filter(pk=round_.pk, status=RoundStatus.RUNNING).update(
            progress=percent, stage=stage, updated_at=timezone.now()
        )

    try:
        with transaction.atomic():
            # The atlas may have changed since the opportunities were posted (new areas, a
            # new run): priorities are brought up to date before the engine weighs them.
            refresh_equity_priorities(round_.ecosystem)
        current = MatchingRound.objects.select_related("ecosystem").get(pk=round_.pk)
        plan = _plan(current, progress)
        progress(PROGRESS_SAVING, "saving")
        with transaction.atomic():
            current = MatchingRound.objects.select_for_update().get(pk=round_.pk)
            if current.status != RoundStatus.RUNNING:
                raise _NoLongerRunningError
            _store(current, plan)
            current.status = RoundStatus.REVIEW
            current.finished_at = timezone.now()
            current.progress = 100
            current.stage = "done"
            current.save(update_fields=["status", "finished_at", "progress", "stage", "updated_at"])
    except _NoLongerRunningError:
        pass
    except Exception as error:
        logger.exception("Matching round %s failed", round_.pk)
        if isinstance(error, DomainError):
            reason = str(error)
        elif isinstance(error, MatchSafetyError):
            reason = " ".join(error.messages)
        elif resolving:
            reason = _("The re-solve failed (%(error)s); the proposals are as they were.") % {
                "error": f"{type(error).__name__}: {error}"
            }
        else:
            reason = _(
                "The round failed unexpectedly (%(error)s). Try again, or tell the people who "
                "run this site."
            ) % {"error": f"{type(error).__name__}: {error}"}
        failed = MatchingRound.objects.filter(pk=round_.pk, status=RoundStatus.RUNNING)
        if resolving:
            back = failed.first()
            if back is not None:
                back.summary = {k: v for k, v in back.summary.items() if k != "resolving"}
                back.status = RoundStatus.REVIEW
                back.error = reason
                back.stage = "failed"
                back.save(update_fields=["summary", "status", "error", "stage", "updated_at"])
        else:
            failed.update(
                status=RoundStatus.FAILED,
                error=reason,
                stage="failed",
                finished_at=timezone.now(),
                updated_at=timezone.now(),
            )
    round_.refresh_from_db()
    return round_


@task()
def run_round(round_id: int) -> str:
    """Compute a queued matching round; returns its final status ("gone" when it was deleted,
    its status unchanged when it was not queued: a task delivered twice does nothing)."""
    round_ = MatchingRound.objects.select_related("ecosystem").filter(pk=round_id).first()
    if round_ is None:
        return "gone"
    if round_.status != RoundStatus.QUEUED:
        return str(round_.status)
    return str(compute(round_).status)


def _mentors(round_: MatchingRound, *, for_engine: bool = False) -> list[Mentor]:
    """The round's available mentors; `for_engine`: with only the columns the engine and the
    proposals need (`engine.MENTOR_FIELDS`), for a whole round."""
    dropped = [int(pk) for pk in round_.summary.get("dropped", [])]
    mentors = (
        Mentor.objects.filter(ecosystem=round_.ecosystem, status=MentorStatus.ACTIVE)
        .exclude(pk__in=dropped)
        .select_related("user")
        .order_by("pk")
    )
    if for_engine:
        mentors = mentors.only(*engine.MENTOR_FIELDS)
    return list(mentors)


def _opportunities(ecosystem: Ecosystem) -> list[Opportunity]:
    """The ecosystem's open opportunities with the columns the engine and the proposals need
    (`engine.OPPORTUNITY_FIELDS`); their programs and places loaded once each."""
    opportunities = list(
        Opportunity.objects.filter(ecosystem=ecosystem, status=OpportunityStatus.OPEN)
        .only(*engine.OPPORTUNITY_FIELDS)
        .prefetch_related("location", "program__program_locations__location")
        .order_by("pk")
    )
    for opportunity in opportunities:
        opportunity.ecosystem = ecosystem
    return opportunities


@dataclass
class _Plan:
    """What the engine proposes for a round, before anything is written."""

    instance: engine.Instance
    mentors: dict[int, Mentor]
    opportunities: dict[int, Opportunity]
    result: solver.RoundResult
    asked: list[Match]
    dropped_locks: list[int]
    started: float


def _plan(round_: MatchingRound, progress: Progress | None = None) -> _Plan:
    """The engine over today's mentors and opportunities: this round's locked proposals kept,
    excluded pairs and dropped mentors left out. Only reads."""
    started = time.perf_counter()
    ecosystem = round_.ecosystem
    mentors = _mentors(round_, for_engine=True)
    opportunities = _opportunities(ecosystem)
    instance = engine.build_instance(mentors, opportunities)
    if progress is not None:
        progress(PROGRESS_LOADED, "pairs")
    m_index = {pk: i for i, pk in enumerate(instance.mentor_ids)}
    o_index = {pk: j for j, pk in enumerate(instance.opportunity_ids)}

    # Pairs that may not be proposed: turned down by a reviewer, or already live outside this
    # round (an offer, a request, an active match: one live match per pair).
    excluded: set[tuple[int, int]] = set()
    for mentor_id, opportunity_id in round_.summary.get("excluded", []):
        if mentor_id in m_index and opportunity_id in o_index:
            excluded.add((m_index[mentor_id], o_index[opportunity_id]))
    live = (
        Match.objects.filter(holding(), ecosystem=ecosystem)
        .order_by()
        .values_list("mentor_id", "opportunity_id")
    )
    excluded.update((m_index[m], o_index[o]) for m, o in live if m in m_index and o in o_index)
    # Locked proposals whose people are both still in the round; the engine keeps those that
    # still hold (a candidate pair, room on both sides) and the others go.
    locked_rows = list(
        Match.objects.filter(round=round_, status=MatchStatus.PROPOSED, locked=True).order_by("pk")
    )
    dropped_locks: list[int] = []
    asked: list[Match] = []
    for match in locked_rows:
        if match.mentor_id in m_index and match.opportunity_id in o_index:
            asked.append(match)
        else:
            dropped_locks.append(match.pk)

    result = solver.solve_round(
        instance.mentors,
        instance.opportunities,
        mode=_MODES[round_.mode],
        weights=solver.ScoreWeights(**clean_weights(round_.weights)),
        locked=[(m_index[m.mentor_id], o_index[m.opportunity_id]) for m in asked],
        excluded=sorted(excluded),
        require_shared_topic=round_.require_shared_topic,
    )
    dropped_locks.extend(asked[p].pk for p in result.refused_locks)
    return _Plan(
        instance=instance,
        mentors={m.pk: m for m in mentors},
        opportunities={o.pk: o for o in opportunities},
        result=result,
        asked=asked,
        dropped_locks=dropped_locks,
        started=started,
    )


def _delete(matches: list[Match]) -> None:
    """Delete a round's proposals at once, with the history entries auditlog would write."""
    if not matches:
        return
    log_many(matches, LogEntry.Action.DELETE)
    with disable_auditlog():
        Match.objects.filter(pk__in=[m.pk for m in matches]).delete()


def _edge_indices(edges: solver.Edges, pairs: list[tuple[int, int]]) -> list[int]:
    """`edges.find` for many pairs in one search; every pair must be an edge, as the
    solver's are."""
    found = edges.candidates.lookup(pairs)
    if bool((found < 0).any()):
        raise ValueError("not_a_candidate")
    return [int(k) for k in found]


def _attach(match: Match, plan: _Plan) -> None:
    """Give a proposal the mentor and opportunity the plan has loaded (their names make the
    proposal's history entry), when they are still in the round."""
    if match.mentor_id in plan.mentors:
        match.mentor = plan.mentors[match.mentor_id]
    if match.opportunity_id in plan.opportunities:
        match.opportunity = plan.opportunities[match.opportunity_id]


def _store(round_: MatchingRound, plan: _Plan) -> None:
    """Write the plan, in the caller's transaction: the unlocked proposals are replaced by the
    new ones, created in bulk (`Match.objects.bulk_create` holds them to `Match.save`'s
    youth-safety rule: one unsafe proposal and nothing is written). A pair proposed again
    keeps its row (the engine just found it a candidate, screening included, and publishing
    checks screening once more); the others go, and new pairs are created."""
    instance, result = plan.instance, plan.result
    edges, solved = result.edges, result.assignment
    previous: dict[tuple[int, int], Match] = {}
    for match in Match.objects.filter(
        round=round_, status=MatchStatus.PROPOSED, locked=False
    ).order_by("pk"):
        _attach(match, plan)
        previous[match.mentor_id, match.opportunity_id] = match
    kept = set(result.locked)
    new_pairs = [(i, j) for i, j in solved.pairs if (i, j) not in kept]
    wanted = {
        (instance.mentor_ids[i], instance.opportunity_ids[j]): k
        for (i, j), k in zip(new_pairs, _edge_indices(edges, new_pairs), strict=True)
    }
    gone = [match for pair, match in previous.items() if pair not in wanted]
    if plan.dropped_locks:
        for match in Match.objects.filter(pk__in=plan.dropped_locks):
            _attach(match, plan)
            gone.append(match)
    _delete(gone)
    created: list[Match] = []
    for (mentor_id, opportunity_id), k in wanted.items():
        distance = float(edges.distance_mi[k])
        explained = {
            "score": int(edges.score[k]),
            "score_breakdown": edges.explain(k),
            "in_person": bool(edges.in_person[k]),
            "distance_mi": None if math.isnan(distance) else round(distance, 1),
        }
        again = previous.get((mentor_id, opportunity_id))
        if again is None:
            created.append(
                Match(
                    ecosystem=round_.ecosystem,
                    mentor=plan.mentors[mentor_id],
                    opportunity=plan.opportunities[opportunity_id],
                    status=MatchStatus.PROPOSED,
                    source=MatchSource.ENGINE,
                    round=round_,
                    **explained,
                )
            )
        elif any(getattr(again, name) != value for name, value in explained.items()):
            for name, value in explained.items():
                setattr(again, name, value)
            again.save(update_fields=[*explained, "updated_at"])
    if created:
        with disable_auditlog():
            Match.objects.bulk_create(created, batch_size=500)
        log_many(created, LogEntry.Action.CREATE)

    round_.summary = {
        **{k: v for k, v in round_.summary.items() if k in ("excluded", "dropped")},
        **_figures(instance, edges, solved),
        "greedy_objective": result.greedy_objective,
        "locked": len(result.locked),
        "dropped_locks": len(plan.dropped_locks),
        "seconds": round(time.perf_counter() - plan.started, 3),
    }
    round_.error = ""  # a failed re-solve's reason, now past
    round_.save(update_fields=["summary", "error", "updated_at"])


def _solve(round_: MatchingRound) -> None:
    """Plan and store at once, in the caller's transaction (a small round's re-solve)."""
    _store(round_, _plan(round_))


def _figures(instance: engine.Instance, edges: solver.Edges, solved: Assignment) -> dict[str, Any]:
    m_cap = [m.capacity for m in instance.mentors]
    o_cap = [o.capacity for o in instance.opportunities]
    got: dict[int, int] = defaultdict(int)
    matched_mentors: set[int] = set()
    for i, j in solved.pairs:
        got[j] += 1
        matched_mentors.add(i)
    candidates = [0] * edges.n_opportunities
    for j in edges.opportunity.tolist():
        candidates[j] += 1
    unfilled = [
        [
            instance.opportunity_ids[j],
            o_cap[j] - got[j],
            NO_CANDIDATES if candidates[j] == 0 else CANDIDATES_TAKEN,
        ]
        for j in range(edges.n_opportunities)
        if o_cap[j] > got[j]
    ]
    return {
        "mentors": sum(1 for c in m_cap if c > 0),
        "opportunities": sum(1 for c in o_cap if c > 0),
        "places": sum(o_cap),
        "edges": len(edges),
        "proposals": len(solved.pairs),
        "objective": solved.objective,
        "covered": solved.covered,
        "unfilled_opportunities": len(unfilled),
        "unfilled": unfilled,
        "unmatched_mentors": sum(
            1 for i, c in enumerate(m_cap) if c > 0 and i not in matched_mentors
        ),
    }


# --- review ----------------------------------------------------------------------------------


def _in_review(round_: MatchingRound) -> MatchingRound:
    """The round, locked for the change, if it is still in review."""
    current = (
        MatchingRound.objects.select_for_update().select_related("ecosystem").get(pk=round_.pk)
    )
    if current.status != RoundStatus.REVIEW:
        raise DomainError(
            _("This round is %(status)s: only a round in review can be changed.")
            % {"status": current.get_status_display().lower()}
        )
    return current


def proposals(round_: MatchingRound) -> QuerySet[Match]:
    """The round's proposals still in review."""
    return Match.objects.filter(round=round_, status=MatchStatus.PROPOSED)


def _chosen(round_: MatchingRound, match_ids: Iterable[int] | int) -> list[Match]:
    """The chosen proposals, with what their history entries (the names) and the safety rule
    (the opportunity) read, so that thousands are changed in a few queries."""
    ids = [match_ids] if isinstance(match_ids, int) else [int(pk) for pk in match_ids]
    if not ids:
        raise DomainError(_("Choose at least one proposal."))
    chosen = list(
        proposals(round_)
        .filter(pk__in=ids)
        .select_related("mentor__user", "opportunity__ecosystem")
        .order_by("pk")
    )
    if len(chosen) != len(set(ids)):
        raise DomainError(_("Some of the chosen proposals are no longer in this round's review."))
    return chosen


def _remember(round_: MatchingRound, key: str, values: Iterable[Any]) -> None:
    known = list(round_.summary.get(key, []))
    for value in values:
        if value not in known:
            known.append(value)
    round_.summary = {**round_.summary, key: known}
    round_.save(update_fields=["summary", "updated_at"])


def _set_locked(round_: MatchingRound, match_ids: Iterable[int], actor: Any, value: bool) -> int:
    with acting(actor):
        round_ = _in_review(round_)
        chosen = _chosen(round_, match_ids)
        changed = [match for match in chosen if match.locked != value]
        now = timezone.now()
        for match in changed:
            match.locked, match.updated_at = value, now
        try:
            # through the safety rule, like `save`: one unsafe proposal and none is changed
            Match.objects.bulk_update(changed, ["locked", "updated_at"], batch_size=500)
        except MatchSafetyError as error:  # the mentor's screening lapsed since
            raise DomainError(" ".join(error.messages)) from error
        log_updates(changed, ["locked"], [{"locked": not value}] * len(changed))
    return len(chosen)


def lock(round_: MatchingRound, match_ids: Iterable[int], actor: Any) -> int:
    """Keep these proposals through every re-solve; returns how many."""
    return _set_locked(round_, match_ids, actor, True)


def unlock(round_: MatchingRound, match_ids: Iterable[int], actor: Any) -> int:
    """Let a re-solve change these proposals again; returns how many."""
    return _set_locked(round_, match_ids, actor, False)


def exclude(round_: MatchingRound, match_ids: Iterable[int] | int, actor: Any) -> int:
    """Take these proposals out, and never propose their pairs again in this round (a
    re-solve fills the places with others); returns how many."""
    with acting(actor):
        round_ = _in_review(round_)
        chosen = _chosen(round_, match_ids)
        _remember(round_, "excluded", ([m.mentor_id, m.opportunity_id] for m in chosen))
        _delete(chosen)
    return len(chosen)


@dataclass(frozen=True)
class Candidate:
    """Another mentor who could take a proposal's place, and the pair's explanation."""

    mentor: Mentor
    score: int
    breakdown: dict[str, int]
    in_person: bool
    distance_mi: float | None


def candidates_for(round_: MatchingRound, match: Match, limit: int = 30) -> list[Candidate]:
    """Mentors with room who form a candidate pair with the proposal's opportunity, best
    score first (the current mentor, dropped mentors and excluded pairs left out)."""
    opportunity = match.opportunity
    excluded = {int(m) for m, o in round_.summary.get("excluded", []) if int(o) == opportunity.pk}
    left_out = {match.mentor_id, *map(int, round_.summary.get("dropped", []))} | excluded
    mentors = [m for m in _mentors(round_) if m.pk not in left_out]
    # Capacities count this round's proposals too.
    instance = engine.build_instance(mentors, [opportunity], with_proposals=True)
    weights = solver.ScoreWeights(**clean_weights(round_.weights))
    edges = solver.candidate_edges(instance.mentors, instance.opportunities, weights=weights)
    taken = set(
        opportunity.matches.filter(status__in=LIVE_STATUSES).values_list("mentor_id", flat=True)
    )
    found: list[Candidate] = []
    for k in range(len(edges)):
        i = int(edges.mentor[k])
        mentor = mentors[i]
        if instance.mentors[i].capacity <= 0 or mentor.pk in taken:
            continue
        distance = float(edges.distance_mi[k])
        found.append(
            Candidate(
                mentor,
                int(edges.score[k]),
                edges.explain(k),
                bool(edges.in_person[k]),
                None if math.isnan(distance) else round(distance, 1),
            )
        )
    found.sort(key=lambda c: (-c.score, c.mentor.display_name.casefold(), c.mentor.pk))
    return found[:limit]


def replace(round_: MatchingRound, match_id: int, mentor: Mentor, actor: Any) -> Match:
    """A reviewer's edit: another mentor takes this proposal's place. The new pair must be a
    candidate (the engine's hard constraints, screening first) and the mentor must have room;
    it is locked, and the old pair is excluded so a re-solve does not bring it back."""
    with acting(actor):
        round_ = _in_review(round_)
        (old,) = _chosen(round_, match_id)
        opportunity = old.opportunity
        if mentor.ecosystem_id != round_.ecosystem_id:
            raise DomainError(_("This mentor is not in this ecosystem."))
        if mentor.pk == old.mentor_id:
            raise DomainError(_("This mentor already holds this proposal."))
        mentor = Mentor.objects.select_for_update().select_related("user").get(pk=mentor.pk)
        if mentor.status != MentorStatus.ACTIVE:
            raise DomainError(_("This mentor is not available for matches."))
        if mentor.pk in [int(pk) for pk in round_.summary.get("dropped", [])]:
            raise DomainError(_("This mentor was taken out of this round."))
        if [mentor.pk, opportunity.pk] in round_.summary.get("excluded", []):
            raise DomainError(_("This pair was excluded in this round."))
        if opportunity.matches.filter(mentor=mentor, status__in=LIVE_STATUSES).exists():
            raise DomainError(_("This mentor already has a live match with this opportunity."))
        # This round's proposals hold the mentor's places in the round.
        if mentor.matches.filter(status__in=LIVE_STATUSES).count() >= mentor.max_matches:
            raise DomainError(_("This mentor has no room for another match."))
        pair = engine.check_pair(mentor, opportunity)
        if not pair.candidate:
            probe = Match(ecosystem=round_.ecosystem, mentor=mentor, opportunity=opportunity)
            try:
                probe.check_safe()
            except MatchSafetyError as error:
                raise DomainError(" ".join(error.messages)) from error
            raise DomainError(
                _(
                    "This mentor and opportunity do not fit: mode, distance, schedule, grade "
                    "band or language rule them out."
                )
            )
        _remember(round_, "excluded", [[old.mentor_id, old.opportunity_id]])
        old.delete()
        match = Match(
            ecosystem=round_.ecosystem,
            mentor=mentor,
            opportunity=opportunity,
            status=MatchStatus.PROPOSED,
            source=MatchSource.STAFF,
            round=round_,
            locked=True,
            score=pair.score,
            score_breakdown=pair.breakdown,
            in_person=pair.in_person,
            distance_mi=pair.distance_mi,
        )
        try:
            match.save()
        except MatchSafetyError as error:
            raise DomainError(" ".join(error.messages)) from error
    return match


def sync_max_mentors() -> int:
    """Ecosystems with fewer active mentors than this re-solve a round at once, in the request;
    larger ones queue the re-solve as a task (`run_round`) the page follows, as the atlas does
    with `ATLAS_SYNC_MAX_AREAS`."""
    return int(settings.MATCHING_SYNC_MAX_MENTORS)


def _in_background(round_: MatchingRound) -> bool:
    mentors = Mentor.objects.filter(ecosystem=round_.ecosystem, status=MentorStatus.ACTIVE)
    return mentors.count() >= sync_max_mentors()


def _queue(round_: MatchingRound) -> None:
    """Send a round in review back to the task queue to be solved again (`compute`); a
    failure brings it back to review with its proposals as they were."""
    round_.status = RoundStatus.QUEUED
    round_.error = ""
    round_.started_at = None
    round_.progress = 0
    round_.stage = "queued"
    round_.summary = {**round_.summary, "resolving": True}
    round_.save(
        update_fields=[
            "status",
            "error",
            "started_at",
            "progress",
            "stage",
            "summary",
            "updated_at",
        ]
    )


def _resolve_now(round_: MatchingRound) -> None:
    try:
        with transaction.atomic():
            _solve(round_)
    except DomainError:
        raise
    except MatchSafetyError as error:
        raise DomainError(" ".join(error.messages)) from error
    except Exception as error:
        logger.exception("Re-solving matching round %s failed", round_.pk)
        raise DomainError(
            _("The re-solve failed (%(error)s); the proposals are as they were.")
            % {"error": f"{type(error).__name__}: {error}"}
        ) from error


def _resolve(round_: MatchingRound) -> bool:
    """Re-solve now, or queue it in a large ecosystem; whether it was queued."""
    if _in_background(round_):
        _queue(round_)
        return True
    round_.error = ""
    _resolve_now(round_)
    return False


def resolve(round_: MatchingRound, actor: Any) -> MatchingRound:
    """Solve again around the locked proposals: the unlocked ones are replaced by the best
    assignment of what is left (mentors' and programs' changes since the last solve count).
    In an ecosystem of `sync_max_mentors` active mentors or more the round goes back to the
    queue (status queued) and a task solves it, saving its progress; otherwise at once."""
    with acting(actor):
        round_ = _in_review(round_)
        queued = _resolve(round_)
    if queued:
        run_round.enqueue(round_.pk)
        round_.refresh_from_db()
    return round_


def drop_mentor(round_: MatchingRound, mentor: Mentor, actor: Any) -> MatchingRound:
    """A mentor dropped out: their proposals go (locked ones too), they are left out of this
    round, and the rest is re-solved keeping the other locked proposals (as `resolve`: at
    once, or as a task in a large ecosystem)."""
    with acting(actor):
        round_ = _in_review(round_)
        if mentor.ecosystem_id != round_.ecosystem_id:
            raise DomainError(_("This mentor is not in this ecosystem."))
        for match in proposals(round_).filter(mentor=mentor):
            match.delete()
        _remember(round_, "dropped", [mentor.pk])
        queued = _resolve(round_)
    if queued:
        run_round.enqueue(round_.pk)
        round_.refresh_from_db()
    return round_


@dataclass(frozen=True)
class Published:
    """What publishing did: proposals sent out, proposals withdrawn, and the ones that could
    not go out (their mentor's screening lapsed since the round ran, say) with why."""

    published: int
    withdrawn: int
    problems: list[str]


def publish(round_: MatchingRound, actor: Any, match_ids: Iterable[int] | None = None) -> Published:
    """Bulk accept: the chosen proposals (default all) go out to mentors and programs
    (`matches.publish`: screening and places checked again, email after commit); every other
    proposal of the round is withdrawn, unseen, and the round is published."""
    with acting(actor):
        round_ = _in_review(round_)
        chosen = list(proposals(round_).order_by("pk"))
        if match_ids is not None:
            chosen = _chosen(round_, match_ids)
        if not chosen:
            raise DomainError(_("There is no proposal to publish. Discard the round instead."))
        published, problems = 0, []
        for match in chosen:
            try:
                with transaction.atomic():
                    match_services.publish(match, actor)
                published += 1
            except DomainError as error:
                problems.append(f"{match}: {error}")
        withdrawn = 0
        for match in proposals(round_).order_by("pk"):
            match_services.withdraw(match, actor, reason=_("Not published in its matching round."))
            withdrawn += 1
        round_.status = RoundStatus.PUBLISHED
        round_.published_at = timezone.now()
        round_.published_by = actor if getattr(actor, "pk", None) else None
        round_.summary = {**round_.summary, "published": published, "withdrawn": withdrawn}
        round_.save()
    return Published(published, withdrawn, problems)


def retry(round_: MatchingRound, actor: Any) -> MatchingRound:
    """Compute an interrupted round again (`MatchingRound.is_interrupted`: its task was lost).
    Safe: a computation stores its proposals in one transaction, rolled back with its task."""
    with acting(actor):
        current = MatchingRound.objects.select_for_update().get(pk=round_.pk)
        if not current.is_interrupted:
            raise DomainError(
                _(
                    "Only a round interrupted while it was queued or computed can be tried "
                    "again; this one is %(status)s."
                )
                % {"status": current.get_status_display().lower()}
            )
        current.status = RoundStatus.QUEUED
        current.error = ""
        current.started_at = None
        current.save(update_fields=["status", "error", "started_at", "updated_at"])
    run_round.enqueue(round_.pk)
    round_.refresh_from_db()
    return round_


def discard(round_: MatchingRound, actor: Any) -> MatchingRound:
    """Give up a round (in review, failed, or stuck in the queue): its proposals are
    withdrawn, unseen by anyone but staff."""
    with acting(actor):
        round_ = MatchingRound.objects.select_for_update().get(pk=round_.pk)
        if round_.status in (RoundStatus.PUBLISHED, RoundStatus.DISCARDED):
            raise DomainError(
                _("This round is already %(status)s.")
                % {"status": round_.get_status_display().lower()}
            )
        if round_.is_interrupted:
            round_.error = _(
                "The round was interrupted while it was queued or computed, and was discarded."
            )
        for match in proposals(round_).order_by("pk"):
            match_services.withdraw(match, actor, reason=_("Its matching round was discarded."))
        round_.status = RoundStatus.DISCARDED
        round_.finished_at = round_.finished_at or timezone.now()
        round_.save()
    return round_
