"""The permission table: every URL and API endpoint x every persona -> expected status.

One row per endpoint. A status per persona; `rest` fills the personas a row does not name.
Outsiders (people with no role in the ecosystem) get 404, never 403: they learn nothing.
Anonymous visitors get the sign-in page (302) on pages and 401 on the API.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import transaction
from django.test import Client, override_settings

from tests.challenges import permissions as challenges
from tests.conftest import PERSONAS, World, build_world
from tests.network import permissions_core as network_core
from tests.network import permissions_gatherings as network_gatherings
from tests.network import permissions_members as network_members
from tests.network import permissions_newsletters as network_newsletters
from tests.network import permissions_surveys as network_surveys
from tests.pathways import permissions_bcore as badges_core
from tests.pathways import permissions_bissue as badges_bissue
from tests.pathways import permissions_paths
from tests.permission_rows import (
    ADMITTED,
    ALL_200,
    BACKBONE,
    EVERY_MEMBER,
    Row,
    members_only,
    statuses,
)

SCENARIO_PROGRAM = {"name": "Lab", "latitude": 40.5, "longitude": -83.0, "seats": 30}
# The statuses are the rules' and the access helpers' answers, the same on either database
# (`make test` runs the table once, on SQLite; tests/conftest.py).
pytestmark = pytest.mark.dialect_free


def org_a_staff(ok: int = 200) -> dict[str, int]:
    """Partner self-service: org A's staff and backbone; org B's staff get 404 (the record is
    not theirs to know about), other members 403."""
    table = members_only(("partner_a", "partner_b", *BACKBONE), ok)
    table["partner_b"] = 404
    return table


# Mentoring (area "dash"): the home, the dashboard and the API. Detail rows ask for a record
# that does not exist: callers allowed in get 404, other members 403 (what each persona sees of
# real records is in tests/mentoring/test_dash_api.py).
MENTORING_PARTICIPANTS = ("mentor", "partner_a", "partner_b", *BACKBONE)
MENTORING_API = "/api/v1/ecosystems/alpha"
MENTORING_DASH_ROWS = [
    Row("mentoring home", "get", "/e/alpha/mentoring/", members_only(EVERY_MEMBER)),
    Row("mentoring dashboard", "get", "/e/alpha/mentoring/dashboard/", members_only(BACKBONE)),
    *[
        Row(f"api {path}", "get", f"{MENTORING_API}/{path}/", members_only(allowed, api=True))
        for path, allowed in (
            ("mentors", MENTORING_PARTICIPANTS),
            ("opportunities", MENTORING_PARTICIPANTS),
            ("matches", MENTORING_PARTICIPANTS),
            ("hour-logs", MENTORING_PARTICIPANTS),
            ("matching-rounds", BACKBONE),
            ("screening-steps", EVERY_MEMBER),
        )
    ],
    *[
        Row(
            f"api {path} missing",
            "get",
            f"{MENTORING_API}/{path}/999999/",
            members_only(allowed, 404, api=True),
        )
        for path, allowed in (
            ("mentors", MENTORING_PARTICIPANTS),
            ("opportunities", MENTORING_PARTICIPANTS),
            ("matches", MENTORING_PARTICIPANTS),
            ("hour-logs", MENTORING_PARTICIPANTS),
            ("matching-rounds", BACKBONE),
            ("screening-steps", EVERY_MEMBER),
        )
    ],
    *[
        Row(
            f"api match {verb} missing",
            "post",
            f"{MENTORING_API}/matches/999999/{verb}/",
            members_only(MENTORING_PARTICIPANTS, 404, api=True),
        )
        for verb in ("accept", "decline")
    ],
]

# Mentoring (area "people"): sign-up, the own profile, mentors, screening, employers' rosters.
# The mentor persona has a mentor profile here (see _mentoring_records); the other members have
# none (asking for their profile sends them to join/); a missing mentor is 404 to the members
# who see mentors, 403 to the others, as in the API (real mentors by stage: MENTOR_STAGE_ROWS).
MENTORING = "/e/alpha/mentoring"
MENTORING_PEOPLE_ROWS = [
    Row("mentor sign-up", "get", f"{MENTORING}/join/", statuses(200, mentor=302)),
    Row(
        "mentor profile",
        "get",
        f"{MENTORING}/profile/",
        {**statuses(404, anonymous=302, **dict.fromkeys(EVERY_MEMBER, 302)), "mentor": 200},
    ),
    Row(
        "mentor pause or withdraw",
        "get",
        f"{MENTORING}/profile/status/?status=paused",
        statuses(404, anonymous=302, mentor=200),
    ),
    Row("mentor list", "get", f"{MENTORING}/mentors/", members_only(BACKBONE)),
    Row(
        "mentor missing",
        "get",
        f"{MENTORING}/mentors/999999/",
        members_only(MENTORING_PARTICIPANTS, 404),
    ),
    Row(
        "mentor screening update missing",
        "post",
        f"{MENTORING}/mentors/999999/screening/999999/",
        members_only(BACKBONE, 404),
    ),
    Row("screening steps", "get", f"{MENTORING}/screening/", members_only(("admin",))),
    Row("screening step new", "get", f"{MENTORING}/screening/new/", members_only(("admin",))),
    Row(
        "screening step missing",
        "get",
        f"{MENTORING}/screening/999999/",
        members_only(("admin",), 404),
    ),
    Row("screening to renew", "get", f"{MENTORING}/screening/expiring/", members_only(BACKBONE)),
    Row("employer roster", "get", MENTORING + "/employers/{org_a}/", org_a_staff()),
]


# A mentor's page and the API's mentor, by the mentor's stage ({mentor_<stage>}, built by
# _mentor_at_stage). Partner staff see a mentor available to programs (active and screened, for
# supervised work at least) or matched with one of their programs, and no other: 404 on the page
# as in the API, so the two cannot disagree. Backbone staff see every mentor; another mentor
# none of them; members without a mentoring role are refused.
MENTOR_STAGES: dict[str, tuple[str, ...]] = {
    # stage: the partner personas who see the mentor
    "not_started": (),
    "in_screening": (),
    "supervised": ("partner_a", "partner_b"),
    "cleared": ("partner_a", "partner_b"),
    "lapsed": (),
    "paused": (),
    "withdrawn": (),
    "matched_a": ("partner_a",),  # lapsed, with an accepted match with org_a's program
    "matched_b": ("partner_b",),  # lapsed, with an accepted match with org_b's program
}


def mentor_seen_by(partners: tuple[str, ...], *, api: bool) -> dict[str, int]:
    table = members_only(("partner_a", "partner_b", "mentor", *BACKBONE), api=api)
    for persona in ("partner_a", "partner_b", "mentor"):
        table[persona] = 200 if persona in partners else 404
    return table


MENTOR_STAGE_ROWS = [
    row
    for stage, partners in MENTOR_STAGES.items()
    for row in (
        Row(
            f"mentor page, stage {stage}",
            "get",
            MENTORING + f"/mentors/{{mentor_{stage}}}/",
            mentor_seen_by(partners, api=False),
        ),
        Row(
            f"api mentor, stage {stage}",
            "get",
            MENTORING_API + f"/mentors/{{mentor_{stage}}}/",
            mentor_seen_by(partners, api=True),
        ),
    )
]


# Opportunities, matches, hours and rounds, against real records: an open in-person
# opportunity of org_a ({opportunity}), the mentor persona's offered match with it ({match},
# invited by partner_a), and a round in review ({round}). A partner of another organization
# gets 404 on org_a's records, like an outsider; members without a mentoring role get 403 on
# the pages of roles they do not hold.
NOT_MENTORING = {"member": 403, "reviewer": 403}
MENTORING_WORK_ROWS = [
    Row(
        "opportunities",
        "get",
        f"{MENTORING}/opportunities/",
        members_only(MENTORING_PARTICIPANTS),
    ),
    Row(
        "opportunity new",
        "get",
        f"{MENTORING}/opportunities/new/",
        members_only(("partner_a", "partner_b", *BACKBONE)),
    ),
    Row(
        "opportunity",
        "get",
        MENTORING + "/opportunities/{opportunity}/",
        {**members_only(MENTORING_PARTICIPANTS), "partner_b": 404},
    ),
    Row("opportunity edit", "get", MENTORING + "/opportunities/{opportunity}/edit/", org_a_staff()),
    Row(
        "opportunity close", "get", MENTORING + "/opportunities/{opportunity}/close/", org_a_staff()
    ),
    Row(
        "opportunity mentors",
        "get",
        MENTORING + "/opportunities/{opportunity}/mentors/",
        org_a_staff(),
    ),
    Row(
        "opportunity join",
        "post",
        MENTORING + "/opportunities/{opportunity}/join/",
        members_only(("mentor",), ok=302),
    ),
    Row(
        "opportunity save",
        "post",
        MENTORING + "/opportunities/{opportunity}/save/",
        members_only(("mentor",), ok=302),
    ),
    Row(
        "matches",
        "get",
        f"{MENTORING}/matches/",
        members_only(EVERY_MEMBER),
    ),
    Row(
        "match",
        "get",
        MENTORING + "/matches/{match}/",
        {**members_only(EVERY_MEMBER), "partner_b": 404, "member": 404, "reviewer": 404},
    ),
    *(
        Row(
            f"match {action} missing",
            "post",
            f"{MENTORING}/matches/999999/{action}/",
            {**members_only(EVERY_MEMBER, 404)},
        )
        for action in (
            "accept",
            "decline",
            "agreement",
            "check-ins/999999",
            "close",
            "withdraw",
            "resume",
            "hours",
        )
    ),
    Row(
        "match resume",
        "post",
        MENTORING + "/matches/{match}/resume/",
        {
            **members_only(("partner_a", *BACKBONE), ok=302),
            "partner_b": 404,
            "member": 404,
            "reviewer": 404,
        },
    ),
    Row(
        "hours",
        "get",
        f"{MENTORING}/hours/",
        members_only(("partner_a", "partner_b", *BACKBONE)),
    ),
    Row(
        "hours export",
        "get",
        f"{MENTORING}/hours/export.csv",
        members_only(("partner_a", "partner_b", *BACKBONE)),
    ),
    Row("rounds", "get", f"{MENTORING}/rounds/", members_only(BACKBONE)),
    Row("round new", "get", f"{MENTORING}/rounds/new/", members_only(BACKBONE)),
    Row("round", "get", MENTORING + "/rounds/{round}/", members_only(BACKBONE)),
    Row("round status", "get", MENTORING + "/rounds/{round}/status/", members_only(BACKBONE)),
    *(
        Row(
            f"round {action} missing",
            "post",
            f"{MENTORING}/rounds/999999/{action}/",
            members_only(BACKBONE, 404),
        )
        for action in (
            "proposals",
            "publish",
            "resolve",
            "drop/999999",
            "proposals/999999",
            "retry",
            "discard",
        )
    ),
]


# Shared measurement: backbone staff define indicators; members the backbone admitted read the
# published ones ({indicator}) and the code tables; an unpublished one ({draft_indicator}) is
# the backbone's alone (404 to the other admitted members, 403 to a mentor, as on every page).
MEASURES = "/e/alpha/measures/indicators"
MEASURES_API = "/api/v1/ecosystems/alpha/measures"
INDICATOR_FORM = {
    "name": "Girls in robotics",
    "definition": "Of the young people in robotics programs, the share who are girls.",
    "unit": "percent",
    "numerator": "Girls in robotics programs",
    "denominator": "Young people in robotics programs",
    "direction": "higher",
    "period_type": "school_year",
    "dimensions": ["race"],
}


def backbone_only_record(ok: int = 200, *, api: bool = False) -> dict[str, int]:
    """A record only backbone staff may see: admitted members get 404, as if it did not exist."""
    table = members_only(ADMITTED, ok, api=api)
    for persona in ADMITTED:
        if persona not in BACKBONE:
            table[persona] = 404
    return table


MEASURES_ROWS = [
    Row("indicators", "get", f"{MEASURES}/", members_only(ADMITTED)),
    Row("indicator", "get", f"{MEASURES}/{{indicator}}/", members_only(ADMITTED)),
    Row("draft indicator", "get", f"{MEASURES}/{{draft_indicator}}/", backbone_only_record()),
    Row("new indicator", "get", f"{MEASURES}/new/", members_only(BACKBONE)),
    Row(
        "create indicator",
        "post",
        f"{MEASURES}/new/",
        members_only(BACKBONE, 302),
        INDICATOR_FORM,
    ),
    Row("edit indicator", "get", f"{MEASURES}/{{indicator}}/edit/", members_only(BACKBONE)),
    Row(
        "save indicator",
        "post",
        f"{MEASURES}/{{indicator}}/edit/",
        members_only(BACKBONE, 302),
        INDICATOR_FORM,
    ),
    Row("archive indicator", "get", f"{MEASURES}/{{indicator}}/archive/", members_only(BACKBONE)),
    Row(
        "archive indicator post",
        "post",
        f"{MEASURES}/{{indicator}}/archive/",
        members_only(BACKBONE, 302),
    ),
    Row("starter library", "get", f"{MEASURES}/install/", members_only(BACKBONE)),
    Row("install starter library", "post", f"{MEASURES}/install/", members_only(BACKBONE, 302)),
    Row("api indicators", "get", f"{MEASURES_API}/indicators/", members_only(ADMITTED, api=True)),
    Row(
        "api indicator",
        "get",
        f"{MEASURES_API}/indicators/{{indicator}}/",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api draft indicator",
        "get",
        f"{MEASURES_API}/indicators/{{draft_indicator}}/",
        backbone_only_record(api=True),
    ),
    Row("api code tables", "get", f"{MEASURES_API}/codes/", members_only(ADMITTED, api=True)),
    Row("api code table", "get", f"{MEASURES_API}/codes/sex/", members_only(ADMITTED, api=True)),
]

# Partners' submissions: partner staff submit their organization's files ({submission} is
# org A's), backbone staff see and review all; org B's staff get 404 for org A's file, other
# members 403. The POSTs are unconfirmed (or without a comment): they change nothing.
SUBMISSIONS = "/e/alpha/measures/submissions"
SUBMITTERS = ("partner_a", "partner_b", *BACKBONE)
PUBLIC = "/e/alpha/measures/public"


def backbone_reviews(ok: int = 302) -> dict[str, int]:
    return members_only(BACKBONE, ok)


SUBMISSION_ROWS = [
    Row("submissions", "get", f"{SUBMISSIONS}/", members_only(SUBMITTERS)),
    Row("submissions csv", "get", f"{SUBMISSIONS}/?format=csv", members_only(SUBMITTERS)),
    Row("submit data", "get", f"{SUBMISSIONS}/new/", members_only(SUBMITTERS)),
    Row("submission template", "get", f"{SUBMISSIONS}/template/", members_only(SUBMITTERS)),
    Row("submission", "get", SUBMISSIONS + "/{submission}/", org_a_staff()),
    Row("submission file", "get", SUBMISSIONS + "/{submission}/file/", org_a_staff()),
    Row("submission submit", "post", SUBMISSIONS + "/{submission}/submit/", org_a_staff(302)),
    *(
        Row(
            f"submission {action}",
            "post",
            SUBMISSIONS + f"/{{submission}}/{action}/",
            backbone_reviews(),
        )
        for action in ("approve", "return", "retry", "discard")
    ),
    Row("agreements", "get", "/e/alpha/measures/agreements/", members_only(SUBMITTERS)),
    Row("agreement new", "get", "/e/alpha/measures/agreements/new/", members_only(BACKBONE)),
    Row(
        "agreement save",
        "post",
        "/e/alpha/measures/agreements/new/",
        members_only(BACKBONE),  # an empty form: the page again, with its errors
    ),
    Row("agreement file", "get", "/e/alpha/measures/agreements/{agreement}/file/", org_a_staff()),
    # public files (CCD, Perkins): backbone staff only; the POSTs are unconfirmed or empty
    Row("public sources", "get", f"{PUBLIC}/", members_only(BACKBONE)),
    Row("public source new", "get", f"{PUBLIC}/new/", members_only(BACKBONE)),
    Row("public source upload", "post", f"{PUBLIC}/new/", members_only(BACKBONE)),
    Row("public source", "get", PUBLIC + "/{public_source}/", members_only(BACKBONE)),
    Row("public source file", "get", PUBLIC + "/{public_source}/file/", members_only(BACKBONE)),
    *(
        Row(
            f"public source {action}",
            "post",
            PUBLIC + f"/{{public_source}}/{action}/",
            members_only(BACKBONE, 302),
        )
        for action in ("apply", "retry", "discard")
    ),
    Row(
        "api public sources",
        "get",
        f"{MEASURES_API}/public-sources/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api public source",
        "get",
        MEASURES_API + "/public-sources/{public_source}/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api public source upload",
        "post",
        f"{MEASURES_API}/public-sources/",
        members_only(BACKBONE, 400, api=True),  # no file: refused after the permission
    ),
    # a file with problems, or not interrupted: refused by the service after the permission
    *(
        Row(
            f"api public source {action}",
            "post",
            MEASURES_API + f"/public-sources/{{public_source}}/{action}/",
            members_only(BACKBONE, 400, api=True),
        )
        for action in ("apply", "retry", "discard")
    ),
    Row(
        "api submissions",
        "get",
        f"{MEASURES_API}/submissions/",
        members_only(SUBMITTERS, api=True),
    ),
    Row(
        "api submission",
        "get",
        MEASURES_API + "/submissions/{submission}/",
        {**members_only(SUBMITTERS, api=True), "partner_b": 404},
    ),
    Row(
        "api submission upload",
        "post",
        f"{MEASURES_API}/submissions/",
        members_only(SUBMITTERS, 400, api=True),  # no file: refused after the permission
    ),
    # a draft or no comment: refused by the service after the permission
    *(
        Row(
            f"api submission {action}",
            "post",
            MEASURES_API + f"/submissions/{{submission}}/{action}/",
            members_only(BACKBONE, 400, api=True),
        )
        for action in ("approve", "return")
    ),
    # the checked file has a problem: refused by the service after the permission
    Row(
        "api submission submit",
        "post",
        MEASURES_API + "/submissions/{submission}/submit/",
        {**members_only(SUBMITTERS, 400, api=True), "partner_b": 404},
    ),
    Row(
        "api submission template",
        "get",
        f"{MEASURES_API}/submissions/template/",
        members_only(SUBMITTERS, api=True),
    ),
    Row("api agreements", "get", f"{MEASURES_API}/agreements/", members_only(SUBMITTERS, api=True)),
    Row(
        "api agreement",
        "get",
        MEASURES_API + "/agreements/{agreement}/",
        {**members_only(SUBMITTERS, api=True), "partner_b": 404},
    ),
    Row(
        "api agreement change",
        "patch",
        MEASURES_API + "/agreements/{agreement}/",
        members_only(BACKBONE, api=True),
        {"signatories": "Ana Ruiz, director\nLee Park, principal"},
    ),
    Row(
        "api agreement end",
        "post",
        MEASURES_API + "/agreements/{agreement}/end/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api collections",
        "get",
        f"{MEASURES_API}/collections/",
        members_only(SUBMITTERS, api=True),
    ),
    Row(
        "api collection",
        "get",
        MEASURES_API + "/collections/{collection}/",
        {**members_only(SUBMITTERS, api=True), "partner_b": 404},
    ),
    Row(
        "api collection progress",
        "get",
        MEASURES_API + "/collections/{collection}/progress/",
        {**members_only(SUBMITTERS, api=True), "partner_b": 404},
    ),
    Row(
        "agreement edit",
        "get",
        "/e/alpha/measures/agreements/{agreement}/edit/",
        members_only(BACKBONE),
    ),
    Row(
        "agreement end",
        "get",
        "/e/alpha/measures/agreements/{agreement}/end/",
        members_only(BACKBONE),
    ),
    Row(
        "agreement end post",
        "post",
        "/e/alpha/measures/agreements/{agreement}/end/",
        members_only(BACKBONE),  # no date: the page again, with its error
    ),
]

# Data collections ({collection} asks org A only: org B's staff get 404) and the crosswalk
# (backbone staff only). The POSTs are empty or unconfirmed: they change nothing.
COLLECTIONS = "/e/alpha/measures/collections"
CROSSWALK = "/e/alpha/measures/crosswalk"
COLLECTION_ROWS = [
    Row("collections", "get", f"{COLLECTIONS}/", members_only(SUBMITTERS)),
    Row("collections csv", "get", f"{COLLECTIONS}/?format=csv", members_only(SUBMITTERS)),
    Row("collection new", "get", f"{COLLECTIONS}/new/", members_only(BACKBONE)),
    Row("collection new post", "post", f"{COLLECTIONS}/new/", members_only(BACKBONE)),
    Row("collection", "get", COLLECTIONS + "/{collection}/", org_a_staff()),
    Row("collection edit", "get", COLLECTIONS + "/{collection}/edit/", members_only(BACKBONE)),
    Row("collection close", "get", COLLECTIONS + "/{collection}/close/", members_only(BACKBONE)),
    Row(
        "collection close post",
        "post",
        COLLECTIONS + "/{collection}/close/",
        members_only(BACKBONE),
    ),
    Row("collection template", "get", COLLECTIONS + "/{collection}/template/", org_a_staff()),
    Row("collection web form", "get", COLLECTIONS + "/{collection}/form/", org_a_staff()),
    Row("collection web form post", "post", COLLECTIONS + "/{collection}/form/", org_a_staff()),
    Row("crosswalk", "get", f"{CROSSWALK}/", members_only(BACKBONE)),
    Row("crosswalk csv", "get", f"{CROSSWALK}/?format=csv", members_only(BACKBONE)),
    Row("crosswalk new", "get", f"{CROSSWALK}/new/", members_only(BACKBONE)),
    Row("crosswalk new post", "post", f"{CROSSWALK}/new/", members_only(BACKBONE)),
    Row("crosswalk import", "post", f"{CROSSWALK}/import/", members_only(BACKBONE, 302)),
    Row("crosswalk edit", "get", CROSSWALK + "/{crosswalk}/edit/", members_only(BACKBONE)),
    Row("crosswalk delete", "get", CROSSWALK + "/{crosswalk}/delete/", members_only(BACKBONE)),
    Row(
        "crosswalk delete post",
        "post",
        CROSSWALK + "/{crosswalk}/delete/",
        members_only(BACKBONE, 302),
    ),
]

# Periods: backbone staff only ({period} is the collection's school year: its delete page
# refuses, the POST too, and the API's DELETE is a 400). The POSTs are empty: the form again.
PERIODS = "/e/alpha/measures/periods"
# Participation rosters (docs/reach.md): partner staff submit for their own programs and see
# their organizations' rosters ({roster} is org A's); backbone staff see every roster and
# submit or withdraw none; org B's staff get 404 for org A's roster, other members 403. The
# API POST is empty (refused after the permission); the withdrawals are real, rolled back with
# the cell.
ROSTERS = "/e/alpha/measures/rosters"
ROSTER_SUBMITTERS = ("partner_a", "partner_b")
ROSTER_ROWS = [
    Row("rosters", "get", f"{ROSTERS}/", members_only(SUBMITTERS)),
    Row("rosters csv", "get", f"{ROSTERS}/?format=csv", members_only(SUBMITTERS)),
    Row("roster new", "get", f"{ROSTERS}/new/", members_only(ROSTER_SUBMITTERS)),
    Row("roster", "get", ROSTERS + "/{roster}/", org_a_staff()),
    Row(
        "roster withdraw page",
        "get",
        ROSTERS + "/{roster}/withdraw/",
        {**members_only(ROSTER_SUBMITTERS), "partner_b": 404},
    ),
    Row(
        "roster withdraw",
        "post",
        ROSTERS + "/{roster}/withdraw/",
        {**members_only(ROSTER_SUBMITTERS, 302), "partner_b": 404},
    ),
    Row("api rosters", "get", f"{MEASURES_API}/rosters/", members_only(SUBMITTERS, api=True)),
    Row(
        "api roster",
        "get",
        MEASURES_API + "/rosters/{roster}/",
        {**members_only(SUBMITTERS, api=True), "partner_b": 404},
    ),
    Row(
        "api roster submit",
        "post",
        f"{MEASURES_API}/rosters/",
        members_only(ROSTER_SUBMITTERS, 400, api=True),
    ),
    Row(
        "api roster withdraw",
        "delete",
        MEASURES_API + "/rosters/{roster}/",
        {**members_only(ROSTER_SUBMITTERS, 204, api=True), "partner_b": 404},
    ),
]

PERIOD_ROWS = [
    Row("periods", "get", f"{PERIODS}/", members_only(BACKBONE)),
    Row("periods csv", "get", f"{PERIODS}/?format=csv", members_only(BACKBONE)),
    Row("period new", "get", f"{PERIODS}/new/", members_only(BACKBONE)),
    Row("period new post", "post", f"{PERIODS}/new/", members_only(BACKBONE)),
    Row("period edit", "get", PERIODS + "/{period}/edit/", members_only(BACKBONE)),
    Row("period edit post", "post", PERIODS + "/{period}/edit/", members_only(BACKBONE)),
    Row("period delete", "get", PERIODS + "/{period}/delete/", members_only(BACKBONE)),
    Row("period delete post", "post", PERIODS + "/{period}/delete/", members_only(BACKBONE)),
    Row("api periods", "get", f"{MEASURES_API}/periods/", members_only(BACKBONE, api=True)),
    Row(
        "api period",
        "get",
        MEASURES_API + "/periods/{period}/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api period add", "post", f"{MEASURES_API}/periods/", members_only(BACKBONE, 400, api=True)
    ),
    Row(
        "api period change",
        "patch",
        MEASURES_API + "/periods/{period}/",
        members_only(BACKBONE, 400, api=True),
        {"end": "2000-01-01"},
    ),
    Row(
        "api period delete",
        "delete",
        MEASURES_API + "/periods/{period}/",
        members_only(BACKBONE, 400, api=True),
    ),
]

# The data steward's page: backbone staff only. The POSTs are empty: the forms again, with
# their errors (nothing is saved without a check value or a retention).
LINKAGE = "/e/alpha/measures/linkage"
LINKAGE_ROWS = [
    Row("linkage", "get", f"{LINKAGE}/", members_only(BACKBONE)),
    Row("linkage csv", "get", f"{LINKAGE}/?format=csv", members_only(BACKBONE)),
    Row("linkage retention post", "post", f"{LINKAGE}/", members_only(BACKBONE)),
    Row("linkage secret", "get", f"{LINKAGE}/secret/", members_only(BACKBONE)),
    Row("linkage secret post", "post", f"{LINKAGE}/secret/", members_only(BACKBONE)),
    Row(
        "api linkage epochs",
        "get",
        f"{MEASURES_API}/linkage-epochs/",
        members_only(BACKBONE, api=True),
    ),
]

# Dashboards: public for a published indicator ({indicator}), the backbone's alone for a draft
# ({draft_indicator}: 404 to everyone else, as if it did not exist); one partner's own figures
# (?organization=) are the backbone's and that partner's staff's, a 404 to anyone else.
DASHBOARDS = "/e/alpha/measures/dashboards"


def backbone_else_404(ok: int = 200) -> dict[str, int]:
    return statuses(404, staff=ok, admin=ok)


def partner_figures() -> dict[str, int]:
    return statuses(404, staff=200, admin=200, partner_a=200)


DASHBOARD_ROWS = [
    Row("dashboards", "get", f"{DASHBOARDS}/", ALL_200),
    Row("dashboard", "get", f"{DASHBOARDS}/{{indicator}}/", ALL_200),
    Row("dashboard csv", "get", f"{DASHBOARDS}/{{indicator}}/?format=csv", ALL_200),
    Row("draft dashboard", "get", f"{DASHBOARDS}/{{draft_indicator}}/", backbone_else_404()),
    Row(
        "partner's dashboard",
        "get",
        f"{DASHBOARDS}/{{indicator}}/?organization={{org_a}}",
        partner_figures(),
    ),
    Row("report", "get", "/e/alpha/measures/report/", ALL_200),
    # the reach report: suppressed aggregates for everyone (the quality figures are the
    # backbone's, tests/measures/test_reach_pages.py)
    Row("reach report", "get", "/e/alpha/measures/reach/", ALL_200),
    Row("reach report csv", "get", "/e/alpha/measures/reach/?format=csv", ALL_200),
    Row("api reach", "get", f"{MEASURES_API}/reach/", ALL_200),
    Row("partner's report", "get", "/e/alpha/measures/report/{org_a}/", partner_figures()),
    Row("api dashboards", "get", f"{MEASURES_API}/dashboards/", ALL_200),
    Row("api dashboard", "get", f"{MEASURES_API}/dashboards/{{indicator}}/", ALL_200),
    Row(
        "api draft dashboard",
        "get",
        f"{MEASURES_API}/dashboards/{{draft_indicator}}/",
        backbone_else_404(),
    ),
    Row(
        "api partner's dashboard",
        "get",
        f"{MEASURES_API}/dashboards/{{indicator}}/?organization={{org_a}}",
        partner_figures(),
    ),
]

NETWORK_MEASURES = "/n/state/measures"
NETWORK_MEASURES_API = "/api/v1/networks/state/measures"
OPERATOR_PAGE = statuses(404, anonymous=302, operator=200)
OPERATOR_API = statuses(404, anonymous=401, operator=200)
NETWORK_MEASURE_ROWS = [
    Row("network measures", "get", f"{NETWORK_MEASURES}/", OPERATOR_PAGE),
    Row("network dashboard", "get", f"{NETWORK_MEASURES}/{{indicator}}/", OPERATOR_PAGE),
    Row(
        "network dashboard csv",
        "get",
        f"{NETWORK_MEASURES}/{{indicator}}/?format=csv",
        OPERATOR_PAGE,
    ),
    Row("api network measures", "get", f"{NETWORK_MEASURES_API}/", OPERATOR_API),
    Row("api network dashboard", "get", f"{NETWORK_MEASURES_API}/{{indicator}}/", OPERATOR_API),
]

# Program quality: the rubric pages and API are backbone admins' and staff's alone
# (`quality.manage_rubrics`); {rubric} has one draft version.
RUBRICS = "/e/alpha/quality/rubrics"
RUBRICS_API = "/api/v1/ecosystems/alpha/quality/rubrics"
QUALITY_ROWS = [
    Row("rubrics", "get", f"{RUBRICS}/", members_only(BACKBONE)),
    Row("install rubrics", "get", f"{RUBRICS}/install/", members_only(BACKBONE)),
    Row("install rubrics post", "post", f"{RUBRICS}/install/", members_only(BACKBONE, 302)),
    Row("import rubric", "get", f"{RUBRICS}/import/", members_only(BACKBONE)),
    Row("rubric", "get", f"{RUBRICS}/{{rubric}}/", members_only(BACKBONE)),
    Row(
        "download rubric",
        "get",
        f"{RUBRICS}/{{rubric}}/versions/1/download/csv/",
        members_only(BACKBONE),
    ),
    Row(
        "publish rubric", "get", f"{RUBRICS}/{{rubric}}/versions/1/publish/", members_only(BACKBONE)
    ),
    Row(
        "publish rubric post",
        "post",
        f"{RUBRICS}/{{rubric}}/versions/1/publish/",
        members_only(BACKBONE, 302),
    ),
    # editing on a page: a new draft is refused while {rubric} has one (a redirect with the
    # reason); posting an empty editor shows its problems
    Row(
        "new rubric draft post",
        "post",
        f"{RUBRICS}/{{rubric}}/new-draft/",
        members_only(BACKBONE, 302),
    ),
    Row(
        "edit rubric draft", "get", f"{RUBRICS}/{{rubric}}/versions/1/edit/", members_only(BACKBONE)
    ),
    Row(
        "edit rubric draft post",
        "post",
        f"{RUBRICS}/{{rubric}}/versions/1/edit/",
        members_only(BACKBONE),
    ),
    Row(
        "delete rubric draft",
        "get",
        f"{RUBRICS}/{{rubric}}/versions/1/delete/",
        members_only(BACKBONE),
    ),
    Row(
        "delete rubric draft post",
        "post",
        f"{RUBRICS}/{{rubric}}/versions/1/delete/",
        members_only(BACKBONE, 302),
    ),
    Row("api rubrics", "get", f"{RUBRICS_API}/", members_only(BACKBONE, api=True)),
    Row("api rubric", "get", f"{RUBRICS_API}/{{rubric}}/", members_only(BACKBONE, api=True)),
    Row(
        "api rubric version",
        "get",
        f"{RUBRICS_API}/{{rubric}}/versions/1/",
        members_only(BACKBONE, api=True),
    ),
]

# Assessments (`quality.view_assessments` on the ecosystem: backbone, partner staff and reviewers;
# then each record by `access.get_assessment`): {assessment} is org A's, with one evidence file
# {evidence}. Org B's staff and a reviewer not assigned to it get 404; consensus, evidence and
# completing are the organization's staff's and the backbone's (`quality.agree_consensus`).
ASSESSMENTS = "/e/alpha/quality/assessments"
ASSESSMENT = f"{ASSESSMENTS}/{{assessment}}"
ASSESSMENT_API = "/api/v1/ecosystems/alpha/quality/assessments"
ASSESSMENT_VIEWERS = ("reviewer", "partner_a", "partner_b", *BACKBONE)


def assessment_page(ok: int = 200, *, api: bool = False) -> dict[str, int]:
    """Org A's assessment: its staff and the backbone get `ok`; org B's staff and an
    unassigned reviewer 404 (it is not theirs to know about); other members 403."""
    table = members_only(ASSESSMENT_VIEWERS, ok, api=api)
    table["partner_b"] = table["reviewer"] = 404
    return table


ASSESSMENT_ROWS = [
    Row("assessments", "get", f"{ASSESSMENTS}/", members_only(ASSESSMENT_VIEWERS)),
    Row("assessments csv", "get", f"{ASSESSMENTS}/?format=csv", members_only(ASSESSMENT_VIEWERS)),
    Row(
        "start assessment",
        "get",
        f"{ASSESSMENTS}/start/",
        members_only(("partner_a", "partner_b", *BACKBONE)),
    ),
    Row(
        "start assessment post",
        "post",
        f"{ASSESSMENTS}/start/",
        members_only(("partner_a", "partner_b", *BACKBONE)),
    ),
    Row("assessment", "get", f"{ASSESSMENT}/", assessment_page()),
    Row("rate", "get", f"{ASSESSMENT}/rate/", assessment_page()),
    Row(
        "rate post",
        "post",
        f"{ASSESSMENT}/rate/",
        assessment_page(302),
        {"section": "access", "stage-outreach": "low"},
    ),
    Row("consensus", "get", f"{ASSESSMENT}/consensus/", assessment_page()),
    Row(
        "consensus post",
        "post",
        f"{ASSESSMENT}/consensus/",
        assessment_page(302),
        {"action": "save", "attribute": "outreach", "outreach-stage": "low"},
    ),
    Row("evidence file", "get", f"{ASSESSMENT}/evidence/{{evidence}}/", assessment_page()),
    Row("complete assessment", "get", f"{ASSESSMENT}/complete/", assessment_page()),
    # refused: no attribute has a consensus yet (shown on the page)
    Row("complete assessment post", "post", f"{ASSESSMENT}/complete/", assessment_page(400)),
    Row("api assessments", "get", f"{ASSESSMENT_API}/", members_only(ASSESSMENT_VIEWERS, api=True)),
    Row("api assessment", "get", f"{ASSESSMENT_API}/{{assessment}}/", assessment_page(api=True)),
    Row(
        "api assessment rating",
        "post",
        f"{ASSESSMENT_API}/{{assessment}}/ratings/",
        assessment_page(api=True),
        {"attribute": "outreach", "stage": "low"},
    ),
]


# Peer review and improvement plans: {planned} is org A's complete assessment, which the
# reviewer persona was assigned to (and rated) before it was completed, with a plan of one goal
# ({plan_goal}) and one action ({plan_action}). Who sees the assessment reaches its pages (the
# others 404, as they learn nothing of it); of those, whoever the action's rule refuses gets 403.
ASSESSED = "/e/alpha/quality/assessments/{planned}"
CYCLE_API = "/api/v1/ecosystems/alpha/quality"
SEE_ASSESSMENT = ("partner_a", "reviewer", *BACKBONE)
PLANNERS = ("partner_a", *BACKBONE)


def cycle_page(allowed: tuple[str, ...], ok: int = 200, *, api: bool = False) -> dict[str, int]:
    """`allowed` get `ok`; the others who see the assessment 403; everyone else 404."""
    table = statuses(404, anonymous=401 if api else 302)
    for persona in SEE_ASSESSMENT:
        table[persona] = ok if persona in allowed else 403
    return table


CYCLE_ROWS = [
    Row("review queue", "get", "/e/alpha/quality/reviews/", members_only(("reviewer",))),
    Row("assign reviewer", "get", f"{ASSESSED}/reviewers/", cycle_page(BACKBONE)),
    Row("assign reviewer post", "post", f"{ASSESSED}/reviewers/", cycle_page(BACKBONE, 302)),
    Row(
        "unassign reviewer",
        "get",
        f"{ASSESSED}/reviewers/{{plan_review}}/unassign/",
        cycle_page(BACKBONE),
    ),
    Row(
        "unassign reviewer post",
        "post",
        f"{ASSESSED}/reviewers/{{plan_review}}/unassign/",
        cycle_page(BACKBONE, 302),
    ),
    # the reviewer's own review: nobody else has one to open
    Row("own review", "get", f"{ASSESSED}/review/", statuses(404, anonymous=302, reviewer=200)),
    Row(
        "own review comment",
        "post",
        f"{ASSESSED}/review/",
        statuses(404, anonymous=302, reviewer=302),
        {"comment": "Clear evidence"},
    ),
    Row(
        "submit review",
        "get",
        f"{ASSESSED}/review/submit/",
        statuses(404, anonymous=302, reviewer=200),
    ),
    Row(
        "submit review unconfirmed",
        "post",
        f"{ASSESSED}/review/submit/",
        statuses(404, anonymous=302, reviewer=200),
    ),
    Row("plan", "get", f"{ASSESSED}/plan/", cycle_page(SEE_ASSESSMENT)),
    Row("write plan", "post", f"{ASSESSED}/plan/", cycle_page(PLANNERS, 302), {"goals": 3}),
    Row("add goal", "get", f"{ASSESSED}/plan/goals/new/", cycle_page(PLANNERS)),
    Row("edit goal", "get", f"{ASSESSED}/plan/goals/{{plan_goal}}/", cycle_page(PLANNERS)),
    Row(
        "remove goal",
        "get",
        f"{ASSESSED}/plan/goals/{{plan_goal}}/remove/",
        cycle_page(PLANNERS),
    ),
    Row(
        "remove goal post",
        "post",
        f"{ASSESSED}/plan/goals/{{plan_goal}}/remove/",
        cycle_page(PLANNERS, 302),
    ),
    Row(
        "add action",
        "get",
        f"{ASSESSED}/plan/goals/{{plan_goal}}/actions/new/",
        cycle_page(PLANNERS),
    ),
    Row(
        "edit action",
        "get",
        f"{ASSESSED}/plan/actions/{{plan_action}}/",
        cycle_page(PLANNERS),
    ),
    Row(
        "remove action",
        "get",
        f"{ASSESSED}/plan/actions/{{plan_action}}/remove/",
        cycle_page(PLANNERS),
    ),
    Row(
        "remove action post",
        "post",
        f"{ASSESSED}/plan/actions/{{plan_action}}/remove/",
        cycle_page(PLANNERS, 302),
    ),
    Row(
        "action status",
        "post",
        f"{ASSESSED}/plan/actions/{{plan_action}}/status/",
        cycle_page(PLANNERS, 302),
        {"status": "done"},
    ),
    Row("plan export", "get", f"{ASSESSED}/plan/export/csv/", cycle_page(SEE_ASSESSMENT)),
    Row("start next", "get", f"{ASSESSED}/next/", cycle_page(PLANNERS)),
    Row("start next post", "post", f"{ASSESSED}/next/", cycle_page(PLANNERS, 302)),
    Row("api reviews", "get", f"{CYCLE_API}/reviews/", members_only(("reviewer",), api=True)),
    Row(
        "api review",
        "get",
        f"{CYCLE_API}/reviews/{{plan_review}}/",
        members_only(("reviewer",), api=True),
    ),
    Row(
        "api plan",
        "get",
        f"{CYCLE_API}/plans/{{planned}}/",
        cycle_page(SEE_ASSESSMENT, api=True),
    ),
    Row(
        "api plan action",
        "get",
        f"{CYCLE_API}/plan-actions/{{plan_action}}/",
        cycle_page(SEE_ASSESSMENT, api=True),
    ),
    Row(
        "api plan action status",
        "patch",
        f"{CYCLE_API}/plan-actions/{{plan_action}}/",
        cycle_page(PLANNERS, api=True),
        {"status": "done"},
    ),
]


# Progress and the roll-up: {assessed_program} is org A's program with a complete assessment
# ({assessed}) on the rubric {assessed_rubric}. The roll-up is every admitted member's (figures
# suppressed for all but the backbone); a program's progress, those who see its assessments.
QUALITY = "/e/alpha/quality"
QUALITY_API = "/api/v1/ecosystems/alpha/quality"
PROGRESS = statuses(404, anonymous=302, staff=200, admin=200, partner_a=200)
PROGRESS_ROWS = [
    Row("quality rollup", "get", f"{QUALITY}/rollup/", members_only(ADMITTED)),
    Row(
        "quality rollup download",
        "get",
        f"{QUALITY}/rollup/download/xlsx/",
        members_only(ADMITTED),
    ),
    Row("program progress", "get", f"{QUALITY}/programs/{{assessed_program}}/", PROGRESS),
    Row(
        "show mark post",
        "post",
        f"{QUALITY}/programs/{{assessed_program}}/mark/{{assessed}}/",
        {**PROGRESS, "staff": 302, "admin": 302, "partner_a": 302},
        {"shown": "1"},
    ),
    Row(
        "api quality rollup",
        "get",
        f"{QUALITY_API}/rollup/{{assessed_rubric}}/",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api program progress",
        "get",
        f"{QUALITY_API}/programs/{{assessed_program}}/progress/",
        {**PROGRESS, "anonymous": 401},
    ),
]

ROWS = [
    # public pages
    Row("home", "get", "/?all", ALL_200),
    Row("healthz", "get", "/healthz", ALL_200),
    Row("ecosystem home", "get", "/e/alpha/", ALL_200),
    Row("partner list", "get", "/e/alpha/partners/", ALL_200),
    Row("partner page", "get", "/e/alpha/partners/{org_a}/", ALL_200),
    Row("program directory", "get", "/e/alpha/programs/", ALL_200),
    Row("program page", "get", "/e/alpha/programs/{program}/", ALL_200),
    Row("program map data", "get", "/e/alpha/programs/map.geojson", ALL_200),
    Row("api schema", "get", "/api/schema/", ALL_200),
    Row("api docs", "get", "/api/docs/", ALL_200),
    Row("api redoc", "get", "/api/redoc/", ALL_200),
    # signed-in pages
    Row("profile", "get", "/accounts/profile/", statuses(200, anonymous=302)),
    Row("create api token", "post", "/accounts/api-token/", statuses(200, anonymous=302)),
    Row("sign out everywhere", "post", "/accounts/sign-out-everywhere/", statuses(302)),
    Row(
        "network page",
        "get",
        "/n/state/",
        statuses(404, anonymous=302, operator=200),
    ),
    Row(
        "network export",
        "get",
        "/n/state/?format=csv",
        statuses(404, anonymous=302, operator=200),
    ),
    # ecosystem pages for some roles
    Row(
        "partner export",
        "get",
        "/e/alpha/partners/?format=csv",
        statuses(404, staff=200, admin=200),
    ),
    Row("add partner", "get", "/e/alpha/partners/new/", members_only(BACKBONE)),
    Row(
        "edit partner",
        "get",
        "/e/alpha/partners/{org_a}/edit/",
        members_only(("partner_a", *BACKBONE)),
    ),
    Row(
        "save partner",
        "post",
        "/e/alpha/partners/{org_a}/edit/",
        members_only(("partner_a", *BACKBONE), ok=302),
        {"name": "Robotics For All", "sector": "youth_nonprofit", "coalition_role": "partner"},
    ),
    Row("archive partner", "get", "/e/alpha/partners/{org_a}/archive/", members_only(BACKBONE)),
    # the flat program spreadsheet
    Row(
        "spreadsheet guide",
        "get",
        "/e/alpha/programs/spreadsheet/guide/",
        members_only(("partner_a", "partner_b", *BACKBONE)),
    ),
    Row(
        "spreadsheet template",
        "get",
        "/e/alpha/programs/spreadsheet/template/?format=xlsx",
        members_only(("partner_a", "partner_b", *BACKBONE)),
    ),
    Row(
        "spreadsheet template csv",
        "get",
        "/e/alpha/programs/spreadsheet/template/?format=csv",
        members_only(("partner_a", "partner_b", *BACKBONE)),
    ),
    Row(
        "spreadsheet export",
        "get",
        "/e/alpha/programs/spreadsheet/export/?format=csv",
        members_only(BACKBONE),
    ),
    Row(
        "spreadsheet export of a partner's programs",
        "get",
        "/e/alpha/programs/spreadsheet/export/{org_a}/?format=xlsx",
        members_only(("partner_a", *BACKBONE)),
    ),
    Row("imports", "get", "/e/alpha/programs/imports/", members_only(BACKBONE)),
    Row("import run", "get", "/e/alpha/programs/imports/{run}/", members_only(BACKBONE)),
    Row(
        "import run status",
        "get",
        "/e/alpha/programs/imports/{run}/status/",
        members_only(BACKBONE),
    ),
    Row(
        "apply import run",
        "post",
        "/e/alpha/programs/imports/{run}/apply/",
        members_only(BACKBONE, ok=302),
    ),
    *(
        Row(
            f"{action} import run",
            "post",
            f"/e/alpha/programs/imports/{{run}}/{action}/",
            members_only(BACKBONE, ok=302),
        )
        for action in ("retry", "discard")
    ),
    Row("import run file", "get", "/e/alpha/programs/imports/{run}/file/", members_only(BACKBONE)),
    Row("hsds json export", "get", "/e/alpha/programs/export/hsds.json", members_only(BACKBONE)),
    Row("hsds package export", "get", "/e/alpha/programs/export/hsds.zip", members_only(BACKBONE)),
    # the access atlas: population areas and their imports (backbone staff only)
    Row("atlas areas", "get", "/e/alpha/atlas/areas/", members_only(BACKBONE)),
    Row("atlas areas csv", "get", "/e/alpha/atlas/areas/?format=csv", members_only(BACKBONE)),
    Row(
        "atlas area template",
        "get",
        "/e/alpha/atlas/areas/template.csv",
        members_only(BACKBONE),
    ),
    Row("atlas delete areas", "get", "/e/alpha/atlas/areas/delete/", members_only(BACKBONE)),
    Row("atlas area imports", "get", "/e/alpha/atlas/areas/imports/", members_only(BACKBONE)),
    Row(
        "atlas area import",
        "get",
        "/e/alpha/atlas/areas/imports/{area_import}/",
        members_only(BACKBONE),
    ),
    Row(
        "atlas area import status",
        "get",
        "/e/alpha/atlas/areas/imports/{area_import}/status/",
        members_only(BACKBONE),
    ),
    Row(
        "atlas apply area import",
        "post",
        "/e/alpha/atlas/areas/imports/{area_import}/apply/",
        members_only(BACKBONE, ok=302),
    ),
    *(
        Row(
            f"atlas {action} area import",
            "post",
            f"/e/alpha/atlas/areas/imports/{{area_import}}/{action}/",
            members_only(BACKBONE, ok=302),
        )
        for action in ("retry", "discard")
    ),
    Row(
        "atlas area import file",
        "get",
        "/e/alpha/atlas/areas/imports/{area_import}/file/",
        members_only(BACKBONE),
    ),
    # the access atlas: every admitted member (not a mentor who signed up) reads it and tries
    # scenarios; backbone staff configure the analysis and keep or delete scenarios
    Row("atlas", "get", "/e/alpha/atlas/", members_only(ADMITTED)),
    Row("atlas run status", "get", "/e/alpha/atlas/status/", members_only(ADMITTED)),
    Row(
        "atlas map data",
        "get",
        "/e/alpha/atlas/areas.geojson?color=need",
        members_only(ADMITTED),
    ),
    Row("atlas settings", "get", "/e/alpha/atlas/settings/", members_only(BACKBONE)),
    Row(
        "atlas save settings",
        "post",
        "/e/alpha/atlas/settings/",
        members_only(BACKBONE),  # an empty form: its errors, 200
    ),
    Row("atlas scenarios", "get", "/e/alpha/atlas/scenarios/", members_only(ADMITTED)),
    Row(
        "atlas new scenario",
        "get",
        "/e/alpha/atlas/scenarios/new/",
        members_only(ADMITTED),
    ),
    Row(
        "atlas scenario",
        "get",
        "/e/alpha/atlas/scenarios/{scenario}/",
        members_only(ADMITTED),
    ),
    Row(
        # an unsaved preview of a large ecosystem: only the member who asked reads it
        "atlas queued preview",
        "get",
        "/e/alpha/atlas/scenarios/new/?preview={atlas_preview}",
        statuses(404, anonymous=302, mentor=403, member=200),
    ),
    Row(
        "atlas compare scenarios",
        "get",
        "/e/alpha/atlas/scenarios/compare/?scenario={scenario}",
        members_only(ADMITTED),
    ),
    Row(
        "atlas delete scenario",
        "get",
        "/e/alpha/atlas/scenarios/{scenario}/delete/",
        members_only(BACKBONE),
    ),
    Row(
        "atlas confirm delete scenario",
        "post",
        "/e/alpha/atlas/scenarios/{scenario}/delete/",
        members_only(BACKBONE, ok=302),
    ),
    Row("members", "get", "/e/alpha/members/", members_only(BACKBONE)),
    Row("members export", "get", "/e/alpha/members/?format=xlsx", members_only(BACKBONE)),
    Row("change member", "get", "/e/alpha/members/{membership}/", members_only(("admin",))),
    Row(
        "remove member",
        "get",
        "/e/alpha/members/{membership}/remove/",
        members_only(("admin",)),
    ),
    Row("invitations", "get", "/e/alpha/invitations/", members_only(BACKBONE)),
    Row(
        "revoke invitation",
        "post",
        "/e/alpha/invitations/{invitation}/revoke/",
        members_only(BACKBONE, ok=302),
    ),
    Row("audit log", "get", "/e/alpha/audit/", members_only(("admin",))),
    # partner self-service and moderation
    Row(
        "our programs",
        "get",
        "/e/alpha/listings/",
        members_only(("partner_a", "partner_b", *BACKBONE)),
    ),
    Row("moderation queue", "get", "/e/alpha/listings/moderation/", members_only(BACKBONE)),
    Row("stale listings", "get", "/e/alpha/listings/moderation/?stale=1", members_only(BACKBONE)),
    Row("new listing", "get", "/e/alpha/listings/for/{org_a}/new/", org_a_staff()),
    Row("add location", "get", "/e/alpha/listings/for/{org_a}/locations/new/", org_a_staff()),
    Row("edit listing", "get", "/e/alpha/listings/programs/{program}/edit/", org_a_staff()),
    Row("verify listing", "post", "/e/alpha/listings/programs/{program}/verify/", org_a_staff(302)),
    Row("archive listing", "get", "/e/alpha/listings/programs/{program}/archive/", org_a_staff()),
    Row("listing change", "get", "/e/alpha/listings/changes/{change}/", org_a_staff()),
    Row("edit pending listing", "get", "/e/alpha/listings/changes/{change}/edit/", org_a_staff()),
    Row(
        "decide change",
        "get",
        "/e/alpha/listings/changes/{change}/decide/?decision=approve",
        members_only(BACKBONE),
    ),
    Row(
        "withdraw change", "post", "/e/alpha/listings/changes/{change}/withdraw/", org_a_staff(302)
    ),
    Row("edit location", "get", "/e/alpha/listings/locations/{org_location}/edit/", org_a_staff()),
    Row("settings", "get", "/e/alpha/settings/", members_only(("admin",))),
    # API
    Row("api root", "get", "/api/v1/", ALL_200),
    Row("api me", "get", "/api/v1/me/", statuses(200, anonymous=401)),
    Row("api ecosystems", "get", "/api/v1/ecosystems/", ALL_200),
    Row("api ecosystem", "get", "/api/v1/ecosystems/alpha/", ALL_200),
    Row("api networks", "get", "/api/v1/networks/", statuses(200, anonymous=401)),
    Row(
        "api network",
        "get",
        "/api/v1/networks/state/",
        statuses(404, anonymous=401, operator=200),
    ),
    Row(
        "api network summary",
        "get",
        "/api/v1/networks/state/summary/",
        statuses(404, anonymous=401, operator=200),
    ),
    Row("api organizations", "get", "/api/v1/ecosystems/alpha/organizations/", ALL_200),
    # the HSDS 3.0 API (public, read-only)
    Row("hsds root", "get", "/api/hsds/alpha/", ALL_200),
    Row("hsds services", "get", "/api/hsds/alpha/services", ALL_200),
    Row("hsds service", "get", "/api/hsds/alpha/services/{service_id}", ALL_200),
    Row("hsds services at locations", "get", "/api/hsds/alpha/service_at_locations", ALL_200),
    Row(
        "hsds service at location",
        "get",
        "/api/hsds/alpha/service_at_locations/{service_at_location_id}",
        ALL_200,
    ),
    Row("hsds organizations", "get", "/api/hsds/alpha/organizations", ALL_200),
    Row("hsds organization", "get", "/api/hsds/alpha/organizations/{organization_id}", ALL_200),
    Row("hsds taxonomies", "get", "/api/hsds/alpha/taxonomies", ALL_200),
    Row("hsds taxonomy", "get", "/api/hsds/alpha/taxonomies/{taxonomy_id}", ALL_200),
    Row("hsds taxonomy terms", "get", "/api/hsds/alpha/taxonomy_terms", ALL_200),
    Row("hsds taxonomy term", "get", "/api/hsds/alpha/taxonomy_terms/{term_id}", ALL_200),
    Row("api programs", "get", "/api/v1/ecosystems/alpha/programs/", ALL_200),
    Row("api program", "get", "/api/v1/ecosystems/alpha/programs/{program}/", ALL_200),
    Row("api locations", "get", "/api/v1/ecosystems/alpha/locations/", ALL_200),
    Row("api location", "get", "/api/v1/ecosystems/alpha/locations/{location}/", ALL_200),
    Row("api organization", "get", "/api/v1/ecosystems/alpha/organizations/{org_a}/", ALL_200),
    Row(
        "api create organization",
        "post",
        "/api/v1/ecosystems/alpha/organizations/",
        members_only(BACKBONE, ok=201, api=True),
        {"name": "New Partner", "sector": "library"},
    ),
    Row(
        "api update organization",
        "patch",
        "/api/v1/ecosystems/alpha/organizations/{org_a}/",
        members_only(("partner_a", *BACKBONE), api=True),
        {"phone": "555-0100"},
    ),
    Row(
        "api archive organization",
        "post",
        "/api/v1/ecosystems/alpha/organizations/{org_a}/archive/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api restore organization",
        "post",
        "/api/v1/ecosystems/alpha/organizations/{org_a}/restore/",
        # allowed, but the organization is not archived: a readable 400
        members_only(BACKBONE, ok=400, api=True),
    ),
    Row(
        "api memberships",
        "get",
        "/api/v1/ecosystems/alpha/memberships/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api change membership",
        "patch",
        "/api/v1/ecosystems/alpha/memberships/{membership}/",
        members_only(("admin",), api=True),
        {"role": "reviewer"},
    ),
    Row(
        "api invitations",
        "get",
        "/api/v1/ecosystems/alpha/invitations/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api invite",
        "post",
        "/api/v1/ecosystems/alpha/invitations/",
        members_only(BACKBONE, ok=201, api=True),
        {"email": "new.person@example.org", "role": "mentor"},
    ),
    Row(
        "api invitation",
        "get",
        "/api/v1/ecosystems/alpha/invitations/{invitation}/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api revoke invitation",
        "post",
        "/api/v1/ecosystems/alpha/invitations/{invitation}/revoke/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api audit log",
        "get",
        "/api/v1/ecosystems/alpha/audit-log/",
        members_only(("admin",), api=True),
    ),
    # the access atlas: admitted members read it, backbone staff configure it
    Row("atlas export csv", "get", "/e/alpha/atlas/export.csv", members_only(ADMITTED)),
    Row("atlas export xlsx", "get", "/e/alpha/atlas/export.xlsx", members_only(ADMITTED)),
    Row(
        "api analyses",
        "get",
        "/api/v1/ecosystems/alpha/analyses/",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api analysis",
        "get",
        "/api/v1/ecosystems/alpha/analyses/default/",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api analysis summary",
        "get",
        "/api/v1/ecosystems/alpha/analyses/default/summary/",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api analysis results",
        "get",
        "/api/v1/ecosystems/alpha/analyses/default/results/",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api create analysis",
        "post",
        "/api/v1/ecosystems/alpha/analyses/",
        members_only(BACKBONE, ok=201, api=True),
        {"name": "Dallas rule", "parameters": {"min_days_per_week": 4}},
    ),
    Row(
        "api change analysis",
        "patch",
        "/api/v1/ecosystems/alpha/analyses/default/",
        members_only(BACKBONE, api=True),
        {"parameters": {"desert_min_youth": 40}},
    ),
    Row(
        "api scenarios",
        "get",
        "/api/v1/ecosystems/alpha/scenarios/",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api scenario",
        "get",
        "/api/v1/ecosystems/alpha/scenarios/{scenario}/",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api compare scenarios",
        "get",
        "/api/v1/ecosystems/alpha/scenarios/compare/?ids=0,{scenario}",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api create scenario",
        "post",
        "/api/v1/ecosystems/alpha/scenarios/",
        members_only(BACKBONE, ok=201, api=True),
        {"name": "Bus", "programs": [SCENARIO_PROGRAM]},
    ),
    Row(
        "api preview scenario",
        "post",
        "/api/v1/ecosystems/alpha/scenarios/preview/",
        members_only(BACKBONE, api=True),
        {"programs": [SCENARIO_PROGRAM]},
    ),
    Row(
        # only the person who asked reads a preview: nobody here asked for one
        "api preview result",
        "get",
        "/api/v1/ecosystems/alpha/scenarios/preview/999999/",
        members_only(BACKBONE, ok=404, api=True),
    ),
    Row(
        "api population areas",
        "get",
        "/api/v1/ecosystems/alpha/population-areas/",
        members_only(ADMITTED, api=True),
    ),
    Row(
        "api population area",
        "get",
        "/api/v1/ecosystems/alpha/population-areas/{area}/",
        members_only(ADMITTED, api=True),
    ),
    *MENTORING_DASH_ROWS,
    *MENTORING_PEOPLE_ROWS,
    *MENTOR_STAGE_ROWS,
    *MENTORING_WORK_ROWS,
    *MEASURES_ROWS,
    *SUBMISSION_ROWS,
    *COLLECTION_ROWS,
    *PERIOD_ROWS,
    *LINKAGE_ROWS,
    *ROSTER_ROWS,
    *DASHBOARD_ROWS,
    *NETWORK_MEASURE_ROWS,
    *QUALITY_ROWS,
    *ASSESSMENT_ROWS,
    *CYCLE_ROWS,
    *PROGRESS_ROWS,
    *challenges.ROWS,
    *badges_bissue.ROWS,
    *badges_core.ROWS,
    *permissions_paths.ROWS,
    *network_core.ROWS,
    *network_members.ROWS,
    *network_gatherings.ROWS,
    *network_surveys.ROWS,
    *network_newsletters.ROWS,
]

ROW_PARAMS = [pytest.param(row, id=row.name) for row in ROWS]


@dataclass
class Table:
    """The world of tests/conftest.py and one record of each kind the rows' URLs name."""

    world: World
    ids: dict[str, Any]  # by the placeholder in the rows' URLs
    media: str  # where the import files of the records are
    sessions: dict[str, str]  # each signed-in persona's session key

    def client(self, persona: str) -> Client:
        """A client signed in as `persona` through the session made once for the module: a
        sign-in is a session row, a new key and the signed-in signals, and doing it again for
        each of the ~5,000 cells took a third of their time. What a request changes in the
        session is rolled back with the cell's savepoint like everything else."""
        client = Client()
        if persona in self.sessions:
            client.cookies[django_settings.SESSION_COOKIE_NAME] = self.sessions[persona]
        return client


