"""The challenges app's rows of the permission table (tests/test_permissions.py), and the
records their placeholders name (`records`)."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.permission_rows import ALL_200, BACKBONE, Row, members_only, statuses

CHALLENGES = "/e/alpha/challenges"

ROWS = [
    Row("challenges", "get", f"{CHALLENGES}/", ALL_200),
]

# --- area api: /api/v1/ecosystems/alpha/challenges/ (records from builders_api). Calls and
# winners are public; applications answer every signed-in person, each seeing their own (the
# member's application: its lead, the reviewer assigned to it and the backbone); the reviewing
# records are the reviewer's own and the backbone's; decisions and awards the backbone's.
CHALLENGES_API = "/api/v1/ecosystems/alpha/challenges"
BACKBONE_ONLY = BACKBONE
REVIEWING = ("reviewer", *BACKBONE)
SIGNED_IN = statuses(200, anonymous=401)
THE_APPLICATION = statuses(404, anonymous=401, member=200, reviewer=200, staff=200, admin=200)
ROWS += [
    Row("api challenge calls", "get", f"{CHALLENGES_API}/calls/", ALL_200),
    Row("api challenge call", "get", f"{CHALLENGES_API}/calls/{{api_call}}/", ALL_200),
    Row(
        "api challenge draft call",
        "get",
        f"{CHALLENGES_API}/calls/{{api_draft_call}}/",
        statuses(404, staff=200, admin=200),
    ),
    Row("api challenge applications", "get", f"{CHALLENGES_API}/applications/", SIGNED_IN),
    Row(
        "api challenge application",
        "get",
        f"{CHALLENGES_API}/applications/{{api_application}}/",
        THE_APPLICATION,
    ),
    Row(
        "api challenge application revisions",
        "get",
        f"{CHALLENGES_API}/applications/{{api_application}}/revisions/",
        THE_APPLICATION,
    ),
    *[
        Row(
            f"api challenge {path}",
            "get",
            f"{CHALLENGES_API}/{path}/",
            members_only(allowed, api=True),
        )
        for path, allowed in (
            ("assignments", REVIEWING),
            ("reviews", REVIEWING),
            ("reviewers", REVIEWING),
            ("decisions", BACKBONE_ONLY),
            ("awards", BACKBONE_ONLY),
        )
    ],
    *[
        Row(
            f"api challenge {path} one",
            "get",
            f"{CHALLENGES_API}/{path}/{{{placeholder}}}/",
            members_only(allowed, api=True),
        )
        for path, placeholder, allowed in (
            ("assignments", "api_assignment", REVIEWING),
            ("reviews", "api_review", REVIEWING),
            ("reviewers", "api_reviewer", REVIEWING),
            ("decisions", "api_decision", BACKBONE_ONLY),
            ("awards", "api_award", BACKBONE_ONLY),
        )
    ],
    Row("api challenge winners", "get", f"{CHALLENGES_API}/winners/", ALL_200),
]


# A value of the right shape for each placeholder, for the check that every URL has a row.
FAKE = {
    **{
        name: "1"
        for name in (
            "api_application",
            "api_assignment",
            "api_review",
            "api_reviewer",
            "api_decision",
            "api_award",
        )
    },
    "api_call": "x",
    "api_draft_call": "x",
}


def records(world: World) -> dict[str, Any]:
    """One record of each kind the rows name, by placeholder."""
    return {**_api_records(world)}


def _api_records(world: World) -> dict[str, Any]:
    """The API rows' records (area api): the reviewer persona assigned to the member's
    application, with a draft review of it."""
    from tests.challenges.builders_api import build_records

    built = build_records(world)
    return {
        "api_call": built.open_call.slug,
        "api_draft_call": built.draft_call.slug,
        "api_application": built.mine.pk,
        "api_assignment": built.assignment.pk,
        "api_review": built.review.pk,
        "api_reviewer": built.reviewer.pk,
        "api_decision": built.decision.pk,
        "api_award": built.award.pk,
    }
