"""Pathways and badges: connected learning across settings, and the credentials that prove it.

A `Pathway` is a designed route through the ecosystem's programs (a library's tinkering club,
then a robotics team, then a summer internship), curated by the backbone or by a partner. Its
`Step`s come in stages: the steps of one stage are alternatives (the pathway branches there),
and the next stage follows. A step is one program of the directory, or a kind of program ("any
robotics team, grades 6 to 8": activity types, STEM fields and grade bands of the directory's
STEM profile), with what a young person gains there. `HomeResource`s are the pathway's links
for learning at home. Families read a pathway in English or Spanish: every text a family reads
has its Spanish twin (`*_es`), shown on Spanish pages when it is filled in.

A partner defines `Achievement`s (optionally aligned to a pathway step) and awards them. Each
`Award` is an Open Badges 3.0 credential (`OpenBadgeCredential`, Verifiable Credentials data
model 2.0) signed by the ecosystem's `IssuerKey` (Ed25519) and kept as the compact JWS that
was sent. The recipient appears in it only as a salted hash of their email address; Ecotone
keeps, besides the credential, a keyed hash of the address it was sent to (the recipient's, or
a guardian's for a child under 13) so that its owner can sign in and find it, and no address
in clear. Revocation is a bit in the ecosystem's `StatusList` (a W3C Bitstring Status List),
published as a credential of its own.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem, Organization, TimeStamped
from ecotone.limits import LONG_TEXT
from ecotone.uploads import Upload, upload_path

# Codes are the directory's STEM profile terms (directory.stem_profile): lists of codes are
# JSON arrays of strings.


def _ecosystem_of(record: Any) -> dict[str, Any]:
    # The audit log of one ecosystem reads its entries by this (ecosystems/audit.py).
    return {"ecosystem_id": record.ecosystem_id}


def in_language(record: Any, field: str) -> str:
    """A family-facing text in the page's language: the Spanish twin on Spanish pages when it
    is filled in, else the English text."""
    if (get_language() or "").startswith("es"):
        spanish = getattr(record, f"{field}_es", "")
        if spanish:
            return str(spanish)
    return str(getattr(record, field))


# --- pathways ----------------------------------------------------------------------------------


class PathwayStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    ARCHIVED = "archived", _("Archived")


class Pathway(TimeStamped):
    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="pathways", verbose_name=_("ecosystem")
    )
    # The partner that curates it; none for the backbone's own pathways.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="pathways",
        verbose_name=_("curated by"),
    )
    slug = models.SlugField(_("short name in addresses"), max_length=80)
    name = models.CharField(_("name"), max_length=160)
    name_es = models.CharField(_("name in Spanish"), max_length=160, blank=True)
    summary = models.TextField(_("summary"), max_length=LONG_TEXT)
    summary_es = models.TextField(_("summary in Spanish"), max_length=LONG_TEXT, blank=True)
    stem_field = models.CharField(_("STEM field"), max_length=40)
    grade_bands = models.JSONField(_("grades"), default=list, blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=PathwayStatus.choices, default=PathwayStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("pathway")
        verbose_name_plural = _("pathways")
        constraints = [
            models.UniqueConstraint(fields=["ecosystem", "slug"], name="pathway_slug_unique"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


class Step(TimeStamped):
    """One step of a pathway: a program, or a kind of program (the non-empty code lists)."""

    pathway = models.ForeignKey(
        Pathway, on_delete=models.CASCADE, related_name="steps", verbose_name=_("pathway")
    )
    # Steps of one stage are alternatives; stage n + 1 follows stage n.
    stage = models.PositiveSmallIntegerField(_("stage"), default=1)
    position = models.PositiveSmallIntegerField(_("order within the stage"), default=0)
    title = models.CharField(_("title"), max_length=160)
    title_es = models.CharField(_("title in Spanish"), max_length=160, blank=True)
    gains = models.TextField(_("what a young person gains"), max_length=LONG_TEXT)
    gains_es = models.TextField(
        _("what a young person gains, in Spanish"), max_length=LONG_TEXT, blank=True
    )
    program = models.ForeignKey(
        Program,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="pathway_steps",
        verbose_name=_("program"),
    )
    activity_types = models.JSONField(_("kinds of activity"), default=list, blank=True)
    stem_fields = models.JSONField(_("STEM fields"), default=list, blank=True)
    grade_bands = models.JSONField(_("grades"), default=list, blank=True)

    class Meta:
        ordering = ["pathway", "stage", "position", "pk"]
        verbose_name = _("step")
        verbose_name_plural = _("steps")

    def __str__(self) -> str:
        return self.title

    @property
    def ecosystem_id(self) -> int:
        return self.pathway.ecosystem_id

    @property
    def is_kind(self) -> bool:
        """A kind of program rather than one program."""
        return self.program_id is None

    def kind_facets(self) -> dict[str, tuple[str, ...]]:
        """A kind-step as the directory search's facets (the codes it fills, by facet)."""
        facets = {
            "activity_type": tuple(self.activity_types or ()),
            "stem_field": tuple(self.stem_fields or ()),
            "grade_band": tuple(self.grade_bands or ()),
        }
        return {facet: codes for facet, codes in facets.items() if codes}

    def get_additional_data(self) -> dict[str, Any]:
        return {"ecosystem_id": self.pathway.ecosystem_id}


