"""The calls, applications, assignments and reviews a person may reach, each from the
request's ecosystem; any other answers 404. Pages, the API and the services all read these,
so an applicant sees only their own applications and a reviewer only what they are assigned
and never an application they are in conflict with, whatever path they take.

- Calls: everyone sees a call once it is no longer a draft; drafts are the backbone's.
- Applications: the backbone sees every submitted application of the ecosystem (a draft is
  its applicants' until submitted); the lead applicant and the co-applicants who accepted see
  their own, at any status; a reviewer sees those assigned to them in some round, unless a
  conflict (from the data or declared) stands between them, which also hides them from
  reviewers who were assigned before the conflict was known.
- Reviews: the reviewer's own; the other reviews of an application they reviewed in the same
  round, once they submitted their own (the panel's discussion); every one to the backbone.

The records are turned into the Django-free `reviewing` core's `Application` and `Reviewer`
here (`core_application`, `core_reviewer`): the one place that says which organizations and
people stand on each side, for the conflict check and for assignment alike.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import BACKBONE_ROLES, Ecosystem

from . import reviewing
from .models import (
    Application,
    ApplicationStatus,
    Assignment,
    Call,
    CallStatus,
    CoApplicant,
    Review,
    ReviewerProfile,
    ReviewStatus,
)


def is_backbone(user: Any, ecosystem: Ecosystem) -> bool:
    if not getattr(user, "is_authenticated", False):
        return False
    return bool(getattr(user, "is_superuser", False)) or bool(
        roles.roles_in(user, ecosystem) & BACKBONE_ROLES
    )


# --- calls -----------------------------------------------------------------------------------


def calls_of(user: Any, ecosystem: Ecosystem) -> QuerySet[Call]:
    found = Call.objects.filter(ecosystem=ecosystem).select_related("ecosystem")
    if is_backbone(user, ecosystem):
        return found
    return found.exclude(status=CallStatus.DRAFT)


def get_call(request: HttpRequest, slug: str) -> Call:
    """A call of the request's ecosystem the person may see, or 404."""
    return get_object_or_404(calls_of(request.user, current_ecosystem(request)), slug=slug)


# --- conflicts: records as the reviewing core reads them --------------------------------------


def _organization_key(organization_id: int | None, name: str) -> str:
    """One organization on either side: a directory partner by id, else by its name as
    written (casefolded, spaces collapsed)."""
    if organization_id is not None:
        return f"org:{organization_id}"
    return "name:" + " ".join(name.split()).casefold()


def core_application(application: Application) -> reviewing.Application:
    """The application as the reviewing core reads it. Needs `co_applicants` and `partners`
    (prefetched by `with_sides_applications`)."""
    co = [c for c in application.co_applicants.all()]
    return reviewing.Application(
        id=str(application.pk),
        organization=_organization_key(application.organization_id, application.organization_name),
        co_applicants=frozenset(
            _organization_key(c.organization_id, c.organization_name)
            for c in co
            if c.organization_id is not None or c.organization_name
        ),
        partners=frozenset(
            [_organization_key(p.pk, p.name) for p in application.partners.all()]
            + [_organization_key(None, name) for name in application.other_partners if name]
        ),
        people=frozenset(
            [str(application.lead_id)] + [str(c.user_id) for c in co if c.user_id is not None]
        ),
        topics=frozenset(application.topics),
        regions=frozenset([application.state] if application.state else []),
        sectors=frozenset(application.sectors_served),
    )


def core_reviewer(
    profile: ReviewerProfile, *, min_load: int = 0, max_load: int = 10
) -> reviewing.Reviewer:
    """The reviewer as the core reads it. Needs `organizations` and `declared_conflicts`
    (prefetched by `with_sides_reviewers`). The loads are the round's, the maximum capped by
    the most the reviewer said they can take."""
    high = max_load if profile.max_load is None else min(max_load, profile.max_load)
    return reviewing.Reviewer(
        id=str(profile.user_id),
        sector=profile.sector,
        min_load=min(min_load, high),
        max_load=high,
        organizations=frozenset(
            [_organization_key(o.pk, o.name) for o in profile.organizations.all()]
            + [_organization_key(None, name) for name in profile.other_organizations if name]
        ),
        topics=frozenset(profile.topics),
        regions=frozenset(profile.regions),
        sectors=frozenset(profile.sectors),
        declared_conflicts=frozenset(
            str(d.application_id) for d in profile.declared_conflicts.all()
        ),
    )


def with_sides_applications(applications: QuerySet[Application]) -> QuerySet[Application]:
    return applications.prefetch_related(
        Prefetch("co_applicants", queryset=CoApplicant.objects.order_by("pk")), "partners"
    )


def with_sides_reviewers(profiles: QuerySet[ReviewerProfile]) -> QuerySet[ReviewerProfile]:
    return profiles.prefetch_related("organizations", "declared_conflicts")


def conflicted_ids(profile: ReviewerProfile, applications: Iterable[Application]) -> set[int]:
    """The ids of those applications the reviewer is in conflict with."""
    listed: Sequence[Application] = list(applications)
    if not listed:
        return set()
    matrix = reviewing.conflicts([core_reviewer(profile)], [core_application(a) for a in listed])
    return {a.pk for a, conflicted in zip(listed, matrix[0], strict=True) if conflicted}


def is_conflicted(profile: ReviewerProfile, application: Application) -> bool:
    fresh_profile = with_sides_reviewers(ReviewerProfile.objects.filter(pk=profile.pk)).get()
    fresh = with_sides_applications(Application.objects.filter(pk=application.pk)).get()
    return bool(conflicted_ids(fresh_profile, [fresh]))


# --- applications ----------------------------------------------------------------------------


