"""Awarding, revoking, deleting and verifying Open Badges 3.0 credentials.

The contract other parts of the app build on (PATHWAYS.md):

- `check_recipient(recipient)`: what is wrong with a recipient, field -> problem ({} if fine).
- `award(actor, achievement, recipient, program=, notify=)`: a signed credential, saved; mailed
  after the transaction commits (to the guardian for a child under 13).
- `revoke(actor, award, reason)`: the status bit set, the reason kept.
- `delete_at_request(award)`: the recipient's deletion: credential and hashes erased, bit set.
- `verify(text)`: signature, issuer key, validity period and revocation, in words.

Status indexes: each credential takes a RANDOM free index of its partner's status list (not the
next one), chosen under a lock on the list's row, so that an index tells nothing of the order of
issue. Each partner has its own list, issued by the same profile as its credentials: verifiers
hold the two issuers equal. No address is stored: the credential holds a salted hash, the award
two keyed hashes (pathways/identity.py); the address itself lives only in the mail sent after
commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from joserfc.jwk import OKPKey

from ecotone.directory.models import Program
from ecotone.ecosystems.audit import log_many
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.errors import DomainError

from .. import identity, keys, notifications, openbadges, status_list
from ..models import Achievement, Award, AwardStatus, IssuerKey, StatusList

LANGUAGES = ("", "en", "es")


@dataclass(frozen=True)
class Recipient:
    email: str  # the young person's address: the identity hashed into the credential
    under_13: bool = False
    guardian_email: str = ""  # required when under_13; the credential is sent there
    guardian_consent: bool = False  # required when under_13 (COPPA)
    language: str = ""  # "en" or "es" for the mail; "" -> the ecosystem's default

    @property
    def holder_email(self) -> str:
        """Where the credential goes: the guardian's address for a child under 13."""
        return self.guardian_email if self.under_13 else self.email


def _valid_address(value: str) -> bool:
    try:
        validate_email(value.strip())
    except ValidationError:
        return False
    return True


def check_recipient(recipient: Recipient) -> dict[str, str]:
    """What is wrong with a recipient, field -> problem (translated); {} when nothing is."""
    problems: dict[str, str] = {}
    if not recipient.email.strip():
        problems["email"] = _("The recipient's email address is missing.")
    elif not _valid_address(recipient.email):
        problems["email"] = _("The recipient's email address is not a valid address.")
    if recipient.under_13:
        if not recipient.guardian_email.strip():
            problems["guardian_email"] = _(
                "A young person under 13 receives a badge through a parent or guardian: "
                "give the guardian's email address."
            )
        elif not _valid_address(recipient.guardian_email):
            problems["guardian_email"] = _("The guardian's email address is not a valid address.")
        elif identity.normalise(recipient.guardian_email) == identity.normalise(recipient.email):
            problems["guardian_email"] = _(
                "The guardian's email address must be the guardian's own, not the young person's."
            )
        if not recipient.guardian_consent:
            problems["guardian_consent"] = _(
                "A badge for a young person under 13 needs their guardian's consent (COPPA)."
            )
    if recipient.language not in LANGUAGES:
        problems["language"] = _("The language must be English (en) or Spanish (es).")
    return problems


# --- the public addresses and records the credentials name -------------------------------------


def _absolute(path: str) -> str:
    return str(settings.SITE_URL).rstrip("/") + path


def issuer_url(organization: Organization) -> str:
    return _absolute(
        reverse("badges:issuer", args=[organization.ecosystem.slug, organization.slug])
    )


def achievement_url(achievement: Achievement) -> str:
    return _absolute(
        reverse("badges:achievement", args=[achievement.ecosystem.slug, achievement.public_id])
    )


def status_list_url(organization: Organization) -> str:
    return _absolute(
        reverse("badges:status", args=[organization.ecosystem.slug, organization.slug])
    )


def credential_page_url(award: Award) -> str:
    return _absolute(reverse("credentials:credential", args=[award.public_id]))


def issuer_profile(organization: Organization) -> openbadges.Issuer:
    return openbadges.Issuer(
        id=issuer_url(organization),
        name=organization.name,
        url=organization.website,
        email=organization.email,
        description=organization.description,
    )