class HomeResource(models.Model):
    """A link for learning at home, shown on the pathway's family page."""

    pathway = models.ForeignKey(
        Pathway, on_delete=models.CASCADE, related_name="resources", verbose_name=_("pathway")
    )
    title = models.CharField(_("title"), max_length=160)
    title_es = models.CharField(_("title in Spanish"), max_length=160, blank=True)
    url = models.URLField(_("address"), max_length=500)
    description = models.CharField(_("description"), max_length=300, blank=True)
    description_es = models.CharField(_("description in Spanish"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["pathway", "position", "pk"]
        verbose_name = _("resource for home")
        verbose_name_plural = _("resources for home")

    def __str__(self) -> str:
        return self.title


# --- badges ------------------------------------------------------------------------------------


class IssuerKey(models.Model):
    """An ecosystem's Ed25519 signing key. The active one (not retired) signs; retired keys stay
    published so that what they signed still verifies. The private key is kept encrypted with
    the deployment's key-encryption secret (pathways/keys.py; docs/badges.md)."""

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="issuer_keys", verbose_name=_("ecosystem")
    )
    kid = models.CharField(_("key id"), max_length=64, unique=True)
    public_jwk = models.JSONField(_("public key (JWK)"))
    private_key = models.BinaryField(_("private key, encrypted"))
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired"), null=True, blank=True)

    class Meta:
        ordering = ["ecosystem", "-created_at", "pk"]
        verbose_name = _("issuer key")
        verbose_name_plural = _("issuer keys")
        constraints = [
            models.UniqueConstraint(
                fields=["ecosystem"],
                condition=Q(retired_at__isnull=True),
                name="issuer_key_one_active",
            ),
        ]

    def __str__(self) -> str:
        return self.kid

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


class AchievementType(models.TextChoices):
    # Open Badges 3.0's AchievementType vocabulary, the values a partner is likely to need.
    BADGE = "Badge", _("Badge")
    ACHIEVEMENT = "Achievement", _("Achievement")
    AWARD = "Award", _("Award")
    CERTIFICATE = "Certificate", _("Certificate")
    COMPETENCY = "Competency", _("Competency")
    COURSE = "Course", _("Course")
    CO_CURRICULAR = "CoCurricular", _("Co-curricular activity")
    INTERNSHIP = "Internship", _("Internship")
    PROJECT = "Project", _("Project")


class Achievement(TimeStamped):
    """What a partner recognises: the OB 3.0 `Achievement` of every credential it awards."""

    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="achievements",
        verbose_name=_("ecosystem"),
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="achievements",
        verbose_name=_("awarded by"),
    )
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    name = models.CharField(_("name"), max_length=160)
    name_es = models.CharField(_("name in Spanish"), max_length=160, blank=True)
    description = models.TextField(_("description"), max_length=LONG_TEXT)
    description_es = models.TextField(_("description in Spanish"), max_length=LONG_TEXT, blank=True)
    criteria = models.TextField(_("how it is earned"), max_length=LONG_TEXT)
    criteria_es = models.TextField(
        _("how it is earned, in Spanish"), max_length=LONG_TEXT, blank=True
    )
    achievement_type = models.CharField(
        _("kind"), max_length=20, choices=AchievementType.choices, default=AchievementType.BADGE
    )
    # A PNG (credentials are baked into it for download); checked by ecotone/attachments.py.
    image = models.FileField(_("image"), upload_to="badges/%Y/", blank=True)
    step = models.ForeignKey(
        Step,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="achievements",
        verbose_name=_("pathway step"),
    )
    # OB 3.0 `Alignment`s to a skill framework: [{"targetName", "targetUrl", "targetFramework",
    # "targetCode", "targetDescription"}], the first two required.
    alignments = models.JSONField(_("alignments"), default=list, blank=True)
    # Credentials expire this many days after they are awarded; none, they never expire.
    valid_days = models.PositiveIntegerField(_("valid for (days)"), null=True, blank=True)
    archived_at = models.DateTimeField(_("archived"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("achievement")
        verbose_name_plural = _("achievements")

    def __str__(self) -> str:
        return self.name

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


class StatusList(models.Model):
    """A partner's revocation list: bit i set means its credential with `status_index` i is
    revoked. Published as a BitstringStatusListCredential issued by the partner's profile, as
    its credentials are (verifiers hold the list's issuer to the credential's; one list per
    issuer keeps them equal), signed with the ecosystem's key (pathways/status_list.py)."""

    # The W3C minimum: 16 KiB of bits, so that one credential's index says little about whom.
    SIZE = 131_072

    ecosystem = models.ForeignKey(
        Ecosystem, on_delete=models.CASCADE, related_name="badge_status_lists"
    )
    organization = models.OneToOneField(
        Organization, on_delete=models.CASCADE, related_name="badge_status_list"
    )
    bits = models.BinaryField()
    next_index = models.PositiveIntegerField(default=0)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")

    def __str__(self) -> str:
        return f"status list of {self.organization_id}"


class AwardStatus(models.TextChoices):
    AWARDED = "awarded", _("Awarded")
    REVOKED = "revoked", _("Revoked")
    # Deleted at the recipient's request: the credential and every trace of the recipient are
    # gone, the status bit is set, and this row keeps only its id, index and dates.
    DELETED = "deleted", _("Deleted")


class Award(models.Model):
    """One awarded credential."""

    ecosystem = models.ForeignKey(
        Ecosystem,
        on_delete=models.CASCADE,
        related_name="badge_awards",
        verbose_name=_("ecosystem"),
    )
    achievement = models.ForeignKey(
        Achievement, on_delete=models.PROTECT, related_name="awards", verbose_name=_("achievement")
    )
    # Where it was earned, when the partner says so (counts by program).
    program = models.ForeignKey(
        Program,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="badge_awards",
        verbose_name=_("program"),
    )
    # The credential's id is urn:uuid:<public_id>; its page /badges/<public_id>/.
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # Keyed hashes (HMAC-SHA256 with the deployment's lookup key, pathways/identity.py) of the
    # recipient's address (one learner's badges counted once, found when they sign in) and of
    # the address the credential was sent to (the recipient's, or the guardian's). Both empty
    # once deleted.
    recipient_lookup = models.CharField(max_length=64, db_index=True, blank=True)
    holder_lookup = models.CharField(max_length=64, db_index=True, blank=True)
    # The recipient was under 13: the credential went to a guardian who consented (COPPA).
    sent_to_guardian = models.BooleanField(_("sent to a guardian"), default=False)
    guardian_consent_at = models.DateTimeField(_("guardian's consent"), null=True, blank=True)
    # The signed credential as sent (compact JWS, VC-JOSE). Empty once deleted.
    credential = models.TextField(blank=True)
    status = models.CharField(
        _("status"), max_length=16, choices=AwardStatus.choices, default=AwardStatus.AWARDED
    )
    # Where its revocation bit is: the awarding partner's list, at this index.
    status_list = models.ForeignKey(StatusList, on_delete=models.PROTECT, related_name="awards")
    status_index = models.PositiveIntegerField()
    awarded_at = models.DateTimeField(_("awarded"))
    valid_until = models.DateTimeField(_("valid until"), null=True, blank=True)
    awarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)
    revocation_reason = models.CharField(_("reason"), max_length=300, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-awarded_at", "pk"]
        verbose_name = _("awarded badge")
        verbose_name_plural = _("awarded badges")
        constraints = [
            models.UniqueConstraint(
                fields=["status_list", "status_index"], name="award_status_index_unique"
            ),
            models.CheckConstraint(
                condition=Q(sent_to_guardian=False) | Q(guardian_consent_at__isnull=False),
                name="award_guardian_consented",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.achievement_id}: {self.public_id}"

    @property
    def organization(self) -> Organization:
        """The awarding partner (the permission rules read a record's organization)."""
        return self.achievement.organization

    def get_additional_data(self) -> dict[str, Any]:
        return _ecosystem_of(self)


# --- awarding in bulk (bissue) -----------------------------------------------------------------


def _award_import_upload_to(run: AwardImport, filename: str) -> str:
    return upload_path("badge-imports", run, filename)


class AwardImport(TimeStamped, Upload):
    """A CSV of recipients to award badges to, kept as received, checked (a dry run naming each
    problem's row and column) and applied all or nothing (the lifecycle of `ecotone.uploads`).
    The file holds recipients' addresses: it is deleted once the import is applied or fails,
    and the report keeps no address (only row numbers and problems)."""

    ecosystem = models.ForeignKey(Ecosystem, on_delete=models.CASCADE, related_name="award_imports")
    # The partner whose achievements the file names.
    organization = models.ForeignKey(
        Organization,
        on_delete=models.CASCADE,
        related_name="award_imports",
        verbose_name=_("awarded by"),
    )
    file = models.FileField(_("file"), upload_to=_award_import_upload_to, max_length=400)

    class Meta(Upload.Meta):
        verbose_name = _("badge import")
        verbose_name_plural = _("badge imports")
