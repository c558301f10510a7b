"""Opportunities: programs' needs for mentors, posted and kept by partner or backbone staff, and
the two self-service directions of matching (issue 5, item 5): a mentor browses the open
opportunities ranked for them, and a program browses the screened mentors ranked for its need.

Both rankings are one call of the engine (`engine.build_instance` + `solver.candidate_edges`)
over everything at once, never a call per pair, so the page and a matching round apply exactly
the same hard constraints (screening, mode and distance, schedule, grade band, language).

The equity priority of an opportunity comes from the access atlas (`ecotone.atlas`), which
the mentoring app reads and never writes; design.md lets mentoring depend on directory, and
this read-only use of the atlas is the one other dependency (see `equity_priority_for`).
"""

from __future__ import annotations

import datetime
import json
import math
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from types import SimpleNamespace
from typing import Any, cast

import numpy as np
from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    Count,
    F,
    Min,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
    When,
)
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone import concurrency
from ecotone.atlas import reach
from ecotone.atlas.models import Analysis, PopulationArea
from ecotone.atlas.parameters import (
    DEFAULT_CATCHMENT_MI,
    DEFAULT_NEED_WEIGHTS,
    NEED_INDICATORS,
    need_indicators,
)
from ecotone.directory import stem_profile
from ecotone.directory.distance import MILES_PER_DEGREE_LAT, haversine_miles
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import engine, solver
from ..models import (
    ENGINE_PROFILE_COLUMNS,
    IDENTITY_CODES,
    Match,
    MatchStatus,
    Mentor,
    MentorStatus,
    Mode,
    Opportunity,
    OpportunityStatus,
    ScreeningStep,
    holding,
    validate_windows,
)
from . import matches as match_services
from . import screening

OPPORTUNITY_FIELDS = (
    "location",
    "title",
    "description",
    "kind",
    "status",
    "mode",
    "one_to_one",
    "teacher_present",
    "topics",
    "skills",
    "grade_bands",
    "language_required",
    "languages",
    "schedule",
    "starts_on",
    "ends_on",
    "mentors_needed",
    "depth",
    "duration_weeks",
    "hours_per_month",
    "students_expected",
    "welcomes_shared_identity",
    "welcomes_identities",
)
TOPIC_CODES = frozenset(code for code, _label in stem_profile.STEM_FIELDS.terms)
GRADE_BAND_CODES = frozenset(code for code, _label in stem_profile.GRADE_BANDS.terms)
_LANGUAGE = re.compile(r"^[a-z]{2,3}$")
_SKILL = re.compile(r"^[a-z0-9][a-z0-9 +#.-]{0,39}$")


