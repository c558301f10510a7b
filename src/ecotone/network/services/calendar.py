"""iCalendar (RFC 5545) of events with the `icalendar` package: the invite a registrant gets
(METHOD:REQUEST, with the video link: they registered) and the public feed of the ecosystem's
published events (METHOD:PUBLISH, never a registrant or the video link). Times are written in
UTC; the calendar names the ecosystem's time zone (X-WR-TIMEZONE) for readers that show it."""

from __future__ import annotations

import datetime
from collections.abc import Iterable

import icalendar
from django.conf import settings
from django.urls import reverse

from ..models import Event

PRODID = "-//Ecotone//Network events//EN"


def _calendar(method: str, ecosystem_name: str, tz: str) -> icalendar.Calendar:
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", method)
    cal.add("x-wr-calname", ecosystem_name)
    cal.add("x-wr-timezone", tz)
    return cal


def _utc(moment: datetime.datetime) -> datetime.datetime:
    return moment.astimezone(datetime.UTC)


def event_url(event: Event) -> str:
    return str(settings.SITE_URL).rstrip("/") + reverse(
        "network:event", args=[event.ecosystem.slug, event.pk]
    )


def _vevent(event: Event, *, with_video: bool, sequence: int = 0) -> icalendar.Event:
    item = icalendar.Event()
    item.add("uid", f"{event.uid}@ecotone")
    item.add("dtstamp", _utc(event.updated_at or event.created_at))
    item.add("dtstart", _utc(event.starts_at))
    item.add("dtend", _utc(event.ends_at))
    item.add("summary", event.title)
    description = event.description
    if with_video and event.video_link:
        description = f"{description}\n\n{event.video_link}".strip()
    if description:
        item.add("description", description)
    location = event.location or (event.video_link if with_video else "")
    if location:
        item.add("location", location)
    item.add("url", event_url(event))
    item.add("status", "CANCELLED" if event.cancelled_at else "CONFIRMED")
    item.add("sequence", sequence)
    return item


def invite(event: Event, *, with_video: bool = True, cancelled: bool = False) -> bytes:
    """The invite of one event for a registrant (or a cancellation: METHOD:CANCEL)."""
    ecosystem = event.ecosystem
    cal = _calendar("CANCEL" if cancelled else "REQUEST", ecosystem.name, ecosystem.timezone)
    item = _vevent(event, with_video=with_video, sequence=1 if cancelled else 0)
    if ecosystem.contact_email:
        item.add("organizer", f"mailto:{ecosystem.contact_email}")
    cal.add_component(item)
    return bytes(cal.to_ical())


def download(event: Event, *, with_video: bool) -> bytes:
    """The .ics of one event to add by hand (METHOD:PUBLISH)."""
    cal = _calendar("PUBLISH", event.ecosystem.name, event.ecosystem.timezone)
    cal.add_component(_vevent(event, with_video=with_video))
    return bytes(cal.to_ical())


def feed(ecosystem_name: str, tz: str, events: Iterable[Event]) -> bytes:
    """The public feed: published events, without video links or anyone's data."""
    cal = _calendar("PUBLISH", ecosystem_name, tz)
    for event in events:
        cal.add_component(_vevent(event, with_video=False))
    return bytes(cal.to_ical())
