"""Unduplicated reach: one encoding of a young person, the same in the browser and here, and
the linkage of partners' rosters through it.

Problem. Partners send rosters of the young people in their programs so that the ecosystem
can count each young person once, but names and birth dates must never leave the partner's
computer. Each row is therefore encoded in the browser, under the ecosystem's linkage secret
that the data steward gives partners out of band, into (a) an exact keyed hash, (b) a
cryptographic long-term key (CLK: a Bloom filter of the name and date pieces, Schnell et al.
2009) that still resembles the CLK of the same person written with a typo, and (c) a coarse
blocking key. The server links rows whose exact hashes are equal, then rows whose CLKs are
similar enough, and decides one person per cluster.

Method.

- Normalisation (`normalise_name`, `normalise_date`, `normalise_record`): Unicode NFKD,
  accents dropped, lower case, a few letters that do not decompose spelled out (ß, æ, ø, ł),
  apostrophes dropped, any other character that is not a letter a space, spaces collapsed; a
  given name's words read through a table of unambiguous nicknames (Bob is Robert,
  `data/linkage_nicknames.json`); the date as YYYY-MM-DD from ISO or US (M/D/YYYY) writing,
  refused with its row and field when it is not a date.
- Secret (`generate_secret`, `parse_secret`, `check_value`): 160 random bits written as 32
  Crockford base-32 characters in groups of four. Every key comes from it by HKDF-SHA-256
  (RFC 5869) under its own `info`; the server keeps only the check value, HKDF under
  `CHECK_INFO`, which tells a mistyped secret without revealing it: finding the secret from it
  means trying 2**160 secrets.
- Exact hash (`exact_hash`): HMAC-SHA-256 under HKDF(secret, `EXACT_INFO`) of the normalised
  given name, family name and birth date joined by U+001F (which normalisation never leaves
  in a field), in hex.
- CLK (`clks`): `clkhash` with the linkage schema `data/linkage_schema.json` (v3, 1,024 bits,
  HMAC-SHA1/HMAC-MD5 double hashing without its singularity, keys by HKDF from the secret):
  bigrams of both names, the year, month and day of birth, the day and month in either order
  (so that a swapped day and month keeps most of the date's bits), and the school's bigrams.
  The browser's encoder (`static/ecotone/roster-encoder.js`) computes the same bits.
- Blocking key (`block_of`, `blocking_key`): the year of birth and the family name's phonetic
  initial (C, K and Q alike, S and Z, I and Y, PH as F), sent as its HMAC-SHA-256 under
  HKDF(secret, `BLOCK_INFO`) cut to 64 bits, so that the server can group rows by it without
  reading it. Two rows are compared by CLK only within a block.
- Linkage (`link`): rows with one exact hash are one person at once; the distinct hashes are
  then compared by Sørensen-Dice similarity of their CLKs within each block with `anonlink`'s
  accelerated similarity, pairs at or above the threshold are candidates, except two hashes
  that share a roster (a roster lists a young person once), and `anonlink`'s greedy solver
  merges candidates from the most similar down, a cluster only when every pair in it is a
  candidate. One cluster is one person.

Complexity. Normalisation and hashing are linear in the rows. Linkage sorts the n exact hashes
(O(n log n)), then compares all pairs within each block: sum over blocks of b**2 CLK
comparisons (each 16 popcounts), which the blocks keep far below n**2, and solves over the c
candidate pairs in O(c log c). Django-free and typed.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
import unicodedata
from array import array
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

DATA = Path(__file__).parent / "data"
SCHEMA_PATH = DATA / "linkage_schema.json"
NICKNAMES_PATH = DATA / "linkage_nicknames.json"

EXACT_INFO = b"ecotone/reach/exact-hash/v1"
CHECK_INFO = b"ecotone/reach/secret-check/v1"
BLOCK_INFO = b"ecotone/reach/block/v1"
FIELD_SEPARATOR = "\x1f"

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford's base 32: no I, L, O, U
SECRET_CHARACTERS = 32  # 160 bits
SECRET_GROUP = 4

# Dice similarity at or above which two CLKs are one person: on the synthetic rosters of
# tests/measures/test_linkage_truth.py (docs/reach.md) it keeps precision and recall above 0.95.
THRESHOLD = 0.85

# Letters NFKD leaves whole, spelled out as a person would type them on a US keyboard.
SPELLED_OUT = {
    "ß": "ss",
    "æ": "ae",
    "œ": "oe",
    "ø": "o",
    "ł": "l",
    "đ": "d",
    "ð": "d",
    "þ": "th",
    "ı": "i",
}
APOSTROPHES = "'’‘`´ʼ"
PHONETIC_INITIAL = {"c": "k", "q": "k", "z": "s", "y": "i"}

Field = Literal["given_name", "family_name", "birth_date", "school", "secret"]
Reason = Literal["empty", "no_letters", "not_a_date", "out_of_range", "not_a_secret"]

REASONS: dict[str, str] = {
    "empty": "is empty",
    "no_letters": "has no letters",
    "not_a_date": "is not a date (write YYYY-MM-DD or M/D/YYYY)",
    "out_of_range": "is not a birth date between 1900 and 2099",
    "not_a_secret": f"is not a linkage secret ({SECRET_CHARACTERS} characters, letters and digits)",
}


class EncodingError(ValueError):
    """A row cannot be encoded: which row, which field and why (`reason`, one of `REASONS`)."""

    def __init__(self, field: Field, reason: Reason, row: int | None = None) -> None:
        self.field = field
        self.reason = reason
        self.row = row
        place = f"row {row}, " if row is not None else ""
        super().__init__(f"{place}{field.replace('_', ' ')} {REASONS[reason]}")


@dataclass(frozen=True)
class Identity:
    """A young person's identifying fields, normalised: what every hash is computed over."""

    given_name: str
    family_name: str
    birth_date: str  # YYYY-MM-DD
    school: str = ""