class InvalidOpportunityError(DomainError):
    """Some fields are not valid; `errors` maps each field to readable messages (a form shows
    them beside its fields)."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__(" ".join(m for messages in errors.values() for m in messages))


# --- validation -------------------------------------------------------------------------------


def _codes(value: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = value.split(",")
    return [str(v).strip().lower() for v in value if str(v).strip()]


def _check(opportunity: Opportunity) -> None:
    """Every rule of a valid opportunity; InvalidOpportunityError naming each bad field."""
    errors: dict[str, list[str]] = {}

    def bad(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    program = opportunity.program
    if program.ecosystem_id != opportunity.ecosystem_id:
        bad("program", _("This program belongs to another ecosystem."))
    if opportunity.status == OpportunityStatus.CLOSED and opportunity._state.adding:
        bad("status", _("A new opportunity is a draft or open."))
    location = opportunity.location
    if location is not None:
        linked = program.program_locations.filter(location=location).exists()
        if not linked:
            bad("location", _("Choose one of the program's own locations."))
        elif opportunity.mode != Mode.VIRTUAL and location.latitude is None:
            bad(
                "location",
                _(
                    "In-person work needs a location with a map position; this location has "
                    "none (add its address in the directory, or make the opportunity virtual)."
                ),
            )
    elif opportunity.mode != Mode.VIRTUAL:
        bad(
            "location",
            _("Say where the in-person work happens: choose one of the program's locations."),
        )
    try:
        validate_windows(opportunity.schedule)
    except ValidationError as error:
        bad("schedule", " ".join(error.messages))
    else:
        for _day, start, end in opportunity.schedule:
            if start % 15 or end % 15:
                bad("schedule", _("Give times in quarter hours (:00, :15, :30 or :45)."))
                break
    for name in ("languages",):
        for code in getattr(opportunity, name):
            if not _LANGUAGE.match(code):
                bad(
                    name,
                    _("“%(code)s” is not a language code (such as en or es).") % {"code": code},
                )
    if opportunity.language_required and not _LANGUAGE.match(opportunity.language_required):
        bad(
            "language_required",
            _("“%(code)s” is not a language code (such as en or es).")
            % {"code": opportunity.language_required},
        )
    unknown = [t for t in opportunity.topics if t not in TOPIC_CODES]
    if unknown:
        bad("topics", _("Unknown topics: %(codes)s.") % {"codes": ", ".join(unknown)})
    unknown = [g for g in opportunity.grade_bands if g not in GRADE_BAND_CODES]
    if unknown:
        bad("grade_bands", _("Unknown grade bands: %(codes)s.") % {"codes": ", ".join(unknown)})
    for skill in opportunity.skills:
        if not _SKILL.match(skill):
            bad("skills", _("“%(skill)s” is not a short skill name.") % {"skill": skill})
    unknown = [i for i in opportunity.welcomes_identities if i not in IDENTITY_CODES]
    if unknown:
        bad(
            "welcomes_identities",
            _("Unknown identities: %(codes)s.") % {"codes": ", ".join(unknown)},
        )
    if opportunity.welcomes_identities and not opportunity.welcomes_shared_identity:
        bad(
            "welcomes_identities",
            _(
                "Identities are used only when the program welcomes mentors who share its "
                "students' identities; tick that box or leave the identities empty."
            ),
        )
    if (
        opportunity.starts_on
        and opportunity.ends_on
        and opportunity.ends_on < opportunity.starts_on
    ):
        bad("ends_on", _("The end date is before the start date."))
    try:
        opportunity.full_clean(exclude=["program", "ecosystem", "location", "created_by"])
    except ValidationError as error:
        for name, messages in error.message_dict.items():
            for message in messages:
                bad(name, message)
    if errors:
        raise InvalidOpportunityError(errors)


def _apply(opportunity: Opportunity, fields: dict[str, Any]) -> None:
    unknown = set(fields) - set(OPPORTUNITY_FIELDS)
    if unknown:
        raise TypeError(f"Unknown opportunity fields: {sorted(unknown)}")
    for name, value in fields.items():
        if name in ("topics", "skills", "grade_bands", "languages", "welcomes_identities"):
            value = list(dict.fromkeys(_codes(value)))
        elif name == "language_required":
            value = (value or "").strip().lower()
        elif name in ("title", "description"):
            value = (value or "").strip()
        elif name == "schedule":
            value = [list(w) if isinstance(w, list | tuple) else w for w in (value or [])]
        setattr(opportunity, name, value)
    if opportunity.location is None and opportunity.mode != Mode.VIRTUAL:
        # As the engine does: the program's first location on the map stands in.
        link = (
            opportunity.program.program_locations.filter(location__latitude__isnull=False)
            .select_related("location")
            .order_by("pk")
            .first()
        )
        if link is not None:
            opportunity.location = link.location


def create_opportunity(program: Program, actor: Any, **fields: Any) -> Opportunity:
    """Post a program's need. Without a location, in-person work takes the program's first
    location on the map. The equity priority is computed from the atlas."""
    opportunity = Opportunity(
        ecosystem_id=program.ecosystem_id,
        program=program,
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    opportunity.ecosystem = program.ecosystem
    _apply(opportunity, fields)
    _check(opportunity)
    opportunity.equity_priority = equity_priority_for(opportunity)
    with acting(actor):
        opportunity.save()
    return opportunity


def update_opportunity(
    opportunity: Opportunity, actor: Any, *, expected_version: str | None = None, **fields: Any
) -> Opportunity:
    """Change a need. Closing goes through `close_opportunity` (it withdraws open matches).
    A change that would leave a live match needing screening its mentor does not hold (in
    person, one-to-one, no teacher present) is refused, naming those matches, and nothing is
    saved; live matches that were already unsafe (a step lapsed today) go on hold. A round's
    proposal in review neither refuses the change nor takes a place: one the change leaves
    unscreened is withdrawn (`hold_unsafe_matches`), unseen by the program.
    `expected_version` is the version the editor loaded: another one raises
    `EditConflictError`."""
    if fields.get("status") == OpportunityStatus.CLOSED and (
        opportunity.status != OpportunityStatus.CLOSED
    ):
        raise InvalidOpportunityError(
            {"status": [_("Use “Close” to close an opportunity: its open offers are withdrawn.")]}
        )
    with acting(actor):
        opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        concurrency.require(expected_version, concurrency.version_of(opportunity))
        holding_matches = opportunity.matches.filter(holding())
        unsafe_before = {m.pk for m, _p in match_services.unsafe_live_matches(holding_matches)}
        _apply(opportunity, fields)
        _check(opportunity)
        live = holding_matches.count()
        if opportunity.mentors_needed < live:
            raise InvalidOpportunityError(
                {
                    "mentors_needed": [
                        _(
                            "%(n)s mentors are already matched or offered a place; withdraw "
                            "some before asking for fewer."
                        )
                        % {"n": live}
                    ]
                }
            )
        opportunity.equity_priority = equity_priority_for(opportunity)
        opportunity.save()
        made_unsafe = [
            (match, problem)
            for match, problem in match_services.unsafe_live_matches(holding_matches)
            if match.pk not in unsafe_before
        ]
        if made_unsafe:
            # Raising rolls the save back: the opportunity stays as it was.
            raise InvalidOpportunityError({"matches": [_unsafe_message(made_unsafe)]})
        match_services.hold_unsafe_matches(opportunity.ecosystem, actor, opportunity=opportunity)
    return opportunity


def _unsafe_message(unsafe: list[tuple[Any, Any]]) -> str:
    named = "; ".join(
        _("%(mentor)s (%(status)s): %(problem)s")
        % {
            "mentor": match.mentor.display_name,
            "status": match.get_status_display().lower(),
            "problem": " ".join(problem.messages),
        }
        for match, problem in unsafe
    )
    return _(
        "Not saved: with this change, these live matches would need screening their mentors do "
        "not hold. %(matches)s Keep the work as it is, or end those matches first (or ask the "
        "backbone to complete the mentors' screening)."
    ) % {"matches": named}


def toggle_saved(mentor: Mentor, opportunity: Opportunity, actor: Any) -> bool:
    """Star or unstar an opportunity for the mentor (their own interest earns points in the
    engine's score). Returns whether it is saved now. Only open opportunities of the mentor's
    own ecosystem can be saved; unstarring is always allowed."""
    if opportunity.ecosystem_id != mentor.ecosystem_id:
        raise DomainError(_("That opportunity belongs to another ecosystem."))
    with acting(actor):
        if mentor.saved_opportunities.filter(pk=opportunity.pk).exists():
            mentor.saved_opportunities.remove(opportunity)
            return False
        if opportunity.status != OpportunityStatus.OPEN:
            raise DomainError(_("Only an open opportunity can be saved."))
        mentor.saved_opportunities.add(opportunity)
        return True


def close_opportunity(opportunity: Opportunity, actor: Any, reason: str = "") -> Opportunity:
    """Close a need: no new matches; its matches that have not started (proposed, offered,
    accepted) are withdrawn. Active matches go on to their own closure."""
    with acting(actor):
        opportunity = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
        if opportunity.status == OpportunityStatus.CLOSED:
            raise DomainError(_("This opportunity is already closed."))
        pending = opportunity.matches.filter(
            Q(status__in=match_services.NOT_STARTED)
            | Q(status=MatchStatus.ON_HOLD, held_from__in=match_services.NOT_STARTED)
        )
        for match in pending:
            match_services.withdraw(
                match, actor, reason or _("The program closed this opportunity.")
            )
        opportunity.status = OpportunityStatus.CLOSED
        opportunity.save(update_fields=["status", "updated_at"])
    return opportunity


# --- equity priority --------------------------------------------------------------------------

# An area at least this needy counts as high need; rural areas and the atlas's deserts count
# at least this much whatever their shares say.
HIGH_NEED = 0.75


@dataclass(frozen=True)
class AreaNeeds:
    """The ecosystem's population areas as arrays: where they are, how many young people,
    how far each one's young people travel (catchment), and need 0-1."""

    lat: np.ndarray
    lon: np.ndarray
    youth: np.ndarray
    catchment_mi: np.ndarray
    need: np.ndarray

    def __len__(self) -> int:
        return int(self.lat.shape[0])


def area_needs(ecosystem: Ecosystem) -> AreaNeeds:
    """Need per population area, 0-1: from the newest finished run of the atlas's default
    analysis where it has the area (its need index under the ecosystem's own weights; a desert
    counts at least HIGH_NEED), otherwise the need index of the area's own shares with the
    atlas's default weights. A rural area counts at least HIGH_NEED. Unknown need is 0.
    Reads the atlas, never starts a computation."""
    areas = list(
        PopulationArea.objects.filter(ecosystem=ecosystem)
        .order_by("pk")
        .values_list(
            "pk",
            "latitude",
            "longitude",
            "locale",
            "youth_total",
            "low_income_share",
            "english_learner_share",
            "students_of_color_share",
            "disability_share",
        )
    )
    from_run: dict[int, tuple[float | None, bool]] = {}
    analysis = Analysis.objects.filter(ecosystem=ecosystem, is_default=True).first()
    if areas and analysis is not None:
        from ecotone.atlas import services as atlas

        run = atlas.last_done_run(analysis)
        if run is not None:
            try:
                result = atlas.result_of(run)
            except (DomainError, KeyError, TypeError, ValueError):
                result = None  # an old or unreadable result: fall back to the shares
            if result is not None:
                from_run = {a.id: (a.need, a.is_desert) for a in result.areas}
    # The atlas's own need index of each area's shares, for the areas the run does not have.
    indicators = np.array(
        [
            need_indicators(low, el, color, locale, disability)
            for _pk, _lat, _lon, locale, _youth, low, el, color, disability in areas
        ],
        dtype=np.float64,
    ).reshape(len(areas), len(NEED_INDICATORS))
    from_shares = reach.need_index(
        indicators, [DEFAULT_NEED_WEIGHTS[name] for name in NEED_INDICATORS]
    )
    need = []
    for (pk, _lat, _lon, locale, *_shares), shares_index in zip(areas, from_shares, strict=True):
        index: float | None = float(shares_index)
        desert = False
        if pk in from_run:
            index, desert = from_run[pk]
        value = 0.0 if index is None or math.isnan(index) else index / 100
        if locale == "rural" or desert:
            value = max(value, HIGH_NEED)
        need.append(min(max(value, 0.0), 1.0))
    return AreaNeeds(
        lat=np.array([a[1] for a in areas], dtype=np.float64),
        lon=np.array([a[2] for a in areas], dtype=np.float64),
        youth=np.array([a[4] for a in areas], dtype=np.float64),
        catchment_mi=np.array(
            [DEFAULT_CATCHMENT_MI.get(a[3], DEFAULT_CATCHMENT_MI["suburb"]) for a in areas],
            dtype=np.float64,
        ),
        need=np.array(need, dtype=np.float64),
    )


def equity_priority_for(opportunity: Opportunity, needs: AreaNeeds | None = None) -> float:
    """The opportunity's equity priority, 0-1, from the access atlas. The rule:

    1. The opportunity's place is where the engine puts it (`engine.opportunity_point`: its
       location, else the program's first location on the map). Virtual work counts too: the
       students are where the program is.
    2. The areas it reaches are the population areas whose young people are within their
       catchment of that place (the atlas's default catchment by locale: city 2 miles, suburb
       5, town 10, rural 20). When none is, the nearest area stands in.
    3. Each area's need is `area_needs`: the atlas's need index (0-100, as 0-1), at least
       HIGH_NEED (0.75) for a rural area or one the atlas marks a desert.
    4. The priority is the mean need of those areas weighted by their young people (a plain
       mean when they have none), rounded to two decimals.

    0.0 when the atlas has no areas or the opportunity has no place on the map."""
    if needs is None:
        needs = area_needs(opportunity.ecosystem)
    if not len(needs):
        return 0.0
    lat, lon = engine.opportunity_point(opportunity)
    if lat is None or lon is None:
        return 0.0
    miles = haversine_miles(lat, lon, needs.lat, needs.lon)
    reached = miles <= needs.catchment_mi
    if not reached.any():
        reached = miles == miles.min()
    youth = needs.youth[reached]
    need = needs.need[reached]
    value = float(np.average(need, weights=youth)) if youth.sum() > 0 else float(need.mean())
    return round(min(max(value, 0.0), 1.0), 2)


def refresh_equity_priorities(ecosystem: Ecosystem) -> int:
    """Recompute the priority of every draft and open opportunity (after areas are imported or
    the atlas is recomputed; before a matching round). Returns how many changed."""
    needs = area_needs(ecosystem)
    changed = []
    opportunities = Opportunity.objects.filter(ecosystem=ecosystem).exclude(
        status=OpportunityStatus.CLOSED
    )
    if not len(needs):  # no atlas: every priority is 0 (`equity_priority_for`), in one update
        return opportunities.exclude(equity_priority=0.0).update(equity_priority=0.0)
    opportunities = opportunities.select_related("location", "program").prefetch_related(
        "program__program_locations__location"
    )
    for opportunity in opportunities:
        value = equity_priority_for(opportunity, needs)
        if value != opportunity.equity_priority:
            opportunity.equity_priority = value
            changed.append(opportunity)
    Opportunity.objects.bulk_update(changed, ["equity_priority"])
    return len(changed)


# --- self-service rankings --------------------------------------------------------------------


def open_opportunities(ecosystem: Ecosystem) -> QuerySet[Opportunity]:
    return (
        Opportunity.objects.filter(ecosystem=ecosystem, status=OpportunityStatus.OPEN)
        .select_related("ecosystem", "program__organization", "location")
        .prefetch_related("program__program_locations__location")
    )


def _check_of(edges: solver.Edges, k: int) -> engine.PairCheck:
    distance = float(edges.distance_mi[k])
    return engine.PairCheck(
        True,
        int(edges.score[k]),
        edges.explain(k),
        bool(edges.in_person[k]),
        None if math.isnan(distance) else round(distance, 1),
    )


def ranked_for_mentor(
    mentor: Mentor, on: datetime.date | None = None
) -> list[tuple[Opportunity, engine.PairCheck]]:
    """Open opportunities with room for another mentor for which `mentor` is a candidate (every
    hard constraint holds, screening included), best score first, each with its breakdown. The
    mentor's own room is not checked: a mentor at capacity still sees where they could help."""
    opportunities = list(open_opportunities(mentor.ecosystem))
    if not opportunities:
        return []
    instance = engine.build_instance([mentor], opportunities, on=on)
    edges = solver.candidate_edges(instance.mentors, instance.opportunities)
    ranked = [
        (opportunities[int(edges.opportunity[k])], _check_of(edges, k))
        for k in range(len(edges))
        if instance.opportunities[int(edges.opportunity[k])].capacity > 0
    ]
    ranked.sort(key=lambda pair: (-(pair[1].score or 0), pair[0].title, pair[0].pk))
    return ranked


@dataclass(frozen=True)
class RankedMentor:
    mentor: Mentor
    score: int
    breakdown: dict[str, int]
    in_person: bool
    distance_mi: float | None

    def __iter__(self) -> Any:  # unpacks as (mentor, score, breakdown)
        return iter((self.mentor, self.score, self.breakdown))


def _could_be_candidates(
    mentors: QuerySet[Mentor],
    opportunity: Opportunity,
    on: datetime.date,
    steps: list[ScreeningStep],
) -> QuerySet[Mentor]:
    """Of `mentors`, those the engine's hard constraints could admit, in the database: at a
    screening stage where a mentor may hold every step the opportunity requires
    (`screening.stages_holding_all`, by the stored stage: an index), and for in-person-only
    work a latitude band of the mentor's radius round the place (a little wider than the
    solver's own box). The engine still decides each pair; this only spares it the mentors it
    would refuse, which at a million mentors are most of them."""
    stages = screening.stages_holding_all(steps, opportunity.direct_contact)
    mentors = screening.with_stage(mentors, opportunity.ecosystem, stages, on)
    if opportunity.mode == solver.IN_PERSON:
        lat, _lon = engine.opportunity_point(opportunity)
        if lat is not None:
            band = F("travel_radius_mi") / MILES_PER_DEGREE_LAT * 1.001 + 0.001
            mentors = mentors.filter(latitude__gte=lat - band, latitude__lte=lat + band)
    return mentors


# The columns of a mentor the engine reads (`engine.to_solver_mentor`) and the room it has;
# the JSON ones are read as text and decoded once per distinct value (many mentors share
# their ways, grades, languages and hours: decoding every row's took 2.1 s of the 5.2 s of a
# virtual opportunity's browse at 100,000 mentors).
_ENGINE_COLUMNS = (*engine.SOLVER_MENTOR_COLUMNS, "max_matches")
_ENGINE_JSON = engine.SOLVER_MENTOR_JSON


@dataclass(frozen=True)
class RankedId:
    """A ranked mentor before the mentor's record is loaded (`load_ranked`)."""

    mentor_id: int
    score: int
    breakdown: dict[str, int]
    in_person: bool
    distance_mi: float | None


def rank_mentors_for(
    opportunity: Opportunity, on: datetime.date | None = None
) -> Sequence[RankedId]:
    """`ranked_mentors_for` without loading the mentors: what a page needs to count and
    page through them (a sequence: its length, and slices); `load_ranked` loads the page's.
    For a virtual opportunity the engine scores one mentor per profile (`_ranked_by_profile`),
    otherwise every candidate (`_rank_each`); both give the same list."""
    if opportunity.status != OpportunityStatus.OPEN:
        return []
    on = on or timezone.localdate()
    steps = list(ScreeningStep.for_ecosystem(opportunity.ecosystem))
    mentors = _could_be_candidates(
        Mentor.objects.filter(
            ecosystem_id=opportunity.ecosystem_id, status=MentorStatus.ACTIVE
        ).exclude(pk__in=opportunity.matches.filter(holding()).values("mentor_id")),
        opportunity,
        on,
        steps,
    )
    if opportunity.mode == solver.VIRTUAL and on >= timezone.localdate():
        ranking = _ranked_by_profile(opportunity, mentors, on, steps)
        if ranking is not None:
            return ranking
    return _rank_each(opportunity, mentors, on, steps)


def _covering(opportunity: Opportunity, on: datetime.date, steps: list[ScreeningStep]) -> Q:
    """The mentors whose stored screening stage covers the opportunity on `on`: they hold
    every step it requires (`screening.stages_covering`)."""
    return screening.stored_stage_holds(on) & Q(
        screening_stage__in=sorted(screening.stages_covering(steps, opportunity.direct_contact))
    )


def _rank_each(
    opportunity: Opportunity,
    mentors: QuerySet[Mentor],
    on: datetime.date,
    steps: list[ScreeningStep],
) -> list[RankedId]:
    """Of `mentors`, the opportunity's candidates with room, ranked: the engine scores each
    from the columns it reads; the mentors whose stored screening stage covers the
    opportunity (`_covering`) are given the required steps, which they hold, the others
    (stale stages, mostly none) their records (`engine.held_steps`)."""
    covering = _covering(opportunity, on, steps)
    texts = {f"{name}_text": Cast(name, TextField()) for name in _ENGINE_JSON}
    decode = lru_cache(maxsize=None)(json.loads)
    rows = [
        SimpleNamespace(
            **{name: getattr(row, name) for name in (*_ENGINE_COLUMNS, "covered")},
            **{name: decode(getattr(row, f"{name}_text")) for name in _ENGINE_JSON},
        )
        for row in mentors.order_by("pk")
        .annotate(covered=Case(When(covering, then=Value(True)), default=Value(False)), **texts)
        .values_list(*_ENGINE_COLUMNS, "covered", *texts, named=True)
    ]
    if not rows:
        return []
    required = engine.required_codes(opportunity, steps)
    held = engine.held_steps([r.pk for r in rows if not r.covered], on)
    holding_matches = Match.objects.filter(holding())
    if len(rows) <= _FEW:
        holding_matches = holding_matches.filter(mentor_id__in=[r.pk for r in rows])
    else:
        holding_matches = holding_matches.filter(mentor__ecosystem_id=opportunity.ecosystem_id)
    taken = dict(
        holding_matches.order_by()
        .values("mentor_id")
        .annotate(n=Count("pk"))
        .values_list("mentor_id", "n")
    )
    saved = set(
        Mentor.saved_opportunities.through.objects.filter(
            opportunity_id=opportunity.pk
        ).values_list("mentor_id", flat=True)
    )
    solver_mentors = [
        engine.to_solver_mentor(
            cast(Mentor, row),  # duck-typed: the row has every column it reads
            required if row.covered else held.get(row.pk, frozenset()),
            (opportunity.pk,) if row.pk in saved else (),
            max(0, row.max_matches - taken.get(row.pk, 0)),
        )
        for row in rows
    ]
    room = engine.live_counts("opportunity", [opportunity.pk]).get(opportunity.pk, 0)
    target = engine.to_solver_opportunity(
        opportunity, required, max(0, opportunity.mentors_needed - room)
    )
    edges = solver.candidate_edges(solver_mentors, [target])
    ranked = []
    for k in range(len(edges)):
        i = int(edges.mentor[k])
        if solver_mentors[i].capacity <= 0:
            continue
        check = _check_of(edges, k)
        breakdown = {name: points for name, points in check.breakdown.items() if name != "identity"}
        ranked.append(
            RankedId(
                rows[i].pk,
                sum(breakdown.values()),
                breakdown,
                check.in_person,
                check.distance_mi,
            )
        )
    ranked.sort(key=_rank_key)
    return ranked


def _rank_key(r: RankedId) -> tuple[int, float, int]:
    """The order of the ranking: best score first, then nearest, then by id."""
    return (-r.score, r.distance_mi or 0.0, r.mentor_id)


# A list of ids this long or shorter is asked for by id (`_rank_each`'s places taken).
_FEW = 2000
# A virtual opportunity's ranking depends, besides the per-mentor facts `_ranked_by_profile`
# sets apart (screening read from records, a saved opportunity, no room), only on these
# columns, stored together as `Mentor.engine_profile`: the engine's JSON columns but the
# identity (left out of a program's ranking). Where, and how far one travels, matter only to
# in-person work.
PROFILE_COLUMNS = ENGINE_PROFILE_COLUMNS
# More distinct profiles or set-apart mentors than these, and every candidate is scored.
PROFILES_MAX = 400
SET_APART_MAX = 2000


@dataclass
class _Level:
    """The mentors of one score in a `_ProfileRanking`: those of its profiles, in id order,
    merged with the set-apart mentors of that score."""

    score: int
    profiles: dict[str, RankedId]  # a profile (`Mentor.engine_profile`): its first mentor's
    size: int  # how many of the profiles' mentors
    apart: list[RankedId]  # set-apart mentors at this score, by id


class _ProfileRanking(Sequence[RankedId]):
    """The ranking of `_ranked_by_profile` as a sequence: its length from counts, a slice
    read from the database a score level at a time (mentors in id order within one)."""

    def __init__(self, mentors: QuerySet[Mentor], levels: list[_Level]) -> None:
        self._mentors = mentors
        self._levels = levels
        self._length = sum(level.size + len(level.apart) for level in levels)

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Any:
        return iter(self._slice(0, self._length))

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, slice):
            start, stop, step = index.indices(self._length)
            if step != 1:
                return self._slice(0, self._length)[index]
            return self._slice(start, stop)
        position = index + self._length if index < 0 else index
        if not 0 <= position < self._length:
            raise IndexError(index)
        return self._slice(position, position + 1)[0]

    def _slice(self, start: int, stop: int) -> list[RankedId]:
        out: list[RankedId] = []
        offset = 0
        for level in self._levels:
            total = level.size + len(level.apart)
            if offset >= stop:
                break
            if offset + total > start:
                a, b = max(0, start - offset), min(total, stop - offset)
                out.extend(self._level_slice(level, a, b))
            offset += total
        return out

    def _level_slice(self, level: _Level, a: int, b: int) -> list[RankedId]:
        """Positions a to b (exclusive) of one level. A profile mentor's position is its
        place among the profiles' mentors plus the set-apart mentors before it (by id)."""
        apart = [r.mentor_id for r in level.apart]
        first = max(0, a - len(apart))
        rows: list[tuple[int, str]] = []
        if level.size and first < level.size:
            rows = list(
                self._mentors.filter(engine_profile__in=sorted(level.profiles))
                .order_by("pk")
                .values_list("pk", "engine_profile")[first:b]
            )
        placed: list[tuple[int, RankedId]] = []
        for i, (pk, k) in enumerate(rows):
            template = level.profiles[k]
            position = first + i + bisect_left(apart, pk)
            if a <= position < b:
                placed.append((position, replace(template, mentor_id=pk)))
        pks = [pk for pk, _k in rows]
        complete = first + len(rows) >= level.size  # the rows reach the level's end
        for j, ranked in enumerate(level.apart):
            before = bisect_left(pks, ranked.mentor_id)
            if (before == 0 and first > 0) or (before == len(pks) and not complete):
                continue  # outside the rows read, so outside a..b
            position = j + first + before
            if a <= position < b:
                placed.append((position, ranked))
        placed.sort(key=lambda pair: pair[0])
        return [ranked for _position, ranked in placed]


