"""The tenant (Ecosystem), its partners (Organization) and who may do what (Membership).

Almost every row in Ecotone belongs to one ecosystem; querysets start from it.
"""

from __future__ import annotations

import secrets
import uuid
import zoneinfo
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecotone.accounts.addresses import validate_address_length
from ecotone.limits import LONG_TEXT, SHORT_TEXT, region_outline

from . import geo

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


class TimeStamped(models.Model):
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(zoneinfo.available_timezones())]


def validate_timezone(value: str) -> None:
    # A validator rather than `choices`, so a tzdata update never needs a migration.
    if value not in zoneinfo.available_timezones():
        raise ValidationError(
            _("Choose a time zone from the list; %(value)s is not one."), params={"value": value}
        )


class Ecosystem(TimeStamped):
    """A regional STEM learning ecosystem: the tenant every other record belongs to."""

    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    contact_email = models.EmailField(_("contact email"), blank=True)
    region_south = models.FloatField(_("region south latitude"))
    region_west = models.FloatField(_("region west longitude"))
    region_north = models.FloatField(_("region north latitude"))
    region_east = models.FloatField(_("region east longitude"))
    region_geojson = models.JSONField(
        _("region outline (GeoJSON)"),
        null=True,
        blank=True,
        help_text=_("Optional Polygon or MultiPolygon refining the bounding box."),
    )
    timezone = models.CharField(
        _("time zone"), max_length=64, default="America/New_York", validators=[validate_timezone]
    )
    default_language = models.CharField(
        _("default language"), max_length=10, choices=settings.LANGUAGES, default="en"
    )
    suppression_threshold = models.PositiveSmallIntegerField(
        _("small-cell suppression threshold"),
        default=10,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
        help_text=_("Published counts about students below this number are suppressed."),
    )
    reverify_after_days = models.PositiveSmallIntegerField(
        _("re-verify listings older than (days)"),
        default=180,
        validators=[MinValueValidator(7), MaxValueValidator(3650)],
        help_text=_(
            "Partners are reminded by email to confirm listings not verified for this long."
        ),
    )
    roster_retention_years = models.PositiveSmallIntegerField(
        _("keep participation rosters for (years)"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text=_(
            "Encoded participation rosters of periods that ended longer ago than this are deleted."
        ),
    )
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("ecosystem")
        verbose_name_plural = _("ecosystems")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(region_south__lte=models.F("region_north")),
                name="ecosystem_region_south_le_north",
            ),
            models.CheckConstraint(
                condition=models.Q(suppression_threshold__gte=1),
                name="ecosystem_suppression_threshold_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("ecosystems:home", kwargs={"ecosystem_slug": self.slug})

    @property
    def bounding_box(self) -> geo.BoundingBox:
        return geo.BoundingBox(
            self.region_south, self.region_west, self.region_north, self.region_east
        )

    def region_contains(self, lat: float, lon: float) -> bool:
        if not self.bounding_box.contains(lat, lon):
            return False
        if self.region_geojson:
            return geo.polygon_contains(self.region_geojson, lat, lon)
        return True

    def clean(self) -> None:
        try:
            self.bounding_box  # noqa: B018  (validates on construction)
        except ValueError as error:
            raise ValidationError({"region_north": str(error)}) from error
        if self.region_geojson:
            try:
                region_outline(self.region_geojson)
            except ValidationError as error:
                raise ValidationError({"region_geojson": error.messages}) from error
            try:
                geo.validate_polygon(self.region_geojson)
            except ValueError as error:
                raise ValidationError({"region_geojson": str(error)}) from error

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.pk}


