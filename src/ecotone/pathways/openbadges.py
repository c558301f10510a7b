"""Open Badges 3.0 credentials: build, sign, read and verify (Django-free).

An `OpenBadgeCredential` (1EdTech Open Badges 3.0, on the W3C Verifiable Credentials Data Model
2.0) secured as VC-JOSE (W3C "Securing Verifiable Credentials using JOSE and COSE"): the
credential itself is the payload of a compact JWS, header `{"alg", "kid", "typ": "vc+jwt",
"cty": "vc"}`, signed with the issuer's Ed25519 key. `kid` is the key's public address (a JWK).

Algorithm name: RFC 9864 (2025) deprecates the polymorphic JOSE name "EdDSA" in favour of the
fully specified "Ed25519", and joserfc 1.8 warns (SecurityWarning) when "EdDSA" is used. But the
verifiers in the field (PyJWT 2.15, jose, most wallets) know only "EdDSA" for Ed25519, and a
credential nobody can verify is worth nothing; with an Ed25519 key the two names denote the
same signature. So Ecotone signs with "EdDSA", silences that one warning where it signs and
verifies, and accepts either name when verifying.

The JSON form of a secured credential is the VC-JOSE `EnvelopedVerifiableCredential`
(`{"@context", "type": "EnvelopedVerifiableCredential", "id": "data:application/vc+jwt,<JWS>"}`);
`extract_token` reads a JWS from it, from a bare JWS, or from JSON with the JWS in a known place.
"""

from __future__ import annotations

import base64
import binascii
import json
import warnings
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from joserfc import jws
from joserfc.errors import BadSignatureError, JoseError, SecurityWarning
from joserfc.jwk import OKPKey

VC_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_CONTEXTS = [VC_CONTEXT, OB_CONTEXT]
SCHEMA_URL = (
    "https://purl.imsglobal.org/spec/ob/v3p0/schema/json/ob_v3p0_achievementcredential_schema.json"
)
SCHEMA_TYPE = "1EdTechJsonSchemaValidator2019"
ALGORITHM = "EdDSA"
ACCEPTED_ALGORITHMS = ("EdDSA", "Ed25519")
MEDIA_TYPE = "application/vc+jwt"
ENVELOPE_PREFIX = f"data:{MEDIA_TYPE},"
# A credential or a pasted text longer than this is refused unread.
MAX_TOKEN = 200_000


@contextmanager
def _quiet_eddsa() -> Iterator[None]:
    # Only joserfc's deprecation notice of the "EdDSA" name (see the module's docstring).
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SecurityWarning)
        yield


@dataclass(frozen=True)
class Issuer:
    """The issuing organization's OB 3.0 `Profile`."""

    id: str
    name: str
    url: str = ""
    email: str = ""
    description: str = ""

    def as_json(self) -> dict[str, Any]:
        profile: dict[str, Any] = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.url:
            profile["url"] = self.url
        if self.email:
            profile["email"] = self.email
        if self.description:
            profile["description"] = self.description
        return profile


@dataclass(frozen=True)
class Alignment:
    target_name: str
    target_url: str
    target_framework: str = ""
    target_code: str = ""
    target_description: str = ""

    def as_json(self) -> dict[str, Any]:
        alignment: dict[str, Any] = {
            "type": ["Alignment"],
            "targetName": self.target_name,
            "targetUrl": self.target_url,
        }
        for key, value in (
            ("targetFramework", self.target_framework),
            ("targetCode", self.target_code),
            ("targetDescription", self.target_description),
        ):
            if value:
                alignment[key] = value
        return alignment


@dataclass(frozen=True)
class AchievementInfo:
    """An OB 3.0 `Achievement`."""

    id: str
    name: str
    description: str
    criteria: str
    achievement_type: str = "Badge"
    image: str = ""
    alignments: tuple[Alignment, ...] = ()
    creator: Issuer | None = None

    def as_json(self) -> dict[str, Any]:
        achievement: dict[str, Any] = {
            "id": self.id,
            "type": ["Achievement"],
            "name": self.name,
            "description": self.description,
            "criteria": {"narrative": self.criteria},
            "achievementType": self.achievement_type,
        }
        if self.image:
            achievement["image"] = {"id": self.image, "type": "Image"}
        if self.alignments:
            achievement["alignment"] = [a.as_json() for a in self.alignments]
        if self.creator is not None:
            achievement["creator"] = self.creator.as_json()
        return achievement


@dataclass(frozen=True)
class StatusEntry:
    """Where the credential's revocation bit is: a `BitstringStatusListEntry`."""

    list_url: str
    index: int
    purpose: str = "revocation"

    def as_json(self) -> dict[str, Any]:
        return {
            "id": f"{self.list_url}#{self.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": self.purpose,
            "statusListIndex": str(self.index),
            "statusListCredential": self.list_url,
        }


