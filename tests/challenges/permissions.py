"""The challenges app's rows of the permission table (tests/test_permissions.py), and the
records their placeholders name (`records`)."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.permission_rows import ALL_200, BACKBONE, Row, members_only

CHALLENGES = "/e/alpha/challenges"

ROWS = [
    Row("challenges", "get", f"{CHALLENGES}/", ALL_200),
]

# --- ranking, decisions, awards and the applicant pool (ch-ranking) --------------------------
RANKED = f"{CHALLENGES}/calls/{{ranked_call}}"
RANKED_ROUND = f"{RANKED}/rounds/{{ranked_round}}"
STAFF = members_only(BACKBONE)
STAFF_REDIRECT = members_only(BACKBONE, 302)
ROWS += [
    Row("ranking", "get", f"{RANKED_ROUND}/ranking/", STAFF),
    Row("ranking-csv", "get", f"{RANKED_ROUND}/ranking/download/csv/", STAFF),
    Row("shortlist", "get", f"{RANKED_ROUND}/shortlist/", STAFF),
    Row("shortlist-check", "post", f"{RANKED_ROUND}/shortlist/", STAFF, {"mode": "top"}),
    Row("decisions", "get", f"{RANKED_ROUND}/decisions/", STAFF),
    Row("release-feedback", "post", f"{RANKED_ROUND}/feedback/", STAFF_REDIRECT),
    Row("awards", "get", f"{RANKED}/awards/", STAFF),
    Row("awards-new", "post", f"{RANKED}/awards/", STAFF, {"amount": ""}),
    Row("announce", "get", f"{RANKED}/awards/announce/", STAFF),
    Row("announce-post", "post", f"{RANKED}/awards/announce/", STAFF_REDIRECT),
    Row("publish-winners", "post", f"{RANKED}/awards/publish/", STAFF_REDIRECT),
    Row("decline-rest", "get", f"{RANKED}/awards/decline-rest/", STAFF),
    Row("decline-rest-post", "post", f"{RANKED}/awards/decline-rest/", STAFF_REDIRECT),
    Row("award", "get", f"{RANKED}/awards/{{award}}/", STAFF),
    Row("award-edit", "post", f"{RANKED}/awards/{{award}}/", STAFF, {"amount": ""}),
    Row("milestone-add", "post", f"{RANKED}/awards/{{award}}/milestones/", STAFF, {"title": ""}),
    Row(
        "milestone-done",
        "post",
        f"{RANKED}/awards/{{award}}/milestones/{{milestone}}/done/",
        STAFF_REDIRECT,
    ),
    Row("agreement", "get", f"{RANKED}/awards/{{award}}/agreement/", STAFF),
    Row("agreement-upload", "post", f"{RANKED}/awards/{{award}}/agreement/", STAFF),
    Row("winners", "get", f"{RANKED}/winners/", ALL_200),
    Row("payments-due", "get", f"{CHALLENGES}/payments-due/", STAFF),
    Row("pool", "get", f"{RANKED}/pool/", STAFF),
    Row("pool-xlsx", "get", f"{RANKED}/pool/download/xlsx/", STAFF),
]


def records(world: World) -> dict[str, Any]:
    """One record of each kind the rows name, by placeholder."""
    return {
        **ranking_records(world),
    }


def ranking_records(world: World) -> dict[str, Any]:
    """A reviewed call whose last round has an announced award with a milestone and a signed
    agreement, and whose winners are published (ch-ranking's rows)."""
    import datetime
    from decimal import Decimal

    from django.core.files.base import ContentFile
    from django.utils import timezone

    from ecotone.challenges.models import Award, AwardMilestone, RoundKind
    from tests.challenges.builders_ranking import build_round

    built = build_round(
        world.alpha,
        qualities=[4.0, 3.0, 2.0],
        leniencies=[0.0, 0.5, -0.5],
        slug="ranked",
        kinds=(RoundKind.REVIEW, RoundKind.PANEL),
    )
    final = built.rounds[1]
    winner = built.applications[0]
    winner.round = final
    winner.save(update_fields=["round"])
    award = Award.objects.create(
        application=winner, amount=Decimal("1000"), citation="", announced_at=timezone.now()
    )
    award.agreement.save("agreement.pdf", ContentFile(b"%PDF-1.4\n%%EOF\n"))
    milestone = AwardMilestone.objects.create(
        award=award, kind="payment", title="First payment", due_on=datetime.date(2026, 1, 1)
    )
    built.call.winners_published_at = timezone.now()
    built.call.save(update_fields=["winners_published_at"])
    return {
        "ranked_call": built.call.slug,
        "ranked_round": built.first.position,
        "award": award.pk,
        "milestone": milestone.pk,
    }
