"""The pathways curation and families' rows of the permission table (tests/test_permissions.py),
and the records their placeholders name (`records`): a published pathway of the backbone and a
draft of partner_a's organization (tests/pathways/builders_paths.py)."""

from __future__ import annotations

from typing import Any

from ecotone.pathways.models import HomeResource
from tests.conftest import World
from tests.pathways.builders_paths import build_paths
from tests.permission_rows import ALL_200, Row, statuses

PATHS = "/e/alpha/pathways"
DRAFT = f"{PATHS}/manage/{{path_draft}}"
CURATORS = ("partner_a", "partner_b", "staff", "admin")


def _curators(ok: int = 200) -> dict[str, int]:
    """The pages every curator reaches (partners' staff and the backbone); other members 403."""
    table = statuses(404, anonymous=302, member=403, mentor=403, reviewer=403)
    for persona in CURATORS:
        table[persona] = ok
    return table


def _draft_curators(ok: int = 200) -> dict[str, int]:
    """A page of partner_a's draft: its partner and the backbone; another partner 404."""
    return {**_curators(ok), "partner_b": 404}


def _backbone_pathway(ok: int = 200) -> dict[str, int]:
    """A page of the backbone's own pathway: the backbone; partners 404."""
    return {**_curators(ok), "partner_a": 404, "partner_b": 404}


ROWS = [
    Row("pathways", "get", f"{PATHS}/", ALL_200),
    Row("pathway page", "get", f"{PATHS}/{{path_published}}/", ALL_200),
    Row("pathway page near", "get", f"{PATHS}/{{path_published}}/?near=43215", ALL_200),
    Row(
        "draft pathway page",
        "get",
        f"{PATHS}/{{path_draft}}/",
        statuses(404, partner_a=200, staff=200, admin=200),
    ),
    Row("manage pathways", "get", f"{PATHS}/manage/", _curators()),
    Row("manage pathways csv", "get", f"{PATHS}/manage/?format=csv", _curators()),
    Row("new pathway", "get", f"{PATHS}/manage/new/", _curators()),
    Row("curate a pathway", "get", f"{DRAFT}/", _draft_curators()),
    Row(
        "curate the backbone's pathway",
        "get",
        f"{PATHS}/manage/{{path_published}}/",
        _backbone_pathway(),
    ),
    Row("edit a pathway", "get", f"{DRAFT}/edit/", _draft_curators()),
    Row("pathway status", "get", f"{DRAFT}/status/?action=archive", _draft_curators()),
    Row(
        "archive a pathway",
        "post",
        f"{DRAFT}/status/",
        _draft_curators(302),
        data={"action": "archive"},
    ),
    Row("new step", "get", f"{DRAFT}/steps/new/", _draft_curators()),
    Row("edit step", "get", f"{DRAFT}/steps/{{path_step}}/", _draft_curators()),
    Row(
        "move step",
        "post",
        f"{DRAFT}/steps/{{path_step}}/move/",
        _draft_curators(302),
        data={"direction": "up"},
    ),
    Row("remove step", "get", f"{DRAFT}/steps/{{path_step}}/delete/", _draft_curators()),
    Row("new resource", "get", f"{DRAFT}/resources/new/", _draft_curators()),
    Row("edit resource", "get", f"{DRAFT}/resources/{{path_resource}}/", _draft_curators()),
    Row(
        "remove resource", "get", f"{DRAFT}/resources/{{path_resource}}/delete/", _draft_curators()
    ),
    # the API: published pathways for everyone; a draft for its curators
    Row("api pathways", "get", "/api/v1/ecosystems/alpha/pathways/", ALL_200),
    Row("api pathway", "get", "/api/v1/ecosystems/alpha/pathways/{path_published}/", ALL_200),
    Row(
        "api draft pathway",
        "get",
        "/api/v1/ecosystems/alpha/pathways/{path_draft}/",
        statuses(404, partner_a=200, staff=200, admin=200),
    ),
]

FAKE = {"path_published": "x", "path_draft": "x", "path_step": "1", "path_resource": "1"}


def records(world: World) -> dict[str, Any]:
    built = build_paths(world)
    resource = HomeResource.objects.create(
        pathway=built.draft, title="Scratch at home", url="https://example.org/scratch"
    )
    return {
        "path_published": built.published.slug,
        "path_draft": built.draft.slug,
        "path_step": built.draft.steps.get().pk,
        "path_resource": resource.pk,
    }
