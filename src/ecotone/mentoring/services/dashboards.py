"""The mentoring dashboard's figures (backbone staff): mentors by status and screening stage,
unfilled needs, time to match, retention, approved hours, and students reached.

Every figure is a `Table` (headers and rows) so that the page shows it as an accessible data
table and the same rows export to CSV or XLSX. The one figure that describes students (students
reached by active matches, by program) passes `ecotone.suppression.suppress` (docs/privacy.md):
small-cell suppression with the ecosystem's threshold, complementary suppression, and a rounded
or hidden total.
"""

from __future__ import annotations

import datetime
import math
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, cast

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone.directory.models import MentoringDepth
from ecotone.ecosystems.models import Ecosystem
from ecotone.suppression import suppress

from ..models import (
    CheckIn,
    ClosureKind,
    HourLog,
    HourStatus,
    Match,
    MatchingRound,
    MatchStatus,
    Mentor,
    MentorStatus,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    RoundStatus,
    ScreeningRecord,
    holding,
)
from . import screening

# --- tables -------------------------------------------------------------------------------------


@dataclass
class Table:
    """One figure: a title, its column headers, its rows (first cell a label), a note."""

    name: str
    title: str
    headers: list[str]
    rows: list[list[Any]]
    note: str = ""
    footer: list[Any] | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def export_rows(self) -> list[list[Any]]:
        return [*self.rows, *([self.footer] if self.footer else [])]


