"""A partner's achievements: defined, changed, archived and restored; their image checked.

The rules live here for the pages and the API alike; who may reach which achievement is
`access.achievements_of`'s. Changes are audited by the app's audit registration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import IO, Any
from urllib.parse import urlsplit

from django.core.files import File
from django.db import transaction
from django.db.models import Q, QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.attachments import check_attachment
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.errors import DomainError
from ecotone.uploads import actor

from ..models import Achievement, AchievementType, Step

# A badge image is a small square PNG: credentials are baked into it for download, and it is
# shown at 200 pixels. 1 MB is ample (Open Badges' own advice is far less).
IMAGE_MAX_BYTES = 1 << 20
ALIGNMENT_FIELDS = ("targetName", "targetUrl", "targetFramework", "targetCode")
MAX_ALIGNMENTS = 20
EDITABLE = (
    "name",
    "name_es",
    "description",
    "description_es",
    "criteria",
    "criteria_es",
    "achievement_type",
    "step",
    "alignments",
    "valid_days",
)
SORTS = {
    "name": ("name", "pk"),
    "-created": ("-created_at", "-pk"),
    "organization": ("organization__name", "name", "pk"),
    "kind": ("achievement_type", "name", "pk"),
}


@dataclass(frozen=True)
class AchievementData:
    name: str
    description: str
    criteria: str
    organization: Organization | None = None  # only when creating
    name_es: str = ""
    description_es: str = ""
    criteria_es: str = ""
    achievement_type: str = AchievementType.BADGE
    step: Step | None = None
    alignments: tuple[Mapping[str, str], ...] = ()
    valid_days: int | None = None


def steps_of(ecosystem: Ecosystem) -> QuerySet[Step]:
    """The steps an achievement may lead into: those of the ecosystem's pathways not archived."""
    return (
        Step.objects.filter(pathway__ecosystem=ecosystem)
        .exclude(pathway__status="archived")
        .select_related("pathway")
        .order_by("pathway__name", "stage", "position", "pk")
    )


def check_image(file: IO[bytes] | Any) -> None:
    """A badge image: what `attachments` accepts, and a PNG of at most `IMAGE_MAX_BYTES`."""
    attachment = check_attachment(file)
    if attachment.content_type != "image/png":
        raise DomainError(
            _("“%(name)s” is not a PNG image: a badge's image must be a PNG.")
            % {"name": attachment.name}
        )
    if attachment.size > IMAGE_MAX_BYTES:
        raise DomainError(
            _("“%(name)s” is %(size)s: a badge's image may be up to %(limit)s.")
            % {
                "name": attachment.name,
                "size": filesizeformat(attachment.size),
                "limit": filesizeformat(IMAGE_MAX_BYTES),
            }
        )


def clean_alignments(rows: Iterable[Mapping[str, Any]]) -> list[dict[str, str]]:
    """Open Badges `Alignment`s: rows left wholly empty are dropped; a row needs a name and an
    http(s) address. DomainError naming the row otherwise."""
    found: list[dict[str, str]] = []
    for number, row in enumerate(rows, start=1):
        values = {key: str(row.get(key) or "").strip()[:300] for key in ALIGNMENT_FIELDS}
        if not any(values.values()):
            continue
        if not values["targetName"]:
            raise DomainError(_("Alignment %(n)d: give the skill's name.") % {"n": number})
        url = urlsplit(values["targetUrl"])
        if url.scheme not in ("http", "https") or not url.netloc:
            raise DomainError(
                _("Alignment %(n)d: give the skill's address, starting with https://.")
                % {"n": number}
            )
        found.append({key: value for key, value in values.items() if value})
    if len(found) > MAX_ALIGNMENTS:
        raise DomainError(_("An achievement has at most %(n)d alignments.") % {"n": MAX_ALIGNMENTS})
    return found


