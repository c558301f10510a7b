"""The browser's roster encoder and the server's linkage module are one rule: for the same
records, secret and schema, the JavaScript gives the exact hashes of `linkage.exact_hash`, the
CLKs `clkhash` itself computes, bit for bit, the same blocking keys and the same refusals."""

import base64
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from ecotone.measures import linkage

NODE = shutil.which("node")
ENCODER = Path(linkage.__file__).parents[1] / "static" / "ecotone" / "roster-encoder.js"
SECRET = "7K2M-9QXH-4TRW-0ZCB-VN8D-3JFS-P6EA-Y1GH"

RECORDS = [
    {
        "given_name": "José",
        "family_name": "García-López",
        "birth_date": "2010-03-07",
        "school": "Escuela Benito Juárez",
    },
    {"given_name": "Bob", "family_name": "O'Brien", "birth_date": "7/3/2010", "school": ""},
    {"given_name": "Robert", "family_name": "O’Brien", "birth_date": "2010/7/3", "school": ""},
    {
        "given_name": "Liz",
        "family_name": "Nguyễn",
        "birth_date": "2012-12-31",
        "school": "Lincoln Elem.",
    },
    {"given_name": "Al", "family_name": "Ng", "birth_date": "2008-01-02", "school": ""},
    {"given_name": "J", "family_name": "Li", "birth_date": "2011-11-11", "school": "PS 12"},
    {
        "given_name": "DeShawn",
        "family_name": "Washington-Jones",
        "birth_date": "2009-02-28",
        "school": "",
    },
    {
        "given_name": "  mary   beth ",
        "family_name": "de la Cruz",
        "birth_date": "2013-06-15",
        "school": "St. Mary's",
    },
    {"given_name": "Zoë", "family_name": "Straße", "birth_date": "2012-02-29", "school": ""},
    {
        "given_name": "İlkay",
        "family_name": "Øberg",
        "birth_date": "2010-10-10",
        "school": "ﬁeld school",
    },
    {"given_name": "Ji-woo", "family_name": "박", "birth_date": "2014-04-04", "school": ""},
    {
        "given_name": "Anna",
        "family_name": "Phan",
        "birth_date": "2015-05-05",
        "school": "Banana Academy",
    },
    {"given_name": "Chris", "family_name": "Quiñones", "birth_date": "2006-09-01", "school": ""},
    {"given_name": "", "family_name": "Smith", "birth_date": "2010-01-01", "school": ""},
    {"given_name": "Ana", "family_name": "--", "birth_date": "2010-01-01", "school": ""},
    {"given_name": "Ana", "family_name": "Ruiz", "birth_date": "2011-02-29", "school": ""},
    {"given_name": "Ana", "family_name": "Ruiz", "birth_date": "03/15/10", "school": ""},
    {"given_name": "Ana", "family_name": "Ruiz", "birth_date": "1850-01-01", "school": ""},
    {"given_name": "Ana", "family_name": "Ruiz", "birth_date": "", "school": ""},
]

HARNESS = """
const encoder = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", async () => {
  const { records, secret, schema, nicknames } = JSON.parse(input);
  const secretBytes = encoder.parseSecret(secret);
  const roster = await encoder.encodeRoster(records, { secret, schema, nicknames, firstRow: 2 });
  const identities = records.map((record, i) => {
    try { return encoder.normaliseRecord(record, nicknames, i + 2); } catch (error) { return null; }
  });
  const check = await encoder.checkValue(secretBytes);
  const typed = secret.toLowerCase().replace(/-/g, " ").replace(/0/g, "o");
  const messy = await encoder.checkValue(encoder.parseSecret(typed));
  const blocks = identities.map((identity) => identity && encoder.blockOf(identity));
  process.stdout.write(JSON.stringify({ ...roster, identities, check, messy, blocks }));
});
"""


