"""Which pathways, achievements and awards a person reaches, each from the request's ecosystem
or 404: one rule for pages, the API and services."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems import roles
from ecotone.ecosystems.models import Ecosystem

from .models import HomeResource, Pathway, PathwayStatus, Step

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
    if user.has_perm("pathways.change_pathway", Pathway(ecosystem=ecosystem)):
        return found  # the backbone: a pathway without organization is theirs, so all are
    return found.filter(organization_id__in=roles.organizations_in(user, ecosystem))


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
