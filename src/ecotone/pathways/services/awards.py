"""Awarding, revoking, deleting and verifying Open Badges 3.0 credentials.

The contract other parts of the app build on (PATHWAYS.md):

- `check_recipient(recipient)`: what is wrong with a recipient, field -> problem ({} if fine).
- `award(actor, achievement, recipient, program=, notify=)`: a signed credential, saved; mailed
  after the transaction commits (to the guardian for a child under 13).
- `revoke(actor, award, reason)`: the status bit set, the reason kept.
- `delete_at_request(award)`: the recipient's deletion: credential and hashes erased, bit set.
- `verify(text)`: signature, issuer key, validity period and revocation, in words.

Status indexes: each credential takes a RANDOM free index of the ecosystem's status list (not the
next one), chosen under a lock on the list's row, so that an index tells nothing of the order of
issue. No address is stored: the credential holds a salted hash, the award two keyed hashes
(pathways/identity.py); the address itself lives only in the mail sent after commit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from auditlog.context import set_actor
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from joserfc.jwk import OKPKey

from ecotone.directory.models import Program
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


def status_list_url(ecosystem: Ecosystem) -> str:
    return _absolute(reverse("badges:status", args=[ecosystem.slug]))


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


def _sign(document: dict[str, Any], ecosystem: Ecosystem, typ: str = "vc+jwt") -> str:
    issuer_key = keys.active_key(ecosystem)
    issuer_key.ecosystem = ecosystem
    return openbadges.sign(
        document, keys.private_key(issuer_key), keys.key_url(issuer_key), typ=typ
    )


def published_status_list(ecosystem: Ecosystem, now: datetime | None = None) -> str:
    """The ecosystem's BitstringStatusListCredential, signed (compact JWS), valid for a day."""
    now = now or timezone.now()
    found = StatusList.objects.filter(ecosystem=ecosystem).first()
    bits = bytes(found.bits) if found is not None else status_list.new()
    document = status_list.status_credential(
        list_url=status_list_url(ecosystem),
        issuer={
            "id": _absolute(reverse("badges:keys", args=[ecosystem.slug])),
            "type": ["Profile"],
            "name": ecosystem.name,
        },
        bits=bits,
        valid_from=now,
        valid_until=now + timedelta(days=1),
    )
    return _sign(document, ecosystem)


# --- awarding ----------------------------------------------------------------------------------


def _locked_list(ecosystem: Ecosystem) -> StatusList:
    StatusList.objects.get_or_create(ecosystem=ecosystem, defaults={"bits": status_list.new()})
    return StatusList.objects.select_for_update().get(ecosystem=ecosystem)


class _Taken:
    """The indexes in use, asked of the database one at a time (the list is mostly empty)."""

    def __init__(self, ecosystem: Ecosystem) -> None:
        self.awards = Award.objects.filter(ecosystem=ecosystem)

    def __contains__(self, index: object) -> bool:
        return isinstance(index, int) and self.awards.filter(status_index=index).exists()


def _allocate(ecosystem: Ecosystem, listed: StatusList) -> int:
    length = status_list.size(bytes(listed.bits))
    index = status_list.pick_free(_Taken(ecosystem), length, scan=False)
    if index is None:  # crowded: read every index in use once
        used = set(Award.objects.filter(ecosystem=ecosystem).values_list("status_index", flat=True))
        index = status_list.pick_free(used, length)
    if index is None:  # full: the list grows by the minimum size
        listed.bits = status_list.grow(bytes(listed.bits))
        index = status_list.pick_free(set(), status_list.size(bytes(listed.bits)) - length)
        assert index is not None
        index += length
    listed.next_index += 1  # how many indexes were ever handed out
    listed.save(update_fields=["bits", "next_index", "updated_at"])
    return index


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
    problems = check_recipient(recipient)
    if problems:
        raise DomainError(" ".join(problems.values()))
    if achievement.archived_at is not None:
        raise DomainError(_("This achievement is archived: it is no longer awarded."))
    ecosystem = achievement.ecosystem
    if program is not None and program.ecosystem_id != ecosystem.pk:
        raise DomainError(_("The program is not one of this ecosystem's."))
    now = now or timezone.now()
    valid_until = now + timedelta(days=achievement.valid_days) if achievement.valid_days else None
    public_id = uuid.uuid4()
    salt = identity.new_salt()
    with set_actor(actor), transaction.atomic():
        listed = _locked_list(ecosystem)
        index = _allocate(ecosystem, listed)
        document = openbadges.build_credential(
            credential_id=f"urn:uuid:{public_id}",
            issuer=issuer_profile(achievement.organization),
            achievement=achievement_info(achievement),
            identity_hash=identity.identity_hash(recipient.email, salt),
            salt=salt,
            valid_from=now,
            valid_until=valid_until,
            status=openbadges.StatusEntry(status_list_url(ecosystem), index),
        )
        record = Award.objects.create(
            ecosystem=ecosystem,
            achievement=achievement,
            program=program,
            public_id=public_id,
            recipient_lookup=identity.lookup(recipient.email),
            holder_lookup=identity.lookup(recipient.holder_email),
            sent_to_guardian=recipient.under_13,
            guardian_consent_at=now if recipient.under_13 else None,
            credential=_sign(document, ecosystem),
            status_index=index,
            awarded_at=now,
            valid_until=valid_until,
            awarded_by=actor if getattr(actor, "is_authenticated", False) else None,
        )
        if notify:
            notifications.credential_awarded(
                record, recipient.holder_email, recipient.language, to_guardian=recipient.under_13
            )
    return record


@dataclass(frozen=True)
class Row:
    """One row of a bulk award: what, to whom, where it was earned."""

    achievement: Achievement
    recipient: Recipient
    program: Program | None = None


def award_many(actor: Any, rows: list[Row], *, notify: bool = True) -> list[Award]:
    """Award every row, all or none: every recipient is checked first (DomainError naming the
    first bad row, counting from 1), then all are awarded in one transaction."""
    for number, row in enumerate(rows, start=1):
        problems = check_recipient(row.recipient)
        if problems:
            raise DomainError(
                _("Row %(row)d: %(problems)s")
                % {"row": number, "problems": " ".join(problems.values())}
            )
    with transaction.atomic():
        return [
            award(actor, row.achievement, row.recipient, program=row.program, notify=notify)
            for row in rows
        ]


def revoke(actor: Any, award: Award, reason: str) -> Award:
    """Revoke an awarded credential: its status bit set, the reason kept."""
    reason = reason.strip()
    if not reason:
        raise DomainError(_("Say why the badge is revoked."))
    if len(reason) > 300:
        raise DomainError(_("The reason can be at most 300 characters long."))
    with set_actor(actor), transaction.atomic():
        listed = _locked_list(award.ecosystem)
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
        listed = _locked_list(award.ecosystem)
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
        if not signer or status.get("statusListCredential") != status_list_url(signer[0].ecosystem):
            return None
        try:
            index = int(status.get("statusListIndex", ""))
        except (TypeError, ValueError):
            return None
        listed = StatusList.objects.filter(ecosystem=signer[0].ecosystem).first()
        if listed is None:
            return False
        bits = bytes(listed.bits)
        return 0 <= index < status_list.size(bits) and status_list.get(bits, index)

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