def browser(records: list[dict[str, str]]) -> dict:
    payload = {
        "records": records,
        "secret": SECRET,
        "schema": linkage.schema_json(),
        "nicknames": linkage.nicknames(),
    }
    done = subprocess.run(  # noqa: S603 (node and our own encoder)
        [NODE, "-e", HARNESS, str(ENCODER)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def server(records: list[dict[str, str]]) -> dict:
    secret = linkage.parse_secret(SECRET)
    key, blocks = linkage.exact_key(secret), linkage.block_key(secret)
    identities: list[linkage.Identity | None] = []
    refused = []
    for row, record in enumerate(records, start=2):
        try:
            identities.append(linkage.normalise_record(**record, row=row))
        except linkage.EncodingError as refusal:
            identities.append(None)
            refused.append({"row": refusal.row, "field": refusal.field, "reason": refusal.reason})
    valid = [identity for identity in identities if identity is not None]
    clks = iter(linkage.clks(valid, secret))
    encoded = [
        None
        if identity is None
        else {
            "exact_hash": linkage.exact_hash(key, identity),
            "clk": base64.b64encode(next(clks)).decode(),
            "block": linkage.blocking_key(blocks, identity),
        }
        for identity in identities
    ]
    return {
        "encoded": encoded,
        "refused": refused,
        "identities": [None if identity is None else vars(identity) for identity in identities],
        "check": linkage.check_value(secret),
        "blocks": [
            None if identity is None else linkage.block_of(identity) for identity in identities
        ],
    }


@pytest.fixture(scope="module")
def both():
    if NODE is None:
        pytest.skip("node is not installed")
    return browser(RECORDS), server(RECORDS)


def test_the_browser_normalises_as_the_server_does(both):
    js, py = both
    assert js["identities"] == py["identities"]
    assert (
        py["identities"][1]
        == py["identities"][2]
        == {
            "given_name": "robert",
            "family_name": "obrien",
            "birth_date": "2010-07-03",
            "school": "",
        }
    )


def test_the_browsers_clks_are_clkhashs_bit_for_bit(both):
    js, py = both
    assert [row and row["clk"] for row in js["encoded"]] == [
        row and row["clk"] for row in py["encoded"]
    ]
    assert all(len(base64.b64decode(row["clk"])) == 128 for row in py["encoded"] if row)


def test_the_browsers_exact_hashes_and_blocks_are_the_servers(both):
    js, py = both
    assert js["blocks"] == py["blocks"]
    assert py["blocks"][:3] == ["2010-g", "2010-o", "2010-o"]
    assert py["blocks"][11:13] == ["2015-f", "2006-k"]
    assert [row and (row["exact_hash"], row["block"]) for row in js["encoded"]] == [
        row and (row["exact_hash"], row["block"]) for row in py["encoded"]
    ]
    assert js["encoded"][1]["exact_hash"] == js["encoded"][2]["exact_hash"]


def test_the_browser_refuses_the_rows_the_server_refuses(both):
    js, py = both
    assert js["refused"] == py["refused"]
    assert [(r["row"], r["field"], r["reason"]) for r in py["refused"]] == [
        (15, "given_name", "empty"),
        (16, "family_name", "no_letters"),
        (17, "birth_date", "not_a_date"),
        (18, "birth_date", "not_a_date"),
        (19, "birth_date", "out_of_range"),
        (20, "birth_date", "empty"),
    ]


def test_the_browser_computes_the_check_value_the_server_keeps(both):
    js, py = both
    assert js["check"] == py["check"]
    assert js["messy"] == py["check"]
    assert py["check"] != linkage.check_value(linkage.parse_secret(linkage.generate_secret()))


# RFC 1321's test suite (A.5) and RFC 2202's test cases for HMAC-MD5: (key, data, digest).
RFC_1321 = [
    (b"", "d41d8cd98f00b204e9800998ecf8427e"),
    (b"a", "0cc175b9c0f1b6a831c399e269772661"),
    (b"abc", "900150983cd24fb0d6963f7d28e17f72"),
    (b"message digest", "f96b697d7cb7938d525a2f31aaf161d0"),
    (b"abcdefghijklmnopqrstuvwxyz", "c3fcd3d76192e4007dfb496cca67e13b"),
    (
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789",
        "d174ab98d277d9f5a5611c2c9f419d9f",
    ),
    (b"1234567890" * 8, "57edf4a22be3c955ac49da2e2107b67a"),
]
RFC_2202 = [
    (b"\x0b" * 16, b"Hi There", "9294727a3638bb1c13f48ef8158bfc9d"),
    (b"Jefe", b"what do ya want for nothing?", "750c783e6ab0b503eaa86e310a5db738"),
    (b"\xaa" * 16, b"\xdd" * 50, "56be34521d144c88dbb8c733f0e8b3f6"),
    (bytes(range(1, 26)), b"\xcd" * 50, "697eaf0aca3a3aea3a75164746ffaa79"),
    (b"\x0c" * 16, b"Test With Truncation", "56461ef2342edc00f9bab995690efd4c"),
    (
        b"\xaa" * 80,
        b"Test Using Larger Than Block-Size Key - Hash Key First",
        "6b1ab7fe4bd7bf8f0b62e6ce61b9d0cd",
    ),
    (
        b"\xaa" * 80,
        b"Test Using Larger Than Block-Size Key and Larger Than One Block-Size Data",
        "6f630fad67cda0ee1fb1f562db3aa53e",
    ),
]

DIGESTS = """
const encoder = require(process.argv[1]);
const bytes = (text) => Uint8Array.from(Buffer.from(text, "hex"));
const hex = (digest) => Buffer.from(digest).toString("hex");
const { messages, keyed } = JSON.parse(require("fs").readFileSync(0, "utf8"));
process.stdout.write(JSON.stringify({
  md5: messages.map((message) => hex(encoder.md5(bytes(message)))),
  hmac: keyed.map(([key, message]) => hex(encoder.hmacMd5(bytes(key), bytes(message)))),
}));
"""


@pytest.fixture(scope="module")
def digests():
    if NODE is None:
        pytest.skip("node is not installed")
    payload = {
        "messages": [message.hex() for message, _ in RFC_1321],
        "keyed": [[key.hex(), message.hex()] for key, message, _ in RFC_2202],
    }
    done = subprocess.run(  # noqa: S603 (node and our own encoder)
        [NODE, "-e", DIGESTS, str(ENCODER)],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_browsers_md5_gives_rfc_1321s_digests(digests):
    assert digests["md5"] == [digest for _, digest in RFC_1321]


def test_the_browsers_hmac_md5_gives_rfc_2202s_digests(digests):
    assert digests["hmac"] == [digest for _, _, digest in RFC_2202]
