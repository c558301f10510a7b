"""The navigation each person sees: one list, filtered by the permission rules.

Later domains add their entries here (directory, atlas, mentoring, ...); an entry shows only
when `user.has_perm(permission, ecosystem)` is true, so navigation never drifts from what the
views actually allow.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import get_script_prefix, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Ecosystem, Membership, Network


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    permission: str


# A number shown next to an entry's label (work waiting), computed only for those who see it;
# the app that owns the work registers it in its AppConfig.ready() (this module sits left of
# the domains in the import order and cannot import them).
_COUNTS: dict[str, Callable[[Ecosystem], int]] = {}


def register_count(url_name: str, count: Callable[[Ecosystem], int]) -> None:
    """Show `count(ecosystem)` beside the entry for `url_name` (idempotent)."""
    _COUNTS[url_name] = count


ECOSYSTEM_NAV = (
    NavEntry(_("Overview"), "ecosystems:home", "ecosystems.view_ecosystem"),
    NavEntry(_("Programs"), "directory:programs", "directory.view_program"),
    NavEntry(_("Pathways"), "pathways:list", "pathways.view_pathways"),
    NavEntry(_("Access atlas"), "atlas:home", "atlas.view_atlas"),
    NavEntry(_("Mentoring"), "mentoring:home", "mentoring.view_mentoring"),
    NavEntry(_("Indicators"), "measures:indicators", "measures.view_indicators"),
    NavEntry(_("Dashboards"), "measures:dashboards", "measures.view_dashboards"),
    NavEntry(_("Quality roll-up"), "quality:rollup", "quality.view_rollup"),
    NavEntry(_("Rubrics"), "quality:rubrics", "quality.manage_rubrics"),
    NavEntry(_("Assessments"), "quality:assessments", "quality.view_assessments"),
    NavEntry(_("Data submissions"), "measures:submissions", "measures.submit_data"),
    NavEntry(_("Participation rosters"), "measures:rosters", "measures.view_rosters"),
    NavEntry(_("Imports"), "directory:imports", "directory.import_programs"),
    NavEntry(_("Our programs"), "listings:mine", "directory.manage_listings"),
    NavEntry(_("Moderation"), "listings:moderation", "directory.moderate_listings"),
    NavEntry(_("Manage pathways"), "pathways:manage", "pathways.manage_pathways"),
    NavEntry(_("Reviews"), "quality:reviews", "quality.review_assessments"),
    # the network's pages are reached from its home (network/views/members.py `HUB`)
    NavEntry(_("Network"), "network:home", "network.join"),
    NavEntry(_("Challenges"), "challenges:call_list", "challenges.view_calls"),
    NavEntry(_("Challenge reviews"), "challenges:my_reviews", "challenges.review"),
    NavEntry(_("Reviewers"), "challenges:reviewers", "challenges.manage_calls"),
    NavEntry(_("Badges"), "badges:achievements", "pathways.manage_badges"),
    NavEntry(_("Badge counts"), "badges:counts", "pathways.view_badge_counts"),
    NavEntry(_("Partners"), "ecosystems:organizations", "ecosystems.view_organization"),
    NavEntry(_("Members"), "ecosystems:members", "ecosystems.view_members"),
    NavEntry(_("Invitations"), "ecosystems:invitations", "ecosystems.invite_members"),
    NavEntry(_("Audit log"), "ecosystems:audit_log", "ecosystems.view_audit_log"),
    NavEntry(_("Linkage secret"), "measures:linkage", "measures.manage_linkage"),
    NavEntry(_("Issuer keys"), "badges:key_list", "pathways.manage_issuer_keys"),
    NavEntry(_("Settings"), "ecosystems:settings", "ecosystems.change_ecosystem"),
)


@lru_cache(maxsize=8192)
def _entry_url(url_name: str, ecosystem_slug: str, script_prefix: str) -> str:
    """An entry's address: the same for every request (the URLs have no language prefix), and
    `reverse` was about a tenth of a page's navigation, asked a dozen times a page."""
    return reverse(url_name, kwargs={"ecosystem_slug": ecosystem_slug})


def ecosystem_nav(user: Any, ecosystem: Ecosystem, current_path: str) -> list[dict[str, Any]]:
    entries: list[dict[str, Any]] = []
    prefix = get_script_prefix()
    for entry in ECOSYSTEM_NAV:
        if not user.has_perm(entry.permission, ecosystem):
            continue
        url = _entry_url(entry.url_name, ecosystem.slug, prefix)
        is_home = entry.url_name == "ecosystems:home"
        current = current_path == url if is_home else current_path.startswith(url)
        count = _COUNTS[entry.url_name](ecosystem) if entry.url_name in _COUNTS else None
        entries.append({"label": entry.label, "url": url, "current": current, "count": count})
    # Nested sections (listings/ and listings/moderation/): only the closest one is current.
    closest = max((len(str(e["url"])) for e in entries if e["current"]), default=0)
    for e in entries:
        e["current"] = bool(e["current"]) and len(str(e["url"])) == closest
    return entries


def navigation(request: HttpRequest) -> dict[str, Any]:
    ecosystem: Ecosystem | None = getattr(request, "ecosystem", None)
    # The error page for a refused Host header renders before AuthenticationMiddleware ran.
    user = getattr(request, "user", None) or AnonymousUser()
    context: dict[str, Any] = {"ecosystem": ecosystem, "tile_url": None}
    if ecosystem is not None:
        context["ecosystem_nav"] = ecosystem_nav(user, ecosystem, request.path)
        context["ecosystem_roles"] = [
            label
            for value, label in Membership._meta.get_field("role").choices  # type: ignore[union-attr]
            if value in roles.roles_in(user, ecosystem)
        ]
    if user.is_authenticated:
        ids = roles.ecosystem_ids(user)
        context["my_ecosystems"] = list(Ecosystem.objects.filter(pk__in=ids, is_active=True))
        context["my_networks"] = list(
            Network.objects.filter(pk__in=roles.operated_network_ids(user))
        )
    return context
