"""The roll (`Member`), workgroups and events with their registrations: the records every area
of the network reads."""

from __future__ import annotations

import secrets
import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecotone.accounts.addresses import validate_address_length
from ecotone.ecosystems.models import Ecosystem, Organization, Sector, TimeStamped
from ecotone.limits import LONG_TEXT, SHORT_TEXT

from ..profile import NETWORK_ROLES


def _ecosystem_of(record: Any) -> dict[str, Any]:
    # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
    return {"ecosystem_id": record.ecosystem_id}


def new_token() -> str:
    """A link's secret (confirmation, unsubscribe, survey): 43 URL-safe characters."""
    return secrets.token_urlsafe(32)


# --- the network's settings --------------------------------------------------------------------


class NetworkSettings(TimeStamped):
    """How one ecosystem runs its network: the welcome rotation's template and escalation, and
    whether newsletters count opens (off unless the backbone turns it on: per-person tracking
    is off by default, as the privacy page says). Read through `settings_of`."""

    ecosystem = models.OneToOneField(
        Ecosystem, on_delete=models.CASCADE, related_name="network_settings"
    )
    welcome_subject = models.CharField(_("welcome subject"), max_length=200, blank=True)
    welcome_body = models.TextField(_("welcome message"), blank=True, max_length=LONG_TEXT)
    welcome_subject_es = models.CharField(
        _("welcome subject (Spanish)"), max_length=200, blank=True
    )
    welcome_body_es = models.TextField(
        _("welcome message (Spanish)"), blank=True, max_length=LONG_TEXT
    )
    escalate_welcome_after_days = models.PositiveSmallIntegerField(
        _("tell the backbone when a newcomer is not welcomed after (days)"), default=3
    )
    count_newsletter_opens = models.BooleanField(_("count newsletter opens"), default=False)

    class Meta:
        verbose_name = _("network settings")
        verbose_name_plural = _("network settings")

    def __str__(self) -> str:
        return str(self.ecosystem)

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


def settings_of(ecosystem: Ecosystem) -> NetworkSettings:
    """The ecosystem's network settings, made with the defaults the first time."""
    found, _created = NetworkSettings.objects.get_or_create(ecosystem=ecosystem)
    return found


# --- the roll ------------------------------------------------------------------------------------


class MemberStatus(models.TextChoices):
    # joined through the public page, address not confirmed yet: never mailed but the
    # confirmation
    PENDING = "pending", _("Waiting for confirmation")
    ACTIVE = "active", _("Member")
    # left: the row keeps only what the audit needs (services.members.leave)
    LEFT = "left", _("Left")


class MemberSource(models.TextChoices):
    JOIN_PAGE = "join", _("Joined on the website")
    IMPORT = "import", _("Imported list")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    MENTOR = "mentor", _("Mentor")
    BACKBONE = "backbone", _("Added by the backbone")


class MemberQuerySet(models.QuerySet["Member"]):
    def active(self) -> MemberQuerySet:
        return self.filter(status=MemberStatus.ACTIVE)

    def mailable(self) -> MemberQuerySet:
        """Active members who consented to email and whose address has not bounced."""
        return self.active().filter(email_consent=True, email_bounced_at__isnull=True)


