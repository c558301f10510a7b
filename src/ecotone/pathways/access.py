"""Which pathways, achievements and awards a person reaches, each from the request's ecosystem
or 404: one rule for pages, the API and services."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import BACKBONE_ROLES, Ecosystem, Organization

from . import identity
from .models import (
    Achievement,
    Award,
    AwardImport,
    AwardStatus,
    HomeResource,
    Pathway,
    PathwayStatus,
    Step,
)

MANAGE = "pathways.manage_pathways"


# --- pathways -----------------------------------------------------------------------------------


def published_pathways(ecosystem: Ecosystem) -> QuerySet[Pathway]:
    """What families read: the ecosystem's published pathways."""
    return Pathway.objects.filter(ecosystem=ecosystem, status=PathwayStatus.PUBLISHED)


def pathways_to_manage(user: Any, ecosystem: Ecosystem) -> QuerySet[Pathway]:
    """The pathways this person curates: every one for the backbone, their organizations' for
    a partner's staff, none for anyone else."""
    found = Pathway.objects.filter(ecosystem=ecosystem).select_related("organization")
    if not (user is not None and user.has_perm(MANAGE, ecosystem)):
        return found.none()
    rule = _own(user, ecosystem, "organization_id")
    return found if rule is None else found.filter(rule)


def pathways_visible_to(user: Any, ecosystem: Ecosystem) -> QuerySet[Pathway]:
    """Published pathways, and the drafts and archived ones this person curates."""
    curated = pathways_to_manage(user, ecosystem).values("pk")
    return Pathway.objects.filter(ecosystem=ecosystem).filter(
        Q(status=PathwayStatus.PUBLISHED) | Q(pk__in=curated)
    )


def get_pathway_to_manage(request: HttpRequest, slug: str) -> Pathway:
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(pathways_to_manage(request.user, ecosystem), slug=slug)


def get_pathway(request: HttpRequest, slug: str) -> Pathway:
    """A family's pathway page: published, or a draft its curators preview."""
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(
        pathways_visible_to(request.user, ecosystem).select_related("organization"), slug=slug
    )


def get_step(pathway: Pathway, pk: int) -> Step:
    return get_object_or_404(pathway.steps.select_related("program", "pathway"), pk=pk)


def get_resource(pathway: Pathway, pk: int) -> HomeResource:
    return get_object_or_404(pathway.resources.select_related("pathway"), pk=pk)


# --- whose records: partner staff their own organizations', the backbone every partner's -------


def sees_every_partner(user: Any, ecosystem: Ecosystem) -> bool:
    """The backbone and the deployment's operators keep every partner's pathways and badges
    (a pathway of the backbone's own, without a partner, is theirs alone)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False)) or bool(
        roles.roles_in(user, ecosystem) & BACKBONE_ROLES
    )


def _own(user: Any, ecosystem: Ecosystem, field: str) -> Q | None:
    """None: every record; else the filter to the person's organizations."""
    if sees_every_partner(user, ecosystem):
        return None
    if not getattr(user, "is_authenticated", False):
        return Q(pk__in=[])
    return Q(**{f"{field}__in": roles.organizations_in(user, ecosystem.pk)})


def partners_of(user: Any, ecosystem: Ecosystem) -> QuerySet[Organization]:
    """The active partners whose pathways the person curates and whose achievements they
    define and award: every one for the backbone, their own for a partner's staff."""
    found = ecosystem.organizations.active().order_by("name")
    rule = _own(user, ecosystem, "pk")
    return found if rule is None else found.filter(rule)


def achievements_of(user: Any, ecosystem: Ecosystem) -> QuerySet[Achievement]:
    """The ecosystem's achievements the person keeps (archived ones included)."""
    found = Achievement.objects.filter(ecosystem=ecosystem).select_related(
        "organization", "step__pathway"
    )
    rule = _own(user, ecosystem, "organization_id")
    return found if rule is None else found.filter(rule)


def get_achievement(request: HttpRequest, pk: int) -> Achievement:
    return get_object_or_404(achievements_of(request.user, current_ecosystem(request)), pk=pk)


def awards_of(user: Any, ecosystem: Ecosystem) -> QuerySet[Award]:
    """The ecosystem's awarded badges the person keeps (their organizations' achievements)."""
    found = Award.objects.filter(ecosystem=ecosystem).select_related(
        "achievement__organization", "program"
    )
    rule = _own(user, ecosystem, "achievement__organization_id")
    return found if rule is None else found.filter(rule)


def get_award(request: HttpRequest, pk: int) -> Award:
    return get_object_or_404(awards_of(request.user, current_ecosystem(request)), pk=pk)


def award_imports_of(user: Any, ecosystem: Ecosystem) -> QuerySet[AwardImport]:
    found = AwardImport._default_manager.filter(ecosystem=ecosystem).select_related(
        "organization", "created_by", "applied_by", "ecosystem"
    )
    rule = _own(user, ecosystem, "organization_id")
    return found if rule is None else found.filter(rule)


def get_award_import(request: HttpRequest, pk: int) -> AwardImport:
    return get_object_or_404(award_imports_of(request.user, current_ecosystem(request)), pk=pk)


# --- a learner's own badges -----------------------------------------------------------------


def own_awards(user: Any) -> QuerySet[Award]:
    """The badges sent to, or earned by, a verified address of the person
    (`identity.verified_lookups`; deleted ones have no hashes left, so they are never found)."""
    lookups = identity.verified_lookups(user)
    if not lookups:
        return Award.objects.none()
    return (
        Award.objects.filter(Q(recipient_lookup__in=lookups) | Q(holder_lookup__in=lookups))
        .exclude(status=AwardStatus.DELETED)
        .select_related(
            "ecosystem", "achievement__organization", "achievement__step__pathway", "program"
        )
        .order_by("-awarded_at", "pk")
    )
