"""The network's health dashboard (`network:health`): one function per section, each
returning a `HealthSection` (its charts, each with its table, and its export table).

To add a section (the welcome speed, the newsletters' delivery and clicks), write a function
`(ecosystem, now) -> HealthSection` and append it to `SECTIONS`; its template is
`network/health/_section.html` unless it names its own. Every figure is counted by the
database (aggregates over indexed columns: no loop over members), so the page stays fast at
100,000 members (benchmarks/network_health.py).

The counts of members, registrations and workgroup members are of adults the backbone already
sees one by one (the roll); they are shown as counted. Survey results pass the surveys'
suppression (`survey_results`).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, F, IntegerField, Q, Value, When
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ecotone import charts
from ecotone.ecosystems.models import Ecosystem, Sector
from ecotone.templatetags.ecotone import rounded

from ..models import (
    Event,
    Member,
    MemberStatus,
    Newsletter,
    NewsletterStatus,
    RegistrationStatus,
    Survey,
    SurveyStatus,
    Welcome,
    Workgroup,
    WorkgroupMembership,
)
from . import newsletters as newsletter_services
from . import survey_results
from . import welcomes as welcome_services
from .surveys import response_counts

MONTHS = 12
TOP_REGIONS = 8
EVENTS = 12
SURVEYS = 10
NEWSLETTERS = 12


@dataclass
class HealthSection:
    key: str
    title: str
    summary: list[tuple[str, str]] = field(default_factory=list)  # (label, figure)
    charts: list[dict[str, Any]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)  # the export's
    rows: list[list[Any]] = field(default_factory=list)
    empty: str = ""  # said instead of charts when there is nothing to show
    template: str = "network/health/_section.html"


def month_ends(now: datetime.datetime, months: int = MONTHS) -> list[datetime.datetime]:
    """The ends of the last `months` months, the current one ending now, oldest first."""
    ends = [now]
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _i in range(months - 1):
        ends.append(first - datetime.timedelta(microseconds=1))
        first = (first - datetime.timedelta(days=1)).replace(day=1)
    return list(reversed(ends))


def _bucket(column: str, ends: list[datetime.datetime]) -> Case:
    """The first month whose end is at or after the column's time (None when the time is
    empty or after the last month end): one CASE per row, not one filter per month."""
    return Case(
        # most members have not left: they are settled by the first test
        When(**{f"{column}__isnull": True}, then=Value(None)),
        *[When(**{f"{column}__lte": t}, then=Value(i)) for i, t in enumerate(ends)],
        default=Value(None),
        output_field=IntegerField(),
    )


def _counts_over_time(
    ecosystem: Ecosystem, ends: list[datetime.datetime]
) -> dict[str, dict[str, list[int]]]:
    """{"sector": {sector: members on the roll at each month's end}, "region": {...}}, from
    one grouped query: a member confirmed in month c and left in month l (or never) counts in
    months c to l - 1; the groups (sector x region x c x l, a few thousand at most) are added
    up here, never the members."""
    rows = (
        Member.objects.filter(ecosystem=ecosystem, confirmed_at__lte=ends[-1])
        .annotate(came=_bucket("confirmed_at", ends), went=_bucket("left_at", ends))
        .values_list("sector", "region", "came", "went")
        .annotate(n=Count("pk"))
        .order_by()
    )
    found: dict[str, dict[str, list[int]]] = {"sector": {}, "region": {}}
    for sector, region, came, went, n in rows:
        for dimension, key in (("sector", sector), ("region", region)):
            counts = found[dimension].setdefault(key or "", [0] * len(ends))
            for i in range(came, len(ends) if went is None else went):
                counts[i] += n
    return found


def members(ecosystem: Ecosystem, now: datetime.datetime) -> HealthSection:
    ends = month_ends(now)
    labels = [date_format(t, "M Y") for t in ends]
    section = HealthSection("members", _("Members over time"))
    counted = _counts_over_time(ecosystem, ends)
    by_sector = counted["sector"]
    if not by_sector:
        section.empty = _("Nobody has joined the network yet.")
        return section
    sectors = dict(Sector.choices)
    sector_groups = {
        (str(sectors.get(k, k)) if k else _("Not given")): v for k, v in by_sector.items()
    }
    by_region = counted["region"]
    ranked = sorted(by_region.items(), key=lambda kv: (-kv[1][-1], kv[0]))
    region_groups: dict[str, list[int]] = {}
    for key, counts in ranked:
        name = key or _("Not given")
        if len(region_groups) >= TOP_REGIONS and key:
            name = _("Other regions")
        prior = region_groups.get(name)
        region_groups[name] = (
            counts if prior is None else [a + b for a, b in zip(prior, counts, strict=True)]
        )
    totals = [sum(v[i] for v in by_sector.values()) for i in range(len(ends))]
    section.summary = [
        (_("Members now"), str(totals[-1])),
        (_("A year ago"), str(totals[0])),
    ]
    for key, title, groups in (
        ("sector", _("Members by sector"), sector_groups),
        ("region", _("Members by region"), region_groups),
    ):
        points = [
            {"period": labels[i], "group": name, "value": counts[i], "shown": str(counts[i])}
            for name, counts in sorted(groups.items())
            for i in range(len(ends))
        ]
        spec = charts.line_spec(
            points,
            period_title=_("Month"),
            value_title=_("Members"),
            group_title=_("Sector") if key == "sector" else _("Region"),
        )
        names = sorted(groups)
        section.charts.append(
            charts.chart(
                f"members-{key}",
                title,
                spec,
                [_("Month"), *names, _("All")],
                [[labels[i], *[groups[n][i] for n in names], totals[i]] for i in range(len(ends))],
            )
        )
        section.rows += [
            [key, name, labels[i], counts[i]]
            for name, counts in sorted(groups.items())
            for i in range(len(ends))
        ]
    section.headers = [_("By"), _("Group"), _("Month"), _("Members")]
    return section


def events(ecosystem: Ecosystem, now: datetime.datetime) -> HealthSection:
    section = HealthSection("events", _("Event registration and attendance"))
    past = list(
        Event.objects.filter(ecosystem=ecosystem, starts_at__lt=now, cancelled_at__isnull=True)
        .annotate(
            registered=Count(
                "registrations",
                filter=Q(registrations__status=RegistrationStatus.REGISTERED)
                | Q(registrations__attended_at__isnull=False),
            ),
            attended=Count("registrations", filter=Q(registrations__attended_at__isnull=False)),
        )
        .order_by("-starts_at")[:EVENTS]
    )
    if not past:
        section.empty = _("No event has taken place yet.")
        return section
    past.reverse()
    registered = sum(e.registered for e in past)
    attended = sum(e.attended for e in past)
    section.summary = [
        (_("Registered"), str(registered)),
        (_("Attended"), str(attended)),
        (_("Attendance rate"), _percent(attended, registered)),
    ]
    rows = [
        {
            "label": f"{e.title} ({date_format(e.starts_at, 'SHORT_DATE_FORMAT')})",
            "value": None if not e.registered else round(100 * e.attended / e.registered, 1),
            "shown": _percent(e.attended, e.registered),
        }
        for e in past
    ]
    table = [
        [
            e.title,
            date_format(e.starts_at, "SHORT_DATE_FORMAT"),
            e.registered,
            e.attended,
            r["shown"],
        ]
        for e, r in zip(past, rows, strict=True)
    ]
    headers = [_("Event"), _("Date"), _("Registered"), _("Attended"), _("Attendance rate")]
    section.charts.append(
        charts.chart(
            "events-attendance",
            _("Share of registrants who attended, by event"),
            charts.bar_spec(rows, label_title=_("Event"), value_title=_("Attended (%)")),
            headers,
            table,
        )
    )
    section.headers, section.rows = headers, table
    return section


def workgroups(ecosystem: Ecosystem, now: datetime.datetime) -> HealthSection:
    section = HealthSection("workgroups", _("Workgroup participation"))
    active = Member.objects.filter(ecosystem=ecosystem, status=MemberStatus.ACTIVE)
    everyone = active.count()
    live = Q(workgroup__archived_at__isnull=True)
    in_any = (
        WorkgroupMembership.objects.filter(
            live, workgroup__ecosystem=ecosystem, member__status=MemberStatus.ACTIVE
        )
        .values("member_id")
        .distinct()
        .count()
    )
    groups = list(
        Workgroup.objects.filter(ecosystem=ecosystem, archived_at__isnull=True)
        .annotate(
            people=Count("memberships", filter=Q(memberships__member__status=MemberStatus.ACTIVE))
        )
        .order_by("name")
    )
    section.summary = [
        (_("Active members"), str(everyone)),
        (_("In at least one workgroup"), str(in_any)),
        (_("Share"), _percent(in_any, everyone)),
    ]
    if not groups:
        section.empty = _("No workgroup yet.")
        return section
    rows = [{"label": g.name, "value": g.people, "shown": str(g.people)} for g in groups]
    headers = [_("Workgroup"), _("Members")]
    table = [[g.name, g.people] for g in groups]
    section.charts.append(
        charts.chart(
            "workgroups-members",
            _("Members per workgroup"),
            charts.bar_spec(rows, label_title=_("Workgroup"), value_title=_("Members")),
            headers,
            table,
        )
    )
    section.headers, section.rows = headers, table
    return section


def surveys(ecosystem: Ecosystem, now: datetime.datetime) -> HealthSection:
    section = HealthSection("surveys", _("Surveys"))
    sent = list(
        response_counts(
            Survey.objects.filter(ecosystem=ecosystem).exclude(status=SurveyStatus.DRAFT)
        ).order_by("-opened_at", "-pk")[:SURVEYS]
    )
    if not sent:
        section.empty = _("No survey has been sent yet.")
        return section
    headers = [_("Survey"), _("Invited"), _("Answered"), _("Response rate")]
    table = [[s.title, s.invited, s.answered, _percent(s.answered, s.invited)] for s in sent]
    rows = [
        {
            "label": s.title,
            "value": None if not s.invited else round(100 * s.answered / s.invited, 1),
            "shown": _percent(s.answered, s.invited),
        }
        for s in sent
    ]
    section.charts.append(
        charts.chart(
            "surveys-response",
            _("Response rate by survey"),
            charts.bar_spec(rows, label_title=_("Survey"), value_title=_("Answered (%)")),
            headers,
            table,
        )
    )
    section.headers, section.rows = headers, table
    for survey in sent:
        found = survey_results.results(survey)
        if not found.shown:
            continue
        likert = [q for q in found.questions if q.question.kind == "likert"]
        if not likert:
            break
        head = [
            {
                "label": q.text,
                "value": q.agree_percent,
                "shown": _("hidden (protects a small group)")
                if q.agree_percent is None
                else f"{q.agree_percent} %",
            }
            for q in likert
        ]
        section.charts.append(
            charts.chart(
                "surveys-latest",
                _("Latest results: %(title)s") % {"title": survey.title},
                charts.bar_spec(
                    head,
                    label_title=_("Question"),
                    value_title=_("Agree or strongly agree (%)"),
                    label_limit=260,
                ),
                [_("Question"), _("Agree or strongly agree")],
                [[r["label"], r["shown"]] for r in head],
            )
        )
        break
    return section


def welcomes(ecosystem: Ecosystem, now: datetime.datetime) -> HealthSection:
    """How fast newcomers are welcomed: per month of the last twelve (by when the newcomer was
    assigned), how many were welcomed, the median hours it took and how many still wait. Only
    the window's welcomes are read: a year of sign-ups, whatever the roll's size."""
    section = HealthSection("welcomes", _("Welcome speed"))
    ends = month_ends(now)
    labels = [date_format(t, "M Y") for t in ends]
    start = ends[0] - datetime.timedelta(days=31)
    found = Welcome.objects.filter(ecosystem=ecosystem, assigned_at__gt=start).values_list(
        "assigned_at", "sent_at", "newcomer__status"
    )
    hours: list[list[float]] = [[] for _end in ends]
    waiting = [0] * len(ends)
    for assigned_at, sent_at, status in found:
        month = next((i for i, end in enumerate(ends) if assigned_at <= end), None)
        if month is None:
            continue
        if sent_at is not None:
            hours[month].append((sent_at - assigned_at).total_seconds() / 3600)
        elif status == MemberStatus.ACTIVE:
            waiting[month] += 1
    speed = welcome_services.speed_of(hours)
    if not any(hours) and not any(waiting):
        section.empty = _("Nobody has been welcomed yet.")
        return section
    section.summary = [
        (_("Welcomed in the last twelve months"), str(sum(len(h) for h in hours))),
        (_("Median time to a welcome"), _hours(speed)),
        (_("Waiting for a welcome"), str(sum(waiting))),
    ]
    medians = [welcome_services.speed_of([h]) for h in hours]
    headers = [_("Month"), _("Welcomed"), _("Median hours"), _("Still waiting")]
    table = [
        [labels[i], len(hours[i]), "" if medians[i] is None else medians[i], waiting[i]]
        for i in range(len(ends))
    ]
    points = [
        {"period": labels[i], "group": _("Median hours"), "value": medians[i], "shown": _hours(m)}
        for i, m in enumerate(medians)
    ]
    section.charts.append(
        charts.chart(
            "welcomes-speed",
            _("Median hours to a welcome, by month"),
            charts.line_spec(
                points,
                period_title=_("Month"),
                value_title=_("Hours"),
                group_title=_("Figure"),
            ),
            headers,
            table,
        )
    )
    section.headers, section.rows = headers, table
    return section


def newsletters(ecosystem: Ecosystem, now: datetime.datetime) -> HealthSection:
    """Delivery and clicks of the last twelve newsletters sent (counts only: nobody's)."""
    section = HealthSection("newsletters", _("Newsletter delivery and clicks"))
    last = list(
        Newsletter.objects.filter(ecosystem=ecosystem)
        .exclude(status=NewsletterStatus.DRAFT)
        .order_by(F("sent_at").desc(nulls_first=True), "-pk")[:NEWSLETTERS]
    )
    if not last:
        section.empty = _("No newsletter has been sent yet.")
        return section
    found = list(reversed(newsletter_services.engagement(ecosystem, last)))
    recipients = sum(e.recipients for e in found)
    delivered = sum(e.delivered for e in found)
    clicks = sum(e.clicks for e in found)
    section.summary = [
        (_("Delivered"), _percent(delivered, recipients)),
        (_("Bounced"), _percent(sum(e.bounced for e in found), recipients)),
        (_("Clicks per 100 delivered"), _per_hundred(clicks, delivered)),
    ]
    headers = [_("Newsletter"), _("Recipients"), _("Delivered"), _("Bounced"), _("Clicks")]
    table = [[e.subject, e.recipients, e.delivered, e.bounced, e.clicks] for e in found]
    delivered_rows = [
        {
            "label": e.subject,
            "value": round(100 * e.delivered / e.recipients, 1) if e.recipients else None,
            "shown": _percent(e.delivered, e.recipients),
        }
        for e in found
    ]
    click_rows = [
        {
            "label": e.subject,
            "value": round(100 * e.clicks / e.delivered, 1) if e.delivered else None,
            "shown": _per_hundred(e.clicks, e.delivered),
        }
        for e in found
    ]
    for key, title, value_title, rows in (
        ("delivered", _("Delivered, by newsletter"), _("Delivered (%)"), delivered_rows),
        ("clicks", _("Clicks per 100 delivered, by newsletter"), _("Clicks per 100"), click_rows),
    ):
        section.charts.append(
            charts.chart(
                f"newsletters-{key}",
                title,
                charts.bar_spec(rows, label_title=_("Newsletter"), value_title=value_title),
                headers,
                table,
            )
        )
    section.headers, section.rows = headers, table
    return section


def _hours(hours: float | None) -> str:
    return "—" if hours is None else _("%(hours)s hours") % {"hours": rounded(hours, 1)}


def _per_hundred(part: int, whole: int) -> str:
    return "—" if not whole else rounded(100 * part / whole, 1)


def _percent(part: int, whole: int) -> str:
    return "—" if not whole else f"{round(100 * part / whole)} %"


SECTIONS: list[Callable[[Ecosystem, datetime.datetime], HealthSection]] = [
    members,
    welcomes,
    events,
    workgroups,
    newsletters,
    surveys,
]


def dashboard(ecosystem: Ecosystem, now: datetime.datetime | None = None) -> list[HealthSection]:
    now = now or timezone.now()
    return [make(ecosystem, now) for make in SECTIONS]


def section(ecosystem: Ecosystem, key: str, now: datetime.datetime | None = None) -> HealthSection:
    now = now or timezone.now()
    for make in SECTIONS:
        if make.__name__ == key:
            return make(ecosystem, now)
    raise KeyError(key)


def as_data(sections: list[HealthSection]) -> dict[str, Any]:
    return {
        s.key: {
            "title": s.title,
            "summary": [{"label": label, "value": value} for label, value in s.summary],
            "headers": s.headers,
            "rows": s.rows,
        }
        for s in sections
    }
