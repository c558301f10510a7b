"""Issue 16's "Done when", end to end without a browser: a partner downloads its template,
fills it, uploads it with mistakes, reads which row and why, fixes it, submits; the backbone
approves; the dashboard shows the gap by gender and race with every small cell hidden and the
audit green. Once through the pages, once through the API."""

from __future__ import annotations

import csv
import io
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.measures.builders import ORG_A

pytestmark = pytest.mark.django_db

SUBMISSIONS = "/e/alpha/measures/submissions"
DASHBOARD = "/e/alpha/measures/dashboards/young-people-served/"
API = "/api/v1/ecosystems/alpha/measures"
SEXES = {"Female": "Female", "Male": "Male"}
RACES = {"White": "White", "HispanicOrLatino": "Hispanic or Latino", "Asian": "Asian"}


def _filled(template: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """The partner's template filled: young people served in total, by sex and by race, the
    rows it has no numbers for left out, plus its numbers by sex x race (ORG_A: 3 Asian girls
    and 4 Asian boys among 60)."""
    header, rows = template[0], template[1:]
    at = {column: i for i, column in enumerate(header)}
    by_sex = {s: sum(v for (sex, _r), v in ORG_A.items() if sex == s) for s in SEXES}
    by_race = {r: sum(v for (_s, race), v in ORG_A.items() if race == r) for r in RACES}
    filled = []
    for row in rows:
        if row[at["indicator"]] != "young-people-served":
            continue
        sex, race = row[at["sex"]], row[at["race"]]
        others = [c for c in header[2:] if c not in ("sex", "race", "value") and row[at[c]]]
        if others or (sex and sex not in by_sex) or (race and race not in by_race):
            continue
        row = list(row)
        row[at["value"]] = str(by_sex[sex] if sex else by_race[race] if race else 60)
        filled.append(row)
    period = filled[0][at["period"]]
    for (sex, race), count in ORG_A.items():
        row = [""] * len(header)
        row[at["indicator"]], row[at["period"]] = "young-people-served", period
        row[at["sex"]], row[at["race"]], row[at["value"]] = sex, race, str(count)
        filled.append(row)
    return header, filled


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out).writerows([header, *rows])
    return out.getvalue().encode()


def _with_mistakes(header: list[str], rows: list[list[str]]) -> tuple[bytes, int]:
    """The file with an unknown sex code on the line of the girls' count (returned: its row
    number as the problems name it, the header being row 1)."""
    at = {column: i for i, column in enumerate(header)}
    wrong = [list(r) for r in rows]
    index = next(i for i, r in enumerate(wrong) if r[at["sex"]] == "Female" and not r[at["race"]])
    wrong[index][at["sex"]] = "Girls"
    return _csv(header, wrong), index + 2


def _cross_tab(page: str) -> dict[str, dict[str, str]]:
    """The page's sex x race table as {race label: {sex label: what it says}}."""
    table = re.search(r'<table class="striped crosstab[^"]*">(.*?)</table>', page, re.S)
    assert table is not None
    headers = re.findall(r'<th scope="col">(.*?)</th>', table.group(1))
    found = {}
    for row in re.findall(r"<tr>(.*?)</tr>", table.group(1), re.S):
        label = re.search(r'<th scope="row">(.*?)</th>', row)
        if label:
            cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
            found[label.group(1)] = dict(zip(headers[1:], cells, strict=True))
    return found