@pytest.fixture(scope="module")
def table(django_db_setup: None, django_db_blocker: Any, tmp_path_factory: Any) -> Iterator[Table]:
    """Built once per module (and worker), in a transaction rolled back at the module's end.

    Each cell runs in a savepoint inside it (pytest-django's `db`), so whatever a request
    changes is gone before the next cell, as if every cell built its own world: the ~1,800 cells
    are half the suite's tests, and building the world and records for each took most of their
    time.
    """
    media = tmp_path_factory.mktemp("permission-media")
    with (
        django_db_blocker.unblock(),
        override_settings(MEDIA_ROOT=str(media)),
        transaction.atomic(),
    ):
        world = build_world()
        sessions = {}
        for persona, user in world.users.items():
            if user is not None:
                signed_in = Client()
                signed_in.force_login(user)
                sessions[persona] = signed_in.cookies[django_settings.SESSION_COOKIE_NAME].value
        yield Table(world, _records(world), str(media), sessions)
        transaction.set_rollback(True)


@pytest.mark.parametrize("row", ROW_PARAMS)
def test_permission_table(table: Table, db: None, settings: Any, row: Row) -> None:
    """Every persona's request to one row's URL, each in a savepoint of its own, so what one
    request changes is gone before the next, as if each had the world to itself. One test per
    row rather than per cell: pytest's own cost per test was more than the request's."""
    # conftest gives each test a media folder of its own, without the records' import files
    settings.MEDIA_ROOT = table.media
    url = row.url.format(**table.ids)
    # a posted value may name a record too ("{nl_section}")
    data = {
        key: value.format(**table.ids) if isinstance(value, str) else value
        for key, value in row.data.items()
    }
    row = Row(row.name, row.method, row.url, row.expected, data)
    wrong = []
    for persona in PERSONAS:
        savepoint = transaction.savepoint()
        try:
            status = _request(table.client(persona), row, url).status_code
        finally:
            transaction.savepoint_rollback(savepoint)
        if status != row.expected[persona]:
            wrong.append(f"{persona}: {status}, expected {row.expected[persona]}")
    assert not wrong, f"{row.method.upper()} {url}: " + "; ".join(wrong)


