"""Events: the backbone's meetings and trainings, members' registrations with a capacity and a
waitlist, check-in, and what is kept after the event.

THE waitlist rule lives here (`register`, `cancel_registration`): both lock the event's row
(`select_for_update`) so that two registrations at once never both take the last seat, and a
freed seat goes to the first on the waitlist (first come, first served), who is told by mail.
Mail goes after the commit (`notifications_gatherings`).
"""

from __future__ import annotations

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.attachments import check_attachment
from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import notifications_gatherings as notify
from ..models import (
    Event,
    Member,
    MemberStatus,
    Registration,
    RegistrationStatus,
    WorkgroupMembership,
)

MANAGE = "network.manage_events"
EVENT_FIELDS = (
    "kind",
    "workgroup",
    "title",
    "description",
    "starts_at",
    "ends_at",
    "location",
    "video_link",
    "capacity",
    "members_only",
    "follow_up_url",
)
REMIND_WITHIN = datetime.timedelta(days=1)


def require(actor: Any, ecosystem: Ecosystem) -> None:
    if not actor.has_perm(MANAGE, ecosystem):
        raise DomainError(_("Only the backbone manages events."))


def _locked(event: Event) -> Event:
    return Event.objects.select_for_update().select_related("ecosystem").get(pk=event.pk)


# --- the backbone's events ----------------------------------------------------------------


def save_event(
    actor: Any, ecosystem: Ecosystem, data: dict[str, Any], event: Event | None = None
) -> Event:
    """Create an event (a draft until published) or change one."""
    require(actor, ecosystem)
    if data["ends_at"] < data["starts_at"]:
        raise DomainError(_("The event ends before it starts."))
    workgroup = data.get("workgroup")
    if workgroup is not None and workgroup.ecosystem_id != ecosystem.pk:
        raise DomainError(_("That workgroup is not of this ecosystem."))
    if data.get("members_only") and workgroup is None:
        raise DomainError(_("An event only for a workgroup's members needs the workgroup."))
    with acting(actor):
        event = Event(ecosystem=ecosystem) if event is None else _locked(event)
        for name in EVENT_FIELDS:
            if name in data:
                setattr(event, name, data[name])
        event.save()
        if event.capacity is not None and event.pk:
            _fill_from_waitlist(event)
    return event


def publish(actor: Any, event: Event) -> Event:
    require(actor, event.ecosystem)
    with acting(actor):
        locked = _locked(event)
        if locked.cancelled_at is not None:
            raise DomainError(_("A cancelled event cannot be published."))
        if locked.published_at is None:
            locked.published_at = timezone.now()
            locked.save(update_fields=["published_at", "updated_at"])
    return locked


def cancel_event(actor: Any, event: Event) -> Event:
    """Cancel the event; everyone registered or waitlisted is told (with a calendar
    cancellation)."""
    require(actor, event.ecosystem)
    with acting(actor):
        locked = _locked(event)
        if locked.cancelled_at is not None:
            return locked
        locked.cancelled_at = timezone.now()
        locked.save(update_fields=["cancelled_at", "updated_at"])
        for registration in locked.registrations.exclude(status=RegistrationStatus.CANCELLED):
            notify.registration_mail(registration, "cancelled")
    return locked


# --- registration -------------------------------------------------------------------------


def may_register(event: Event, member: Member) -> str | None:
    """None when the member may register for the event, else why not."""
    if event.published_at is None or event.cancelled_at is not None:
        return _("This event is not open for registration.")
    if event.ends_at < timezone.now():
        return _("This event is over.")
    if member.status != MemberStatus.ACTIVE or member.ecosystem_id != event.ecosystem_id:
        return _("Only members of the network register.")
    if (
        event.members_only
        and event.workgroup_id is not None
        and not WorkgroupMembership.objects.filter(
            workgroup_id=event.workgroup_id, member=member
        ).exists()
    ):
        return _("This event is only for the members of its workgroup.")
    return None


def _seats_taken(event: Event) -> int:
    return event.registrations.filter(status=RegistrationStatus.REGISTERED).count()


