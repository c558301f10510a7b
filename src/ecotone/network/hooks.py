"""What the network answers the permission rules (registered in `apps.py` with
`ecosystems.rules.register_check`): whether a person is in a workgroup or chairs it, read once
per request and person. Being on the roll is a role (`Role.NETWORK_MEMBER`), which the
members service keeps with the member record."""

from __future__ import annotations

from typing import Any

from .models import MemberStatus, WorkgroupMembership, WorkgroupRole

_GROUPS_ATTR = "_ecotone_network_groups"


def _groups(user: Any) -> dict[int, str]:
    """{workgroup id: the person's role in it} over every active membership of theirs."""
    cached: dict[int, str] | None = getattr(user, _GROUPS_ATTR, None)
    if cached is None:
        cached = dict(
            WorkgroupMembership.objects.filter(
                member__user=user, member__status=MemberStatus.ACTIVE
            ).values_list("workgroup_id", "role")
        )
        setattr(user, _GROUPS_ATTR, cached)
    return cached


def forget(user: Any) -> None:
    """Drop the cached answers (after the person joined, left or changed groups)."""
    for attr in (_GROUPS_ATTR, "_ecotone_network_welcomes"):
        if hasattr(user, attr):
            delattr(user, attr)


def _workgroup_id(obj: Any) -> int | None:
    """The workgroup a record belongs to: the Workgroup itself or a record with a
    `workgroup` (a task, a progress note, a post); None for anything else."""
    from .models import Workgroup

    if isinstance(obj, Workgroup):
        return int(obj.pk)
    workgroup_id = getattr(obj, "workgroup_id", None)
    return int(workgroup_id) if workgroup_id is not None else None


def in_workgroup(user: Any, obj: Any) -> bool:
    workgroup_id = _workgroup_id(obj)
    return workgroup_id is not None and workgroup_id in _groups(user)


def chairs_workgroup(user: Any, obj: Any) -> bool:
    workgroup_id = _workgroup_id(obj)
    return workgroup_id is not None and _groups(user).get(workgroup_id) == WorkgroupRole.CHAIR


_WELCOMES_ATTR = "_ecotone_network_welcomes"


def is_welcomer(user: Any, obj: Any) -> bool:
    """A member the backbone named to welcome newcomers in the ecosystem (`obj`, or the
    ecosystem of a record with `ecosystem_id`)."""
    from .models import Welcomer

    ecosystem_id = getattr(obj, "ecosystem_id", None) or getattr(obj, "pk", None)
    if ecosystem_id is None:
        return False
    cached: set[int] | None = getattr(user, _WELCOMES_ATTR, None)
    if cached is None:
        cached = set(
            Welcomer.objects.filter(
                member__user=user, member__status=MemberStatus.ACTIVE
            ).values_list("ecosystem_id", flat=True)
        )
        setattr(user, _WELCOMES_ATTR, cached)
    return int(ecosystem_id) in cached