def _ranked_by_profile(
    opportunity: Opportunity,
    mentors: QuerySet[Mentor],
    on: datetime.date,
    steps: list[ScreeningStep],
) -> _ProfileRanking | None:
    """The ranking of a virtual opportunity without scoring every candidate: there the
    engine's answer for a mentor depends only on the mentor's profile (`PROFILE_COLUMNS`), on
    the steps held, on whether the mentor saved the opportunity and has room. Mentors whose
    stored stage covers the opportunity, who did not save it and have room are grouped by
    profile in the database and the engine (`_rank_each`) scores one mentor of each profile;
    the others (stale stages, saved; few) are scored one by one. None when there are too
    many profiles or such mentors: then every candidate is scored."""
    # Every place a mentor holds counts (`_rank_each`'s `taken`: a mentor's matches are all
    # in the mentor's ecosystem), compared with the mentor's limit for the mentors holding
    # one (a join on every mentor of the ecosystem read them all).
    limit = Mentor.objects.filter(pk=OuterRef("mentor_id")).order_by().values("max_matches")
    no_room = (
        Match.objects.filter(holding())
        .order_by()
        .values("mentor_id")
        .annotate(n=Count("pk"))
        .filter(n__gte=Subquery(limit))
        .values("mentor_id")
    )
    saved = Mentor.saved_opportunities.through.objects.filter(opportunity_id=opportunity.pk).values(
        "mentor_id"
    )
    covering = _covering(opportunity, on, steps)
    plain = (
        mentors.filter(covering, max_matches__gt=0).exclude(pk__in=saved).exclude(pk__in=no_room)
    )
    apart_ids = list(
        mentors.filter(~covering | Q(pk__in=saved))
        .order_by()
        .values_list("pk", flat=True)[: SET_APART_MAX + 1]
    )
    if len(apart_ids) > SET_APART_MAX:
        return None
    groups = list(
        plain.order_by().values("engine_profile").annotate(n=Count("pk"), first=Min("pk"))
    )
    if len(groups) > PROFILES_MAX:
        return None
    one_each = {
        r.mentor_id: r
        for r in _rank_each(
            opportunity,
            Mentor.objects.filter(pk__in=[g["first"] for g in groups]),
            on,
            steps,
        )
    }
    apart = (
        _rank_each(opportunity, Mentor.objects.filter(pk__in=apart_ids), on, steps)
        if apart_ids
        else []
    )
    levels: dict[int, _Level] = {}
    for group in groups:
        ranked = one_each.get(group["first"])
        if ranked is None:  # not a candidate: nor is any mentor of this profile
            continue
        level = levels.setdefault(ranked.score, _Level(ranked.score, {}, 0, []))
        level.profiles[group["engine_profile"]] = ranked
        level.size += group["n"]
    for ranked in apart:
        levels.setdefault(ranked.score, _Level(ranked.score, {}, 0, [])).apart.append(ranked)
    for level in levels.values():
        level.apart.sort(key=_rank_key)
    return _ProfileRanking(plain, [levels[score] for score in sorted(levels, reverse=True)])