def timestamp(moment: datetime) -> str:
    """An XML Schema dateTimeStamp in UTC, to the second: "2026-12-07T14:00:00Z"."""
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def build_credential(
    *,
    credential_id: str,
    issuer: Issuer,
    achievement: AchievementInfo,
    identity_hash: str,
    salt: str,
    valid_from: datetime,
    valid_until: datetime | None = None,
    status: StatusEntry | None = None,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential of one award: the recipient only as a salted hash."""
    credential: dict[str, Any] = {
        "@context": list(OB_CONTEXTS),
        "id": credential_id,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "issuer": issuer.as_json(),
        "validFrom": timestamp(valid_from),
        "name": achievement.name,
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash,
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": achievement.as_json(),
        },
        "credentialSchema": [{"id": SCHEMA_URL, "type": SCHEMA_TYPE}],
    }
    if valid_until is not None:
        credential["validUntil"] = timestamp(valid_until)
    if status is not None:
        credential["credentialStatus"] = status.as_json()
    return credential


# The JWT registered claims OB 3.0's JSON Web Token proof format (section 8.2.6) asks of a
# signed credential, beside its own properties; what each repeats of the credential.
JWT_CLAIMS = ("iss", "jti", "nbf", "exp", "sub")


def registered_claims(document: Mapping[str, Any]) -> dict[str, Any]:
    """`iss` the issuer's id, `jti` the credential's id, `nbf` and `exp` its validity period
    as NumericDates, `sub` the subject's id when it has one."""
    claims: dict[str, Any] = {}
    issuer = issuer_id(document)
    if issuer:
        claims["iss"] = issuer
    if isinstance(document.get("id"), str):
        claims["jti"] = document["id"]
    for claim, source in (("nbf", "validFrom"), ("exp", "validUntil")):
        moment = parse_time(document.get(source))
        if moment is not None:
            claims[claim] = int(moment.timestamp())
    subject = document.get("credentialSubject")
    if isinstance(subject, Mapping) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    return claims


def sign(document: Mapping[str, Any], key: OKPKey, kid: str, *, typ: str = "vc+jwt") -> str:
    """The document as a VC-JOSE compact JWS signed with the Ed25519 `key`, with the JWT claims
    OB 3.0 requires (`registered_claims`) beside the credential's properties."""
    header = {"alg": ALGORITHM, "kid": kid, "typ": typ, "cty": typ.removesuffix("+jwt")}
    body = {**document, **registered_claims(document)}
    payload = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    with _quiet_eddsa():
        return jws.serialize_compact(header, payload, key, algorithms=[ALGORITHM])


# --- reading and verifying ---------------------------------------------------------------------

MALFORMED = "malformed"
UNSIGNED = "unsigned"
UNKNOWN_KEY = "unknown_key"
BAD_SIGNATURE = "bad_signature"
NOT_YET_VALID = "not_yet_valid"
EXPIRED = "expired"
REVOKED = "revoked"
NOT_A_BADGE = "not_a_badge"

WORDS = {
    MALFORMED: "This is not a credential that can be read: it is neither a signed token (JWS) "
    "nor JSON holding one.",
    UNSIGNED: "The credential carries no signature that can be checked.",
    UNKNOWN_KEY: "The key that signed it is not one this issuer published.",
    BAD_SIGNATURE: "The signature does not match: the credential was changed after it was "
    "signed, or signed by someone else.",
    NOT_YET_VALID: "The credential is not valid yet.",
    EXPIRED: "The credential has expired.",
    REVOKED: "The issuer has revoked the credential.",
    NOT_A_BADGE: "The signed document is not an Open Badges 3.0 credential.",
}


@dataclass(frozen=True)
class Problem:
    code: str
    words: str


def problem(code: str) -> Problem:
    return Problem(code, WORDS[code])


@dataclass
class Result:
    """What verification found: `problems` is empty when the credential is valid."""

    token: str = ""
    header: dict[str, Any] = field(default_factory=dict)
    credential: dict[str, Any] | None = None
    problems: list[Problem] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.problems and self.credential is not None

    @property
    def codes(self) -> list[str]:
        return [p.code for p in self.problems]


def _b64decode(part: str) -> bytes:
    return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))


