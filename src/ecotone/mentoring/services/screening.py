"""Screening: where each mentor stands on each of the ecosystem's steps, who verified it, and
when it expires. Only backbone staff verify (the views check `mentoring.verify_screening`); a
pass always names its verifier and completion date (a database constraint too)."""

from __future__ import annotations

import datetime
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from functools import reduce
from operator import and_
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import (
    Case,
    CharField,
    Count,
    DateField,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone import concurrency
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from ..models import (
    DIRECT_CONTACT_FLOOR,
    LIVE_STATUSES,
    STAGE_NEVER,
    Match,
    Mentor,
    Opportunity,
    ScreeningRecord,
    ScreeningStatus,
    ScreeningStep,
    StepKind,
)
from . import matches as match_services


def steps(ecosystem: Ecosystem) -> list[ScreeningStep]:
    """The ecosystem's active steps in order (the defaults on first use)."""
    return list(ScreeningStep.for_ecosystem(ecosystem).active().order_by("position", "pk"))


def expiry_of(step: ScreeningStep, completed_on: datetime.date) -> datetime.date | None:
    return None if step.valid_days is None else completed_on + datetime.timedelta(step.valid_days)


def record_for(mentor: Mentor, step: ScreeningStep) -> ScreeningRecord:
    record, _created = ScreeningRecord.objects.get_or_create(mentor=mentor, step=step)
    return record


def update_step(
    mentor: Mentor,
    step: ScreeningStep,
    actor: Any,
    *,
    status: str,
    started_on: datetime.date | None = None,
    completed_on: datetime.date | None = None,
    hours: Decimal | None = None,
    notes: str | None = None,
    expected_version: str | None = None,
) -> ScreeningRecord:
    """Set where `mentor` stands on `step` (by `apply_status`) and save it. The mentor's live
    matches that the record no longer covers (revoked, failed, or a pass dated so long ago it
    has expired) go on hold in the same transaction. A stale `expected_version` (the record's
    version when the person loaded it, `concurrency.version_of(None)` for no record yet) raises
    `EditConflictError`."""
    with acting(actor):
        record = (
            ScreeningRecord.objects.select_for_update().filter(mentor=mentor, step=step).first()
        )
        concurrency.require(expected_version, concurrency.version_of(record))
        if record is None:
            record = ScreeningRecord(mentor=mentor, step=step)
        else:
            record.mentor, record.step = mentor, step  # the ones in hand: no queries for them
        apply_status(
            record,
            actor,
            status=status,
            started_on=started_on,
            completed_on=completed_on,
            hours=hours,
            notes=notes,
        )
        record.save()
        refresh_stages(mentor.ecosystem, Mentor.objects.filter(pk=mentor.pk))
        match_services.hold_unsafe_matches(mentor.ecosystem, actor, mentor=mentor)
    return record


def apply_status(
    record: ScreeningRecord,
    actor: Any,
    *,
    status: str,
    started_on: datetime.date | None = None,
    completed_on: datetime.date | None = None,
    hours: Decimal | None = None,
    notes: str | None = None,
) -> ScreeningRecord:
    """The screening rule, on `record` (its mentor and step set), without saving it. Passing
    verifies: the actor becomes the verifier (never the mentor themself, even a staff member
    who also mentors), the completion date defaults to today and may not be in the future,
    the expiry follows from the step's validity, and a step with minimum hours needs at least
    that many. `update_step` saves the record and holds the matches it no longer covers; the
    demo builds its records with this and writes them in bulk."""
    mentor, step = record.mentor, record.step
    if step.ecosystem_id != mentor.ecosystem_id:
        raise DomainError(_("That step belongs to another ecosystem."))
    if status not in ScreeningStatus.values:
        raise DomainError(_("Unknown screening status."))
    if status in (ScreeningStatus.PASSED, ScreeningStatus.FAILED) and mentor.user_id == getattr(
        actor, "pk", None
    ):
        raise DomainError(_("Nobody verifies their own screening; ask another staff member."))
    today = timezone.localdate()
    record.status = status
    if started_on is not None:
        record.started_on = started_on
    if hours is not None:
        record.hours = hours
    if notes is not None:
        record.notes = notes
    if status == ScreeningStatus.PASSED:
        done = completed_on or today
        if done > today:
            raise DomainError(_("The completion date must not be in the future."))
        minimum = step.minimum_hours
        if minimum is not None and (record.hours is None or record.hours < minimum):
            raise DomainError(
                _("%(step)s needs at least %(hours)s hours; %(have)s recorded.")
                % {"step": step.name, "hours": minimum, "have": record.hours or 0}
            )
        record.completed_on = done
        record.started_on = record.started_on or done
        record.expires_on = expiry_of(step, done)
        record.verified_by = actor
        record.verified_at = timezone.now()
        record.reminded_at = None
    else:
        record.completed_on = completed_on if status == ScreeningStatus.FAILED else None
        record.expires_on = None
        record.verified_by = actor if status == ScreeningStatus.FAILED else None
        record.verified_at = timezone.now() if status == ScreeningStatus.FAILED else None
        if status == ScreeningStatus.IN_PROGRESS and record.started_on is None:
            record.started_on = today
    return record


class Stage:
    NOT_STARTED = "not_started"
    IN_PROGRESS = "in_progress"
    SUPERVISED = "supervised"
    CLEARED = "cleared"
    LAPSED = "lapsed"


STAGE_LABELS = {
    Stage.NOT_STARTED: gettext_lazy("Not started"),
    Stage.IN_PROGRESS: gettext_lazy("In screening"),
    Stage.SUPERVISED: gettext_lazy("Cleared for supervised virtual work"),
    Stage.CLEARED: gettext_lazy("Cleared for all work with youth"),
    Stage.LAPSED: gettext_lazy("Screening lapsed"),
}


@dataclass(frozen=True)
class Standing:
    stage: str
    held: frozenset[str]
    missing_direct: tuple[str, ...]
    missing_supervised: tuple[str, ...]

    @property
    def label(self) -> str:
        return str(STAGE_LABELS[self.stage])


def standing(
    mentor: Mentor,
    records: list[ScreeningRecord] | None = None,
    ecosystem_steps: list[ScreeningStep] | None = None,
    on: datetime.date | None = None,
) -> Standing:
    """The mentor's screening stage: cleared for direct contact (every direct step, with the
    background check and training floor), for supervised work only, in screening, lapsed (a
    step they once passed has expired and they are no longer cleared), or not started.
    Pass `records` and `ecosystem_steps` to avoid queries in lists."""
    on = on or timezone.localdate()
    if ecosystem_steps is None:
        ecosystem_steps = steps(mentor.ecosystem)
    if records is None:
        records = list(mentor.screening_records.select_related("step"))
    held = frozenset(r.step.code for r in records if r.is_current(on))
    direct = [s for s in ecosystem_steps if s.for_direct_contact or s.kind in DIRECT_CONTACT_FLOOR]
    supervised = [s for s in ecosystem_steps if s.for_supervised]
    missing_direct = tuple(s.code for s in direct if s.code not in held)
    missing_supervised = tuple(s.code for s in supervised if s.code not in held)
    kinds = {s.kind for s in ecosystem_steps}
    floor_ok = kinds >= DIRECT_CONTACT_FLOOR
    if not missing_direct and floor_ok:
        stage = Stage.CLEARED
    elif not missing_supervised and supervised:
        stage = Stage.SUPERVISED
    elif any(
        r.status == ScreeningStatus.PASSED and r.expires_on and r.expires_on < on for r in records
    ):
        stage = Stage.LAPSED
    elif any(r.status != ScreeningStatus.NOT_STARTED for r in records):
        stage = Stage.IN_PROGRESS
    else:
        stage = Stage.NOT_STARTED
    return Standing(stage, held, missing_direct, missing_supervised)


def current_records(on: datetime.date) -> Q:
    """`ScreeningRecord.is_current` as a filter on records."""
    return (
        Q(status=ScreeningStatus.PASSED, verified_by__isnull=False, completed_on__lte=on)
        & (Q(expires_on__isnull=True) | Q(expires_on__gte=on))
        & (Q(step__minimum_hours__isnull=True) | Q(hours__gte=F("step__minimum_hours")))
    )


def stage_expression(
    ecosystem: Ecosystem,
    on: datetime.date | None = None,
    ecosystem_steps: list[ScreeningStep] | None = None,
) -> Any:
    """`standing(mentor).stage` as an expression on `Mentor` rows, so that lists filter and
    dashboards count by stage in the database (one EXISTS per required step, which PostgreSQL
    runs as a hashed subplan over the records). Records are matched to the ecosystem's steps by
    step (a code is unique in an ecosystem, and a record's step is its mentor's ecosystem's)."""
    on = on or timezone.localdate()
    if ecosystem_steps is None:
        ecosystem_steps = steps(ecosystem)
    records = ScreeningRecord.objects.filter(mentor_id=OuterRef("pk"))
    current = records.filter(current_records(on))

    def holds_all(group: list[ScreeningStep]) -> Any:
        return reduce(and_, [Exists(current.filter(step_id=s.pk)) for s in group])

    direct = [s for s in ecosystem_steps if s.for_direct_contact or s.kind in DIRECT_CONTACT_FLOOR]
    supervised = [s for s in ecosystem_steps if s.for_supervised]
    floor_ok = {s.kind for s in ecosystem_steps} >= DIRECT_CONTACT_FLOOR
    if floor_ok and not direct:
        return Value(Stage.CLEARED, output_field=CharField())
    whens = []
    if floor_ok:
        whens.append(When(holds_all(direct), then=Value(Stage.CLEARED)))
    if supervised:
        whens.append(When(holds_all(supervised), then=Value(Stage.SUPERVISED)))
    whens.append(
        When(
            Exists(records.filter(status=ScreeningStatus.PASSED, expires_on__lt=on)),
            then=Value(Stage.LAPSED),
        )
    )
    whens.append(
        When(
            Exists(records.exclude(status=ScreeningStatus.NOT_STARTED)),
            then=Value(Stage.IN_PROGRESS),
        )
    )
    return Case(*whens, default=Value(Stage.NOT_STARTED), output_field=CharField())


# The stored stage -------------------------------------------------------------------------------
#
# Each mentor's stage is stored (`Mentor.screening_stage`) with the last day it stays so by time
# alone (`screening_stage_until`), so that lists filter and dashboards count by an index instead
# of running the rule over every mentor's records at each request. It is written by ONE
# function, `refresh_stages`, from the rule itself (`stage_expression`), and called by every
# writer of records and steps (`update_step`, `create_step`, `change_step`, the admin's step
# form, the demo) and by the daily `mentoring_reminders` for the stages time has run out on.
# Readers (`stored_stage_holds`, `with_stage`, `stage_counts`) use the stored value only where
# it still holds on the day asked, and the rule for the rest: a stage is never read stale.


def stage_until_expression(on: datetime.date) -> Any:
    """The last day the stage computed on `on` stays the same by time alone: the earliest
    `expires_on` on or after `on` among the mentor's passed records (a record is current
    through that day, and the day after it may make the mentor lapsed); `on` itself when a
    passed record is completed after `on` (conservative: refreshed daily until that day);
    STAGE_NEVER when no date changes it. What the rule reads that time changes is exactly
    these two dates of passed records (`current_records`, the lapsed test)."""
    passed = ScreeningRecord.objects.filter(mentor_id=OuterRef("pk"), status=ScreeningStatus.PASSED)
    next_expiry = passed.filter(expires_on__gte=on).order_by("expires_on").values("expires_on")[:1]
    return Case(
        When(Exists(passed.filter(completed_on__gt=on)), then=Value(on)),
        default=Coalesce(Subquery(next_expiry), Value(STAGE_NEVER)),
        output_field=DateField(),
    )


def refresh_stages(
    ecosystem: Ecosystem,
    mentors: QuerySet[Mentor] | None = None,
    *,
    stale_only: bool = False,
    batch: int = 20_000,
    on: datetime.date | None = None,
) -> int:
    """Store the stage of the ecosystem's mentors (of `mentors`; with `stale_only`, of those
    whose stored stage has run out or was never stored), as `stage_expression` gives it
    today, with the day it runs out. In the caller's transaction; batches of `batch` mentors
    by id so that a whole ecosystem is not one statement. Returns how many were stored.
    `on`: a day before today, for tests that stand for a refresh made then (never later:
    readers trust a stored stage from today on)."""
    today = timezone.localdate()
    on = on or today
    if on > today:
        raise ValueError("A stage is stored as of today or an earlier day, never a later one.")
    ecosystem_steps = steps(ecosystem)
    chosen = Mentor.objects.filter(ecosystem=ecosystem)
    if mentors is not None:
        chosen = chosen.filter(pk__in=mentors.values("pk"))
    if stale_only:
        chosen = chosen.filter(screening_stage_until__lt=today)
    values = {
        "screening_stage": stage_expression(ecosystem, on, ecosystem_steps),
        "screening_stage_until": stage_until_expression(on),
    }
    if mentors is not None and not stale_only:
        return chosen.update(**values)
    done, last = 0, 0
    while True:
        upper = (
            chosen.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[batch - 1 : batch]
            .first()
        )
        part = chosen.filter(pk__gt=last)
        if upper is None:
            return done + part.update(**values)
        done += part.filter(pk__lte=upper).update(**values)
        last = upper


def stored_stage_holds(on: datetime.date, prefix: str = "") -> Q:
    """Where a mentor's stored stage is the rule's answer on `on` (a filter on mentors, or
    on rows that reach a mentor through `prefix`, e.g. "mentor__"): stored on or before today
    (never later than `on` when `on` is today or later) and not run out by `on`. Days before
    today match nothing: the rule answers for those."""
    if on < timezone.localdate():
        return Q(pk__in=[])
    return Q(**{f"{prefix}screening_stage_until__gte": on})


# Up to this many mentors whose stored stage has run out are listed by id in `stage_in` (the
# planner then sees a plain filter on the stored stage); more, and the rule runs as a subquery.
STALE_BY_ID = 1000


def stored_stage_ran_out(on: datetime.date) -> Q:
    """The mentors `stored_stage_holds` leaves to the rule on `on`, as a range on the stored
    day (an index): every mentor for a day before today."""
    if on < timezone.localdate():
        return Q()
    return Q(screening_stage_until__lt=on)


def stage_in(ecosystem: Ecosystem, stages: Any, on: datetime.date | None = None) -> Q:
    """A filter on the ecosystem's mentors: at one of `stages` on `on` (default today), by
    the stored stage (an index) where it holds, by the rule for the others (none, usually,
    once the daily command has run: then the filter is the stored stage alone)."""
    on = on or timezone.localdate()
    stages = sorted([stages] if isinstance(stages, str) else stages)
    stale = Mentor.objects.filter(stored_stage_ran_out(on), ecosystem=ecosystem)
    stored = stored_stage_holds(on) & Q(screening_stage__in=stages)
    few = list(stale.order_by().values_list("pk", flat=True)[: STALE_BY_ID + 1])
    if not few:
        return stored
    if len(few) <= STALE_BY_ID:
        stale = Mentor.objects.filter(pk__in=few)
    by_rule = (
        stale.alias(stage=stage_expression(ecosystem, on)).filter(stage__in=stages).values("pk")
    )
    if len(few) <= STALE_BY_ID:
        return stored | Q(pk__in=list(by_rule.values_list("pk", flat=True)))
    return stored | Q(pk__in=by_rule)


def with_stage(
    mentors: QuerySet[Mentor], ecosystem: Ecosystem, stages: Any, on: datetime.date | None = None
) -> QuerySet[Mentor]:
    """Of `mentors`, those at one of `stages` on `on` (`stage_in`)."""
    return mentors.filter(stage_in(ecosystem, stages, on))


def stage_counts(
    mentors: QuerySet[Mentor], ecosystem: Ecosystem, on: datetime.date | None = None
) -> dict[str, int]:
    """How many of `mentors` are at each screening stage (stages with none left out): the
    stored stages that hold on `on`, counted by an index, and the rule for the rest."""
    on = on or timezone.localdate()
    counts: Counter[str] = Counter()
    stored = (
        mentors.filter(stored_stage_holds(on))
        .order_by()
        .values_list("screening_stage")
        # COUNT(*), not of the id, so that the stage index alone answers (an index-only scan).
        .annotate(n=Count("*"))
        .values_list("screening_stage", "n")
    )
    computed = (
        mentors.filter(stored_stage_ran_out(on))
        .order_by()
        .annotate(stage=stage_expression(ecosystem, on))
        .values_list("stage")
        .annotate(n=Count("pk"))
        .values_list("stage", "n")
    )
    for rows in (stored, computed):
        counts.update(dict(rows))
    return {stage: n for stage, n in counts.items() if n}


def _due_for_reminder(ecosystem: Ecosystem, on: datetime.date) -> Q:
    """Expires within its step's reminder window (or has expired): one date bound per step."""
    due = Q(pk__in=[])
    for step_id, days in ScreeningStep.objects.filter(ecosystem=ecosystem).values_list(
        "pk", "remind_days_before"
    ):
        due |= Q(step_id=step_id, expires_on__lte=on + datetime.timedelta(days))
    return due


def expiring(ecosystem: Ecosystem, on: datetime.date | None = None) -> QuerySet[ScreeningRecord]:
    """Passed records that expire within their step's reminder window (or have expired) and
    whose reminder has not been sent."""
    on = on or timezone.localdate()
    records = ScreeningRecord.objects.filter(
        mentor__ecosystem=ecosystem,
        status=ScreeningStatus.PASSED,
        expires_on__isnull=False,
        reminded_at__isnull=True,
    ).select_related("mentor__user", "step")
    return records.filter(_due_for_reminder(ecosystem, on))


def stages_covering(ecosystem_steps: list[ScreeningStep], direct_contact: bool) -> frozenset[str]:
    """The stages at which a mentor surely holds, current, every step an opportunity requires
    (`Opportunity.required_steps`): for direct contact, cleared for all work (every direct
    step, with the safety floor); for supervised work, cleared for it, and cleared for all
    work when every supervised step is also a direct one; any stage when no step is required."""
    active = [s for s in ecosystem_steps if s.is_active]
    if direct_contact:
        return frozenset({Stage.CLEARED})
    supervised = {s.pk for s in active if s.for_supervised}
    if not supervised:
        return frozenset(STAGE_LABELS)
    direct = {s.pk for s in active if s.for_direct_contact or s.kind in DIRECT_CONTACT_FLOOR}
    return frozenset(
        {Stage.SUPERVISED, Stage.CLEARED} if supervised <= direct else {Stage.SUPERVISED}
    )


def stages_holding_all(
    ecosystem_steps: list[ScreeningStep], direct_contact: bool
) -> frozenset[str]:
    """The stages of every mentor who holds, current, every step an opportunity requires (a
    superset of `stages_covering`: a mentor holding every supervised step is cleared for
    supervised work, or for all work, which the rule ranks first)."""
    covering = stages_covering(ecosystem_steps, direct_contact)
    return covering if direct_contact else covering | {Stage.CLEARED}


def matches_at_risk(ecosystem: Ecosystem, on: datetime.date | None = None) -> list[Match]:
    """Live matches whose mentor no longer holds every step the opportunity requires (a step
    lapsed since the last daily run of `mentoring_reminders`, which puts them on hold).
    The safety rule (`services.matches.unsafe_live_matches`, `Match.safety_problem`) decides
    every match it is asked about; it is not asked about the matches whose mentor's stored
    stage, still holding on `on`, covers the opportunity (`stages_covering`), which are
    safe by the same rule. A fixed number of queries, whatever the number of matches."""
    on = on or timezone.localdate()
    ecosystem_steps = list(ScreeningStep.for_ecosystem(ecosystem))
    surely_safe = Q(pk__in=[])
    for direct in (True, False):
        surely_safe |= (
            (
                Opportunity.direct_contact_q("opportunity__")
                if direct
                else ~Opportunity.direct_contact_q("opportunity__")
            )
            & stored_stage_holds(on, "mentor__")
            & Q(mentor__screening_stage__in=sorted(stages_covering(ecosystem_steps, direct)))
        )
    candidates = Match.objects.filter(ecosystem=ecosystem, status__in=LIVE_STATUSES).exclude(
        surely_safe
    )
    unsafe = match_services.unsafe_live_matches(candidates, on)
    return [match for match, _problem in unsafe]


# Configuring the steps (backbone admins) ------------------------------------------------------

STEP_FIELDS = frozenset(ScreeningStep.EDITABLE_FIELDS)
FLOOR_KINDS = tuple(sorted(DIRECT_CONTACT_FLOOR))


def _check_floor(before: ScreeningStep, after: ScreeningStep) -> None:
    """Refuse a change that leaves the ecosystem without an active background check or
    training step: direct-contact opportunities could then match no one (the safety floor).
    Only a change that takes this step out of the floor is refused, so an ecosystem already
    short of it can still edit its other steps."""
    for kind in FLOOR_KINDS:
        was_floor = before.is_active and before.kind == kind
        still_floor = after.is_active and after.kind == kind
        if not was_floor or still_floor:
            continue
        others = (
            ScreeningStep.objects.filter(ecosystem_id=after.ecosystem_id, kind=kind, is_active=True)
            .exclude(pk=after.pk)
            .exists()
        )
        if not others:
            label = dict(StepKind.choices)[kind]
            raise DomainError(
                _(
                    "The network needs an active %(kind)s step: it is the safety floor for work "
                    "in person or one-to-one with young people."
                )
                % {"kind": str(label).lower()}
            )


def _set_step_fields(step: ScreeningStep, fields: dict[str, Any]) -> None:
    unknown = set(fields) - STEP_FIELDS
    if unknown:
        raise DomainError(_("Unknown step fields: %(f)s.") % {"f": ", ".join(sorted(unknown))})
    for name, value in fields.items():
        setattr(step, name, value)
    try:
        step.full_clean(exclude=["ecosystem"])
    except ValidationError as error:
        raise DomainError(" ".join(error.messages)) from error


def create_step(ecosystem: Ecosystem, actor: Any, *, code: str, **fields: Any) -> ScreeningStep:
    """Add a screening step (after the others unless `position` is given)."""
    existing = ScreeningStep.for_ecosystem(ecosystem)
    code = slugify(code or fields.get("name", ""))[:40].replace("-", "_")
    if not code:
        raise DomainError(_("Give the step a name."))
    if existing.filter(code=code).exists():
        raise DomainError(_("There is already a step with the code %(code)s.") % {"code": code})
    fields.setdefault("kind", StepKind.OTHER)
    if "position" not in fields:
        last = existing.order_by("-position").values_list("position", flat=True).first()
        fields["position"] = (last or 0) + 1
    with acting(actor):
        step = ScreeningStep(ecosystem=ecosystem, code=code)
        _set_step_fields(step, fields)
        step.save()
        refresh_stages(ecosystem)
        match_services.hold_unsafe_matches(ecosystem, actor)
    return step


def change_step(
    step: ScreeningStep, actor: Any, *, expected_version: str | None = None, **fields: Any
) -> ScreeningStep:
    """Change a step's name, description, validity, reminder, minimum hours, what it is
    required for, order or use. Records already passed keep the expiry they were given. Live
    matches the change leaves unscreened (a step newly required, or put back in use) go on hold
    in the same transaction. A stale `expected_version` raises `EditConflictError`."""
    with acting(actor):
        step = ScreeningStep.objects.select_for_update().get(pk=step.pk)
        concurrency.require(expected_version, concurrency.version_of(step))
        before = ScreeningStep(kind=step.kind, is_active=step.is_active)
        _set_step_fields(step, fields)
        _check_floor(before, step)
        step.save()
        refresh_stages(step.ecosystem)
        match_services.hold_unsafe_matches(step.ecosystem, actor)
    return step


def renewals_due(ecosystem: Ecosystem, on: datetime.date | None = None) -> list[ScreeningRecord]:
    """Passed records that have expired or expire within their step's reminder window,
    reminded or not, soonest first (the staff's renewal list; `expiring` is the reminder
    task's)."""
    on = on or timezone.localdate()
    longest = max(
        ScreeningStep.objects.filter(ecosystem=ecosystem).values_list(
            "remind_days_before", flat=True
        ),
        default=0,
    )
    horizon = on + datetime.timedelta(days=longest)
    records = ScreeningRecord.objects.filter(
        mentor__ecosystem=ecosystem,
        status=ScreeningStatus.PASSED,
        expires_on__isnull=False,
        expires_on__lte=horizon,
    ).select_related("mentor__user", "step")
    return sorted(
        (
            r
            for r in records
            if r.expires_on is not None
            and r.expires_on - datetime.timedelta(r.step.remind_days_before) <= on
        ),
        key=lambda r: (r.expires_on, r.mentor.display_name),
    )