def profile_of(user: Any, ecosystem: Ecosystem) -> ReviewerProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    return ReviewerProfile.objects.filter(ecosystem=ecosystem, user=user, active=True).first()


def own_applications(user: Any, ecosystem: Ecosystem) -> QuerySet[Application]:
    """The applications the person leads or joined as a co-applicant."""
    found = Application.objects.filter(ecosystem=ecosystem)
    if not getattr(user, "is_authenticated", False):
        return found.none()
    joined = CoApplicant.objects.filter(
        application=OuterRef("pk"), user=user, accepted_at__isnull=False
    )
    return found.filter(Q(lead=user) | Q(Exists(joined)))


def assigned_applications(user: Any, ecosystem: Ecosystem) -> QuerySet[Application]:
    """The applications assigned to the person as a reviewer, less those in conflict."""
    profile = profile_of(user, ecosystem)
    if profile is None or "reviewer" not in roles.roles_in(user, ecosystem):
        return Application.objects.none()
    assigned = with_sides_applications(
        Application.objects.filter(ecosystem=ecosystem, assignments__reviewer=profile).distinct()
    )
    fresh_profile = with_sides_reviewers(ReviewerProfile.objects.filter(pk=profile.pk)).get()
    conflicted = conflicted_ids(fresh_profile, assigned)
    return Application.objects.filter(pk__in=[a.pk for a in assigned if a.pk not in conflicted])


def applications_of(user: Any, ecosystem: Ecosystem) -> QuerySet[Application]:
    """Every application of the ecosystem the person may see (module docstring)."""
    found = Application.objects.filter(ecosystem=ecosystem).select_related("call", "round")
    if not getattr(user, "is_authenticated", False):
        return found.none()
    if is_backbone(user, ecosystem):
        own = own_applications(user, ecosystem).values("pk")
        return found.filter(~Q(status=ApplicationStatus.DRAFT) | Q(pk__in=own))
    seen = Q(pk__in=own_applications(user, ecosystem).values("pk"))
    seen |= Q(pk__in=assigned_applications(user, ecosystem).values("pk"))
    return found.filter(seen)


def get_application(request: HttpRequest, pk: int) -> Application:
    """An application of the request's ecosystem the person may see, or 404."""
    return get_object_or_404(applications_of(request.user, current_ecosystem(request)), pk=pk)


def is_assigned_to(user: Any, application: Application) -> bool:
    """Whether the person reviews this application in some round and is not in conflict
    with it (the `is_assigned_reviewer` rule reads this)."""
    return assigned_applications(user, application.ecosystem).filter(pk=application.pk).exists()


# --- assignments and reviews -----------------------------------------------------------------


def assignments_of(user: Any, ecosystem: Ecosystem) -> QuerySet[Assignment]:
    """The backbone's every assignment; a reviewer's own, less conflicted ones."""
    found = Assignment.objects.filter(round__call__ecosystem=ecosystem).select_related(
        "round__call", "application", "reviewer__user"
    )
    if is_backbone(user, ecosystem):
        return found
    visible = assigned_applications(user, ecosystem).values("pk")
    return found.filter(reviewer__user=user, application__in=visible)


def get_assignment(request: HttpRequest, pk: int) -> Assignment:
    return get_object_or_404(assignments_of(request.user, current_ecosystem(request)), pk=pk)


def reviews_of(user: Any, ecosystem: Ecosystem) -> QuerySet[Review]:
    """The backbone's every review; a reviewer's own, and the others' on an application
    they reviewed in the same round once their own is submitted."""
    found = Review.objects.filter(assignment__round__call__ecosystem=ecosystem).select_related(
        "assignment__reviewer__user", "assignment__application", "assignment__round"
    )
    if is_backbone(user, ecosystem):
        return found
    mine = assignments_of(user, ecosystem)
    submitted_here = mine.filter(
        review__status=ReviewStatus.SUBMITTED,
        application=OuterRef("assignment__application"),
        round=OuterRef("assignment__round"),
    )
    peers = Q(status=ReviewStatus.SUBMITTED) & Q(Exists(submitted_here))
    return found.filter(Q(assignment__in=mine.values("pk")) | peers)


# --- reviewing: bids and declarations (issue 20, reviewers) ----------------------------------

# The applications a reviewer may bid on or declare a conflict with: submitted ones in a
# reviewed round that is not closed.
OPEN_FOR_REVIEW = (ApplicationStatus.SUBMITTED, ApplicationStatus.IN_REVIEW)


def reviewable_applications(ecosystem: Ecosystem) -> QuerySet[Application]:
    """The applications of the ecosystem's calls in review: in a review, screening or panel
    round that is not closed, submitted or in review."""
    from .models import RoundKind, RoundStatus

    return Application.objects.filter(
        ecosystem=ecosystem,
        status__in=OPEN_FOR_REVIEW,
        round__kind__in=(RoundKind.SCREENING, RoundKind.REVIEW, RoundKind.PANEL),
    ).exclude(round__status=RoundStatus.CLOSED)


def biddable_applications(user: Any, ecosystem: Ecosystem) -> QuerySet[Application]:
    """The applications the person may bid on as a reviewer: those open for review, less
    every one they are in conflict with (the one conflict rule, `conflicted_ids`). Nothing
    for a person without the reviewer role or an active profile."""
    profile = profile_of(user, ecosystem)
    if profile is None or "reviewer" not in roles.roles_in(user, ecosystem):
        return Application.objects.none()
    open_ = list(with_sides_applications(reviewable_applications(ecosystem)))
    fresh_profile = with_sides_reviewers(ReviewerProfile.objects.filter(pk=profile.pk)).get()
    conflicted = conflicted_ids(fresh_profile, open_)
    return Application.objects.filter(
        pk__in=[a.pk for a in open_ if a.pk not in conflicted]
    ).select_related("call", "round")
