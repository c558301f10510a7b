"""How a badge's recipient is identified without keeping their address.

- `lookup(email)`: HMAC-SHA-256, keyed by the deployment's `BADGE_LOOKUP_KEY`, of the normalised
  address, in hex. Stored in `Award.recipient_lookup` / `holder_lookup`: a signed-in learner's
  badges are those whose lookup equals `lookup()` of their VERIFIED address. Keyed, so that a
  copy of the database alone cannot test guessed addresses against it.
- `identity_hash(email, salt)`: the Open Badges 3.0 `IdentityObject` hash written into the
  credential, "sha256$" + hex SHA-256 of the normalised address followed by the salt (OB 3.0,
  IdentityObject: `hashed` true, `salt` published beside it). Anyone who knows the address can
  check it; the salt, random per credential, keeps two credentials of one person unlinkable.

Normalising: surrounding spaces dropped and the whole address lower-cased (mail providers treat
the local part case-insensitively in practice; a learner who types "Ana@X.org" finds badges
sent to "ana@x.org").
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from django.conf import settings

HASH_PREFIX = "sha256$"


def normalise(email: str) -> str:
    return email.strip().lower()


def lookup(email: str) -> str:
    """The keyed hash of an address (64 hex characters); "" for an empty address."""
    address = normalise(email)
    if not address:
        return ""
    key = str(settings.BADGE_LOOKUP_KEY).encode()
    return hmac.new(key, address.encode(), hashlib.sha256).hexdigest()


def verified_lookups(user: Any) -> list[str]:
    """The lookups of a signed-in person's VERIFIED addresses: their badges are the awards whose
    `recipient_lookup` or `holder_lookup` is one of these. An unverified address finds nothing
    (anybody can type an address at sign-up)."""
    from allauth.account.models import EmailAddress

    if not getattr(user, "is_authenticated", False):
        return []
    addresses = EmailAddress.objects.filter(user=user, verified=True).values_list(
        "email", flat=True
    )
    return sorted({lookup(address) for address in addresses} - {""})


def new_salt() -> str:
    """A fresh salt for one credential's identity hash (128 random bits, hex)."""
    return secrets.token_hex(16)


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0's hashed identity: "sha256$<hex of sha256(normalised address + salt)>"."""
    digest = hashlib.sha256((normalise(email) + salt).encode()).hexdigest()
    return HASH_PREFIX + digest


def matches(email: str, hashed: str, salt: str) -> bool:
    """Whether `hashed` (an IdentityObject's identityHash) is this address's, in constant time."""
    return hmac.compare_digest(identity_hash(email, salt), hashed)