def load_ranked(ranked: Sequence[RankedId]) -> list[RankedMentor]:
    """The mentors of `ranked` (a page of them) loaded, in order."""
    mentors = Mentor.objects.select_related("user", "employer").in_bulk(
        [r.mentor_id for r in ranked]
    )
    return [
        RankedMentor(mentors[r.mentor_id], r.score, r.breakdown, r.in_person, r.distance_mi)
        for r in ranked
    ]


def ranked_mentors_for(
    opportunity: Opportunity, on: datetime.date | None = None
) -> list[RankedMentor]:
    """Available mentors with room who are candidates for `opportunity` and hold no live match
    with it yet, best first. For programs: the identity component is left out of the score and
    the breakdown (programs never learn a mentor's self-identification, not even through the
    order of a list)."""
    return load_ranked(rank_mentors_for(opportunity, on))


# --- explanations in words --------------------------------------------------------------------


def _labels(codes: Iterable[str], facet: Sequence[tuple[str, Any]]) -> str:
    names = dict(facet)
    return ", ".join(str(names.get(code, code)) for code in codes)


def reasons(
    breakdown: dict[str, int],
    opportunity: Opportunity,
    mentor: Mentor,
    *,
    distance_mi: float | None = None,
    in_person: bool = False,
    for_mentor: bool = True,
) -> list[str]:
    """The score breakdown in words, one line per component that earned points."""
    lines = []
    for name in solver.COMPONENTS:
        points = breakdown.get(name, 0)
        if name not in breakdown or (points == 0 and name != "base"):
            continue
        if name == "base":
            text = _("A safe match on every rule")
        elif name == "topics":
            shared = [
                t
                for t in [*opportunity.topics, *opportunity.skills]
                if t in set(mentor.topics) | set(mentor.skills)
            ]
            text = _("Shared topics: %(topics)s") % {
                "topics": _labels(shared, stem_profile.STEM_FIELDS.terms)
            }
        elif name == "distance":
            text = (
                _("%(miles)s miles away, within your %(radius)s-mile radius")
                if for_mentor
                else _("%(miles)s miles away, within the mentor's %(radius)s-mile radius")
            ) % {"miles": distance_mi, "radius": mentor.travel_radius_mi}
        elif name == "language":
            text = _("Speaks one of the students' languages")
        elif name == "identity":
            if not for_mentor:
                continue
            text = _("You share an identity this program welcomes (you chose to share yours)")
        elif name == "interest":
            text = _("Saved by the mentor") if not for_mentor else _("You saved this opportunity")
        else:
            text = _("Serves young people with high need or in rural areas")
        lines.append(f"{text} (+{points})")
    if not in_person:
        lines.append(_("Virtual"))
    return lines


def step_names(codes: Iterable[str], ecosystem: Ecosystem) -> list[str]:
    names = {s.code: s.name for s in screening.steps(ecosystem)}
    return [names.get(code, code) for code in codes]