class Member(TimeStamped):
    """One person on the network's roll of one ecosystem."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="members")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="network_members",
    )
    status = models.CharField(
        _("status"), max_length=16, choices=MemberStatus.choices, default=MemberStatus.PENDING
    )
    source = models.CharField(
        _("how they joined"),
        max_length=16,
        choices=MemberSource.choices,
        default=MemberSource.JOIN_PAGE,
    )
    name = models.CharField(_("name"), max_length=150)
    # Lower-cased by the services; unique per ecosystem among those on the roll.
    email = models.EmailField(_("email"), validators=[validate_address_length])
    organization_name = models.CharField(_("organization"), max_length=200, blank=True)
    organization = models.ForeignKey(
        Organization,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="network_members",
        verbose_name=_("partner organization"),
    )
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices, blank=True)
    network_role = models.CharField(_("role"), max_length=32, choices=NETWORK_ROLES, blank=True)
    # A region of the ecosystem as the member names it (a county or city), and their ZIP code,
    # placed at its centroid for "members near you".
    region = models.CharField(_("region"), max_length=100, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    language = models.CharField(
        _("language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    bio = models.TextField(_("about me"), blank=True, max_length=SHORT_TEXT)
    email_consent = models.BooleanField(_("email from the network"), default=False)
    email_consent_at = models.DateTimeField(null=True, blank=True)
    # Listed in the member directory, which only members read.
    in_directory = models.BooleanField(_("list me in the member directory"), default=False)
    # Bounce handling: a hard bounce stops every mailing to the address.
    email_bounced_at = models.DateTimeField(null=True, blank=True)
    confirmation_token = models.CharField(max_length=64, default=new_token, unique=True)
    # The one-click unsubscribe link's secret (RFC 8058): never the primary key.
    unsubscribe_token = models.CharField(max_length=64, default=new_token, unique=True)
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    left_at = models.DateTimeField(_("left"), null=True, blank=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("network member")
        verbose_name_plural = _("network members")
        constraints = [
            models.UniqueConstraint(
                fields=["ecosystem", "email"],
                condition=~Q(status="left"),
                name="network_member_email_unique_on_roll",
            ),
        ]
        indexes = [
            models.Index(fields=["ecosystem", "status", "joined_at"]),
            models.Index(fields=["ecosystem", "sector"]),
            models.Index(fields=["ecosystem", "region"]),
            models.Index(fields=["ecosystem", "email"]),
            # the health dashboard's members over time by sector and region: the counts read
            # this index alone, never the rows (services/health.py)
            models.Index(
                fields=["ecosystem", "sector", "region", "confirmed_at", "left_at"],
                name="member_roll_over_time",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        return self.status == MemberStatus.ACTIVE

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


class MemberInterest(models.Model):
    """One of a member's interests (a `profile.INTERESTS` code): a row each, so that segments
    and the directory filter by an index on both databases."""

    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="interests")
    code = models.CharField(_("interest"), max_length=32)

    class Meta:
        verbose_name = _("interest")
        verbose_name_plural = _("interests")
        constraints = [
            models.UniqueConstraint(fields=["member", "code"], name="member_interest_unique")
        ]
        indexes = [models.Index(fields=["code", "member"])]

    def __str__(self) -> str:
        return self.code


# --- workgroups ----------------------------------------------------------------------------------


class Workgroup(TimeStamped):
    """A standing group of members with a charter, chairs and goals (for example outreach, or
    the steering committee)."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="workgroups")
    slug = models.SlugField(_("short name in addresses"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    charter = models.TextField(_("charter"), blank=True, max_length=LONG_TEXT)
    # The backbone's contact for the group (a backbone user).
    backbone_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("backbone contact"),
    )
    # The steering committee receives the compiled monthly report of the others.
    is_steering_committee = models.BooleanField(_("steering committee"), default=False)
    # Anyone on the roll may join an open group; a closed one is by invitation.
    is_open = models.BooleanField(_("open to every member"), default=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("workgroup")
        verbose_name_plural = _("workgroups")
        constraints = [
            models.UniqueConstraint(
                fields=["ecosystem", "slug"], name="workgroup_slug_unique_in_ecosystem"
            )
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


class WorkgroupRole(models.TextChoices):
    CHAIR = "chair", _("Chair")
    MEMBER = "member", _("Member")


class WorkgroupMembership(TimeStamped):
    workgroup = models.ForeignKey(Workgroup, on_delete=models.CASCADE, related_name="memberships")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="workgroups")
    role = models.CharField(
        _("role"), max_length=16, choices=WorkgroupRole.choices, default=WorkgroupRole.MEMBER
    )
    joined_at = models.DateTimeField(_("joined"), default=timezone.now)
    # the daily digest of the group's new posts (gatherings); the member turns it off
    digest = models.BooleanField(_("daily digest of new posts"), default=True)

    class Meta:
        ordering = ["workgroup", "-role", "member__name"]
        verbose_name = _("workgroup membership")
        verbose_name_plural = _("workgroup memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["workgroup", "member"], name="workgroup_membership_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.member} — {self.workgroup}"

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.workgroup.ecosystem_id}


# --- events --------------------------------------------------------------------------------------


class EventKind(models.TextChoices):
    NETWORK_MEETING = "network_meeting", _("Network meeting")
    STEERING = "steering", _("Steering committee meeting")
    WORKGROUP = "workgroup", _("Workgroup meeting")
    TRAINING = "training", _("Training")
    OTHER = "other", _("Other event")


class Event(TimeStamped):
    """A meeting or training: registration with a capacity and a waitlist, attendance."""

    # Its UID in calendar invites and the feed.
    uid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=32, choices=EventKind.choices)
    workgroup = models.ForeignKey(
        Workgroup,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("workgroup"),
    )
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    location = models.CharField(_("place"), max_length=300, blank=True)
    # Shown only to registrants (and the backbone).
    video_link = models.URLField(_("video call link"), blank=True)
    capacity = models.PositiveIntegerField(
        _("capacity"), null=True, blank=True, help_text=_("Leave empty for no limit.")
    )
    # Only members of the workgroup (or the steering committee) may register, when set.
    members_only = models.BooleanField(_("only for the workgroup's members"), default=False)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    # After the event (gatherings): archived with it, seen by registrants and the backbone.
    recording_url = models.URLField(_("recording link"), blank=True)
    slides = models.FileField(
        _("slides"), upload_to="network/events/slides/", max_length=400, blank=True
    )
    slides_name = models.CharField(max_length=255, blank=True)
    slides_content_type = models.CharField(max_length=100, blank=True)
    # A follow-up survey's address, included in the "recording and slides" mail when set.
    follow_up_url = models.URLField(_("follow-up survey link"), blank=True)

    class Meta:
        ordering = ["-starts_at"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gte=models.F("starts_at")), name="event_ends_after_start"
            )
        ]
        indexes = [models.Index(fields=["ecosystem", "starts_at"])]

    def __str__(self) -> str:
        return self.title

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


class RegistrationStatus(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    WAITLISTED = "waitlisted", _("On the waitlist")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(TimeStamped):
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="registrations")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="registrations")
    status = models.CharField(
        _("status"),
        max_length=16,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.REGISTERED,
    )
    registered_at = models.DateTimeField(_("registered"), default=timezone.now)
    attended_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Mail sent once per registration (gatherings): the day-before reminder, the recording.
    reminded_at = models.DateTimeField(null=True, blank=True)
    recording_sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["event", "registered_at", "pk"]
        verbose_name = _("registration")
        verbose_name_plural = _("registrations")
        constraints = [
            models.UniqueConstraint(fields=["event", "member"], name="registration_unique"),
            models.CheckConstraint(
                condition=Q(attended_at__isnull=True) | ~Q(status="cancelled"),
                name="registration_attended_not_cancelled",
            ),
        ]
        indexes = [models.Index(fields=["event", "status"])]

    def __str__(self) -> str:
        return f"{self.member} — {self.event}"

    @property
    def attended(self) -> bool:
        return self.attended_at is not None

    @property
    def ecosystem(self) -> Ecosystem:
        """The event's (the rules check a registration against it)."""
        return self.event.ecosystem

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.event.ecosystem_id}
