"""The resource library: members share links and files (checked as every attachment is,
`ecotone.attachments`), find them (search, filters, newest or most recommended) and recommend
them (one recommendation per member, a toggle). The sharer or the backbone edits or removes."""

from __future__ import annotations

from collections.abc import Iterable
from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _

from ecotone.attachments import check_attachment
from ecotone.directory.stem_profile import GRADE_BANDS
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError

from ..models import Member, Recommendation, Resource
from ..profile import INTEREST_CODES

GRADE_BAND_CODES = frozenset(code for code, _label in GRADE_BANDS.terms)
SORTS = {"newest": ("-created_at", "-pk"), "recommended": ("-recommendation_count", "-pk")}


def library(ecosystem: Ecosystem) -> QuerySet[Resource]:
    return Resource.objects.filter(ecosystem=ecosystem).select_related("shared_by")


def narrow(found: QuerySet[Resource], filters: dict[str, Any]) -> QuerySet[Resource]:
    q = (filters.get("q") or "").strip()
    if q:
        found = found.filter(Q(title__icontains=q) | Q(description__icontains=q))
    if filters.get("kind"):
        found = found.filter(kind=filters["kind"])
    # JSON lists of codes: matched as the quoted code in the stored text, which works alike
    # on both databases (codes are plain words, none another's part within quotes)
    if filters.get("topic"):
        found = found.filter(topics__icontains=f'"{filters["topic"]}"')
    if filters.get("grade_band"):
        found = found.filter(grade_bands__icontains=f'"{filters["grade_band"]}"')
    return found.order_by(*SORTS.get(filters.get("sort") or "newest", SORTS["newest"]))


def can_change(user: Any, resource: Resource, member: Member | None) -> bool:
    if user.has_perm("network.manage_members", resource.ecosystem):
        return True
    return member is not None and resource.shared_by_id == member.pk


def _fields(resource: Resource, data: dict[str, Any]) -> None:
    for name in ("title", "description", "kind", "url"):
        if name in data:
            setattr(resource, name, data[name] or "")
    resource.topics = sorted(set(data.get("topics") or []) & INTEREST_CODES)
    resource.grade_bands = sorted(set(data.get("grade_bands") or []) & GRADE_BAND_CODES)


@transaction.atomic
def share(
    ecosystem: Ecosystem,
    member: Member | None,
    data: dict[str, Any],
    file: IO[bytes] | File[Any] | None = None,
) -> Resource:
    resource = Resource(ecosystem=ecosystem, shared_by=member)
    _fields(resource, data)
    _attach(resource, file)
    if not resource.url and not resource.file:
        raise DomainError(_("Give a link or attach a file."))
    resource.save()
    return resource


def _attach(resource: Resource, file: IO[bytes] | File[Any] | None) -> None:
    if file is None:
        return
    checked = check_attachment(file)
    resource.file_name = checked.name
    resource.content_type = checked.content_type
    resource.file.save(checked.name, file if isinstance(file, File) else File(file), save=False)


@transaction.atomic
def update(
    resource: Resource, data: dict[str, Any], file: IO[bytes] | File[Any] | None = None
) -> Resource:
    _fields(resource, data)
    _attach(resource, file)
    if not resource.url and not resource.file:
        raise DomainError(_("Give a link or attach a file."))
    resource.save()
    return resource


@transaction.atomic
def remove(resource: Resource) -> None:
    storage, name = resource.file.storage, resource.file.name
    resource.delete()
    if name:
        transaction.on_commit(lambda: storage.delete(name))


@transaction.atomic
def toggle_recommendation(resource: Resource, member: Member) -> bool:
    """Recommend the resource, or take the recommendation back; True when it now is."""
    deleted, _rows = Recommendation.objects.filter(resource=resource, member=member).delete()
    if deleted:
        Resource.objects.filter(pk=resource.pk).update(
            recommendation_count=F("recommendation_count") - 1
        )
        return False
    Recommendation.objects.create(resource=resource, member=member)
    Resource.objects.filter(pk=resource.pk).update(
        recommendation_count=F("recommendation_count") + 1
    )
    return True


def recommended_by(member: Member | None, resources: Iterable[Resource]) -> set[int]:
    if member is None:
        return set()
    return set(
        Recommendation.objects.filter(
            member=member, resource__in=[r.pk for r in resources]
        ).values_list("resource_id", flat=True)
    )