def _looks_compact(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 3 and all(parts[:2]) and all(c.isalnum() or c in "-_." for c in text)


def extract_token(text: str | bytes) -> str | None:
    """The compact JWS in `text`: a bare JWS, an EnvelopedVerifiableCredential, or JSON with the
    JWS as a plain string; None when there is none (an unsigned or unreadable document)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            return None
    text = text.strip()
    if len(text) > MAX_TOKEN:
        return None
    if _looks_compact(text):
        return text
    try:
        document = json.loads(text)
    except ValueError:
        return None
    if isinstance(document, str) and _looks_compact(document.strip()):
        return document.strip()
    if isinstance(document, dict):
        wrapped = document.get("id")
        if isinstance(wrapped, str) and wrapped.startswith(ENVELOPE_PREFIX):
            inner = wrapped.removeprefix(ENVELOPE_PREFIX).strip()
            return inner if _looks_compact(inner) else None
    return None


def unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]] | None:
    """The header and the credential of a compact JWS, UNCHECKED (the credential without the
    JWT claims `sign` adds); None if they are not JSON objects."""
    try:
        head, body, _ = token.split(".")
        header = json.loads(_b64decode(head))
        payload = json.loads(_b64decode(body))
    except (ValueError, binascii.Error):
        return None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        return None
    return header, credential_of(payload)


def credential_of(payload: Mapping[str, Any]) -> dict[str, Any]:
    """The credential a signed payload carries: its properties without the JWT claims."""
    return {name: value for name, value in payload.items() if name not in JWT_CLAIMS}


def _types(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, Sequence):
        return [v for v in value if isinstance(v, str)]
    return []


def issuer_id(credential: Mapping[str, Any]) -> str:
    issuer = credential.get("issuer")
    if isinstance(issuer, str):
        return issuer
    if isinstance(issuer, Mapping) and isinstance(issuer.get("id"), str):
        return str(issuer["id"])
    return ""


def parse_time(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


KeyResolver = Callable[[str, str], OKPKey | None]
StatusChecker = Callable[[Mapping[str, Any]], bool | None]


def verify(
    text: str | bytes,
    key_resolver: KeyResolver,
    *,
    now: datetime,
    is_revoked: StatusChecker | None = None,
) -> Result:
    """Check a credential: its form, the issuer's key (`key_resolver(kid, issuer id)` returns the
    issuer's published key or None), the signature, the validity period and, with `is_revoked`
    (the credentialStatus -> revoked?, None when unknown), the revocation status. Never raises
    on bad input: every fault is a `Problem`."""
    token = extract_token(text)
    if token is None:
        return Result(problems=[problem(_why_unreadable(text))])
    parts = unverified(token)
    if parts is None:
        return Result(token=token, problems=[problem(MALFORMED)])
    header, claimed = parts
    result = Result(token=token, header=header)
    kid = header.get("kid")
    alg = header.get("alg")
    if not isinstance(kid, str) or alg not in ACCEPTED_ALGORITHMS:
        result.problems.append(problem(UNKNOWN_KEY))
        return result
    key = key_resolver(kid, issuer_id(claimed))
    if key is None:
        result.problems.append(problem(UNKNOWN_KEY))
        return result
    try:
        with _quiet_eddsa():
            signed = jws.deserialize_compact(token, key, algorithms=[str(alg)])
    except BadSignatureError:
        result.problems.append(problem(BAD_SIGNATURE))
        return result
    except (JoseError, ValueError):
        result.problems.append(problem(MALFORMED))
        return result
    try:
        payload = json.loads(signed.payload)
    except ValueError:
        payload = None
    if not isinstance(payload, dict):
        result.problems.append(problem(MALFORMED))
        return result
    credential = credential_of(payload)
    claims = {name: payload[name] for name in JWT_CLAIMS if name in payload}
    if any(
        claims[name] != value
        for name, value in registered_claims(credential).items()
        if name in claims
    ):
        # the claims must repeat the credential: a token whose "exp" says later than its
        # "validUntil" is not one we signed
        result.problems.append(problem(MALFORMED))
        return result
    result.credential = credential
    if "OpenBadgeCredential" not in _types(credential.get("type")):
        result.problems.append(problem(NOT_A_BADGE))
    valid_from = parse_time(credential.get("validFrom"))
    valid_until = parse_time(credential.get("validUntil"))
    if valid_from is None:
        result.problems.append(problem(NOT_A_BADGE))
    elif valid_from > now:
        result.problems.append(problem(NOT_YET_VALID))
    if valid_until is not None and valid_until < now:
        result.problems.append(problem(EXPIRED))
    status = credential.get("credentialStatus")
    if is_revoked is not None and isinstance(status, Mapping) and is_revoked(status):
        result.problems.append(problem(REVOKED))
    return result


def _why_unreadable(text: str | bytes) -> str:
    # An unsigned credential (JSON with an OpenBadgeCredential type but no JWS) says so.
    try:
        document = json.loads(text)
    except (ValueError, UnicodeDecodeError):
        return MALFORMED
    if isinstance(document, dict) and "OpenBadgeCredential" in _types(document.get("type")):
        return UNSIGNED
    return MALFORMED


def envelope(token: str) -> dict[str, Any]:
    """The JSON form of a secured credential: a VC-JOSE EnvelopedVerifiableCredential."""
    return {
        "@context": [VC_CONTEXT],
        "id": ENVELOPE_PREFIX + token,
        "type": "EnvelopedVerifiableCredential",
    }
