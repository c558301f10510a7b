"""The data steward's page (measures/views/linkage.py): backbone staff alone see the epochs
and set up or rotate the linkage secret; the secret is generated in the browser and only its
check value reaches the server, so anything posted that is not a check value is refused; the
retention is set there."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry

from ecotone.directory.models import Program
from ecotone.measures import linkage
from ecotone.measures.models import LinkageEpoch
from ecotone.measures.services import epochs, facts, rosters
from tests.html_forms import browser_form
from tests.measures.test_rosters import SECRET, payload

PAGE = "/e/alpha/measures/linkage/"
SECRET_PAGE = PAGE + "secret/"
CHECK = linkage.check_value(linkage.parse_secret(SECRET))
NODE = shutil.which("node")
ENCODER = Path(linkage.__file__).parents[1] / "static" / "ecotone" / "roster-encoder.js"


def started(world: Any, first_year: int = 2024) -> LinkageEpoch:
    return epochs.start_epoch(
        world.users["staff"], world.alpha, first_year=first_year, check_value=CHECK
    )


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("staff", 200),
        ("partner_a", 403),
        ("member", 403),
        ("mentor", 403),
        ("reviewer", 403),
        ("outsider", 404),
        ("anonymous", 302),
    ],
)
def test_only_backbone_staff_reach_the_steward_pages(world: Any, persona: str, status: int) -> None:
    client = world.client(persona)
    assert client.get(PAGE).status_code == status
    assert client.get(SECRET_PAGE).status_code == status
    posted = client.post(SECRET_PAGE, {"first_year": 2024, "check_value": CHECK, "kept": "on"})
    assert posted.status_code == (302 if status == 200 else status)
    assert LinkageEpoch.objects.filter(ecosystem=world.alpha).exists() == (status == 200)


def test_the_secret_is_in_no_form_field_and_the_page_says_it_needs_javascript(world: Any) -> None:
    html = world.client("staff").get(SECRET_PAGE).content.decode()
    assert "ecotone/roster-encoder.js" in html
    assert "ecotone/linkage-secret.js" in html
    assert "<noscript>" in html
    assert "This page needs JavaScript" in html
    form = re.search(r"<form method=\"post\" data-secret-form.*?</form>", html, re.S)
    assert form is not None
    assert "data-secret " not in form.group(0)  # the shown secret sits outside the form
    fields = set(browser_form(html, "check_value"))
    assert fields == {"csrfmiddlewaretoken", "check_value", "first_year"}  # kept: unchecked
    assert browser_form(html, "check_value")["check_value"] == ""


def test_the_first_secret_is_set_up_from_its_check_value_alone(world: Any) -> None:
    response = world.client("staff").post(
        SECRET_PAGE, {"first_year": 2024, "check_value": CHECK.upper(), "kept": "on"}
    )
    assert response.status_code == 302
    epoch = LinkageEpoch.objects.get(ecosystem=world.alpha)
    assert (epoch.number, epoch.first_year, epoch.check_value) == (1, 2024, CHECK)
    assert epoch.created_by == world.users["staff"]
    entry = LogEntry.objects.get_for_object(epoch).get()
    assert entry.actor == world.users["staff"]


@pytest.mark.parametrize(
    "posted",
    [
        SECRET,  # the secret itself, as a broken page might send it
        SECRET.replace("-", ""),
        CHECK[:63],
        CHECK[:63] + "g",
        "",
    ],
)
def test_a_posted_value_that_is_not_a_check_value_is_refused(world: Any, posted: str) -> None:
    response = world.client("staff").post(
        SECRET_PAGE, {"first_year": 2024, "check_value": posted, "kept": "on"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing was saved" in html
    assert not LinkageEpoch.objects.filter(ecosystem=world.alpha).exists()
    if posted:
        assert posted not in html  # not even echoed back into the page


def test_the_secret_must_be_declared_kept(world: Any) -> None:
    response = world.client("staff").post(SECRET_PAGE, {"first_year": 2024, "check_value": CHECK})
    assert response.status_code == 200
    assert not LinkageEpoch.objects.exists()


def test_rotating_warns_and_asks_for_confirmation(world: Any) -> None:
    started(world)
    client = world.client("staff")
    html = client.get(SECRET_PAGE).content.decode()
    assert "Rotating starts a new epoch." in html
    assert 'name="understood"' in html
    other = linkage.check_value(linkage.parse_secret(linkage.generate_secret()))
    unconfirmed = client.post(SECRET_PAGE, {"first_year": 2026, "check_value": other, "kept": "on"})
    assert unconfirmed.status_code == 200
    assert LinkageEpoch.objects.filter(ecosystem=world.alpha).count() == 1
    confirmed = client.post(
        SECRET_PAGE,
        {"first_year": 2026, "check_value": other, "kept": "on", "understood": "on"},
    )
    assert confirmed.status_code == 302
    assert list(
        LinkageEpoch.objects.filter(ecosystem=world.alpha)
        .order_by("number")
        .values_list("number", "first_year")
    ) == [(1, 2024), (2, 2026)]


def test_a_rotation_that_breaks_the_epochs_rules_is_refused_with_the_reason(world: Any) -> None:
    started(world)
    response = world.client("staff").post(
        SECRET_PAGE,
        {"first_year": 2026, "check_value": CHECK, "kept": "on", "understood": "on"},
    )
    assert response.status_code == 200
    assert "a secret the ecosystem already used" in response.content.decode()
    # a year at or before the current secret's first is not even offered
    before = world.client("staff").post(
        SECRET_PAGE,
        {"first_year": 2024, "check_value": CHECK, "kept": "on", "understood": "on"},
    )
    assert "Select a valid choice" in before.content.decode()
    assert LinkageEpoch.objects.filter(ecosystem=world.alpha).count() == 1


def test_the_epochs_show_counts_of_rosters_and_rows_never_hashes(world: Any) -> None:
    started(world)
    program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics club"
    )
    rows = payload()
    rosters.submit_roster(
        world.users["partner_a"],
        program=program,
        period=facts.school_year(world.alpha, 2025),
        check_value=CHECK,
        dimensions=["sex", "race", "grade"],
        rows=rows,
    )
    client = world.client("staff")
    html = client.get(PAGE).content.decode()
    assert "2024–25 onward" in html
    assert re.search(r"data-label=\"Rosters\">1<", html)
    assert re.search(r"data-label=\"Rows\">3<", html)
    assert "Rotate the secret" in html
    for row in rows:
        assert row["exact"] not in html
        assert row["block"] not in html
    response = client.get(PAGE + "?format=csv")
    exported = b"".join(response.streaming_content).decode("utf-8-sig")
    assert exported.splitlines()[1].split(",")[0] == "1"
    assert exported.splitlines()[1].split(",")[-2:] == ["1", "3"]
    assert CHECK not in exported
    api = client.get("/api/v1/ecosystems/alpha/measures/linkage-epochs/").json()
    assert [(e["number"], e["first_year"], e["last_year"]) for e in api] == [(1, 2024, None)]
    assert (api[0]["roster_count"], api[0]["row_count"]) == (1, 3)
    assert CHECK not in json.dumps(api)


def test_an_ecosystem_without_a_secret_is_told_to_set_one_up(world: Any) -> None:
    html = world.client("admin").get(PAGE).content.decode()
    assert "No linkage secret yet" in html
    assert "Set up the linkage secret" in html
    assert "Rosters in the audit log" in html  # the admin reads the audit log, staff do not
    assert "Rosters in the audit log" not in world.client("staff").get(PAGE).content.decode()


def test_the_retention_is_saved_and_kept_within_its_range(world: Any) -> None:
    client = world.client("staff")
    assert client.post(PAGE, {"roster_retention_years": 3}).status_code == 302
    world.alpha.refresh_from_db()
    assert world.alpha.roster_retention_years == 3
    refused = client.post(PAGE, {"roster_retention_years": 0})
    assert refused.status_code == 200
    assert "greater than or equal to 1" in refused.content.decode()
    world.alpha.refresh_from_db()
    assert world.alpha.roster_retention_years == 3
    entry = LogEntry.objects.get_for_object(world.alpha).latest("timestamp")
    assert entry.actor == world.users["staff"]
    assert "roster_retention_years" in entry.changes_dict


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_the_browser_writes_secrets_as_the_server_reads_them_and_the_same_check_value() -> None:
    """The page's secret: `formatSecret` of 20 random bytes is read back by `parse_secret` to
    the same bytes, writes a `generate_secret` secret as it was, and `checkValue` is
    `linkage.check_value`."""
    secrets = [linkage.generate_secret() for _ in range(5)] + [SECRET, "0" * 32, "Z" * 32]
    harness = """
    const encoder = require(process.argv[1]);
    const secrets = JSON.parse(process.argv[2]);
    (async () => {
      const out = [];
      for (const secret of secrets) {
        const bytes = encoder.parseSecret(secret);
        out.push({ written: encoder.formatSecret(bytes), check: await encoder.checkValue(bytes) });
      }
      const drawn = new Uint8Array(20);
      globalThis.crypto.getRandomValues(drawn);
      out.push({ written: encoder.formatSecret(drawn), bytes: Buffer.from(drawn).toString("hex") });
      console.log(JSON.stringify(out));
    })();
    """
    result = subprocess.run(  # noqa: S603 - our encoder, our arguments
        [NODE, "-e", harness, str(ENCODER), json.dumps(secrets)],
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
        cwd=ENCODER.parents[4],
    )
    out = json.loads(result.stdout)
    for secret, found in zip(secrets, out, strict=False):
        expected = linkage.parse_secret(secret)
        assert linkage.parse_secret(found["written"]) == expected
        assert found["check"] == linkage.check_value(expected)
    canonical = [s for s in secrets if "-" in s]
    assert [found["written"] for found in out[: len(canonical)]] == canonical
    drawn = out[-1]
    assert re.fullmatch(r"([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}", drawn["written"])
    assert linkage.parse_secret(drawn["written"]).hex() == drawn["bytes"]