def _label(choices: Any, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value or "—"


def mentors_by_status(ecosystem: Ecosystem) -> Table:
    counts = dict(
        Mentor.objects.filter(ecosystem=ecosystem)
        .order_by()  # no join to the accounts the default order names
        .values_list("status")
        # COUNT(*), not of the id: an index-only scan of (ecosystem, status) answers it.
        .annotate(n=Count("*"))
        .values_list("status", "n")
    )
    rows = [[str(label), counts.get(value, 0)] for value, label in MentorStatus.choices]
    return Table(
        "mentors_by_status",
        _("Mentors by status"),
        [_("Status"), _("Mentors")],
        rows,
        footer=[_("Total"), sum(counts.values())],
    )


def stages(ecosystem: Ecosystem, on: datetime.date | None = None) -> dict[int, str]:
    """Each mentor's screening stage (services.screening.standing), in a few queries."""
    on = on or timezone.localdate()
    steps = screening.steps(ecosystem)
    records: dict[int, list[ScreeningRecord]] = defaultdict(list)
    for record in ScreeningRecord.objects.filter(mentor__ecosystem=ecosystem).select_related(
        "step"
    ):
        records[record.mentor_id].append(record)
    result = {}
    for mentor in Mentor.objects.filter(ecosystem=ecosystem).select_related("ecosystem"):
        result[mentor.pk] = screening.standing(
            mentor, records=records.get(mentor.pk, []), ecosystem_steps=steps, on=on
        ).stage
    return result


def available_by_stage(ecosystem: Ecosystem, on: datetime.date | None = None) -> dict[str, int]:
    """Available mentors (active) by screening stage, counted in the database."""
    available = Mentor.objects.filter(ecosystem=ecosystem, status=MentorStatus.ACTIVE)
    return screening.stage_counts(available, ecosystem, on)


def mentors_by_stage(ecosystem: Ecosystem, on: datetime.date | None = None) -> Table:
    """Available mentors (not paused or withdrawn) by screening stage."""
    counts = available_by_stage(ecosystem, on)
    rows = [[str(label), counts.get(stage, 0)] for stage, label in screening.STAGE_LABELS.items()]
    return Table(
        "mentors_by_stage",
        _("Available mentors by screening stage"),
        [_("Screening stage"), _("Mentors")],
        rows,
        footer=[_("Total"), sum(counts.values())],
    )


def open_with_room(ecosystem: Ecosystem) -> list[tuple[Opportunity, int]]:
    """Open opportunities that still need mentors, with how many."""
    opportunities = (
        Opportunity.objects.filter(ecosystem=ecosystem, status=OpportunityStatus.OPEN)
        .annotate(live=Count("matches", filter=holding("matches__")))
        .order_by("pk")
    )
    return [(o, o.mentors_needed - o.live) for o in opportunities if o.mentors_needed > o.live]


def unfilled_needs(ecosystem: Ecosystem) -> Table:
    needs: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
    for opportunity, room in open_with_room(ecosystem):
        cell = needs[(opportunity.kind, opportunity.depth)]
        cell[0] += 1
        cell[1] += room
    rows = [
        [
            _label(OpportunityKind, kind),
            _label(MentoringDepth, depth),
            opportunities,
            mentors,
        ]
        for (kind, depth), (opportunities, mentors) in sorted(needs.items())
    ]
    return Table(
        "unfilled_needs",
        _("Unfilled needs: open opportunities that still need mentors"),
        [_("Kind"), _("Depth"), _("Opportunities"), _("Mentors still needed")],
        rows,
        footer=[
            _("Total"),
            "",
            sum(v[0] for v in needs.values()),
            sum(v[1] for v in needs.values()),
        ],
    )


def percentile(values: Sequence[float], share: float) -> float | None:
    """Linear interpolation between closest ranks (numpy's default); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    position = (len(ordered) - 1) * share
    low = math.floor(position)
    high = math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _accepted_at(match: Match) -> datetime.datetime | None:
    stamps = [s for s in (match.mentor_accepted_at, match.program_accepted_at) if s]
    return max(stamps) if len(stamps) == 2 else None


def days_to_first_match(ecosystem: Ecosystem) -> tuple[list[float], list[float]]:
    """Days from an opportunity's creation, and from a mentor's sign-up, to their first match
    accepted by both sides (each first acceptance found in the database)."""
    # Both sides' acceptance stamps: the match was accepted, whatever became of it since
    # (a match accepted and then declined or withdrawn still took that long to make).
    matches = Match.objects.filter(
        ecosystem=ecosystem,
        mentor_accepted_at__isnull=False,
        program_accepted_at__isnull=False,
    ).order_by()

    def days(side: str, created: Any) -> list[float]:
        # The time between as one interval per row (half the values to read as two stamps).
        rows = (
            matches.values(side)
            .annotate(
                first=Min(Greatest("mentor_accepted_at", "program_accepted_at")), created=created
            )
            .annotate(took=ExpressionWrapper(F("first") - F("created"), DurationField()))
            .values_list("took", flat=True)
        )
        return [max(0.0, took.total_seconds() / 86400) for took in rows]

    # A mentor's sign-up is read by id for each mentor matched (an index): a join read every
    # mentor of the ecosystem. The opportunities are few: a join.
    signed_up = Mentor.objects.filter(pk=OuterRef("mentor")).order_by().values("created_at")
    return (
        days("opportunity", Min("opportunity__created_at")),
        days("mentor", Subquery(signed_up)),
    )


def _days(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}"


def time_to_match(ecosystem: Ecosystem) -> Table:
    for_opportunities, for_mentors = days_to_first_match(ecosystem)
    rows = [
        [
            _("Opportunity posted to its first accepted match"),
            len(for_opportunities),
            _days(percentile(for_opportunities, 0.5)),
            _days(percentile(for_opportunities, 0.8)),
        ],
        [
            _("Mentor signed up to their first accepted match"),
            len(for_mentors),
            _days(percentile(for_mentors, 0.5)),
            _days(percentile(for_mentors, 0.8)),
        ],
    ]
    return Table(
        "time_to_match",
        _("Time to match (days)"),
        [_("From"), _("Matched"), _("Median days"), _("80th percentile days")],
        rows,
    )


def reached_agreed_duration(match: Match) -> bool:
    """A closed match that ran its agreed course: closed as planned, or on or after its
    expected end."""
    if match.closure_kind == ClosureKind.PLANNED:
        return True
    return bool(
        match.closed_on and match.expected_end_on and match.closed_on >= match.expected_end_on
    )


@dataclass(frozen=True)
class Retention:
    closed: int
    reached: int
    reasons: list[tuple[str, int]]

    @property
    def share(self) -> float | None:
        return self.reached / self.closed if self.closed else None


def retention_figures(ecosystem: Ecosystem) -> Retention:
    # Rows with the four fields `reached_agreed_duration` and the reasons read, not records.
    closed = cast(
        list[Match],
        list(
            Match.objects.filter(
                ecosystem=ecosystem,
                status=MatchStatus.CLOSED,
                opportunity__kind=OpportunityKind.RELATIONSHIP,
            )
            .order_by()
            .values_list(
                "closure_kind", "closed_on", "expected_end_on", "closure_reason", named=True
            )
        ),
    )
    reached = [m for m in closed if reached_agreed_duration(m)]
    # Reasons are free text: the same reason typed differently in case or spacing counts once.
    tally: Counter[str] = Counter()
    spelled: dict[str, str] = {}
    for match in closed:
        if reached_agreed_duration(match):
            continue
        text = " ".join(match.closure_reason.split()) or _("No reason given")
        key = text.casefold()
        spelled.setdefault(key, text)
        tally[key] += 1
    reasons = [(spelled[k], n) for k, n in sorted(tally.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Retention(len(closed), len(reached), reasons)


def retention(ecosystem: Ecosystem) -> tuple[Table, Table]:
    figures = retention_figures(ecosystem)
    share = "—" if figures.share is None else f"{figures.share:.0%}"
    summary = Table(
        "retention",
        _("Retention: closed relationship matches that reached their agreed duration"),
        [_("Closed matches"), _("Reached the agreed duration"), _("Share")],
        [[figures.closed, figures.reached, share]],
        extra={"share": figures.share},
    )
    reasons = Table(
        "early_closures",
        _("Why matches closed early"),
        [_("Reason"), _("Matches")],
        [[text, n] for text, n in figures.reasons],
    )
    return summary, reasons


CENTS = Decimal("0.01")


def _hours_rows(totals: Mapping[str, Decimal]) -> list[list[Any]]:
    return [
        [label, hours.quantize(CENTS)]
        for label, hours in sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def approved_hours(ecosystem: Ecosystem) -> tuple[Table, Table, Table]:
    logs = HourLog.objects.filter(ecosystem=ecosystem, status=HourStatus.APPROVED)
    by_employer: dict[str, Decimal] = defaultdict(Decimal)
    # Each log's mentor's employer read by id (an index), not by a join that read every mentor.
    mentor = Mentor.objects.filter(pk=OuterRef("mentor_id")).order_by()
    for employer, employer_name, hours in (
        logs.order_by()
        .annotate(
            employer=Subquery(mentor.values("employer__name")),
            employer_text=Subquery(mentor.values("employer_name")),
        )
        .values_list("employer", "employer_text")
        .annotate(hours=Sum("hours"))
    ):
        by_employer[employer or employer_name or _("No employer given")] += hours
    by_program: dict[str, Decimal] = defaultdict(Decimal)
    for program, hours in logs.values_list("match__opportunity__program__name").annotate(
        hours=Sum("hours")
    ):
        by_program[program] += hours
    by_depth: dict[str, Decimal] = defaultdict(Decimal)
    for depth, hours in logs.values_list("match__opportunity__depth").annotate(hours=Sum("hours")):
        by_depth[_label(MentoringDepth, depth)] += hours
    total = sum(by_program.values(), Decimal(0))
    tables = []
    for name, title, header, totals in (
        ("hours_by_employer", _("Approved hours by employer"), _("Employer"), by_employer),
        ("hours_by_program", _("Approved hours by program"), _("Program"), by_program),
        ("hours_by_depth", _("Approved hours by depth"), _("Depth"), by_depth),
    ):
        tables.append(
            Table(
                name,
                title,
                [header, _("Hours")],
                _hours_rows(totals),
                footer=[_("Total"), total.quantize(CENTS)],
            )
        )
    return tables[0], tables[1], tables[2]


def students_reached(ecosystem: Ecosystem) -> Table:
    """Students expected in the opportunities that have an active match, by program (each
    opportunity counted once, however many mentors it has), suppressed."""
    opportunities = (
        Opportunity.objects.filter(ecosystem=ecosystem, matches__status=MatchStatus.ACTIVE)
        .distinct()
        .values_list("pk", "program__name", "students_expected")
    )
    counts: dict[str, int] = defaultdict(int)
    for _pk, program, students in opportunities:
        counts[program] += students or 0
    threshold = int(ecosystem.suppression_threshold)
    published = suppress(counts, threshold)
    hidden_text = _("fewer than %(n)s or hidden") % {"n": threshold}
    rows = [
        [program, hidden_text if shown is None else shown]
        for program, shown in sorted(published.cells.items())
    ]
    if published.total is None:
        total: Any = _("hidden")
    elif published.total_rounded:
        total = _("about %(n)s") % {"n": published.total}
    else:
        total = published.total
    return Table(
        "students_reached",
        _("Students reached by active matches, by program"),
        [_("Program"), _("Students")],
        rows,
        note=_(
            "Counts below %(n)s are hidden, with others where needed so that no hidden count "
            "can be worked out from the total; a total over hidden counts is rounded."
        )
        % {"n": threshold},
        footer=[_("Total"), total],
        extra={"published": published},
    )


TABLE_NAMES = (
    "mentors_by_status",
    "mentors_by_stage",
    "unfilled_needs",
    "time_to_match",
    "retention",
    "early_closures",
    "hours_by_employer",
    "hours_by_program",
    "hours_by_depth",
    "students_reached",
)
SECTIONS = (
    (gettext_lazy("Mentors"), ("mentors_by_status", "mentors_by_stage")),
    (gettext_lazy("Needs and matching"), ("unfilled_needs", "time_to_match")),
    (gettext_lazy("Retention"), ("retention", "early_closures")),
    (gettext_lazy("Hours"), ("hours_by_employer", "hours_by_program", "hours_by_depth")),
    (gettext_lazy("Students"), ("students_reached",)),
)


def dashboard(ecosystem: Ecosystem, only: Iterable[str] | None = None) -> dict[str, Table]:
    """The dashboard's tables by name (all, or those in `only`)."""
    wanted = set(only) if only is not None else set(TABLE_NAMES)
    tables: dict[str, Table] = {}
    if "mentors_by_status" in wanted:
        tables["mentors_by_status"] = mentors_by_status(ecosystem)
    if "mentors_by_stage" in wanted:
        tables["mentors_by_stage"] = mentors_by_stage(ecosystem)
    if "unfilled_needs" in wanted:
        tables["unfilled_needs"] = unfilled_needs(ecosystem)
    if "time_to_match" in wanted:
        tables["time_to_match"] = time_to_match(ecosystem)
    if wanted & {"retention", "early_closures"}:
        tables["retention"], tables["early_closures"] = retention(ecosystem)
    if wanted & {"hours_by_employer", "hours_by_program", "hours_by_depth"}:
        (
            tables["hours_by_employer"],
            tables["hours_by_program"],
            tables["hours_by_depth"],
        ) = approved_hours(ecosystem)
    if "students_reached" in wanted:
        tables["students_reached"] = students_reached(ecosystem)
    return {name: tables[name] for name in TABLE_NAMES if name in tables and name in wanted}


# --- the mentoring home: what each person has to do next ----------------------------------------

# A check-in shows on the home page from this many days before it is due.
CHECK_IN_NOTICE_DAYS = 7


@dataclass
class MentorAgenda:
    mentor: Mentor
    standing: screening.Standing
    next_steps: list[str]
    offers: list[Match]
    awaiting_program: list[Match]
    to_start: list[Match]
    check_ins: list[Any]
    active: list[Match]
    hours_pending: int
    hours_pending_total: Decimal


def mentor_agenda(mentor: Mentor, on: datetime.date | None = None) -> MentorAgenda:
    """A mentor's screening standing and the steps still to do, offers to answer, requests
    the program has yet to answer, accepted matches awaiting their agreement, check-ins due
    (or due within a week) on active matches, and hours awaiting approval."""
    on = on or timezone.localdate()
    steps = screening.steps(mentor.ecosystem)
    standing = screening.standing(mentor, ecosystem_steps=steps, on=on)
    names = {s.code: s.name for s in steps}
    matches = list(
        mentor.matches.filter(holding())
        .select_related("opportunity__program__organization")
        .order_by("-updated_at")
    )
    check_ins = list(
        CheckIn.objects.filter(
            match__mentor=mentor,
            match__status=MatchStatus.ACTIVE,
            done_on__isnull=True,
            due_on__lte=on + datetime.timedelta(CHECK_IN_NOTICE_DAYS),
        )
        .select_related("match__opportunity")
        .order_by("due_on")
    )
    pending = HourLog.objects.filter(mentor=mentor, status=HourStatus.PENDING).aggregate(
        n=Count("pk"), hours=Sum("hours")
    )
    return MentorAgenda(
        mentor=mentor,
        standing=standing,
        next_steps=[str(names[code]) for code in standing.missing_direct if code in names],
        offers=[m for m in matches if m.status == MatchStatus.OFFERED and not m.mentor_accepted_at],
        awaiting_program=[
            m for m in matches if m.status == MatchStatus.OFFERED and m.mentor_accepted_at
        ],
        to_start=[m for m in matches if m.status == MatchStatus.ACCEPTED],
        check_ins=check_ins,
        active=[m for m in matches if m.status == MatchStatus.ACTIVE],
        hours_pending=pending["n"] or 0,
        hours_pending_total=(pending["hours"] or Decimal(0)).quantize(CENTS),
    )


@dataclass
class PartnerAgenda:
    open: list[tuple[Opportunity, int]]
    filled: list[Opportunity]
    drafts: int
    requests: list[Match]
    to_start: list[Match]
    hours_pending: int
    hours_pending_total: Decimal


def partner_agenda(ecosystem: Ecosystem, organization_ids: Iterable[int]) -> PartnerAgenda:
    """Partner staff's programs: open opportunities with the mentors they still need, filled
    ones, drafts; mentors' requests (and engine offers) awaiting the program's answer; accepted
    matches awaiting their agreement; hours awaiting approval."""
    organizations = sorted(set(organization_ids))
    theirs = Q(program__organization_id__in=organizations)
    opportunities = (
        Opportunity.objects.filter(theirs, ecosystem=ecosystem)
        .annotate(live=Count("matches", filter=holding("matches__")))
        .select_related("program")
        .order_by("title", "pk")
    )
    open_ones: list[tuple[Opportunity, int]] = []
    filled: list[Opportunity] = []
    drafts = 0
    for opportunity in opportunities:
        if opportunity.status == OpportunityStatus.DRAFT:
            drafts += 1
        elif opportunity.status == OpportunityStatus.OPEN:
            room = opportunity.mentors_needed - opportunity.live
            if room > 0:
                open_ones.append((opportunity, room))
            else:
                filled.append(opportunity)
    matches = list(
        Match.objects.filter(
            ecosystem=ecosystem,
            opportunity__program__organization_id__in=organizations,
            status__in=(MatchStatus.OFFERED, MatchStatus.ACCEPTED),
        )
        .select_related("mentor__user", "opportunity")
        .order_by("created_at")
    )
    pending = HourLog.objects.filter(
        ecosystem=ecosystem,
        status=HourStatus.PENDING,
        match__opportunity__program__organization_id__in=organizations,
    ).aggregate(n=Count("pk"), hours=Sum("hours"))
    return PartnerAgenda(
        open=open_ones,
        filled=filled,
        drafts=drafts,
        requests=[
            m for m in matches if m.status == MatchStatus.OFFERED and not m.program_accepted_at
        ],
        to_start=[m for m in matches if m.status == MatchStatus.ACCEPTED],
        hours_pending=pending["n"] or 0,
        hours_pending_total=(pending["hours"] or Decimal(0)).quantize(CENTS),
    )


@dataclass(frozen=True)
class BackboneAgenda:
    in_screening: int
    not_started: int
    expiring: int
    at_risk: int
    on_hold: int
    proposals: int
    rounds_in_review: int
    unfilled: int
    mentors_needed: int
    hours_pending: int
    flagged_check_ins: int


def backbone_agenda(ecosystem: Ecosystem, on: datetime.date | None = None) -> BackboneAgenda:
    """Counts for backbone staff: available mentors in screening (and not started), screening
    expiring, live matches at risk (a required step lapsed today, before the daily command
    puts them on hold), matches on hold (to renew and resume), proposals in review, unfilled
    needs, hours awaiting approval, check-ins flagged for follow-up on active matches."""
    on = on or timezone.localdate()
    stage_counts = available_by_stage(ecosystem, on)
    unfilled = open_with_room(ecosystem)
    return BackboneAgenda(
        in_screening=stage_counts.get(screening.Stage.IN_PROGRESS, 0),
        not_started=stage_counts.get(screening.Stage.NOT_STARTED, 0),
        expiring=screening.expiring(ecosystem, on).count(),
        at_risk=len(screening.matches_at_risk(ecosystem, on)),
        on_hold=Match.objects.filter(ecosystem=ecosystem, status=MatchStatus.ON_HOLD).count(),
        proposals=Match.objects.filter(ecosystem=ecosystem, status=MatchStatus.PROPOSED).count(),
        rounds_in_review=MatchingRound.objects.filter(
            ecosystem=ecosystem, status=RoundStatus.REVIEW
        ).count(),
        unfilled=len(unfilled),
        mentors_needed=sum(room for _o, room in unfilled),
        hours_pending=HourLog.objects.filter(
            ecosystem=ecosystem, status=HourStatus.PENDING
        ).count(),
        flagged_check_ins=CheckIn.objects.filter(
            match__ecosystem=ecosystem, match__status=MatchStatus.ACTIVE, needs_attention=True
        ).count(),
    )