def _request(client: Client, row: Row, url: str) -> Any:
    if row.method == "get":
        return client.get(url)
    if url.startswith("/api/"):
        return getattr(client, row.method)(url, row.data, content_type="application/json")
    return client.post(url, row.data)


def _records(world: World) -> dict[str, Any]:
    """One record of each kind the rows name, by the placeholder in their URLs."""
    from django.core.files.base import ContentFile

    from ecotone.atlas.models import AnalysisRun, AreaImport, PopulationArea, Scenario
    from ecotone.atlas.services import default_analysis
    from ecotone.directory.listings.state import empty_state
    from ecotone.directory.models import (
        ImportRun,
        ListingChange,
        Location,
        Program,
        ProgramLocation,
        TaxonomyTerm,
    )
    from ecotone.ecosystems.models import Invitation
    from tests.quality.cycle_builders import reviewed_and_planned

    invitation = Invitation.objects.create(
        ecosystem=world.alpha, email="invitee@example.org", role="mentor"
    )
    program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics Club", slug="robotics-club"
    )
    location = Location.objects.create(ecosystem=world.alpha, name="Main site")
    site = ProgramLocation.objects.create(program=program, location=location)
    term = TaxonomyTerm.objects.get(code="stem_field/robotics")
    run = ImportRun.objects.create(
        ecosystem=world.alpha,
        format="hsds_json",
        original_filename="programs.json",
        file=ContentFile(b"[]", name="programs.json"),
    )
    area_import = AreaImport.objects.create(
        ecosystem=world.alpha,
        format="areas_csv",
        original_filename="areas.csv",
        file=ContentFile(b"id,name\n", name="areas.csv"),
    )
    org_location = Location.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Riverton hall", postal_code="43215"
    )
    proposed = empty_state()
    proposed["fields"]["name"] = "Coding Nights"
    change = ListingChange.objects.create(
        ecosystem=world.alpha,
        organization=world.org_a,
        proposed=proposed,
        submitted_by=world.users["partner_a"],
    )
    area = PopulationArea.objects.create(
        ecosystem=world.alpha,
        kind="school",
        code="390001",
        name="Riverton Middle",
        latitude=40.0,
        longitude=-83.0,
        locale="rural",
        youth_total=300,
    )
    scenario = Scenario.objects.create(
        analysis=default_analysis(world.alpha), name="Bus", programs=[SCENARIO_PROGRAM]
    )
    preview = AnalysisRun.objects.create(
        analysis=scenario.analysis,
        is_preview=True,
        preview_programs=[SCENARIO_PROGRAM],
        requested_by=world.users["member"],
        fingerprint="p" * 64,
    )
    opportunity, match, round_ = _mentoring_records(world)
    indicator, draft_indicator = _indicators(world)
    assessed = _assessed(world)
    return {
        **challenges.records(world),
        **badges_bissue.records(world),
        **badges_core.records(world),
        **permissions_paths.records(world),
        **network_core.records(world),
        **network_members.records(world),
        **network_gatherings.records(world),
        **network_surveys.records(world),
        **network_newsletters.records(world),
        "assessed": assessed.pk,
        "assessed_program": assessed.program.slug,
        "assessed_rubric": assessed.version.rubric.key,
        "rubric": _rubric(world),
        **_assessment(world),
        **reviewed_and_planned(world),
        "submission": _submission(world),
        "agreement": _agreement(world),
        "collection": _collection(world),
        "period": _period(world),
        "roster": _roster(world),
        "crosswalk": _crosswalk(world),
        "public_source": _public_source(world),
        "indicator": indicator,
        "draft_indicator": draft_indicator,
        "opportunity": opportunity.pk,
        "match": match.pk,
        "round": round_.pk,
        "area": area.pk,
        "scenario": scenario.pk,
        "atlas_preview": preview.pk,
        "run": run.pk,
        "area_import": area_import.pk,
        "change": change.pk,
        "org_location": org_location.hsds_id,
        "service_id": program.hsds_id,
        "service_at_location_id": site.hsds_id,
        "organization_id": world.org_a.hsds_id,
        "taxonomy_id": term.taxonomy.hsds_id,
        "term_id": term.hsds_id,
        "program": program.slug,
        "location": location.hsds_id,
        "org_a": world.org_a.slug,
        "membership": world.memberships["mentor"].pk,
        "invitation": invitation.pk,
        **{f"mentor_{stage}": _mentor_at_stage(world, stage) for stage in MENTOR_STAGES},
    }


