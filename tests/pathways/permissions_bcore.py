"""bcore's rows of the permission table (tests/test_permissions.py): the issuer's public
records, the key page, the global verification pages and the verify endpoint."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.permission_rows import ALL_200, Row, members_only

BADGES = "/e/alpha/badges"
ADMIN_ONLY = members_only(("admin",))

ROWS = [
    # public: a credential names these addresses, and anyone must be able to resolve them
    Row("badge issuer profile", "get", f"{BADGES}/issuers/{{badge_org}}/", ALL_200),
    Row("badge achievement json", "get", f"{BADGES}/achievements/{{badge_achievement}}/", ALL_200),
    Row("badge key set", "get", f"{BADGES}/keys/", ALL_200),
    Row("badge key", "get", f"{BADGES}/keys/{{badge_kid}}/", ALL_200),
    Row("badge status list", "get", f"{BADGES}/issuers/robotics-for-all/status/", ALL_200),
    # the backbone admin's keys
    Row("issuer keys", "get", f"{BADGES}/issuer-keys/", ADMIN_ONLY),
    Row("rotate issuer key", "get", f"{BADGES}/issuer-keys/rotate/", ADMIN_ONLY),
    Row(
        "rotate issuer key post",
        "post",
        f"{BADGES}/issuer-keys/rotate/",
        members_only(("admin",), 302),
    ),
    # /badges/: outside any ecosystem, public
    Row("verify a badge", "get", "/badges/verify/", ALL_200),
    Row("verify a badge post", "post", "/badges/verify/", ALL_200, {"text": "not a badge"}),
    Row("credential page", "get", "/badges/{badge}/", ALL_200),
    Row("credential json", "get", "/badges/{badge}/credential.json", ALL_200),
    Row("credential png", "get", "/badges/{badge}/badge.png", ALL_200),
    Row(
        "api verify a badge",
        "post",
        "/api/v1/badges/verify/",
        ALL_200,
        {"credential": "not a badge"},
    ),
]

FAKE = {
    "badge_org": "x",
    "badge_achievement": "5d0c2f7e-6b1a-4c3e-9d7a-ec070e000002",
    "badge_kid": "x",
    "badge": "5d0c2f7e-6b1a-4c3e-9d7a-ec070e000003",
}


def records(world: World) -> dict[str, Any]:
    """An achievement of org_a with one awarded badge (which makes alpha's issuer key)."""
    from ecotone.pathways.models import IssuerKey
    from ecotone.pathways.services import awards
    from tests.pathways.builders_bcore import make_achievement

    achievement = make_achievement(world, "Permission Badge")
    made = awards.award(None, achievement, awards.Recipient("holder@example.org"), notify=False)
    return {
        "badge_org": world.org_a.slug,
        "badge_achievement": str(achievement.public_id),
        "badge_kid": IssuerKey.objects.get(ecosystem=world.alpha, retired_at__isnull=True).kid,
        "badge": str(made.public_id),
    }
