"""An ecosystem's issuer keys: Ed25519, one active at a time, private halves encrypted at rest.

- Generation: `active_key(ecosystem)` creates the ecosystem's first key on first use (joserfc's
  `OKPKey`, curve Ed25519). Its `kid` is the RFC 7638 thumbprint of the public key.
- At rest: the private key (PKCS#8 DER) is encrypted with Fernet (AES-128-CBC + HMAC-SHA-256,
  cryptography) under a key derived by HKDF-SHA-256 from the setting `BADGE_KEY_SECRET`. The
  database (and its backups) thus holds only ciphertext; the secret must be backed up on its
  own (docs/badges.md).
- Rotation: `rotate(actor, ecosystem)` retires the active key (it stays published, so that what
  it signed still verifies) and makes a new one. A retired key never signs again. Both changes
  are in the ecosystem's change history, with who rotated (pathways/audit.py).
- Publication: `jwks(ecosystem)` is the JWK set of every key of the ecosystem, active or
  retired; `key_url(key)` is the address of one key, which the credentials name as their `kid`.
"""

from __future__ import annotations

import base64
from typing import Any

from auditlog.context import set_actor
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from joserfc.jwk import OKPKey

from ecotone.ecosystems.models import Ecosystem

from .models import IssuerKey


def _fernet() -> Fernet:
    secret = str(settings.BADGE_KEY_SECRET).encode()
    derived = HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=b"ecotone issuer keys fernet v1"
    ).derive(secret)
    return Fernet(base64.urlsafe_b64encode(derived))


def _encrypt(key: OKPKey) -> bytes:
    der = key.private_key.private_bytes(  # type: ignore[union-attr]
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return _fernet().encrypt(der)


class KeyUnavailableError(Exception):
    """The private key cannot be decrypted: BADGE_KEY_SECRET is not the one it was stored with."""


def private_key(issuer_key: IssuerKey) -> OKPKey:
    """The signing key, decrypted, with its kid."""
    try:
        der = _fernet().decrypt(bytes(issuer_key.private_key))
    except InvalidToken as error:
        raise KeyUnavailableError(issuer_key.kid) from error
    return OKPKey.import_key(der, {"kid": issuer_key.kid})


def public_jwk(issuer_key: IssuerKey) -> dict[str, Any]:
    """The published JWK: public half only, with kid, use and alg."""
    return {**issuer_key.public_jwk, "kid": issuer_key.kid, "use": "sig", "alg": "EdDSA"}


def _create(ecosystem: Ecosystem) -> IssuerKey:
    key = OKPKey.generate_key("Ed25519", auto_kid=True)
    public = {k: v for k, v in key.as_dict(private=False).items() if k in ("kty", "crv", "x")}
    return IssuerKey.objects.create(
        ecosystem=ecosystem,
        kid=str(key.kid),
        public_jwk=public,
        private_key=_encrypt(key),
    )


def active_key(ecosystem: Ecosystem) -> IssuerKey:
    """The ecosystem's signing key, made on first use."""
    found = IssuerKey.objects.filter(ecosystem=ecosystem, retired_at__isnull=True).first()
    if found is not None:
        return found
    try:
        with transaction.atomic():
            return _create(ecosystem)
    except IntegrityError:  # another request made it first (one active key per ecosystem)
        return IssuerKey.objects.get(ecosystem=ecosystem, retired_at__isnull=True)


def rotate(actor: Any, ecosystem: Ecosystem) -> IssuerKey:
    """Retire the active key (kept, published, for verification) and make a new one."""
    with set_actor(actor), transaction.atomic():
        # Lock the ecosystem's row: two rotations at once would retire one key twice.
        Ecosystem.objects.select_for_update().filter(pk=ecosystem.pk).first()
        # one by one (there is one), so that the change history records the retirement
        for active in IssuerKey.objects.filter(ecosystem=ecosystem, retired_at__isnull=True):
            active.retired_at = timezone.now()
            active.save(update_fields=["retired_at"])
        return _create(ecosystem)


def keys_of(ecosystem: Ecosystem) -> list[IssuerKey]:
    return list(IssuerKey.objects.filter(ecosystem=ecosystem).order_by("-created_at", "-pk"))


def jwks(ecosystem: Ecosystem) -> dict[str, Any]:
    """The JWK set of the ecosystem's keys, active and retired."""
    return {"keys": [public_jwk(k) for k in keys_of(ecosystem)]}


def key_url(issuer_key: IssuerKey) -> str:
    """The public address of one key (a JWK): the `kid` the credentials carry."""
    path = reverse("badges:key", args=[issuer_key.ecosystem.slug, issuer_key.kid])
    return str(settings.SITE_URL).rstrip("/") + path


def find(kid: str) -> IssuerKey | None:
    """The key a credential names: its key URL or bare kid (the last path segment)."""
    bare = kid.rstrip("/").rsplit("/", 1)[-1]
    if not bare or len(bare) > 64:
        return None
    return IssuerKey.objects.select_related("ecosystem").filter(kid=bare).first()