def _indicators(world: World) -> tuple[str, str]:
    """The keys of a published indicator and of an unpublished one."""
    from ecotone.measures.services import indicators

    installed = indicators.install_starter_library(world.users["staff"], world.alpha)
    published = next(i for i in installed if i.key == "share-girls")
    published.is_published = True
    published.save()
    return published.key, "mentor-hours"


def _submission(world: World) -> int:
    """The id of a checked file of org A's values."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ecotone.measures.services import submissions

    upload = SimpleUploadedFile("values.csv", b"indicator,period,value\n")
    return submissions.check_submission_file(world.org_a, upload, user=world.users["partner_a"]).pk


def _public_source(world: World) -> int:
    """The id of a Perkins file with a problem (a row without most columns)."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from ecotone.measures.services import public_sources

    upload = SimpleUploadedFile("perkins.csv", b"year,district\n2024-25,0100005\n")
    return public_sources.check_public_file(
        world.alpha, "perkins", upload, user=world.users["staff"]
    ).pk


def _agreement(world: World) -> int:
    """The id of org A's data sharing agreement, with its signed file."""
    import datetime

    from django.core.files.uploadedfile import SimpleUploadedFile

    from ecotone.measures.services import agreements

    return agreements.save_agreement(
        world.org_a,
        world.users["staff"],
        indicators=["share-girls"],
        signatories="Ana Ruiz, director",
        starts_on=datetime.date(2024, 7, 1),
        file=SimpleUploadedFile("agreement.pdf", b"%PDF-1.4"),
    ).pk


