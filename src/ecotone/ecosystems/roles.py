"""What roles a user holds where. Cached on the user object for the length of a request."""

from __future__ import annotations

from typing import Any

from .models import BACKBONE_ROLES, Ecosystem, Membership, NetworkOperator, Role

_CACHE_ATTR = "_ecotone_roles"
_NETWORKS_ATTR = "_ecotone_networks"


def _load(user: Any) -> dict[int, dict[str, frozenset[int]]]:
    """{ecosystem_id: {role: organization ids}} for every membership of the user."""
    cache = getattr(user, _CACHE_ATTR, None)
    if cache is None:
        cache = {}
        rows = Membership.objects.filter(user=user).values_list(
            "ecosystem_id", "role", "organizations"
        )
        for ecosystem_id, role, organization_id in rows:
            organizations = cache.setdefault(ecosystem_id, {}).setdefault(role, set())
            if organization_id is not None:
                organizations.add(organization_id)
        cache = {
            eco: {role: frozenset(orgs) for role, orgs in by_role.items()}
            for eco, by_role in cache.items()
        }
        setattr(user, _CACHE_ATTR, cache)
    return cache


def forget(user: Any) -> None:
    """Drop the cached roles (after a membership of this user changed)."""
    for attr in (_CACHE_ATTR, _NETWORKS_ATTR):
        if hasattr(user, attr):
            delattr(user, attr)


def roles_in(user: Any, ecosystem: Ecosystem | int | None) -> frozenset[str]:
    if ecosystem is None or not getattr(user, "is_authenticated", False):
        return frozenset()
    ecosystem_id = ecosystem if isinstance(ecosystem, int) else ecosystem.pk
    return frozenset(_load(user).get(ecosystem_id, {}))


def organizations_in(user: Any, ecosystem: Ecosystem | int) -> frozenset[int]:
    """Organizations whose records the user keeps as partner staff in this ecosystem."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    ecosystem_id = ecosystem if isinstance(ecosystem, int) else ecosystem.pk
    return _load(user).get(ecosystem_id, {}).get(Role.PARTNER_STAFF, frozenset())


def ecosystem_ids(user: Any) -> frozenset[int]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    return frozenset(_load(user))


def is_backbone_anywhere(user: Any) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return any(set(by_role) & BACKBONE_ROLES for by_role in _load(user).values())


def operated_network_ids(user: Any) -> frozenset[int]:
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached: frozenset[int] | None = getattr(user, _NETWORKS_ATTR, None)
    if cached is None:
        ids = NetworkOperator.objects.filter(user=user).values_list("network_id", flat=True)
        cached = frozenset(ids)
        setattr(user, _NETWORKS_ATTR, cached)
    return cached
