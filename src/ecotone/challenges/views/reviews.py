"""The reviewer's pages: "My reviews" (by call and round, status, due), bidding on the
applications open for review (only those free of conflict, showing title, summary,
organization, topics and state), declaring a conflict, the review form (each criterion with
its descriptors per level; draft or submit), and after submitting the others' reviews of the
application in the round with a comment to the panel. Every assignment is reached through
`services.reviews.open_assignment` (`access.assignments_of`): 404 otherwise."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.directory import stem_profile
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from .. import access
from ..forms.reviewing import BID_CHOICES, ConflictForm, PanelCommentForm, ReviewForm
from ..models import Assignment, ReviewStatus
from ..services import reviewers as reviewer_services
from ..services import reviews as services
from .applications import answer_rows

REVIEW = "challenges.review"
TOPIC_LABELS = dict(stem_profile.STEM_FIELDS.terms)


def _assignment(request: HttpRequest, pk: int) -> Assignment:
    try:
        return services.open_assignment(request.user, current_ecosystem(request), pk)
    except DomainError as error:
        raise Http404 from error


@ecosystem_view(REVIEW)
def my_reviews(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    rows = services.queue(request.user, current_ecosystem(request))
    groups: list[dict[str, Any]] = []
    for a in rows:
        if not groups or groups[-1]["round"].pk != a.round_id:
            groups.append({"round": a.round, "rows": []})
        groups[-1]["rows"].append({"assignment": a, "status": services.status_of(a)})
    return render(request, "challenges/reviewing/my_reviews.html", {"groups": groups})


@ecosystem_view(REVIEW)
@require_http_methods(["GET", "POST"])
def bidding(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    profile = reviewer_services.own_profile(request.user, ecosystem)
    applications = list(
        access.biddable_applications(request.user, ecosystem).order_by(
            "call__title", "round__position", "title"
        )
    )
    if request.method == "POST":
        wanted = {}
        for a in applications:
            value = request.POST.get(f"bid_{a.pk}", "")
            wanted[a.pk] = value if value in dict(BID_CHOICES) else ""
        try:
            services_changed = reviewer_services.save_bids(request.user, ecosystem, wanted)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your bids are saved (%(n)s).") % {"n": services_changed})
            return redirect(request.path)
    bids = reviewer_services.bids_of(profile)
    rows = [
        {
            "application": a,
            "bid": bids.get(a.pk, ""),
            "topics": [TOPIC_LABELS.get(t, t) for t in a.topics],
        }
        for a in applications
    ]
    return render(
        request, "challenges/reviewing/bidding.html", {"rows": rows, "choices": BID_CHOICES}
    )


@ecosystem_view(REVIEW)
@require_http_methods(["GET", "POST"])
def declare_conflict(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    application = access.reviewable_applications(ecosystem).filter(pk=pk).first()
    if application is None or access.profile_of(request.user, ecosystem) is None:
        raise Http404
    form = ConflictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reviewer_services.declare_as_reviewer(
            request.user, ecosystem, application.pk, form.cleaned_data["reason"]
        )
        messages.success(
            request, _("Your conflict is recorded: you will not review this application.")
        )
        return redirect(reverse("challenges:my_reviews", args=[ecosystem.slug]))
    return render(
        request,
        "challenges/reviewing/declare_conflict.html",
        {"application": application, "form": form},
    )


@ecosystem_view(REVIEW)
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    call = assignment.round.call
    own = services.review_of(assignment)
    criteria = list(call.criteria.all())
    initial: dict[str, Any] = {}
    if own is not None:
        initial = {f"score_{k}": str(v) for k, v in own.scores.items()}
        initial.update(
            comment_to_applicant=own.comment_to_applicant, comment_to_panel=own.comment_to_panel
        )
    submitted = own is not None and own.status == ReviewStatus.SUBMITTED
    form = ReviewForm(
        request.POST if request.method == "POST" and not submitted else None,
        criteria=criteria,
        low=call.scale_min,
        high=call.scale_max,
        initial=initial,
    )
    if request.method == "POST" and not submitted and form.is_valid():
        submit = "submit" in request.POST
        try:
            services.save_review(
                request.user,
                assignment,
                scores=form.scores(),
                comment_to_applicant=form.cleaned_data["comment_to_applicant"],
                comment_to_panel=form.cleaned_data["comment_to_panel"],
                submit=submit,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your review is submitted. The others' reviews are below.")
                if submit
                else _("Your draft is saved."),
            )
            return redirect(request.path)
    peers = list(services.peer_reviews(request.user, assignment)) if submitted else []
    return render(
        request,
        "challenges/reviewing/review.html",
        {
            "assignment": assignment,
            "application": assignment.application,
            "review": own,
            "submitted": submitted,
            "form": form,
            "criteria": criteria,
            "peers": peers,
            "comment_form": PanelCommentForm(),
            "topics": [TOPIC_LABELS.get(t, t) for t in assignment.application.topics],
            # the whole application, read as its applicants and the backbone read it
            "rows": answer_rows(assignment.application),
        },
    )


@ecosystem_view(REVIEW)
@require_POST
def discussion(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assignment = _assignment(request, pk)
    form = PanelCommentForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a comment first."))
    else:
        try:
            services.comment_to_panel(request.user, assignment, form.cleaned_data["text"])
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(request, _("Your comment to the panel is added."))
    return redirect(reverse("challenges:review", args=[ecosystem_slug, assignment.pk]))


urlpatterns = [
    path("reviews/", my_reviews, name="my_reviews"),
    path("reviews/bids/", bidding, name="bidding"),
    path("reviews/conflict/<int:pk>/", declare_conflict, name="declare_conflict"),
    path("reviews/<int:pk>/", review, name="review"),
    path("reviews/<int:pk>/discussion/", discussion, name="review_discussion"),
]