def _collection(world: World) -> int:
    """The id of an open data collection asking org A for the published indicator."""
    import datetime

    from ecotone.measures.services import collections, facts

    return collections.save_collection(
        world.alpha,
        world.users["staff"],
        name="Fall counts",
        indicators=["share-girls"],
        periods=[facts.school_year(world.alpha, 2024).pk],
        organizations=[world.org_a.pk],
        due_on=datetime.date(2030, 1, 15),
    ).pk


def _period(world: World) -> int:
    """The id of the school year the collection asks for (so it cannot be deleted)."""
    from ecotone.measures.services import facts

    return facts.school_year(world.alpha, 2024).pk


def _roster(world: World) -> int:
    """The id of org A's roster of one young person, encoded as the page does."""
    import base64

    from ecotone.directory.models import Program
    from ecotone.measures import linkage
    from ecotone.measures.services import epochs, facts, rosters

    secret = linkage.parse_secret(linkage.generate_secret())
    epoch = epochs.start_epoch(
        world.users["staff"], world.alpha, first_year=2020, check_value=linkage.check_value(secret)
    )
    (encoded,), _refused = linkage.encode_roster([("Ana", "Ruiz", "2011-03-07", "")], secret)
    assert encoded is not None
    program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Roster club", slug="roster-club"
    )
    return rosters.submit_roster(
        world.users["partner_a"],
        program=program,
        period=facts.school_year(world.alpha, 2024),
        check_value=epoch.check_value,
        dimensions=["sex"],
        rows=[
            {
                "exact": encoded.exact_hash,
                "clk": base64.b64encode(encoded.clk).decode(),
                "block": encoded.block,
                "codes": {"sex": "F"},
            }
        ],
    ).pk