class Network(TimeStamped):
    """A group of ecosystems (a statewide network of hubs, a community of practice)."""

    slug = models.SlugField(_("short name in addresses"), max_length=60, unique=True)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    ecosystems = models.ManyToManyField(Ecosystem, related_name="networks", blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("network")
        verbose_name_plural = _("networks")

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("network", kwargs={"network_slug": self.slug})


class NetworkOperator(TimeStamped):
    """A person who reads aggregates across every ecosystem of a network."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="network_roles"
    )
    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="operators")

    class Meta:
        ordering = ["network", "user"]
        verbose_name = _("network operator")
        verbose_name_plural = _("network operators")
        constraints = [
            models.UniqueConstraint(fields=["user", "network"], name="network_operator_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.network}"


class Sector(models.TextChoices):
    SCHOOL = "school", _("School or district")
    YOUTH_NONPROFIT = "youth_nonprofit", _("Afterschool or youth nonprofit")
    MUSEUM = "museum", _("Museum or science center")
    LIBRARY = "library", _("Library")
    MAKERSPACE = "makerspace", _("Makerspace")
    HIGHER_ED = "higher_ed", _("College or university")
    BUSINESS = "business", _("Business or employer")
    GOVERNMENT = "government", _("Government agency")
    FOUNDATION = "foundation", _("Foundation")
    COMMUNITY = "community", _("Community group")


class CoalitionRole(models.TextChoices):
    BACKBONE = "backbone", _("Backbone organization")
    DIRECT_SERVICE = "direct_service", _("Direct service provider")
    BOTH = "both", _("Backbone and direct service")
    PARTNER = "partner", _("Partner")
    FUNDER = "funder", _("Funder")


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def active(self) -> OrganizationQuerySet:
        return self.filter(archived_at__isnull=True)


class Organization(TimeStamped):
    """A partner of the coalition: a school, nonprofit, museum, library, company, funder..."""

    # Its id in HSDS exports and imports (the directory's `organization`), kept once published.
    hsds_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="organizations")
    slug = models.SlugField(_("short name in addresses"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    alternate_name = models.CharField(_("also known as"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True, max_length=LONG_TEXT)
    sector = models.CharField(_("sector"), max_length=32, choices=Sector.choices)
    coalition_role = models.CharField(
        _("role in the coalition"),
        max_length=32,
        choices=CoalitionRole.choices,
        default=CoalitionRole.PARTNER,
    )
    website = models.URLField(_("website"), blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    address = models.CharField(_("street address"), max_length=200, blank=True)
    city = models.CharField(_("city"), max_length=100, blank=True)
    state = models.CharField(_("state"), max_length=50, blank=True)
    postal_code = models.CharField(_("ZIP code"), max_length=10, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["ecosystem", "slug"], name="organization_slug_unique_in_ecosystem"
            )
        ]
        indexes = [
            models.Index(fields=["ecosystem", "name"]),
            models.Index(fields=["ecosystem", "sector"]),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse(
            "ecosystems:organization",
            kwargs={"ecosystem_slug": self.ecosystem.slug, "organization_slug": self.slug},
        )

    @property
    def is_archived(self) -> bool:
        return self.archived_at is not None

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


class Contact(TimeStamped):
    """A named person to reach at a partner organization (adult staff, never students)."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="contacts"
    )
    name = models.CharField(_("name"), max_length=150)
    title = models.CharField(_("title"), max_length=150, blank=True)
    email = models.EmailField(_("email"), blank=True)
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    is_primary = models.BooleanField(_("primary contact"), default=False)

    class Meta:
        ordering = ["-is_primary", "name"]
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.organization.ecosystem_id}


class Role(models.TextChoices):
    BACKBONE_ADMIN = "backbone_admin", _("Backbone admin")
    BACKBONE_STAFF = "backbone_staff", _("Backbone staff")
    PARTNER_STAFF = "partner_staff", _("Partner staff")
    MENTOR = "mentor", _("Mentor")
    REVIEWER = "reviewer", _("Reviewer")
    MEMBER = "member", _("Member")
    # on the roll of the ecosystem's network (ecotone.network): taken by joining
    NETWORK_MEMBER = "network_member", _("Network member")


BACKBONE_ROLES = frozenset({Role.BACKBONE_ADMIN, Role.BACKBONE_STAFF})
# Roles a person takes by joining, which their app's own services grant and remove with the
# record behind them (the network's roll): never invited to, nor given on the members page.
JOINED_ROLES = frozenset({Role.NETWORK_MEMBER})
# The roles the backbone invites people to and gives on the members page.
GRANTABLE_ROLES = [(value, label) for value, label in Role.choices if value not in JOINED_ROLES]


class MembershipQuerySet(models.QuerySet["Membership"]):
    def held_by(self, user: Any) -> MembershipQuerySet:
        """Every role of one person, with what a page or `/me` shows about each."""
        return (
            self.filter(user=user)
            .select_related("ecosystem")
            .prefetch_related("organizations")
            .order_by("ecosystem__name", "role")
        )


class Membership(TimeStamped):
    """One role a user holds in one ecosystem. A user may hold several."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    organizations = models.ManyToManyField(
        Organization,
        related_name="staff_memberships",
        blank=True,
        verbose_name=_("organizations"),
        help_text=_("For partner staff: the organizations whose records they keep."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        ordering = ["ecosystem", "role", "user__email"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "ecosystem", "role"], name="membership_unique_role"
            )
        ]
        indexes = [models.Index(fields=["ecosystem", "role"])]

    def __str__(self) -> str:
        return f"{self.user} — {self.get_role_display()} @ {self.ecosystem}"

    @property
    def is_backbone(self) -> bool:
        return self.role in BACKBONE_ROLES

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}


def _invitation_token() -> str:
    return secrets.token_urlsafe(32)


def _invitation_expiry() -> Any:
    return timezone.now() + timedelta(days=14)


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def pending(self) -> InvitationQuerySet:
        return self.filter(
            accepted_at__isnull=True, revoked_at__isnull=True, expires_at__gt=timezone.now()
        )


class Invitation(TimeStamped):
    """Backbone staff invite a person, by email, to take a role in their ecosystem."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField(_("email"), validators=[validate_address_length])
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    organizations = models.ManyToManyField(
        Organization, related_name="invitations", blank=True, verbose_name=_("organizations")
    )
    message = models.TextField(_("personal message"), blank=True, max_length=SHORT_TEXT)
    token = models.CharField(max_length=64, unique=True, default=_invitation_token, editable=False)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires"), default=_invitation_expiry)
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        indexes = [models.Index(fields=["ecosystem", "email"])]

    def __str__(self) -> str:
        return f"{self.email} — {self.get_role_display()} @ {self.ecosystem}"

    def get_absolute_url(self) -> str:
        return reverse("invitation_accept", kwargs={"token": self.token})

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"

    def get_status_display(self) -> StrOrPromise:
        labels: dict[str, StrOrPromise] = {
            "accepted": _("Accepted"),
            "revoked": _("Revoked"),
            "expired": _("Expired"),
            "pending": _("Pending"),
        }
        return labels[self.status]

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.ecosystem_id}
