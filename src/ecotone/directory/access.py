"""The access helpers of the directory: records of the request's ecosystem, or 404.

Those of partner self-service narrow to the organizations the person keeps (every one for
backbone staff), so partner staff of one organization get 404 for another's listings, locations
and changes: they learn nothing about them. An import run is the ecosystem's (its pages are
backbone staff's).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import Organization

from .models import ImportRun, ListingChange, Location, Program
from .services.listings import managed_organizations


def _managed_ids(request: HttpRequest) -> Any:
    return managed_organizations(request.user, current_ecosystem(request)).values("pk")


def get_managed_organization(request: HttpRequest, slug: str) -> Organization:
    return get_object_or_404(
        managed_organizations(request.user, current_ecosystem(request)).filter(
            archived_at__isnull=True
        ),
        slug=slug,
    )


def get_managed_program(request: HttpRequest, slug: str) -> Program:
    """A listing of the person's organizations, archived ones included."""
    return get_object_or_404(
        Program.objects.filter(
            ecosystem=current_ecosystem(request), organization__in=_managed_ids(request)
        ).select_related("organization", "ecosystem"),
        slug=slug,
    )


def get_managed_location(request: HttpRequest, hsds_id: Any) -> Location:
    return get_object_or_404(
        Location.objects.filter(
            ecosystem=current_ecosystem(request), organization__in=_managed_ids(request)
        ).select_related("organization"),
        hsds_id=hsds_id,
    )


def get_listing_change(request: HttpRequest, pk: int) -> ListingChange:
    return get_object_or_404(
        ListingChange.objects.filter(
            ecosystem=current_ecosystem(request), organization__in=_managed_ids(request)
        ).select_related("organization", "program", "submitted_by", "reviewed_by", "ecosystem"),
        pk=pk,
    )


def get_import_run(request: HttpRequest, run_id: int) -> ImportRun:
    """One of this ecosystem's import runs."""
    return get_object_or_404(
        current_ecosystem(request).import_runs.select_related(
            "created_by", "applied_by", "ecosystem"
        ),
        pk=run_id,
    )
