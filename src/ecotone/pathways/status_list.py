"""W3C Bitstring Status List v1.0 (Django-free): the revocation bits of an ecosystem's badges.

- The list is a string of bits, at least 131,072 long (16 KiB, the spec's minimum, so that a
  list reveals little about any one holder). Bit `i` is the `i`-th bit counting from the most
  significant bit of the first byte (the spec's order); set means revoked.
- `encode` gives the `encodedList`: the bits GZIP-compressed (mtime 0, so that one list always
  encodes alike), then multibase base64url without padding ("u" prefix). `decode` reverses it.
- `pick_free` chooses where a new credential's bit goes: a RANDOM index among those no credential
  uses, so that the index of a credential does not tell the order of issue (nor how many were
  issued before it). The list grows by `MIN_BITS` when it is full.
- `status_credential` is the `BitstringStatusListCredential` that publishes the list.
"""

from __future__ import annotations

import base64
import gzip
import random
import zlib
from collections.abc import Container
from datetime import datetime
from typing import Any

MIN_BITS = 131_072
MULTIBASE_BASE64URL = "u"
# Read no more than this from a gzip stream: a status list is never larger (16 Mbit).
MAX_BYTES = 2 * 1024 * 1024


class StatusListError(ValueError):
    """An encoded list that cannot be read."""


def new(size: int = MIN_BITS) -> bytes:
    """An empty list of `size` bits (rounded up to whole bytes, at least MIN_BITS)."""
    return bytes((max(size, MIN_BITS) + 7) // 8)


def size(bits: bytes) -> int:
    return len(bits) * 8


def get(bits: bytes, index: int) -> bool:
    if not 0 <= index < size(bits):
        raise IndexError(index)
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def put(bits: bytes, index: int, value: bool = True) -> bytes:
    """The list with bit `index` set (or cleared)."""
    if not 0 <= index < size(bits):
        raise IndexError(index)
    data = bytearray(bits)
    mask = 0x80 >> (index % 8)
    if value:
        data[index // 8] |= mask
    else:
        data[index // 8] &= ~mask & 0xFF
    return bytes(data)


def grow(bits: bytes) -> bytes:
    return bits + bytes(MIN_BITS // 8)


def encode(bits: bytes) -> str:
    compressed = gzip.compress(bits, mtime=0)
    return MULTIBASE_BASE64URL + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    """The bits of an `encodedList`; StatusListError when it is not one."""
    if not encoded.startswith(MULTIBASE_BASE64URL):
        raise StatusListError("not multibase base64url")
    body = encoded[1:]
    try:
        compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
        inflater = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
        bits = inflater.decompress(compressed, MAX_BYTES)
    except (ValueError, zlib.error) as error:
        raise StatusListError(str(error)) from error
    if inflater.unconsumed_tail or not inflater.eof:
        raise StatusListError("not a complete gzip stream, or too large")
    if len(bits) * 8 < MIN_BITS:
        raise StatusListError("shorter than the minimum of 131,072 bits")
    return bits


_random = random.SystemRandom()


def pick_free(
    used: Container[int], length: int, rng: random.Random | None = None, *, scan: bool = True
) -> int | None:
    """A random index in [0, length) that is not `used`; None when every index is (or, with
    `scan` false, when 32 random draws all missed).

    Random draws first (fast while the list is sparse); after a few misses a scan from a random
    start, so a nearly full list still finds its last free indexes."""
    rng = rng or _random
    for _ in range(32):
        index = rng.randrange(length)
        if index not in used:
            return index
    if not scan:
        return None
    start = rng.randrange(length)
    for offset in range(length):
        index = (start + offset) % length
        if index not in used:
            return index
    return None


def status_credential(
    *,
    list_url: str,
    issuer: dict[str, Any] | str,
    bits: bytes,
    valid_from: datetime,
    valid_until: datetime | None = None,
    purpose: str = "revocation",
) -> dict[str, Any]:
    """The BitstringStatusListCredential publishing `bits` (unsigned; sign it as any VC)."""
    from .openbadges import VC_CONTEXT, timestamp

    credential: dict[str, Any] = {
        "@context": [VC_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer,
        "validFrom": timestamp(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": purpose,
            "encodedList": encode(bits),
        },
    }
    if valid_until is not None:
        credential["validUntil"] = timestamp(valid_until)
    return credential
