"""Conformance of the credentials: an independent JWS implementation (PyJWT) accepts them with
only the published JWK; tampering breaks them; the status list and baking round-trip; the
pages and the API answer any input."""

from __future__ import annotations

import base64
import io
import json
import random
from collections.abc import Iterator
from typing import Any

import jwt
import pytest
from django.db import transaction
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from ecotone.pathways import baking, keys, openbadges, status_list
from ecotone.pathways.services import awards
from ecotone.pathways.services.awards import Recipient
from tests.conftest import World, build_world
from tests.pathways.builders_bcore import make_achievement

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[tuple[World, Any]]:
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        made = awards.award(
            None, make_achievement(world), Recipient("ana@example.org"), notify=False
        )
        yield world, made
        transaction.set_rollback(True)


@pytest.fixture
def made(built: tuple[World, Any], db: None) -> Any:
    return built[1]


def test_pyjwt_verifies_with_only_the_published_jwk(made: Any) -> None:
    client = Client()
    header = jwt.get_unverified_header(made.credential)
    # the kid is the key's public address: fetch it as any verifier would
    path = header["kid"].split("://", 1)[1].split("/", 1)[1]
    published = client.get("/" + path).json()
    assert "d" not in published  # never the private half
    key = jwt.PyJWK(published)
    payload = jwt.decode(made.credential, key.key, algorithms=["EdDSA"])
    assert payload["id"] == f"urn:uuid:{made.public_id}"
    assert "OpenBadgeCredential" in payload["type"]
    # the JWK set lists the same key
    kids = [k["kid"] for k in client.get("/e/alpha/badges/keys/").json()["keys"]]
    assert published["kid"] in kids


def _flip(text: str, at: int) -> str:
    swapped = "A" if text[at] != "A" else "B"
    return text[:at] + swapped + text[at + 1 :]


def test_tampering_with_payload_or_subject_fails(made: Any) -> None:
    head, body, signature = made.credential.split(".")
    # one character of the payload
    tampered = f"{head}.{_flip(body, len(body) // 2)}.{signature}"
    assert not awards.verify(tampered).valid
    # the subject's hash replaced, re-encoded: a well-formed credential, a bad signature
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["credentialSubject"]["identifier"][0]["identityHash"] = "sha256$" + "0" * 64
    forged = base64.urlsafe_b64encode(json.dumps(payload).encode()).decode().rstrip("=")
    result = awards.verify(f"{head}.{forged}.{signature}")
    assert result.codes == [openbadges.BAD_SIGNATURE]
    found = keys.find(jwt.get_unverified_header(made.credential)["kid"])
    assert found is not None
    published = keys.public_jwk(found)
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(f"{head}.{forged}.{signature}", jwt.PyJWK(published).key, algorithms=["EdDSA"])


def test_a_key_of_another_ecosystem_is_unknown(made: Any, built: tuple[World, Any]) -> None:
    world = built[0]
    other = keys.active_key(world.beta)
    other.ecosystem = world.beta
    # beta's key signing a credential that claims alpha's issuer
    _, body, _ = made.credential.split(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    token = openbadges.sign(payload, keys.private_key(other), keys.key_url(other))
    assert awards.verify(token).codes == [openbadges.UNKNOWN_KEY]


def test_rotation_keeps_old_credentials_verifiable(made: Any, built: tuple[World, Any]) -> None:
    world = built[0]
    before = keys.active_key(world.alpha)
    after = keys.rotate(world.users["admin"], world.alpha)
    assert after.kid != before.kid
    assert awards.verify(made.credential).valid
    assert len(keys.jwks(world.alpha)["keys"]) == 2
    newer = awards.award(None, made.achievement, Recipient("b@example.org"), notify=False)
    assert jwt.get_unverified_header(newer.credential)["kid"].endswith(f"/{after.kid}/")


def test_the_downloads_and_the_baked_png(made: Any) -> None:
    client = Client()
    wrapped = client.get(f"/badges/{made.public_id}/credential.json").json()
    assert wrapped["type"] == "EnvelopedVerifiableCredential"
    assert awards.verify(json.dumps(wrapped)).valid
    png = client.get(f"/badges/{made.public_id}/badge.png").content
    assert baking.unbake(png) == made.credential
    # the public verify page reads the PNG upload
    upload = io.BytesIO(png)
    upload.name = "badge.png"
    page = client.post("/badges/verify/", {"file": upload})
    assert page.status_code == 200
    assert "genuine" in page.content.decode()
    page = client.get(f"/badges/{made.public_id}/")
    assert "Robot Builder" in page.content.decode()


def test_the_status_list_credential_is_signed_and_readable(made: Any) -> None:
    response = Client().get("/e/alpha/badges/issuers/robotics-for-all/status/")
    assert response["Content-Type"] == "application/vc+jwt"
    parts = openbadges.unverified(response.content.decode())
    assert parts is not None
    # signed by the ecosystem's key, checkable with the published JWK alone
    token = response.content.decode()
    found = keys.find(jwt.get_unverified_header(token)["kid"])
    assert found is not None
    listed = jwt.decode(token, jwt.PyJWK(keys.public_jwk(found)).key, algorithms=["EdDSA"])
    assert listed["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert response["Cache-Control"] == "public, max-age=300"
    bits = status_list.decode(parts[1]["credentialSubject"]["encodedList"])
    assert status_list.size(bits) >= status_list.MIN_BITS
    assert not status_list.get(bits, made.status_index)


@pytest.mark.parametrize(
    "body",
    ["", "garbage", "{}", '{"id": "data:application/vc+jwt,x.y.z"}', "a" * 10, "ey.ey.ey"],
)
def test_the_api_answers_any_text(body: str) -> None:
    response = Client().post(
        "/api/v1/badges/verify/", {"credential": body or " "}, content_type="application/json"
    )
    if not body.strip():
        assert response.status_code == 400
        return
    assert response.status_code == 200
    assert response.json()["valid"] is False
    assert response.json()["problems"]


def test_the_api_verifies_a_real_credential(made: Any) -> None:
    response = Client().post(
        "/api/v1/badges/verify/", {"credential": made.credential}, content_type="application/json"
    )
    data = response.json()
    assert data["valid"] is True
    assert data["achievement"] == "Robot Builder"
    assert data["identity_hash"].startswith("sha256$")


def test_the_verify_page_refuses_garbage_files_politely() -> None:
    client = Client()
    for name, content in (
        ("x.png", b"\x89PNG\r\n\x1a\nbroken"),
        ("x.json", b"\xff\x00"),
        ("x.jwt", b"a.b.c"),
    ):
        upload = io.BytesIO(content)
        upload.name = name
        response = client.post("/badges/verify/", {"file": upload})
        assert response.status_code == 200, name


# --- Django-free algorithms ------------------------------------------------------------------


@settings(max_examples=15, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=status_list.MIN_BITS - 1), max_size=50))
def test_status_list_bits_read_back_and_round_trip(indexes: set[int]) -> None:
    bits = status_list.new()
    for index in indexes:
        bits = status_list.put(bits, index)
    decoded = status_list.decode(status_list.encode(bits))
    assert decoded == bits
    assert status_list.size(decoded) >= status_list.MIN_BITS
    assert {i for i in indexes if status_list.get(decoded, i)} == indexes
    for probe in random.Random(len(indexes)).sample(range(status_list.MIN_BITS), 20):
        assert status_list.get(decoded, probe) == (probe in indexes)


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=300_000))
def test_status_list_is_never_below_the_minimum(size: int) -> None:
    assert status_list.size(status_list.new(size)) >= max(size, status_list.MIN_BITS)