def register(member: Member, event: Event) -> Registration:
    """Register the member: a seat while there is one, else the end of the waitlist. Again
    after a cancellation, they start over at the end."""
    with transaction.atomic():
        locked = _locked(event)
        refusal = may_register(locked, member)
        if refusal:
            raise DomainError(refusal)
        registration = Registration.objects.filter(event=locked, member=member).first()
        if registration is not None and registration.status != RegistrationStatus.CANCELLED:
            return registration
        full = locked.capacity is not None and _seats_taken(locked) >= locked.capacity
        status = RegistrationStatus.WAITLISTED if full else RegistrationStatus.REGISTERED
        if registration is None:
            registration = Registration(event=locked, member=member)
        registration.status = status
        registration.registered_at = timezone.now()
        registration.attended_at = None
        registration.reminded_at = None
        registration.save()
        notify.registration_mail(
            registration, "waitlisted" if full else RegistrationStatus.REGISTERED
        )
    return registration


def _fill_from_waitlist(event: Event) -> list[Registration]:
    """Promote the first waitlisted while there are free seats (the event row is locked)."""
    promoted: list[Registration] = []
    waiting = event.registrations.filter(status=RegistrationStatus.WAITLISTED).order_by(
        "registered_at", "pk"
    )
    free = None if event.capacity is None else event.capacity - _seats_taken(event)
    for registration in waiting:
        if free is not None and free <= 0:
            break
        registration.status = RegistrationStatus.REGISTERED
        registration.save(update_fields=["status", "updated_at"])
        notify.registration_mail(registration, "promoted")
        promoted.append(registration)
        if free is not None:
            free -= 1
    return promoted


def cancel_registration(registration: Registration) -> list[Registration]:
    """Cancel a registration; a freed seat goes to the first on the waitlist. Returns whom
    that promoted."""
    with transaction.atomic():
        event = _locked(registration.event)
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status == RegistrationStatus.CANCELLED:
            return []
        was_registered = current.status == RegistrationStatus.REGISTERED
        current.status = RegistrationStatus.CANCELLED
        current.attended_at = None
        current.checked_in_by = None
        current.save(update_fields=["status", "attended_at", "checked_in_by", "updated_at"])
        promoted = _fill_from_waitlist(event) if was_registered else []
    registration.refresh_from_db()
    return promoted


def registration_of(member: Member | None, event: Event) -> Registration | None:
    if member is None:
        return None
    return (
        Registration.objects.filter(event=event, member=member)
        .exclude(status=RegistrationStatus.CANCELLED)
        .first()
    )


def sees_video(user: Any, member: Member | None, event: Event) -> bool:
    """The video link (and the recording and slides) are for registrants and the backbone."""
    if user.has_perm(MANAGE, event.ecosystem):
        return True
    registration = registration_of(member, event)
    return registration is not None and registration.status == RegistrationStatus.REGISTERED


# --- check-in and after the event ---------------------------------------------------------


def check_in(actor: Any, registration: Registration, *, undo: bool = False) -> Registration:
    require(actor, registration.event.ecosystem)
    with acting(actor):
        current = Registration.objects.select_for_update().get(pk=registration.pk)
        if current.status != RegistrationStatus.REGISTERED:
            raise DomainError(_("Only registered people are checked in."))
        current.attended_at = None if undo else (current.attended_at or timezone.now())
        current.checked_in_by = None if undo else actor
        current.save(update_fields=["attended_at", "checked_in_by", "updated_at"])
    return current


def attendees(event: Event) -> QuerySet[Member]:
    """The members who were checked in at the event (a survey targets them)."""
    return Member.objects.filter(
        registrations__event=event,
        registrations__attended_at__isnull=False,
        status=MemberStatus.ACTIVE,
    ).distinct()


def save_archive(
    actor: Any,
    event: Event,
    recording_url: str,
    follow_up_url: str,
    slides: IO[bytes] | File[Any] | None,
) -> Event:
    """Keep the recording's link, the slides (checked as every attachment) and the follow-up
    survey's link with the event."""
    require(actor, event.ecosystem)
    checked = check_attachment(slides) if slides is not None else None
    with acting(actor):
        locked = _locked(event)
        locked.recording_url = recording_url
        locked.follow_up_url = follow_up_url
        if checked is not None and slides is not None:
            locked.slides_name = checked.name
            locked.slides_content_type = checked.content_type
            locked.slides.save(
                checked.name, slides if isinstance(slides, File) else File(slides), save=False
            )
        locked.save()
    return locked


