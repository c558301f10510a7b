"""bissue's rows of the permission table (tests/test_permissions.py): achievements, awarding,
bulk imports, the awarded list, revocation, counts, the learner's page and the API; and the
records their placeholders name (`records`)."""

from __future__ import annotations

from typing import Any

from tests.conftest import World
from tests.permission_rows import ADMITTED, BACKBONE, Row, members_only, statuses

BADGES = "/e/alpha/badges"
API = "/api/v1/ecosystems/alpha/badges"
KEEPERS = ("partner_a", "partner_b", *BACKBONE)
MANAGE = members_only(KEEPERS)
# org_a's records: its staff and the backbone; partner_b keeps badges but not these (404)
OWN = {**members_only(KEEPERS), "partner_b": 404}
OWN_POST = {**members_only(KEEPERS, ok=302), "partner_b": 404}
API_MANAGE = members_only(KEEPERS, api=True)
API_OWN = {**members_only(KEEPERS, api=True), "partner_b": 404}

ROWS = [
    Row("achievements", "get", f"{BADGES}/achievements/", MANAGE),
    Row("achievements csv", "get", f"{BADGES}/achievements/?format=csv", MANAGE),
    Row("new achievement", "get", f"{BADGES}/achievements/new/", MANAGE),
    Row("achievement", "get", f"{BADGES}/achievements/{{bi_achievement}}/", OWN),
    Row("edit achievement", "get", f"{BADGES}/achievements/{{bi_achievement}}/edit/", OWN),
    Row(
        "archive achievement",
        "get",
        f"{BADGES}/achievements/{{bi_achievement}}/archive/",
        OWN,
    ),
    Row("award one", "get", f"{BADGES}/achievements/{{bi_achievement}}/award/", OWN),
    Row(
        "achievement's badges",
        "get",
        f"{BADGES}/achievements/{{bi_achievement}}/awarded/",
        OWN,
    ),
    Row("awarded badges", "get", f"{BADGES}/awarded/", MANAGE),
    Row("awarded badges xlsx", "get", f"{BADGES}/awarded/?format=xlsx", MANAGE),
    Row("revoke a badge", "get", f"{BADGES}/awarded/{{bi_award}}/revoke/", OWN),
    Row("badge imports", "get", f"{BADGES}/imports/", MANAGE),
    Row("badge import template", "get", f"{BADGES}/imports/template.csv", MANAGE),
    Row("badge import", "get", f"{BADGES}/imports/{{bi_import}}/", OWN),
    Row("badge import status", "get", f"{BADGES}/imports/{{bi_import}}/status/", OWN),
    Row("badge import file", "get", f"{BADGES}/imports/{{bi_import}}/file/", OWN),
    # without the confirm box nothing happens: back to the import's page
    Row("apply a badge import", "post", f"{BADGES}/imports/{{bi_import}}/apply/", OWN_POST),
    Row("retry a badge import", "post", f"{BADGES}/imports/{{bi_import}}/retry/", OWN_POST),
    Row(
        "discard a badge import",
        "post",
        f"{BADGES}/imports/{{bi_import}}/discard/",
        OWN_POST,
    ),
    Row("badge counts", "get", f"{BADGES}/counts/", members_only(ADMITTED)),
    Row("badge counts csv", "get", f"{BADGES}/counts/?format=csv", members_only(ADMITTED)),
    # the learner's page: anyone signed in (their own badges); one badge, its owner only
    Row("my badges", "get", "/badges/mine/", statuses(200, anonymous=302)),
    Row(
        "delete my badge",
        "get",
        "/badges/mine/{bi_mine_award}/delete/",
        statuses(404, anonymous=302, member=200),
    ),
    # API
    Row("api achievements", "get", f"{API}/achievements/", API_MANAGE),
    Row("api achievement", "get", f"{API}/achievements/{{bi_achievement}}/", API_OWN),
    Row(
        "api create achievement",
        "post",
        f"{API}/achievements/",
        {**members_only(KEEPERS, ok=201, api=True), "partner_b": 400},
        data={"organization": "robotics-for-all", "name": "N", "description": "d", "criteria": "c"},
    ),
    Row(
        "api change achievement",
        "put",
        f"{API}/achievements/{{bi_achievement}}/",
        API_OWN,
        data={"name": "N", "description": "d", "criteria": "c"},
    ),
    Row("api awards", "get", f"{API}/awards/", API_MANAGE),
    Row("api award", "get", f"{API}/awards/{{bi_award}}/", API_OWN),
    Row(
        "api award one",
        "post",
        f"{API}/awards/",
        # an id the row cannot know: the keepers' requests pass the rules and are refused as
        # input (tests/pathways/test_bissue_awards.py awards through the API)
        members_only(KEEPERS, ok=400, api=True),
        data={"achievement": 999999999, "email": "x@example.org"},
    ),
    Row(
        "api revoke",
        "post",
        f"{API}/awards/{{bi_award}}/revoke/",
        API_OWN,
        data={"reason": "Mistake"},
    ),
    Row("api badge counts", "get", f"{API}/counts/", members_only(ADMITTED, api=True)),
]

FAKE = {
    "bi_achievement": "1",
    "bi_award": "1",
    "bi_import": "1",
    "bi_mine_award": "5d0c2f7e-6b1a-4c3e-9d7a-ec070e000001",
}


def records(world: World) -> dict[str, Any]:
    """An achievement of org_a, a badge of it sent to the member persona's address, and a
    checked import of org_a's."""
    from django.core.files.base import ContentFile

    from ecotone.pathways.models import Achievement, AwardImport
    from ecotone.pathways.services import awards
    from ecotone.uploads import UploadStatus

    achievement = Achievement.objects.create(
        ecosystem=world.alpha,
        organization=world.org_a,
        name="Permission Badge",
        description="d",
        criteria="c",
    )
    award = awards.award(None, achievement, awards.Recipient("member@alpha.test"), notify=False)
    run = AwardImport(
        ecosystem=world.alpha,
        organization=world.org_a,
        original_filename="r.csv",
        status=UploadStatus.CHECKED,
    )
    run.file.save("r.csv", ContentFile(b"email,achievement\n"), save=False)
    run.save()
    return {
        "bi_achievement": achievement.pk,
        "bi_award": award.pk,
        "bi_import": run.pk,
        "bi_mine_award": str(award.public_id),
    }