def achievement_info(achievement: Achievement) -> openbadges.AchievementInfo:
    alignments = tuple(
        openbadges.Alignment(
            target_name=str(a.get("targetName", "")),
            target_url=str(a.get("targetUrl", "")),
            target_framework=str(a.get("targetFramework", "")),
            target_code=str(a.get("targetCode", "")),
            target_description=str(a.get("targetDescription", "")),
        )
        for a in achievement.alignments or []
        if isinstance(a, dict) and a.get("targetName") and a.get("targetUrl")
    )
    return openbadges.AchievementInfo(
        id=achievement_url(achievement),
        name=achievement.name,
        description=achievement.description,
        criteria=achievement.criteria,
        achievement_type=achievement.achievement_type,
        image=_absolute(achievement.image.url) if achievement.image else "",
        alignments=alignments,
        creator=issuer_profile(achievement.organization),
    )


@dataclass(frozen=True)
class _Signer:
    """The ecosystem's active key, decrypted once for a batch of documents."""

    key: OKPKey
    kid: str

    @classmethod
    def of(cls, ecosystem: Ecosystem) -> _Signer:
        issuer_key = keys.active_key(ecosystem)
        issuer_key.ecosystem = ecosystem
        return cls(keys.private_key(issuer_key), keys.key_url(issuer_key))

    def sign(self, document: dict[str, Any], typ: str = "vc+jwt") -> str:
        return openbadges.sign(document, self.key, self.kid, typ=typ)


def published_status_list(organization: Organization, now: datetime | None = None) -> str:
    """The partner's BitstringStatusListCredential, issued by its profile (the issuer of its
    credentials), signed with the ecosystem's key (compact JWS), valid for a day."""
    now = now or timezone.now()
    found = StatusList.objects.filter(organization=organization).first()
    bits = bytes(found.bits) if found is not None else status_list.new()
    issuer = issuer_profile(organization)
    document = status_list.status_credential(
        list_url=status_list_url(organization),
        issuer={"id": issuer.id, "type": ["Profile"], "name": issuer.name},
        bits=bits,
        valid_from=now,
        valid_until=now + timedelta(days=1),
    )
    return _Signer.of(organization.ecosystem).sign(document)


# --- awarding ----------------------------------------------------------------------------------


def _locked_list(organization: Organization) -> StatusList:
    StatusList.objects.get_or_create(
        organization=organization,
        defaults={"ecosystem_id": organization.ecosystem_id, "bits": status_list.new()},
    )
    return StatusList.objects.select_for_update().get(organization=organization)


class _Indexes:
    """A locked status list and the indexes in use on it, read once: hands out random free
    indexes (not the next one, so that an index tells nothing of the order of issue), growing
    the list by the minimum size when it is full."""

    def __init__(self, listed: StatusList) -> None:
        self.listed = listed
        self.used = set(
            Award.objects.filter(status_list=listed).values_list("status_index", flat=True)
        )
        self.bits = bytes(listed.bits)

    def take(self) -> int:
        length = status_list.size(self.bits)
        index = status_list.pick_free(self.used, length)
        if index is None:  # full: the list grows by the minimum size
            self.bits = status_list.grow(self.bits)
            index = status_list.pick_free(self.used, status_list.size(self.bits))
            assert index is not None
        self.used.add(index)
        self.listed.next_index += 1  # how many indexes were ever handed out
        return index

    def save(self) -> None:
        self.listed.bits = self.bits
        self.listed.save(update_fields=["bits", "next_index", "updated_at"])


@dataclass(frozen=True)
class Row:
    """One award: what, to whom, where it was earned, and when (now when not given: the
    demo's history and imports of past awards give the date)."""

    achievement: Achievement
    recipient: Recipient
    program: Program | None = None
    awarded_at: datetime | None = None


def _row_problems(row: Row) -> list[str]:
    problems = list(check_recipient(row.recipient).values())
    achievement = row.achievement
    if achievement.archived_at is not None:
        problems.append(_("This achievement is archived: it is no longer awarded."))
    if row.program is not None and row.program.organization_id != achievement.organization_id:
        problems.append(_("The program is not one of the awarding partner's."))
    return problems


def programs_of(achievement: Achievement) -> QuerySet[Program]:
    """Where a badge of this achievement may say it was earned: its partner's programs."""
    return Program.objects.filter(organization=achievement.organization).order_by("name")


def award(
    actor: Any,
    achievement: Achievement,
    recipient: Recipient,
    *,
    program: Program | None = None,
    notify: bool = True,
    now: datetime | None = None,
) -> Award:
    """Award `achievement` to `recipient`: check, allocate a status index, sign, save, and mail
    the credential after commit when `notify`. DomainError on a bad recipient."""
    row = Row(achievement, recipient, program, now)
    if problems := _row_problems(row):
        raise DomainError(" ".join(problems))
    return _award_rows(actor, [row], notify=notify)[0]


