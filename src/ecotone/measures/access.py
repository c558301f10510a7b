"""The measurement records a person may reach, each from the request's ecosystem; any other
answers 404.

Backbone staff see every indicator of the ecosystem, archived ones too; everyone else who may
read indicators (`measures.view_indicators`) sees the published ones only, on the pages as in
the API (`visible_indicators` is the one rule for both).
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.directory.models import Program
from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import Ecosystem, Organization

from .models import (
    CodeCrosswalk,
    DataCollection,
    DataSharingAgreement,
    Indicator,
    IndicatorQuerySet,
    Period,
    PublicSource,
    Roster,
    Submission,
)


def manages_indicators(user: object, ecosystem: Ecosystem) -> bool:
    return bool(user.has_perm("measures.manage_indicators", ecosystem))  # type: ignore[attr-defined]


def visible_indicators(user: object, ecosystem: Ecosystem) -> IndicatorQuerySet:
    indicators: IndicatorQuerySet = Indicator.objects.filter(ecosystem=ecosystem).select_related(
        "ecosystem"
    )
    if manages_indicators(user, ecosystem):
        return indicators
    if not user.has_perm("measures.view_indicators", ecosystem):  # type: ignore[attr-defined]
        return indicators.none()
    return indicators.published()


def get_indicator(request: HttpRequest, key: str) -> Indicator:
    """An indicator of the request's ecosystem the person may see, or 404."""
    ecosystem = current_ecosystem(request)
    indicator = get_object_or_404(visible_indicators(request.user, ecosystem), key=key)
    if not request.user.has_perm("measures.view_indicator", indicator):
        raise Http404
    return indicator


def submissions_of(user: object, ecosystem: Ecosystem) -> QuerySet[Submission]:
    """The submissions a person may see: every one of the ecosystem for backbone staff, their
    own organizations' for partner staff, none for anyone else."""
    found = Submission.objects.filter(ecosystem=ecosystem).select_related(
        "ecosystem", "organization", "collection", "created_by", "submitted_by", "reviewed_by"
    )
    if user.has_perm("measures.review_submissions", ecosystem):  # type: ignore[attr-defined]
        return found
    return found.filter(organization__in=roles.organizations_in(user, ecosystem))


def get_submission(request: HttpRequest, pk: int) -> Submission:
    """A submission of the request's ecosystem the person may see, or 404."""
    ecosystem = current_ecosystem(request)
    submission = get_object_or_404(submissions_of(request.user, ecosystem), pk=pk)
    if not request.user.has_perm("measures.view_submission", submission):
        raise Http404
    return submission


def submitting_organizations(user: object, ecosystem: Ecosystem) -> QuerySet[Organization]:
    """The organizations a person may submit values for."""
    found = Organization.objects.filter(ecosystem=ecosystem, archived_at__isnull=True)
    if user.has_perm("measures.review_submissions", ecosystem):  # type: ignore[attr-defined]
        return found
    return found.filter(pk__in=roles.organizations_in(user, ecosystem))


def agreements_of(user: object, ecosystem: Ecosystem) -> QuerySet[DataSharingAgreement]:
    """The data sharing agreements a person may read: all for backbone staff, their own
    organizations' for partner staff."""
    found = DataSharingAgreement.objects.filter(ecosystem=ecosystem).select_related(
        "organization", "ecosystem"
    )
    if user.has_perm("measures.manage_agreements", ecosystem):  # type: ignore[attr-defined]
        return found
    return found.filter(organization__in=roles.organizations_in(user, ecosystem))


def collections_of(user: object, ecosystem: Ecosystem) -> QuerySet[DataCollection]:
    """The data collections a person may see: all for backbone staff, those that ask one of
    their organizations for partner staff."""
    found = DataCollection.objects.filter(ecosystem=ecosystem).select_related("ecosystem")
    if user.has_perm("measures.manage_collections", ecosystem):  # type: ignore[attr-defined]
        return found
    mine = roles.organizations_in(user, ecosystem)
    return found.filter(pk__in=DataCollection.objects.filter(organizations__in=mine).values("pk"))


def get_collection(request: HttpRequest, pk: int) -> DataCollection:
    """A data collection of the request's ecosystem the person may see, or 404."""
    return get_object_or_404(collections_of(request.user, current_ecosystem(request)), pk=pk)


def get_crosswalk_entry(request: HttpRequest, pk: int) -> CodeCrosswalk:
    """A crosswalk entry of the request's ecosystem, or 404."""
    ecosystem = current_ecosystem(request)
    return get_object_or_404(
        CodeCrosswalk.objects.filter(ecosystem=ecosystem).select_related("organization"), pk=pk
    )


def get_public_source(request: HttpRequest, pk: int) -> PublicSource:
    """A public file of the request's ecosystem (backbone staff only reach the pages), or 404."""
    ecosystem = current_ecosystem(request)
    return get_object_or_404(
        PublicSource.objects.select_related("ecosystem", "indicator", "period", "created_by"),
        ecosystem=ecosystem,
        pk=pk,
    )


def get_period(request: HttpRequest, pk: int) -> Period:
    """A period of the request's ecosystem, or 404."""
    return get_object_or_404(Period.objects.filter(ecosystem=current_ecosystem(request)), pk=pk)


def rosters_of(user: object, ecosystem: Ecosystem) -> QuerySet[Roster]:
    """The participation rosters a person may see (their metadata: nobody reads the rows back):
    every one of the ecosystem for backbone staff, their own organizations' for partner staff,
    none for anyone else."""
    found = Roster.objects.filter(ecosystem=ecosystem).select_related(
        "organization", "program", "period", "submitted_by"
    )
    if user.has_perm("measures.manage_linkage", ecosystem):  # type: ignore[attr-defined]
        return found
    return found.filter(organization__in=roles.organizations_in(user, ecosystem))


def get_roster(request: HttpRequest, pk: int) -> Roster:
    """A roster of the request's ecosystem the person may see, or 404."""
    roster = get_object_or_404(rosters_of(request.user, current_ecosystem(request)), pk=pk)
    if not request.user.has_perm("measures.view_roster", roster):
        raise Http404
    return roster


def roster_programs(user: object, ecosystem: Ecosystem) -> QuerySet[Program]:
    """The programs a person may submit rosters for: those of their own organizations (partner
    staff; nobody else submits rosters), neither archived."""
    return (
        Program.objects.filter(
            ecosystem=ecosystem,
            organization__in=roles.organizations_in(user, ecosystem),
            organization__archived_at__isnull=True,
            archived_at__isnull=True,
        )
        .select_related("organization")
        .order_by("organization__name", "name", "pk")
    )
