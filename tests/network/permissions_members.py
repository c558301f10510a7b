"""The members area's rows of the permission table (tests/test_permissions.py): joining and the
member's own pages, the welcome rotation (the "member" persona is a welcomer with a newcomer
assigned), the directory, the backbone's member list and import, the resource library and the
API. `records` runs after permissions_core's (the member persona is on the roll by then)."""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile

from ecotone.network.models import Member, MemberImport, MemberStatus, Resource, Welcome, Welcomer
from tests.conftest import World
from tests.network.builders import make_member
from tests.permission_rows import ALL_200, BACKBONE, Row, members_only, statuses

NETWORK = "/e/alpha/network"
API = "/api/v1/ecosystems/alpha/network"
ON_ROLL = ("member", *BACKBONE)  # view_network and the like: the backbone and network members
BACKBONE_ONLY = members_only(BACKBONE)

# (name, method, url, expected) each
_TABLE: list[tuple[str, str, str, dict[str, int]]] = [
    ("network join page", "get", f"{NETWORK}/join/", statuses(200, member=302)),
    (
        "network join as staff",
        "post",
        f"{NETWORK}/join/staff/",
        statuses(404, partner_a=302, partner_b=302, mentor=302),
    ),
    ("network confirm", "get", f"{NETWORK}/confirm/{{member_token}}/", ALL_200),
    (
        "network profile",
        "get",
        f"{NETWORK}/me/",
        {**members_only(ON_ROLL), "staff": 404, "admin": 404},
    ),
    (
        "network leave",
        "get",
        f"{NETWORK}/me/leave/",
        {**members_only(ON_ROLL), "staff": 404, "admin": 404},
    ),
    ("network welcomes", "get", f"{NETWORK}/welcomes/", members_only(ON_ROLL)),
    ("network welcome", "get", f"{NETWORK}/welcomes/{{welcome}}/", members_only(ON_ROLL)),
    ("network rotation", "get", f"{NETWORK}/welcomes/rotation/", BACKBONE_ONLY),
    (
        "network welcomer change",
        "post",
        f"{NETWORK}/welcomes/rotation/{{welcomer}}/",
        members_only(BACKBONE, 302),
    ),
    ("network directory", "get", f"{NETWORK}/directory/", members_only(ON_ROLL)),
    ("network members", "get", f"{NETWORK}/members/", BACKBONE_ONLY),
    ("network members csv", "get", f"{NETWORK}/members/?format=csv", BACKBONE_ONLY),
    ("network member", "get", f"{NETWORK}/members/{{network_member}}/", BACKBONE_ONLY),
    ("network member imports", "get", f"{NETWORK}/members/imports/", BACKBONE_ONLY),
    (
        "network member import template",
        "get",
        f"{NETWORK}/members/imports/template.csv",
        BACKBONE_ONLY,
    ),
    (
        "network member import",
        "get",
        f"{NETWORK}/members/imports/{{member_import}}/",
        BACKBONE_ONLY,
    ),
    (
        "network member import apply",
        "post",
        f"{NETWORK}/members/imports/{{member_import}}/apply/",
        members_only(BACKBONE, 302),
    ),
    ("network resources", "get", f"{NETWORK}/resources/", members_only(ON_ROLL)),
    ("network resource share", "get", f"{NETWORK}/resources/share/", members_only(ON_ROLL)),
    (
        "network resource edit",
        "get",
        f"{NETWORK}/resources/{{resource}}/edit/",
        members_only(ON_ROLL),
    ),
    (
        "network resource remove",
        "get",
        f"{NETWORK}/resources/{{resource}}/remove/",
        members_only(ON_ROLL),
    ),
    (
        "network resource recommend",
        "post",
        f"{NETWORK}/resources/{{resource}}/recommend/",
        members_only(ON_ROLL, 302),
    ),
    (
        "network resource file",
        "get",
        f"{NETWORK}/resources/{{resource}}/file/",
        members_only(ON_ROLL),
    ),
    ("api network members", "get", f"{API}/members/", members_only(BACKBONE, api=True)),
    (
        "api network member",
        "get",
        f"{API}/members/{{network_member}}/",
        members_only(BACKBONE, api=True),
    ),
    (
        "api network member directory",
        "get",
        f"{API}/member-directory/",
        members_only(ON_ROLL, api=True),
    ),
    ("api network resources", "get", f"{API}/resources/", members_only(ON_ROLL, api=True)),
    (
        "api network resource",
        "get",
        f"{API}/resources/{{resource}}/",
        members_only(ON_ROLL, api=True),
    ),
]


ROWS = [Row(*row) for row in _TABLE]

FAKE: dict[str, Any] = {
    "member_token": "x",
    "welcome": "1",
    "welcomer": "1",
    "network_member": "1",
    "member_import": "1",
    "resource": "1",
}


def records(world: World) -> dict[str, Any]:
    """A welcomer (the member persona) with a newcomer assigned, a pending joiner's token, a
    resource the member persona shared (with a file) and a checked import."""
    mine = Member.objects.get(ecosystem=world.alpha, user=world.users["member"])
    welcomer = Welcomer.objects.create(ecosystem=world.alpha, member=mine, position=1)
    newcomer = make_member(world.alpha, "newcomer@example.org", name="Nia Newcomer")
    welcome = Welcome.objects.create(ecosystem=world.alpha, newcomer=newcomer, welcomer=mine)
    pending = make_member(world.alpha, "pending@example.org", status=MemberStatus.PENDING)
    resource = Resource.objects.create(
        ecosystem=world.alpha, shared_by=mine, title="Kit", kind="guide", file_name="kit.txt"
    )
    resource.file.save("kit.txt", ContentFile(b"a kit\n"), save=True)
    run = MemberImport.objects.create(
        ecosystem=world.alpha, original_filename="members.csv", report={"counts": {}}
    )
    return {
        "member_token": pending.confirmation_token,
        "welcome": welcome.pk,
        "welcomer": welcomer.pk,
        "network_member": newcomer.pk,
        "member_import": run.pk,
        "resource": resource.pk,
    }