def award_many(actor: Any, rows: list[Row], *, notify: bool = True) -> list[Award]:
    """Award every row, all or none: every row is checked first (DomainError naming the first
    bad row, counting from 1), then all are awarded in one transaction: each partner's list
    locked once, the key decrypted once, the awards inserted together."""
    for number, row in enumerate(rows, start=1):
        if problems := _row_problems(row):
            raise DomainError(
                _("Row %(row)d: %(problems)s") % {"row": number, "problems": " ".join(problems)}
            )
    return _award_rows(actor, rows, notify=notify)


def _award_rows(actor: Any, rows: list[Row], *, notify: bool) -> list[Award]:
    if not rows:
        return []
    now = timezone.now()
    awarded_by = actor if getattr(actor, "is_authenticated", False) else None
    signers: dict[int, _Signer] = {}
    indexes: dict[int, _Indexes] = {}
    described: dict[int, tuple[openbadges.Issuer, openbadges.AchievementInfo]] = {}
    records: list[Award] = []
    with set_actor(actor), transaction.atomic():
        for row in rows:
            achievement = row.achievement
            organization = achievement.organization
            if organization.pk not in indexes:
                indexes[organization.pk] = _Indexes(_locked_list(organization))
            if achievement.ecosystem_id not in signers:
                signers[achievement.ecosystem_id] = _Signer.of(achievement.ecosystem)
            if achievement.pk not in described:
                described[achievement.pk] = (
                    issuer_profile(organization),
                    achievement_info(achievement),
                )
            issuer, info = described[achievement.pk]
            listed = indexes[organization.pk]
            index = listed.take()
            when = row.awarded_at or now
            valid_until = (
                when + timedelta(days=achievement.valid_days) if achievement.valid_days else None
            )
            public_id = uuid.uuid4()
            salt = identity.new_salt()
            document = openbadges.build_credential(
                credential_id=f"urn:uuid:{public_id}",
                issuer=issuer,
                achievement=info,
                identity_hash=identity.identity_hash(row.recipient.email, salt),
                salt=salt,
                valid_from=when,
                valid_until=valid_until,
                status=openbadges.StatusEntry(status_list_url(organization), index),
            )
            records.append(
                Award(
                    ecosystem_id=achievement.ecosystem_id,
                    achievement=achievement,
                    program=row.program,
                    public_id=public_id,
                    recipient_lookup=identity.lookup(row.recipient.email),
                    holder_lookup=identity.lookup(row.recipient.holder_email),
                    sent_to_guardian=row.recipient.under_13,
                    guardian_consent_at=when if row.recipient.under_13 else None,
                    credential=signers[achievement.ecosystem_id].sign(document),
                    status_list=listed.listed,
                    status_index=index,
                    awarded_at=when,
                    valid_until=valid_until,
                    awarded_by=awarded_by,
                )
            )
        Award.objects.bulk_create(records, batch_size=500)
        for listed in indexes.values():
            listed.save()
        log_many(records, LogEntry.Action.CREATE)
        if notify:
            for record, row in zip(records, rows, strict=True):
                notifications.credential_awarded(
                    record,
                    row.recipient.holder_email,
                    row.recipient.language,
                    to_guardian=row.recipient.under_13,
                )
    return records