def test_through_the_pages(setup: Any) -> None:
    partner, staff = setup.client("partner_a"), setup.client("staff")
    response = partner.get(f"{SUBMISSIONS}/template/?organization={setup.org_a.slug}")
    template = list(
        csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))
    )
    header, rows = _filled(template)

    wrong, line = _with_mistakes(header, rows)
    response = partner.post(
        f"{SUBMISSIONS}/new/",
        {"organization": setup.org_a.pk, "file": SimpleUploadedFile("served.csv", wrong)},
    )
    page = partner.get(response.url).content.decode()
    assert f"<td>row {line}</td><td>sex</td><td><code>unknown_code</code>" in page
    assert "Girls" in page
    assert "Submit to the backbone" not in page

    response = partner.post(
        f"{SUBMISSIONS}/new/",
        {
            "organization": setup.org_a.pk,
            "file": SimpleUploadedFile("served.csv", _csv(header, rows)),
        },
    )
    fixed = response.url
    assert "Submit to the backbone" in partner.get(fixed).content.decode()
    partner.post(f"{fixed}submit/", {"confirm": "yes"})
    assert "Approve" in staff.get(fixed).content.decode()
    staff.post(f"{fixed}approve/", {"confirm": "yes"})
    assert "Approved" in partner.get(fixed).content.decode()

    page = setup.client("anonymous").get(f"{DASHBOARD}?dimension=sex").content.decode()
    # the gap by gender: 25 girls and 35 boys of 60
    assert "<strong>Total:</strong> 60" in page
    assert '<th scope="row">Female</th><td data-label="Count">25</td>' in page
    assert '<th scope="row">Male</th><td data-label="Count">35</td>' in page
    # the girls' share in the equity table, 25 of 60, rounded (Django's number_format cuts)
    assert '<td data-label="Share">41.7 % (' in page
    cross = _cross_tab(page)
    for (sex, race), count in ORG_A.items():
        said = cross[RACES[race]][SEXES[sex]]
        if count < 10:
            assert not re.search(r"\d", said.replace("fewer than 10", "")), (sex, race, said)
        else:
            assert said in (str(count), "hidden (protects a small group)"), (sex, race, said)
    assert cross["Asian"]["All"] == "fewer than 10"
    assert cross["All"]["All"] == "60"
    assert "Checked:" in page
    assert "no combination of the published figures narrows" in page
    assert "cannot be published" not in page


def test_through_the_api(setup: Any) -> None:
    partner, staff = setup.client("partner_a"), setup.client("staff")
    template = partner.get(f"{API}/submissions/template/?organization={setup.org_a.slug}")
    assert template.status_code == 200
    body = template.json()
    header = body["columns"]
    rows = [[row[c] for c in header] for row in body["rows"]]
    header, rows = _filled([header, *rows])

    def upload(content: bytes, query: str = "") -> dict[str, Any]:
        response = partner.post(
            f"{API}/submissions/{query}",
            {"organization": setup.org_a.slug, "file": SimpleUploadedFile("v.csv", content)},
        )
        assert response.status_code == 201, response.content
        return response.json()

    wrong, line = _with_mistakes(header, rows)
    checked = upload(wrong, "?dry_run=true")
    assert checked["review"] == "draft"
    assert [(p["code"], p["where"], p["field"]) for p in checked["problems"]] == [
        ("unknown_code", f"row {line}", "sex")
    ]
    draft = upload(_csv(header, rows))
    assert (draft["status"], draft["review"], draft["problems"]) == ("checked", "draft", [])
    submitted = partner.post(f"{API}/submissions/{draft['id']}/submit/")
    assert submitted.status_code == 200, submitted.content
    assert submitted.json()["review"] == "submitted"
    approved = staff.post(f"{API}/submissions/{draft['id']}/approve/").json()
    assert approved["review"] == "approved"

    data = setup.client("anonymous").get(f"{API}/dashboards/young-people-served/").json()
    period = data["periods"][-1]
    assert period["total"]["value"] == 60
    cross = next(t for t in period["tables"] if t["dimensions"] == ["sex", "race"])
    assert cross["audit_passed"]
    figures = {tuple(sorted(f["codes"].items())): f for f in cross["figures"]}
    for (sex, race), count in ORG_A.items():
        figure = figures[(("race", race), ("sex", sex))]
        if count < 10:
            assert figure["value"] is None
            assert figure["hidden_because"] == "small"
        else:
            assert figure["value"] in (count, None)
    assert figures[(("sex", "Female"),)]["value"] == 25
    assert figures[(("sex", "Male"),)]["value"] == 35