def test_status_list_bit_order_is_the_specs() -> None:
    # index 0 is the most significant bit of the first byte
    assert status_list.put(status_list.new(), 0)[0] == 0x80
    assert status_list.put(status_list.new(), 9)[1] == 0x40


def test_status_list_decoding_refuses_bad_input() -> None:
    for bad in (
        "",
        "zabc",
        "u!!!",
        "u" + base64.urlsafe_b64encode(b"nope").decode(),
        status_list.encode(b"\x00" * 10),
    ):
        with pytest.raises(status_list.StatusListError):
            status_list.decode(bad)


@settings(max_examples=30, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=63), max_size=64))
def test_pick_free_never_picks_a_used_index(used: set[int]) -> None:
    picked = status_list.pick_free(used, 64, random.Random(7))
    if len(used) == 64:
        assert picked is None
    else:
        assert picked is not None
        assert picked not in used


def test_baking_keeps_the_image_and_reads_back() -> None:
    out = io.BytesIO()
    Image.new("RGBA", (40, 30), (1, 2, 3, 255)).save(out, format="PNG")
    baked = baking.bake("a.b.c", out.getvalue())
    assert baking.unbake(baked) == "a.b.c"
    assert Image.open(io.BytesIO(baked)).size == (40, 30)
    # a second bake replaces the first
    assert baking.unbake(baking.bake("d.e.f", baked)) == "d.e.f"
    # not a PNG: a plain one
    assert Image.open(io.BytesIO(baking.bake("x.y.z", b"GIF89a"))).size == (256, 256)
    with pytest.raises(baking.NotABadgeError):
        baking.unbake(baking.plain_png())


def test_the_png_download_uses_the_achievements_image(made: Any) -> None:
    from django.core.files.base import ContentFile

    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 10, 10)).save(out, format="PNG")
    achievement = made.achievement
    achievement.image.save("robot.png", ContentFile(out.getvalue()))
    png = Client().get(f"/badges/{made.public_id}/badge.png").content
    assert Image.open(io.BytesIO(png)).size == (64, 48)
    assert baking.unbake(png) == made.credential


def _fetch(url: str) -> bytes:
    """What a verifier elsewhere downloads: the address served by this site."""
    path = "/" + url.split("://", 1)[1].split("/", 1)[1]
    response = Client().get(path)
    assert response.status_code == 200, url
    return bytes(response.content)


def test_an_independent_open_badges_verifier_accepts_it_and_sees_a_revocation(
    made: Any,
) -> None:
    """openbadgeslib, an Open Badges 3.0 implementation of its own, given only the published
    public key and the status list it downloads: it checks the signature, the credential's
    types, its validity window and the revocation bit."""
    from cryptography.hazmat.primitives import serialization
    from openbadgeslib.ob3.verifier import OB3VerificationError, OB3Verifier

    header = jwt.get_unverified_header(made.credential)
    published = json.loads(_fetch(header["kid"]))
    public_key = jwt.PyJWK(published).key
    pem = public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    verifier = OB3Verifier(pem)
    checked = verifier.verify(made.credential, check_status=True, download=_fetch)
    assert checked.issuer.id.endswith("/badges/issuers/robotics-for-all/")
    with pytest.raises(OB3VerificationError):
        verifier.verify(_flip(made.credential, 40), download=_fetch)
    awards.revoke(None, made, "Awarded to the wrong person")
    with pytest.raises(OB3VerificationError, match="revocation"):
        verifier.verify(made.credential, check_status=True, download=_fetch)