def revoke(actor: Any, award: Award, reason: str) -> Award:
    """Revoke an awarded credential: its status bit set, the reason kept."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the badge is revoked."))
    if len(reason) > 300:
        raise DomainError(_("The reason can be at most 300 characters long."))
    with set_actor(actor), transaction.atomic():
        listed = StatusList.objects.select_for_update().get(pk=award.status_list_id)
        award.refresh_from_db()
        if award.status != AwardStatus.AWARDED:
            raise DomainError(_("Only an awarded badge can be revoked."))
        listed.bits = status_list.put(bytes(listed.bits), award.status_index)
        listed.save(update_fields=["bits", "updated_at"])
        award.status = AwardStatus.REVOKED
        award.revoked_at = timezone.now()
        award.revocation_reason = reason
        award.revoked_by = actor if getattr(actor, "is_authenticated", False) else None
        award.save()
    return award


def delete_at_request(award: Award) -> None:
    """The recipient's deletion: the credential and the hashes of their address erased, the
    status bit set (any copy they kept no longer verifies); the row keeps its id, index, dates."""
    with transaction.atomic():
        listed = StatusList.objects.select_for_update().get(pk=award.status_list_id)
        award.refresh_from_db()
        if award.status_index < status_list.size(bytes(listed.bits)):
            listed.bits = status_list.put(bytes(listed.bits), award.status_index)
            listed.save(update_fields=["bits", "updated_at"])
        award.status = AwardStatus.DELETED
        award.credential = ""
        award.recipient_lookup = ""
        award.holder_lookup = ""
        award.sent_to_guardian = False
        award.guardian_consent_at = None
        award.revocation_reason = ""
        award.save()


# --- verifying ---------------------------------------------------------------------------------

PROBLEM_WORDS = {
    openbadges.MALFORMED: gettext_lazy(
        "This is not a credential that can be read: paste the signed credential (a JWS "
        "token) or its JSON, or upload the badge file."
    ),
    openbadges.UNSIGNED: gettext_lazy(
        "The credential carries no signature that can be checked: it may have been copied "
        "without its proof."
    ),
    openbadges.UNKNOWN_KEY: gettext_lazy(
        "The key that signed it is not one the issuer published: Ecotone did not issue it."
    ),
    openbadges.BAD_SIGNATURE: gettext_lazy(
        "The signature does not match: the credential was changed after it was signed."
    ),
    openbadges.NOT_YET_VALID: gettext_lazy("The credential is not valid yet."),
    openbadges.EXPIRED: gettext_lazy("The credential has expired."),
    openbadges.REVOKED: gettext_lazy("The issuer has revoked the credential."),
    openbadges.NOT_A_BADGE: gettext_lazy(
        "The signed document is not an Open Badges 3.0 credential."
    ),
}


@dataclass
class Verification:
    valid: bool
    problems: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)
    credential: dict[str, Any] = field(default_factory=dict)
    award: Award | None = None
    token: str = ""

    @property
    def issuer_name(self) -> str:
        issuer = self.credential.get("issuer")
        return str(issuer.get("name", "")) if isinstance(issuer, dict) else str(issuer or "")

    @property
    def achievement(self) -> dict[str, Any]:
        subject = self.credential.get("credentialSubject")
        found = subject.get("achievement") if isinstance(subject, dict) else None
        return found if isinstance(found, dict) else {}

    @property
    def identity_hash(self) -> str:
        subject = self.credential.get("credentialSubject")
        ids = subject.get("identifier") if isinstance(subject, dict) else None
        if isinstance(ids, list) and ids and isinstance(ids[0], dict):
            return str(ids[0].get("identityHash", ""))
        return ""

    @property
    def valid_from(self) -> datetime | None:
        return openbadges.parse_time(self.credential.get("validFrom"))

    @property
    def valid_until(self) -> datetime | None:
        return openbadges.parse_time(self.credential.get("validUntil"))


def _public_key(issuer_key: IssuerKey) -> OKPKey:
    return OKPKey.import_key(keys.public_jwk(issuer_key))


def verify(token_or_json: str | bytes, *, now: datetime | None = None) -> Verification:
    """Check a credential this deployment issued: form, key, signature, dates, revocation."""
    signer: list[IssuerKey] = []

    def resolve(kid: str, issuer: str) -> OKPKey | None:
        found = keys.find(kid)
        if found is None:
            return None
        # The key must be the issuing ecosystem's: the issuer's profile lives under it.
        prefix = _absolute(f"/e/{found.ecosystem.slug}/badges/")
        if not issuer.startswith(prefix):
            return None
        signer.append(found)
        return _public_key(found)

    def is_revoked(status: Any) -> bool | None:
        if not signer:
            return None
        try:
            index = int(status.get("statusListIndex", ""))
        except (TypeError, ValueError):
            return None
        # the list the credential names: one of the signing ecosystem's partners'
        lists = StatusList.objects.filter(ecosystem=signer[0].ecosystem).select_related(
            "organization__ecosystem"
        )
        named = str(status.get("statusListCredential", ""))
        for listed in lists:
            if status_list_url(listed.organization) == named:
                bits = bytes(listed.bits)
                return 0 <= index < status_list.size(bits) and status_list.get(bits, index)
        return None

    result = openbadges.verify(
        token_or_json, resolve, now=now or timezone.now(), is_revoked=is_revoked
    )
    found: Award | None = None
    if result.credential is not None and signer:
        credential_id = str(result.credential.get("id", ""))
        try:
            public_id = uuid.UUID(credential_id.removeprefix("urn:uuid:"))
        except ValueError:
            public_id = None
        if public_id is not None:
            found = (
                Award.objects.select_related("achievement", "ecosystem")
                .filter(public_id=public_id, ecosystem=signer[0].ecosystem)
                .first()
            )
    return Verification(
        valid=result.valid,
        problems=[str(PROBLEM_WORDS[p.code]) for p in result.problems],
        codes=result.codes,
        credential=result.credential or {},
        award=found,
        token=result.token,
    )
