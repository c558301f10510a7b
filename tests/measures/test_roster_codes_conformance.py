"""The roster page reads dimension values into common codes in the browser
(`static/ecotone/roster-codes.js`) with the tables the server embeds
(`crosswalk.code_tables`): the key rules are written twice, so the JavaScript is run in Node
against Python's `codes._key` and `crosswalk._local` on every assigned character and many
strings, and the page's own tables are read in Node for every spelling and compared with
`Resolver.code`, the server's one reader of a code."""

from __future__ import annotations

import json
import random
import shutil
import subprocess
import sys
import unicodedata
from pathlib import Path
from typing import Any

import pytest

from ecotone.directory.models import Program
from ecotone.measures import codes, linkage
from ecotone.measures.services import crosswalk, epochs, facts
from ecotone.measures.services.rosters import ROSTER_DIMENSIONS
from tests.measures.test_roster_pages import config_of

NODE = shutil.which("node")
SCRIPT = Path(codes.__file__).parents[1] / "static" / "ecotone" / "roster-codes.js"
pytestmark = pytest.mark.skipif(NODE is None, reason="needs Node.js")

HARNESS = """
const codes = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const { strings, tables, organization, values } = JSON.parse(input);
  process.stdout.write(JSON.stringify({
    keys: strings.map(codes.key),
    locals: strings.map(codes.local),
    read: values.map(([d, v]) => codes.readCode(tables, organization, d, v)),
  }));
});
"""


def node(strings: list[str], tables: Any = None, organization: str = "", values: Any = ()) -> Any:
    data = {
        "strings": strings,
        "tables": tables or {"codes": {}, "local": {}},
        "organization": organization,
        "values": list(values),
    }
    done = subprocess.run(  # noqa: S603 (node and our own script)
        [str(NODE), "-e", HARNESS, str(SCRIPT)],
        input=json.dumps(data),
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)


def assigned() -> list[str]:
    """Every character of Python's Unicode version (Node's may be newer: unassigned here)."""
    return [
        chr(i)
        for i in range(sys.maxunicode + 1)
        if unicodedata.category(chr(i)) not in ("Cn", "Cs")
    ]


def test_the_key_rules_are_pythons_on_every_character_and_many_strings() -> None:
    characters = assigned()
    spaces = [c for c in characters if c.isspace()] + ["\ufeff", "\u180e", "_", "-", "/"]
    tricky = ["ß", "ẞ", "ı", "İ", "ς", "Σ", "ﬁ", "Ꭰ", "ꭰ", "ŉ", "ǰ", "ᾳ", "K", "Å"]
    pick = random.Random(17)
    strings = [
        "".join(
            pick.choice(spaces if r < 0.3 else tricky if r < 0.45 else characters)
            for r in (pick.random() for _ in range(pick.randint(0, 12)))
        )
        for _ in range(4000)
    ]
    strings += [
        *characters,
        "",
        "  Hispanic or Latino ",
        "Two-or-more_races",
        "grade/7",
        "constructor",
    ]
    found = node(strings)
    wrong = [
        (s, found["keys"][i], codes._key(s))
        for i, s in enumerate(strings)
        if found["keys"][i] != codes._key(s)
    ]
    assert wrong[:5] == []
    wrong = [
        (s, found["locals"][i], crosswalk._local(s))
        for i, s in enumerate(strings)
        if found["locals"][i] != crosswalk._local(s)
    ]
    assert wrong[:5] == []


@pytest.mark.django_db
def test_the_pages_tables_read_every_spelling_as_the_resolver_does(world: Any) -> None:
    facts.school_year(world.alpha, 2025)
    epochs.start_epoch(
        world.users["staff"],
        world.alpha,
        first_year=2024,
        check_value=linkage.check_value(linkage.parse_secret("0" * 32)),
    )
    Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics club", slug="robotics"
    )
    entries = [
        (None, "race", "Latinx", "HispanicOrLatino"),
        (None, "grade", "Séptimo  grado", "07"),
        (None, "sex", "F", "Male"),  # a standard spelling: the standard reading wins
        (world.org_a, "grade", "Séptimo grado", "08"),  # the organization's own wins
        (world.org_a, "sex", "Chica", "Female"),
        (world.org_b, "sex", "Mujer", "Female"),  # another partner's: not for this page
    ]
    for organization, dimension, local, code in entries:
        crosswalk.save_entry(
            world.alpha,
            world.users["staff"],
            dimension=dimension,
            local_code=local,
            code=code,
            organization=organization,
        )
    tables = config_of(world.client("partner_a").get("/e/alpha/measures/rosters/new/"))[
        "codeTables"
    ]
    assert set(tables["codes"]) == set(ROSTER_DIMENSIONS)
    spellings: set[tuple[str, str]] = set()
    for dimension in ROSTER_DIMENSIONS:
        spellings |= {(dimension, key) for key in tables["codes"][dimension]}
        for local in tables["local"][world.org_a.slug][dimension]:
            spellings.add((dimension, local))
        for code in codes.option_set(dimension).codes:
            written = [code.code, code.en, code.es, *code.oneroster, *code.aliases, *code.edfi]
            written += [w for w in [code.edfacts] if w]
            spellings |= {(dimension, w) for w in written}
    for _organization, dimension, local, _code in entries:
        spellings.add((dimension, local))
    variants = {
        (d, v)
        for d, s in spellings
        for v in (s, s.upper(), f"  {s.lower()} ", s.replace(" ", "_"), s.replace(" ", "  "))
    }
    variants |= {("race", "García"), ("race", "O'Brien"), ("sex", "constructor"), ("sex", "")}
    values = sorted(variants)
    read = node([], tables, world.org_a.slug, values)["read"]
    resolver = crosswalk.Resolver(world.alpha, world.org_a)

    def server(dimension: str, value: str) -> str | None:
        try:
            return resolver.code(dimension, value)
        except codes.UnknownCode:
            return None

    # Ed-Fi descriptor URIs are read by the server only (docs/reach.md): refused in the browser
    differ = [
        (d, v, read[i], server(d, v))
        for i, (d, v) in enumerate(values)
        if read[i] != server(d, v)
        and not (read[i] is None and v.strip().lower().startswith("uri://"))
    ]
    assert differ == []
    assert read[values.index(("grade", "Séptimo grado"))] == "08"
    assert read[values.index(("sex", "F"))] == "Female"
    assert read[values.index(("race", "LATINX"))] == "HispanicOrLatino"
    assert read[values.index(("race", "García"))] is None
    assert read[values.index(("sex", "Mujer"))] is None