@cache
def nicknames() -> dict[str, str]:
    with NICKNAMES_PATH.open(encoding="utf-8") as file:
        table: dict[str, str] = json.load(file)["nicknames"]
    return table


@cache
def schema_json() -> dict[str, Any]:
    with SCHEMA_PATH.open(encoding="utf-8") as file:
        schema: dict[str, Any] = json.load(file)
    return schema


def normalise_name(text: str) -> str:
    """Accents, case, punctuation and spacing do not tell two names apart."""
    text = unicodedata.normalize("NFKD", text.lower())
    kept: list[str] = []
    for char in text:
        if unicodedata.category(char) == "Mn" or char in APOSTROPHES:
            continue
        char = SPELLED_OUT.get(char, char)
        kept.append(char if char.isalpha() else " ")
    return " ".join("".join(kept).split())


def normalise_given_name(text: str, table: dict[str, str] | None = None) -> str:
    table = nicknames() if table is None else table
    return " ".join(table.get(word, word) for word in normalise_name(text).split())


_ISO = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})", re.ASCII)
_US = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})", re.ASCII)


def normalise_date(text: str) -> str:
    """A birth date as YYYY-MM-DD, from ISO (2010-03-07) or US (3/7/2010) writing."""
    text = text.strip()
    if not text:
        raise EncodingError("birth_date", "empty")
    if match := _ISO.fullmatch(text):
        year, month, day = (int(part) for part in match.groups())
    elif match := _US.fullmatch(text):
        month, day, year = (int(part) for part in match.groups())
    else:
        raise EncodingError("birth_date", "not_a_date")
    try:
        born = date(year, month, day)
    except ValueError:
        raise EncodingError("birth_date", "not_a_date") from None
    if not 1900 <= born.year <= 2099:
        raise EncodingError("birth_date", "out_of_range")
    return born.isoformat()


def normalise_record(
    given_name: str,
    family_name: str,
    birth_date: str,
    school: str = "",
    *,
    row: int | None = None,
    table: dict[str, str] | None = None,
) -> Identity:
    """A roster row's identifying fields, normalised, or `EncodingError` naming row and field."""
    try:
        identity = Identity(
            given_name=normalise_given_name(given_name, table),
            family_name=normalise_name(family_name),
            birth_date=normalise_date(birth_date),
            school=normalise_name(school),
        )
    except EncodingError as refused:
        raise EncodingError(refused.field, refused.reason, row) from None
    names: tuple[tuple[Field, str, str], ...] = (
        ("given_name", given_name, identity.given_name),
        ("family_name", family_name, identity.family_name),
    )
    for field, raw, normalised in names:
        if not normalised:
            raise EncodingError(field, "no_letters" if raw.strip() else "empty", row)
    return identity


def hkdf(secret: bytes, info: bytes, length: int = 32) -> bytes:
    """HKDF-SHA-256 (RFC 5869) with an empty salt, as Web Crypto's `deriveBits` computes it."""
    pseudo_random_key = hmac.new(b"\0" * 32, secret, hashlib.sha256).digest()
    output, block, counter = b"", b"", 1
    while len(output) < length:
        block = hmac.new(
            pseudo_random_key, block + info + bytes([counter]), hashlib.sha256
        ).digest()
        output += block
        counter += 1
    return output[:length]


def generate_secret() -> str:
    """A new linkage secret, 160 random bits, written in groups: `7K2M-9QXH-...`."""
    text = "".join(secrets.choice(CROCKFORD) for _ in range(SECRET_CHARACTERS))
    return "-".join(text[i : i + SECRET_GROUP] for i in range(0, SECRET_CHARACTERS, SECRET_GROUP))