def _check(ecosystem: Ecosystem, data: AchievementData) -> dict[str, Any]:
    if not data.name.strip() or not data.description.strip() or not data.criteria.strip():
        raise DomainError(_("An achievement needs a name, a description and its criteria."))
    if data.achievement_type not in AchievementType.values:
        raise DomainError(_("Choose the kind of achievement."))
    if data.step is not None and data.step.pathway.ecosystem_id != ecosystem.pk:
        raise DomainError(_("Choose a step of this ecosystem's pathways."))
    if data.valid_days is not None and not 1 <= data.valid_days <= 36_500:
        raise DomainError(_("A badge is valid for 1 to 36,500 days, or leave it empty."))
    values = {name: getattr(data, name) for name in EDITABLE}
    values["alignments"] = clean_alignments(data.alignments)
    for name in ("name", "name_es", "description", "description_es", "criteria", "criteria_es"):
        values[name] = values[name].strip()
    return values


def create_achievement(
    user: Any, ecosystem: Ecosystem, data: AchievementData, *, image: Any = None
) -> Achievement:
    organization = data.organization
    if organization is None or organization.ecosystem_id != ecosystem.pk:
        raise DomainError(_("Choose the partner that awards it."))
    if organization.archived_at is not None:
        raise DomainError(_("An archived partner awards no new badges."))
    values = _check(ecosystem, data)
    if image is not None:
        check_image(image)
    achievement = Achievement(
        ecosystem=ecosystem, organization=organization, created_by=actor(user), **values
    )
    with transaction.atomic():
        if image is not None:
            achievement.image.save(_image_name(image), File(image), save=False)
        achievement.save()
    return achievement


def update_achievement(
    user: Any, achievement: Achievement, data: AchievementData, *, image: Any = None
) -> Achievement:
    """Change an achievement. Badges already awarded keep the achievement they were signed
    with (their credential is what was sent); new ones carry the change."""
    values = _check(achievement.ecosystem, data)
    if image is not None:
        check_image(image)
    for name, value in values.items():
        setattr(achievement, name, value)
    with transaction.atomic():
        if image is not None:
            achievement.image.save(_image_name(image), File(image), save=False)
        achievement.save()
    return achievement


def _image_name(image: Any) -> str:
    # never the uploaded name: it may say who made it, and the content is a PNG whatever it says
    return "badge.png"


def archive_achievement(user: Any, achievement: Achievement) -> Achievement:
    """No new badges of it; those awarded stay valid (revoke them one by one)."""
    if achievement.archived_at is None:
        achievement.archived_at = timezone.now()
        achievement.save(update_fields=["archived_at", "updated_at"])
    return achievement


def restore_achievement(user: Any, achievement: Achievement) -> Achievement:
    if achievement.archived_at is not None:
        achievement.archived_at = None
        achievement.save(update_fields=["archived_at", "updated_at"])
    return achievement


def search(
    found: QuerySet[Achievement], *, q: str = "", sort: str = "name", archived: bool = False
) -> QuerySet[Achievement]:
    """A list of achievements: by words in the name (either language) or the partner's name,
    archived ones only when asked, in one of `SORTS`."""
    found = found.filter(archived_at__isnull=not archived)
    for word in q.split()[:8]:
        found = found.filter(
            Q(name__icontains=word)
            | Q(name_es__icontains=word)
            | Q(organization__name__icontains=word)
        )
    return found.order_by(*SORTS.get(sort, SORTS["name"]))


def export_rows(found: Iterable[Achievement]) -> Iterable[list[Any]]:
    for a in found:
        yield [
            str(a.public_id),
            a.name,
            a.name_es,
            a.organization.name,
            a.achievement_type,
            a.step.pathway.name if a.step else "",
            a.step.title if a.step else "",
            a.valid_days or "",
            a.created_at.date().isoformat(),
            "yes" if a.archived_at else "no",
        ]


EXPORT_HEADERS = (
    "id",
    "name",
    "name_es",
    "organization",
    "kind",
    "pathway",
    "step",
    "valid_days",
    "created",
    "archived",
)
