"""Checks of a schedule's iCalendar recurrence rule (RFC 5545 RRULE) before it is saved.

Django-free: returns (field, problem) pairs that the form turns into translated, field-level
messages. The rule is finally built with python-dateutil's `rrule`, the same reader calendar
clients use, and must produce at least one session: a monthly rule on the 31st that ends in
February is coherent field by field but never happens.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from dateutil import rrule  # type: ignore[import-untyped]

WEEKDAYS = {
    "MO": rrule.MO,
    "TU": rrule.TU,
    "WE": rrule.WE,
    "TH": rrule.TH,
    "FR": rrule.FR,
    "SA": rrule.SA,
    "SU": rrule.SU,
}
FREQUENCIES = {"WEEKLY": rrule.WEEKLY, "MONTHLY": rrule.MONTHLY}
MAX_INTERVAL = 52


@dataclass(frozen=True)
class Recurrence:
    freq: str
    interval: int = 1
    byday: tuple[str, ...] = ()
    bymonthday: tuple[int, ...] = ()
    dtstart: date | None = None
    until: date | None = None
    count: int | None = None
    opens_at: time | None = None
    closes_at: time | None = None


def parse_monthdays(value: str) -> tuple[int, ...]:
    """'1, 15,-1' -> (1, 15, -1). Raises ValueError on anything else."""
    days = []
    for part in value.replace(" ", "").split(","):
        if not part:
            continue
        day = int(part)
        if day == 0 or not -31 <= day <= 31:
            raise ValueError(part)
        days.append(day)
    return tuple(days)


def problems(rule: Recurrence) -> list[tuple[str, str]]:
    """Every incoherence of the rule, as (field name, problem code)."""
    found: list[tuple[str, str]] = []
    if rule.freq not in FREQUENCIES:
        found.append(("freq", "unknown_freq"))
        return found
    if not 1 <= rule.interval <= MAX_INTERVAL:
        found.append(("interval", "interval_range"))
    if any(day not in WEEKDAYS for day in rule.byday):
        found.append(("byday", "unknown_day"))
    if rule.freq == "WEEKLY":
        if not rule.byday:
            found.append(("byday", "weekly_needs_days"))
        if rule.bymonthday:
            found.append(("bymonthday", "weekly_no_monthdays"))
    elif not rule.byday and not rule.bymonthday:
        found.append(("bymonthday", "monthly_needs_days"))
    if rule.until is not None and rule.count is not None:
        found.append(("count", "until_and_count"))
    if rule.count is not None and rule.count < 1:
        found.append(("count", "count_positive"))
    if rule.until is not None and rule.dtstart is None:
        found.append(("dtstart", "until_needs_start"))
    if rule.until is not None and rule.dtstart is not None and rule.until < rule.dtstart:
        found.append(("until", "until_before_start"))
    if (rule.opens_at is None) != (rule.closes_at is None):
        found.append(("closes_at" if rule.closes_at is None else "opens_at", "times_in_pairs"))
    elif (
        rule.opens_at is not None and rule.closes_at is not None and rule.closes_at <= rule.opens_at
    ):
        found.append(("closes_at", "closes_before_opens"))
    if not found and rule.dtstart is not None and first_session(rule) is None:
        found.append(("dtstart", "never_happens"))
    return found


def first_session(rule: Recurrence) -> date | None:
    """The first date the rule produces (dateutil's reading), or None if it produces none."""
    if rule.dtstart is None:
        return None
    start = datetime.combine(rule.dtstart, time())
    recurrence = rrule.rrule(
        FREQUENCIES[rule.freq],
        dtstart=start,
        interval=rule.interval,
        byweekday=[WEEKDAYS[d] for d in rule.byday] or None,
        bymonthday=list(rule.bymonthday) or None,
        until=datetime.combine(rule.until, time()) if rule.until else None,
        count=rule.count,
    )
    first = recurrence.after(start, inc=True)
    return first.date() if first else None