def parse_secret(text: str) -> bytes:
    """The secret's 20 bytes, whatever its case, spaces and dashes (O read as 0, I and L as 1)."""
    cleaned = (
        re.sub(r"[\s-]", "", text).upper().replace("O", "0").replace("I", "1").replace("L", "1")
    )
    if len(cleaned) != SECRET_CHARACTERS or any(char not in CROCKFORD for char in cleaned):
        raise EncodingError("secret", "not_a_secret")
    number = 0
    for char in cleaned:
        number = number * 32 + CROCKFORD.index(char)
    return number.to_bytes(SECRET_CHARACTERS * 5 // 8, "big")


def check_value(secret: bytes) -> str:
    """What the server keeps of the secret: enough to tell a wrong one, nothing to find it."""
    return hkdf(secret, CHECK_INFO).hex()


def exact_key(secret: bytes) -> bytes:
    return hkdf(secret, EXACT_INFO)


def exact_hash(key: bytes, identity: Identity) -> str:
    """HMAC-SHA-256 of the name and birth date under `exact_key(secret)`, in hex."""
    message = FIELD_SEPARATOR.join((identity.given_name, identity.family_name, identity.birth_date))
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def clk_fields(identity: Identity) -> list[str]:
    """The values the linkage schema's features hash, in its order."""
    year, month, day = identity.birth_date.split("-")
    return [
        identity.given_name,
        identity.family_name,
        year,
        month,
        day,
        " ".join(sorted((month, day))),
        identity.school,
    ]


@cache
def _clkhash_schema() -> Any:
    from clkhash import schema

    return schema.from_json_dict(schema_json())


def clks(identities: Sequence[Identity], secret: bytes) -> list[bytes]:
    """Each identity's CLK, computed by `clkhash` itself (128 bytes, clkhash's bit order)."""
    from clkhash import clk, schema  # imported here: it is slow to import and only hashing needs it

    linkage_schema = schema.from_json_dict(schema_json())
    filters = clk.generate_clks(
        [clk_fields(identity) for identity in identities], linkage_schema, secret
    )
    return [bytes(bloom.tobytes()) for bloom in filters]


def block_of(identity: Identity) -> str:
    """The coarse key rows are blocked by, in clear: `2010-k` for Garcia or Karcia born in 2010."""
    family = identity.family_name
    initial = "f" if family.startswith("ph") else PHONETIC_INITIAL.get(family[0], family[0])
    return f"{identity.birth_date[:4]}-{initial}"


def block_key(secret: bytes) -> bytes:
    return hkdf(secret, BLOCK_INFO)


def blocking_key(key: bytes, identity: Identity) -> str:
    """What is sent of the block: its HMAC under `block_key(secret)`, 16 hex digits."""
    return hmac.new(key, block_of(identity).encode("utf-8"), hashlib.sha256).hexdigest()[:16]


@dataclass(frozen=True)
class Encoded:
    """What a roster row becomes, all the server receives of who the young person is."""

    exact_hash: str
    clk: bytes
    block: str


def encode_roster(
    records: Sequence[tuple[str, str, str, str]], secret: bytes, *, first_row: int = 1
) -> tuple[list[Encoded | None], list[EncodingError]]:
    """Rows of (given name, family name, birth date, school) encoded as the browser encodes
    them (for the demo, tests and benchmarks): None and a refusal for a row that cannot be."""
    key, blocks = exact_key(secret), block_key(secret)
    identities: list[Identity | None] = []
    refused: list[EncodingError] = []
    for row, (given, family, birth, school) in enumerate(records, start=first_row):
        try:
            identities.append(normalise_record(given, family, birth, school, row=row))
        except EncodingError as refusal:
            identities.append(None)
            refused.append(refusal)
    filters = iter(clks([identity for identity in identities if identity is not None], secret))
    encoded = [
        None
        if identity is None
        else Encoded(exact_hash(key, identity), next(filters), blocking_key(blocks, identity))
        for identity in identities
    ]
    return encoded, refused


def link(
    rosters: Sequence[int] | npt.NDArray[np.int64],
    exact: Sequence[str],
    clk_bytes: Sequence[bytes],
    blocks: Sequence[str],
    threshold: float = THRESHOLD,
) -> npt.NDArray[np.int64]:
    """A person number per row: rows of one person share it, numbered in order of first row.

    `rosters` says which roster each row comes from (two different exact hashes on one roster
    are two people), `exact` the rows' exact hashes, `clk_bytes` their CLKs and `blocks` their
    blocking keys; rows with one exact hash must share their block, as encoding gives. Their
    CLKs may differ (the school is in the CLK, not in the exact hash): two people are as similar
    as the most similar of their CLKs, whatever the order of the rows.
    """
    from anonlink.similarities import dice_coefficient_accelerated
    from anonlink.solving import greedy_solve
    from bitarray import bitarray

    rows = len(exact)
    if not rows:
        return np.zeros(0, dtype=np.int64)
    hashes, node_of_row = np.unique(np.asarray(exact), return_inverse=True)
    node_of_row = node_of_row.reshape(-1)
    roster_array = np.asarray(rosters, dtype=np.int64)
    rosters_of: list[set[int]] = [set() for _ in range(len(hashes))]
    for node, roster in zip(node_of_row.tolist(), roster_array.tolist(), strict=True):
        rosters_of[node].add(roster)

    # Each block's distinct (person, CLK) variants.
    by_block: dict[str, dict[tuple[int, bytes], None]] = {}
    for node, block, clk in zip(node_of_row.tolist(), blocks, clk_bytes, strict=True):
        by_block.setdefault(block, {})[node, clk] = None

    best: dict[tuple[int, int], float] = {}
    for variants in by_block.values():
        nodes = [node for node, _ in variants]
        if len(set(nodes)) < 2:
            continue
        filters = []
        for _, clk in variants:
            bloom = bitarray()
            bloom.frombytes(clk)
            filters.append(bloom)
        block_sims, (left, right) = dice_coefficient_accelerated((filters, filters), threshold)
        for sim, i, j in zip(block_sims, left, right, strict=True):
            a, b = nodes[i], nodes[j]
            if a < b and rosters_of[a].isdisjoint(rosters_of[b]) and sim > best.get((a, b), -1.0):
                best[a, b] = sim
    lefts = [a for a, _ in best]
    rights = [b for _, b in best]
    sims = list(best.values())

    node_person = np.arange(len(hashes), dtype=np.int64)
    if sims:
        order = np.lexsort((np.asarray(rights), np.asarray(lefts), -np.asarray(sims)))
        candidates = (
            array("d", (sims[i] for i in order)),
            (array("I", bytes(4 * len(order))), array("I", bytes(4 * len(order)))),
            (array("I", (lefts[i] for i in order)), array("I", (rights[i] for i in order))),
        )
        for group in greedy_solve(candidates):
            members = [record for _, record in group]
            node_person[members] = min(members)

    # Number people by their first row, so that the answer does not depend on hash order.
    person_of_row = node_person[node_of_row]
    _, first_of_person, numbered = np.unique(person_of_row, return_index=True, return_inverse=True)
    rank = np.empty(len(first_of_person), dtype=np.int64)
    rank[np.argsort(first_of_person, kind="stable")] = np.arange(len(first_of_person))
    result: npt.NDArray[np.int64] = rank[numbered.reshape(-1)]
    return result


def exact_people(digests: npt.NDArray[np.uint8]) -> npt.NDArray[np.int64]:
    """A person number per row from exact hashes alone, for millions of rows: `digests` is an
    (n, 32) or (n, 8) array of the hashes' bytes, of which the first 8 are compared (the chance
    that two of n people share them is about n**2 / 2**65: one in ten million at two million)."""
    leading = np.ascontiguousarray(digests[:, :8]).view(np.uint64).reshape(-1)
    _, people = np.unique(leading, return_inverse=True)
    result: npt.NDArray[np.int64] = people.reshape(-1).astype(np.int64)
    return result


def unduplicated_counts(
    person: npt.NDArray[np.int64],
    group: npt.NDArray[np.int64],
    groups: int,
    code: npt.NDArray[np.int64],
    codes: int,
) -> npt.NDArray[np.int64]:
    """Young people counted once per group (a period, an area...) by a dimension's code: a
    (groups, codes) array. A person whose rows disagree (a grade that changed within the period)
    is counted under the code of their first row in the group, so every row of the array sums
    to the group's unduplicated total."""
    key = group.astype(np.int64) * (int(person.max(initial=0)) + 1) + person
    _, first = np.unique(key, return_index=True)
    cells = np.bincount(group[first] * codes + code[first], minlength=groups * codes)
    result: npt.NDArray[np.int64] = cells.reshape(groups, codes).astype(np.int64)
    return result


def pairwise_quality(
    predicted: npt.NDArray[np.int64], truth: npt.NDArray[np.int64]
) -> tuple[float, float]:
    """Precision and recall of a linkage over pairs of rows: of the pairs it put together, the
    share that are one person; of the pairs that are one person, the share it put together."""

    def pairs(labels: npt.NDArray[np.int64]) -> int:
        counts = np.unique(labels, return_counts=True)[1].astype(np.int64)
        return int((counts * (counts - 1) // 2).sum())

    both = predicted.astype(np.int64) * (int(truth.max(initial=0)) + 1) + truth
    together, same, agreed = pairs(predicted), pairs(truth), pairs(both)
    precision = agreed / together if together else 1.0
    recall = agreed / same if same else 1.0
    return precision, recall