def _crosswalk(world: World) -> int:
    from ecotone.measures.services import crosswalk

    return crosswalk.save_entry(
        world.alpha, world.users["staff"], dimension="sex", local_code="G", code="Female"
    ).pk


def _mentoring_records(world: World) -> tuple[Any, Any, Any]:
    from ecotone.mentoring.models import MatchingRound
    from ecotone.mentoring.services import matches
    from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program

    mentor = make_mentor(world.alpha, user=world.users["mentor"])
    clear(mentor, world.users["admin"])
    opportunity = make_opportunity(make_program(world.org_a, "Mentoring Lab"))
    match = matches.invite(opportunity, mentor, world.users["partner_a"])
    round_ = MatchingRound.objects.create(ecosystem=world.alpha, name="Fall", status="review")
    return opportunity, match, round_


def _mentor_at_stage(world: World, stage: str) -> int:
    """The id of a mentor at one of MENTOR_STAGES."""

    from django.utils import timezone

    from ecotone.mentoring.models import Mentor, ScreeningStep
    from ecotone.mentoring.services import matches, screening
    from tests.mentoring.builders import (
        SUPERVISED_STEPS,
        clear,
        expire_overnight,
        make_mentor,
        make_opportunity,
        make_program,
    )

    admin = world.users["admin"]
    today = timezone.localdate()
    mentor = make_mentor(world.alpha, f"{stage}@mentor.test")
    if stage == "in_screening":
        first_step = ScreeningStep.for_ecosystem(world.alpha).active().order_by("position")[0]
        screening.update_step(mentor, first_step, admin, status="in_progress", started_on=today)
    elif stage == "supervised":
        clear(mentor, admin, only=SUPERVISED_STEPS)
    elif stage != "not_started":
        clear(mentor, admin)
    if stage.startswith("matched_"):
        partner = "partner_" + stage[-1]
        organization = world.org_a if partner == "partner_a" else world.org_b
        program = make_program(organization, f"Lab {organization.slug}")
        match = matches.invite(make_opportunity(program), mentor, world.users[partner])
        assert matches.accept(match, mentor.user, side="mentor").status == "accepted"
    if stage == "lapsed" or stage.startswith("matched_"):
        # Screening that lapsed, for the matched ones after the match was made.
        expire_overnight(mentor)
    if stage in ("paused", "withdrawn"):
        Mentor.objects.filter(pk=mentor.pk).update(status=stage)
    mentor.refresh_from_db()
    expected = {
        "not_started": screening.Stage.NOT_STARTED,
        "in_screening": screening.Stage.IN_PROGRESS,
        "supervised": screening.Stage.SUPERVISED,
        "lapsed": screening.Stage.LAPSED,
        "matched_a": screening.Stage.LAPSED,
        "matched_b": screening.Stage.LAPSED,
    }
    assert screening.standing(mentor).stage == expected.get(stage, screening.Stage.CLEARED)
    return int(mentor.pk)


