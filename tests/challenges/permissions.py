"""The challenges app's rows of the permission table (tests/test_permissions.py), and the
records their placeholders name (`records`)."""

from __future__ import annotations

import datetime
from typing import Any

from tests.conftest import World
from tests.permission_rows import ALL_200, Row, members_only

CHALLENGES = "/e/alpha/challenges"

ROWS = [
    Row("challenges", "get", f"{CHALLENGES}/", ALL_200),
]

# --- reviewing (reviewers, assignment, reviews) ------------------------------------------------
BACKBONE = ("staff", "admin")
REVIEWER = ("reviewer",)


def _backbone(ok: int = 200) -> dict[str, int]:
    return members_only(BACKBONE, ok)


def _reviewer(ok: int = 200) -> dict[str, int]:
    return members_only(REVIEWER, ok)


ROWS += [
    Row("challenges reviewers", "get", f"{CHALLENGES}/reviewers/", _backbone()),
    Row("challenges reviewers csv", "get", f"{CHALLENGES}/reviewers/?format=csv", _backbone()),
    Row("challenges reviewer add", "post", f"{CHALLENGES}/reviewers/add/", _backbone(302)),
    Row("challenges reviewer invite", "post", f"{CHALLENGES}/reviewers/invite/", _backbone(302)),
    Row("challenges reviewer edit", "get", f"{CHALLENGES}/reviewers/{{rv_profile}}/", _backbone()),
    Row("challenges my reviewer profile", "get", f"{CHALLENGES}/reviewers/me/", _reviewer()),
    Row(
        "challenges round assignments",
        "get",
        f"{CHALLENGES}/rounds/{{rv_round}}/assignments/",
        _backbone(),
    ),
    Row(
        "challenges round solve",
        "get",
        f"{CHALLENGES}/rounds/{{rv_round}}/assignments/solve/",
        _backbone(),
    ),
    Row(
        "challenges round solve post",
        "post",
        f"{CHALLENGES}/rounds/{{rv_round}}/assignments/solve/",
        _backbone(302),
    ),
    Row(
        "challenges round add pair",
        "post",
        f"{CHALLENGES}/rounds/{{rv_round}}/assignments/add/",
        _backbone(302),
    ),
    Row(
        "challenges assignment lock",
        "post",
        f"{CHALLENGES}/assignments/{{rv_assignment}}/lock/",
        _backbone(302),
    ),
    Row(
        "challenges round completion",
        "get",
        f"{CHALLENGES}/rounds/{{rv_round}}/completion/",
        _backbone(),
    ),
    Row(
        "challenges round remind",
        "post",
        f"{CHALLENGES}/rounds/{{rv_round}}/completion/remind/",
        _backbone(302),
    ),
    Row("challenges my reviews", "get", f"{CHALLENGES}/reviews/", _reviewer()),
    Row("challenges bids", "get", f"{CHALLENGES}/reviews/bids/", _reviewer()),
    Row("challenges bids post", "post", f"{CHALLENGES}/reviews/bids/", _reviewer(302)),
    Row(
        "challenges declare conflict",
        "get",
        f"{CHALLENGES}/reviews/conflict/{{rv_application}}/",
        _reviewer(),
    ),
    Row("challenges review", "get", f"{CHALLENGES}/reviews/{{rv_assignment}}/", _reviewer()),
    Row(
        "challenges review post",
        "post",
        f"{CHALLENGES}/reviews/{{rv_assignment}}/",
        _reviewer(302),
        {"draft": "1"},
    ),
    # another reviewer's assignment: the reviewer persona gets 404, as for a conflicted one
    Row(
        "challenges review of another",
        "get",
        f"{CHALLENGES}/reviews/{{rv_foreign}}/",
        _reviewer(404),
    ),
    Row(
        "challenges review discussion",
        "post",
        f"{CHALLENGES}/reviews/{{rv_assignment}}/discussion/",
        _reviewer(302),
    ),
]

# Placeholder values for test_every_url_pattern_is_in_the_table (which resolves URLs only).
FAKE = {"rv_profile": "1", "rv_round": "1", "rv_assignment": "1", "rv_application": "1"}
FAKE["rv_foreign"] = "1"


def _reviewing_records(world: World) -> dict[str, Any]:
    from django.utils import timezone

    from ecotone.challenges.models import (
        Application,
        ApplicationStatus,
        Assignment,
        Call,
        CallStatus,
        ReviewerProfile,
        Round,
        RoundKind,
        RoundStatus,
    )
    from ecotone.ecosystems.models import Membership, Role, Sector
    from tests.conftest import make_user

    call = Call.objects.create(
        ecosystem=world.alpha,
        slug="reviewed-call",
        title="Reviewed call",
        status=CallStatus.REVIEWING,
        deadline=timezone.now() - datetime.timedelta(days=3),
    )
    round_ = Round.objects.create(
        call=call, position=1, name="Review", kind=RoundKind.REVIEW, status=RoundStatus.OPEN
    )
    application = Application.objects.create(
        ecosystem=world.alpha,
        call=call,
        round=round_,
        lead=world.users["partner_b"],
        organization=world.org_b,
        organization_name=world.org_b.name,
        organization_sector=Sector.LIBRARY,
        title="Library makers",
        status=ApplicationStatus.IN_REVIEW,
    )
    persona = ReviewerProfile.objects.create(
        ecosystem=world.alpha, user=world.users["reviewer"], sector=Sector.HIGHER_ED
    )
    other_user = make_user("other-reviewer@alpha.test")
    Membership.objects.create(user=other_user, ecosystem=world.alpha, role=Role.REVIEWER)
    other = ReviewerProfile.objects.create(
        ecosystem=world.alpha, user=other_user, sector=Sector.MUSEUM
    )
    mine = Assignment.objects.create(round=round_, reviewer=persona, application=application)
    foreign = Assignment.objects.create(round=round_, reviewer=other, application=application)
    return {
        "rv_profile": persona.pk,
        "rv_round": round_.pk,
        "rv_assignment": mine.pk,
        "rv_application": application.pk,
        "rv_foreign": foreign.pk,
    }


def records(world: World) -> dict[str, Any]:
    """One record of each kind the rows name, by placeholder."""
    return {**_reviewing_records(world)}
