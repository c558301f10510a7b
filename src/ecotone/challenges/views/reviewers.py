"""Reviewer pages: the backbone's list of reviewers (search, sort, load per round, CSV/XLSX,
add a person of the ecosystem or invite one by email), a reviewer's profile as the backbone
edits it (with conflicts declared by staff), and the reviewer's own profile (`reviewers/me/`).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.accounts.models import User
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import access
from ..forms.reviewing import (
    REVIEWER_SORTS,
    AddReviewerForm,
    InviteReviewerForm,
    ReviewerFilterForm,
    ReviewerProfileForm,
    StaffConflictForm,
)
from ..models import ConflictDeclaration, Round
from ..services import reviewers as services

MANAGE = "challenges.manage_calls"
REVIEW = "challenges.review"
PAGE_SIZE = 25


def reviewed_rounds(ecosystem: Ecosystem) -> list[Round]:
    return list(
        Round.objects.filter(call__ecosystem=ecosystem, kind__in=("screening", "review", "panel"))
        .select_related("call")
        .order_by("-call__deadline", "call_id", "position")
    )


@ecosystem_view(MANAGE)
def reviewer_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    rounds = reviewed_rounds(ecosystem)
    form = ReviewerFilterForm(
        request.GET, rounds=[(r.pk, f"{r.call.title} – {r.name}") for r in rounds]
    )
    data = form.cleaned_data if form.is_valid() else {}
    found = services.reviewers_of(ecosystem)
    if q := data.get("q"):
        found = found.filter(
            Q(user__name__icontains=q) | Q(user__email__icontains=q) | Q(expertise__icontains=q)
        )
    in_round = Q(assignments__round_id=data["round"]) if data.get("round") else Q()
    found = found.annotate(load=Count("assignments", filter=in_round, distinct=True)).order_by(
        *REVIEWER_SORTS.get(data.get("sort") or "", REVIEWER_SORTS["name"])
    )
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-reviewers",
            fmt,
            [
                _("Name"),
                _("Email"),
                _("Background"),
                _("Expertise"),
                _("STEM fields"),
                _("States"),
                _("Most applications"),
                _("Active"),
                _("Assigned"),
            ],
            (
                (
                    p.user.name,
                    p.user.email,
                    p.get_sector_display(),
                    p.expertise,
                    " ".join(p.topics),
                    " ".join(p.regions),
                    p.max_load if p.max_load is not None else "",
                    _("yes") if p.active else _("no"),
                    p.load,
                )
                for p in found.iterator(chunk_size=500)
            ),
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "challenges/reviewing/reviewer_list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(data.get("q")),
            "rounds": rounds,
            "add_form": AddReviewerForm(),
            "invite_form": InviteReviewerForm(),
        },
    )


@ecosystem_view(MANAGE)
@require_POST
def reviewer_add(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = AddReviewerForm(request.POST)
    target = reverse("challenges:reviewers", args=[ecosystem.slug])
    if not form.is_valid():
        messages.error(request, _("Write the email of a person of this ecosystem."))
        return redirect(target)
    user = User.objects.filter(email__iexact=form.cleaned_data["email"]).first()
    try:
        if user is None:
            raise DomainError(_("Only a person of this ecosystem can become a reviewer."))
        profile = services.add_reviewer(ecosystem, user, request.user)
    except DomainError as error:
        messages.error(request, str(error))
        return redirect(target)
    messages.success(request, _("%(name)s is a reviewer now.") % {"name": user.name or user.email})
    return redirect(reverse("challenges:reviewer_edit", args=[ecosystem.slug, profile.pk]))


@ecosystem_view(MANAGE)
@require_POST
def reviewer_invite(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = InviteReviewerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Write a valid email address."))
    else:
        try:
            services.invite_reviewer(
                ecosystem, request.user, form.cleaned_data["email"], form.cleaned_data["message"]
            )
        except DomainError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                _("%(email)s is invited as a reviewer.") % {"email": form.cleaned_data["email"]},
            )
    return redirect(reverse("challenges:reviewers", args=[ecosystem.slug]))


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def reviewer_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    profile = get_object_or_404(services.reviewers_of(ecosystem), pk=pk)
    reviewable = list(
        access.reviewable_applications(ecosystem).order_by("title").values_list("pk", "title")
    )
    conflict_form = StaffConflictForm(applications=reviewable)
    form = ReviewerProfileForm(
        request.POST if request.method == "POST" and "sector" in request.POST else None,
        ecosystem=ecosystem,
        staff=True,
        initial=ReviewerProfileForm.initial_of(profile),
    )
    if request.method == "POST" and "application" in request.POST:
        conflict_form = StaffConflictForm(request.POST, applications=reviewable)
        if conflict_form.is_valid():
            application = access.reviewable_applications(ecosystem).get(
                pk=conflict_form.cleaned_data["application"]
            )
            services.declare_conflict(
                profile, application, request.user, conflict_form.cleaned_data["reason"]
            )
            messages.success(request, _("The conflict is recorded: this pair is never assigned."))
            return redirect(request.path)
    elif request.method == "POST" and form.is_valid():
        try:
            services.update_profile(profile, request.user, **form.service_arguments())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The reviewer's profile is saved."))
            return redirect(request.path)
    declared = ConflictDeclaration.objects.filter(reviewer=profile).select_related(
        "application", "declared_by"
    )
    return render(
        request,
        "challenges/reviewing/reviewer_edit.html",
        {"profile": profile, "form": form, "conflict_form": conflict_form, "declared": declared},
    )


@ecosystem_view(REVIEW)
@require_http_methods(["GET", "POST"])
def my_profile(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    profile = services.own_profile(request.user, ecosystem)
    form = ReviewerProfileForm(
        request.POST or None, ecosystem=ecosystem, initial=ReviewerProfileForm.initial_of(profile)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(profile, request.user, **form.service_arguments())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your reviewer profile is saved."))
            return redirect(request.path)
    return render(
        request, "challenges/reviewing/my_profile.html", {"profile": profile, "form": form}
    )


urlpatterns = [
    path("reviewers/", reviewer_list, name="reviewers"),
    path("reviewers/add/", reviewer_add, name="reviewer_add"),
    path("reviewers/invite/", reviewer_invite, name="reviewer_invite"),
    path("reviewers/me/", my_profile, name="my_reviewer_profile"),
    path("reviewers/<int:pk>/", reviewer_edit, name="reviewer_edit"),
]