def _assessed(world: World) -> Any:
    """A complete assessment of a program of org A."""
    from tests.quality.test_progress import _complete, _program

    return _complete(_program(world.org_a, "Assessed Lab"), {"outreach": "developing"})


def _rubric(world: World) -> str:
    """The key of a rubric with a draft version 1."""
    from ecotone.quality.services import rubrics
    from tests.quality.test_rubrics import small

    version = rubrics.import_rubric(world.users["staff"], world.alpha, json.dumps(small()), "json")
    return version.rubric.key


def _assessment(world: World) -> dict[str, int]:
    """Org A's assessment (on a published rubric) and one evidence file of it."""
    import io

    from ecotone.quality.services import assessments
    from tests.quality.test_assessments import version_of

    assessment = assessments.start_assessment(
        world.users["partner_a"], world.org_a, version_of(world)
    )
    evidence = assessments.add_evidence(
        world.users["partner_a"], assessment, "cost", io.BytesIO(b"%PDF-1.7\n")
    )
    return {"assessment": assessment.pk, "evidence": evidence.pk}


OUR_PREFIXES = (
    "e/",
    "n/",
    "api/",
    "healthz",
    "accounts/profile",
    "accounts/api-token",
    "accounts/sign-out-everywhere",
    "badges/",
)


