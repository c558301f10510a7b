"""openbadges.verify never raises, whatever it is given (Django-free, no database)."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from joserfc.jwk import OKPKey

from ecotone.pathways import openbadges

KEY = OKPKey.generate_key("Ed25519", auto_kid=True)
NOW = datetime(2026, 12, 7, tzinfo=UTC)


def _resolve(kid: str, issuer: str) -> OKPKey | None:
    return KEY if kid == "k" else None


def _b64(value: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(st.text(max_size=300) | st.binary(max_size=300))
def test_any_text_is_a_result_not_an_error(text: str | bytes) -> None:
    result = openbadges.verify(text, _resolve, now=NOW)
    assert not result.valid
    assert result.problems


@settings(max_examples=60, deadline=None)
@given(JSON, JSON, st.text(alphabet="abcdefghijklmnopqrstuvwxyz_-", max_size=90))
def test_any_well_formed_token_is_a_result_not_an_error(
    header: Any, payload: Any, sig: str
) -> None:
    if isinstance(header, dict):
        header = {**header, "alg": "EdDSA", "kid": "k"}
    token = f"{_b64(header)}.{_b64(payload)}.{sig or 'x'}"
    result = openbadges.verify(token, _resolve, now=NOW)
    assert not result.valid
    assert result.problems


@settings(max_examples=40, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["validFrom", "validUntil", "credentialStatus", "type", "issuer"]),
        JSON,
        max_size=5,
    )
)
def test_signed_odd_credentials_are_judged_not_raised(fields: dict[str, Any]) -> None:
    token = openbadges.sign(fields, KEY, "k")
    result = openbadges.verify(token, _resolve, now=NOW, is_revoked=lambda status: True)
    assert result.credential == fields
    assert not result.valid


def test_a_good_credential_verifies_and_a_tampered_one_does_not() -> None:
    document = {
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "validFrom": "2026-01-01T00:00:00Z",
    }
    token = openbadges.sign(document, KEY, "k")
    assert openbadges.verify(token, _resolve, now=NOW).valid
    assert openbadges.verify(json.dumps(openbadges.envelope(token)), _resolve, now=NOW).valid
    head, _, sig = token.split(".")
    forged = _b64({**document, "validFrom": "2025-01-01T00:00:00Z"})
    assert openbadges.verify(f"{head}.{forged}.{sig}", _resolve, now=NOW).codes == [
        openbadges.BAD_SIGNATURE
    ]
    assert openbadges.verify(token, lambda kid, issuer: None, now=NOW).codes == [
        openbadges.UNKNOWN_KEY
    ]
