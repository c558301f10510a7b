"""Peer review pages: the reviewer's queue (`reviews/`), their own review of an assessment
(`assessments/<pk>/review/`: comment, then submit behind a confirmation), and the backbone's
assignment of reviewers (`assessments/<pk>/reviewers/`: the assessment's reviews with the assign
form, and unassigning behind a confirmation). The same panel is the assessment page's
`quality/assessments/_reviews.html`; its forms come back to the page they were sent from
(`next`). Assessments are fetched through `access.get_assessment` (404 when not the person's
to see), then the action's rule is asked against the assessment (403).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from ..access import assessments_of, get_assessment
from ..cycle_forms import CommentForm, ReviewerForm, SubmitReviewForm
from ..models import Assessment, Rating, Review
from ..services import reviews as services

MEMBERS = "ecosystems.enter_member_area"


def back(request: HttpRequest, fallback: str) -> str:
    """Where a form sends the person back: the page it was on (`next`, this site only)."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def _reviewers_url(assessment: Assessment) -> str:
    return reverse("quality:assign_reviewer", args=[assessment.ecosystem.slug, assessment.pk])


def _review_url(assessment: Assessment) -> str:
    return reverse("quality:review", args=[assessment.ecosystem.slug, assessment.pk])


@ecosystem_view("quality.review_assessments")
def review_queue(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    rated = (
        Rating.objects.filter(assessment=OuterRef("assessment"), rater_id=request.user.pk)
        .exclude(stage="")
        .values("assessment")
        .annotate(n=Count("pk"))
        .values("n")
    )
    found = (
        Review.objects.filter(
            reviewer_id=request.user.pk, assessment__in=assessments_of(request.user, ecosystem)
        )
        .select_related(
            "assessment__organization", "assessment__program", "assessment__version__rubric"
        )
        .annotate(rated=Coalesce(Subquery(rated), 0))
        .order_by(F("submitted_at").desc(nulls_first=True), "-created_at", "pk")
    )
    return render(request, "quality/reviews/queue.html", {"reviews": found})


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def assign_reviewer(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    if not request.user.has_perm("quality.assign_reviewer", assessment):
        raise PermissionDenied
    if request.method == "POST":
        form = ReviewerForm(request.POST)
        reviewer = None
        if form.is_valid():
            wanted = form.cleaned_data["reviewer"]
            reviewer = next((u for u in services.reviewers_of(assessment) if u.pk == wanted), None)
        if reviewer is None:
            messages.error(request, _("Choose one of the ecosystem's reviewers."))
        else:
            try:
                services.assign_reviewer(request.user, assessment, reviewer)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(
                    request,
                    _("%(name)s reviews this assessment now; they were sent the link to it.")
                    % {"name": reviewer.name or reviewer.email},
                )
        return redirect(back(request, _reviewers_url(assessment)))
    return render(request, "quality/reviews/assessment_reviews.html", {"assessment": assessment})


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def unassign_reviewer(
    request: HttpRequest, ecosystem_slug: str, pk: int, review_pk: int
) -> HttpResponse:
    assessment = get_assessment(request, pk)
    if not request.user.has_perm("quality.assign_reviewer", assessment):
        raise PermissionDenied
    review = get_object_or_404(
        Review.objects.select_related("reviewer"), pk=review_pk, assessment=assessment
    )
    target = back(request, _reviewers_url(assessment))
    if request.method == "POST":
        try:
            services.unassign_reviewer(request.user, review)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(name)s no longer reviews this assessment.")
                % {"name": review.reviewer.name or review.reviewer.email},
            )
        return redirect(target)
    return render(
        request,
        "quality/reviews/unassign.html",
        {"assessment": assessment, "review": review, "back": target},
    )


def _own_review(request: HttpRequest, pk: int) -> tuple[Assessment, Review]:
    assessment = get_assessment(request, pk)
    review = get_object_or_404(Review, assessment=assessment, reviewer=request.user)
    return assessment, review


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    """The reviewer's own review: where they stand, the link to rate, their comment."""
    assessment, own = _own_review(request, pk)
    form = CommentForm(request.POST or None, initial={"comment": own.comment})
    if request.method == "POST" and form.is_valid():
        try:
            services.save_review_comment(request.user, own, form.cleaned_data["comment"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your comment is saved."))
        return redirect(back(request, _review_url(assessment)))
    return render(
        request,
        "quality/reviews/review.html",
        {"assessment": assessment, "review": own, "form": form},
    )


@ecosystem_view(MEMBERS)
@require_http_methods(["GET", "POST"])
def submit_review(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assessment, own = _own_review(request, pk)
    form = SubmitReviewForm(request.POST or None, initial={"comment": own.comment})
    if request.method == "POST" and form.is_valid():
        try:
            services.submit_review(request.user, own, form.cleaned_data["comment"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Your review is submitted; the assessment's raters were told.")
            )
            return redirect(back(request, _review_url(assessment)))
    return render(
        request,
        "quality/reviews/submit.html",
        {"assessment": assessment, "review": own, "form": form, "back": _review_url(assessment)},
    )


urlpatterns = [
    path("reviews/", review_queue, name="reviews"),
    path("assessments/<int:pk>/reviewers/", assign_reviewer, name="assign_reviewer"),
    path(
        "assessments/<int:pk>/reviewers/<int:review_pk>/unassign/",
        unassign_reviewer,
        name="unassign_reviewer",
    ),
    path("assessments/<int:pk>/review/", review, name="review"),
    path("assessments/<int:pk>/review/submit/", submit_review, name="submit_review"),
]