def send_recording(actor: Any, event: Event, *, include_absent: bool = False) -> int:
    """Mail "recording and slides" to the attendees (and the registrants who did not come,
    when asked), once per registration. Returns how many were queued."""
    require(actor, event.ecosystem)
    with acting(actor):
        event = _locked(event)
        if not (event.recording_url or event.slides):
            raise DomainError(_("Add the recording's link or the slides first."))
        found = event.registrations.filter(
            status=RegistrationStatus.REGISTERED, recording_sent_at__isnull=True
        )
        if not include_absent:
            found = found.filter(attended_at__isnull=False)
        ids = list(found.values_list("pk", flat=True))
        # claimed before the mail is queued: a second click finds none of them
        Registration.objects.filter(pk__in=ids, recording_sent_at__isnull=True).update(
            recording_sent_at=timezone.now()
        )
        for registration in Registration.objects.filter(pk__in=ids):
            notify.registration_mail(registration, "recording")
    return len(ids)


def send_reminders(now: datetime.datetime | None = None, ecosystem: Ecosystem | None = None) -> int:
    """The day-before reminder of every registration of an event starting within a day, once
    per registration (claimed with `reminded_at` before the mail is queued)."""
    now = now or timezone.now()
    due = Registration.objects.filter(
        status=RegistrationStatus.REGISTERED,
        reminded_at__isnull=True,
        event__published_at__isnull=False,
        event__cancelled_at__isnull=True,
        event__starts_at__gt=now,
        event__starts_at__lte=now + REMIND_WITHIN,
    )
    if ecosystem is not None:
        due = due.filter(event__ecosystem=ecosystem)
    sent = 0
    for pk in list(due.values_list("pk", flat=True)):
        with transaction.atomic():
            claimed = Registration.objects.filter(pk=pk, reminded_at__isnull=True).update(
                reminded_at=now
            )
            if claimed:
                notify.registration_mail(Registration.objects.get(pk=pk), "reminder")
                sent += 1
    return sent


# --- registration to attendance ----------------------------------------------------------


@dataclass(frozen=True)
class Rate:
    label: str
    registered: int
    attended: int

    @property
    def rate(self) -> float | None:
        return None if self.registered == 0 else self.attended / self.registered

    @property
    def shown(self) -> str:
        return "—" if self.rate is None else f"{round(self.rate * 100)} %"


def _counted(events: QuerySet[Event]) -> QuerySet[Event]:
    return events.annotate(
        registered_count=Count(
            "registrations", filter=Q(registrations__status=RegistrationStatus.REGISTERED)
        ),
        attended_count=Count(
            "registrations",
            filter=Q(
                registrations__status=RegistrationStatus.REGISTERED,
                registrations__attended_at__isnull=False,
            ),
        ),
    )


def past_events(ecosystem: Ecosystem, kind: str = "") -> QuerySet[Event]:
    found = Event.objects.filter(
        ecosystem=ecosystem,
        published_at__isnull=False,
        cancelled_at__isnull=True,
        starts_at__lt=timezone.now(),
    )
    if kind:
        found = found.filter(kind=kind)
    return _counted(found).order_by("starts_at", "pk")


def quarter_of(moment: datetime.datetime, tz: str) -> str:
    """ "2026 Q3": the quarter of `moment` in the time zone named `tz`."""
    local = timezone.localtime(moment, zoneinfo.ZoneInfo(tz))
    return f"{local.year} Q{(local.month - 1) // 3 + 1}"


def rates_by_event(events: Iterable[Event]) -> list[tuple[Event, Rate]]:
    return [
        (e, Rate(e.title, e.registered_count, e.attended_count))  # type: ignore[attr-defined]
        for e in events
    ]


def rates_by_quarter(events: Iterable[Event], tz: str) -> list[tuple[str, str, Rate]]:
    """(quarter, kind label, rate) summed over the events of each quarter and kind, in time
    order."""
    sums: dict[tuple[str, str], list[int]] = {}
    labels: dict[str, str] = {}
    for event in events:
        key = (quarter_of(event.starts_at, tz), event.kind)
        labels[event.kind] = str(event.get_kind_display())
        pair = sums.setdefault(key, [0, 0])
        pair[0] += event.registered_count  # type: ignore[attr-defined]
        pair[1] += event.attended_count  # type: ignore[attr-defined]
    return [
        (quarter, labels[kind], Rate(quarter, pair[0], pair[1]))
        for (quarter, kind), pair in sorted(sums.items())
    ]