def test_every_url_pattern_is_in_the_table() -> None:
    """A new page or endpoint without a row here fails this test."""
    from django.urls import URLPattern, URLResolver, get_resolver, resolve

    def names(patterns: Any, namespace: str = "", prefix: str = "") -> set[str]:
        found = set()
        for pattern in patterns:
            route = prefix + str(pattern.pattern)
            if isinstance(pattern, URLResolver):
                ns = f"{namespace}{pattern.namespace}:" if pattern.namespace else namespace
                found |= names(pattern.url_patterns, ns, route)
            elif (
                isinstance(pattern, URLPattern)
                and pattern.name
                and (route.startswith(OUR_PREFIXES) or not route)
            ):
                found.add(namespace + pattern.name)
        return found

    fake = {
        "indicator": "x",
        "draft_indicator": "x",
        "rubric": "x",
        "assessment": "1",
        "evidence": "1",
        "planned": "1",
        "plan_review": "1",
        "plan_goal": "1",
        "plan_action": "1",
        "assessed": "1",
        "assessed_program": "x",
        "assessed_rubric": "x",
        "opportunity": "1",
        "match": "1",
        "round": "1",
        "area": "1",
        "scenario": "1",
        "org_a": "x",
        "membership": "1",
        "invitation": "1",
        "run": "1",
        "area_import": "1",
        "submission": "1",
        "agreement": "1",
        "collection": "1",
        "crosswalk": "1",
        "public_source": "1",
        "period": "1",
        "roster": "1",
        "program": "x",
        "location": "5d0c2f7e-6b1a-4c3e-9d7a-ec070e000001",
        "service_id": "x",
        "service_at_location_id": "x",
        "organization_id": "x",
        "taxonomy_id": "x",
        "term_id": "x",
        "change": "1",
        "org_location": "5d0c2f7e-6b1a-4c3e-9d7a-ec070e000001",
        **{f"mentor_{stage}": "1" for stage in MENTOR_STAGES},
        **challenges.FAKE,
        **badges_bissue.FAKE,
        **badges_core.FAKE,
        **permissions_paths.FAKE,
        **network_core.FAKE,
        **network_members.FAKE,
        **network_gatherings.FAKE,
        **network_surveys.FAKE,
        **network_newsletters.FAKE,
    }
    covered = {resolve(row.url.split("?")[0].format(**fake)).view_name for row in ROWS}
    missing = names(get_resolver().url_patterns) - covered
    assert not missing, f"URLs without a permission row: {sorted(missing)}"
