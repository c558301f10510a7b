"""A round's assignment (backbone): solve or re-solve behind a confirmation, the report of
the last solve (objective, loads, refused locks, or why no assignment exists), each pair with
why it was chosen, lock and unlock, a pair added by hand; and the round's completion with
"send reminders"."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from .. import access
from ..forms.reviewing import AddPairForm
from ..models import Assignment, Round
from ..services import assignments as services
from ..services import reviews as review_services
from ..services.reviewers import active_reviewers

MANAGE = "challenges.manage_calls"
PAGE_SIZE = 50

REASONS = {
    "short_of_candidates": gettext_lazy(
        "Some applications have fewer reviewers free of conflict, with room, than the "
        "round asks for."
    ),
    "minimums_exceed_demand": gettext_lazy(
        "The reviewers' fewest applications add up to more reviews than the round needs."
    ),
    "maximums_short_of_demand": gettext_lazy(
        "The reviewers' most applications add up to fewer reviews than the round needs: "
        "add reviewers or raise the most each can take."
    ),
    "minimum_over_candidates": gettext_lazy(
        "Some reviewers must take more applications than they can review without a conflict."
    ),
    "no_flow": gettext_lazy(
        "Each limit can be met alone, but not all together: add reviewers or relax the loads."
    ),
    "conflict": gettext_lazy("in conflict"),
    "no_room": gettext_lazy("no room left within the loads"),
    "unknown": gettext_lazy("the reviewer or the application is no longer in the round"),
}


def get_round(request: HttpRequest, pk: int) -> Round:
    """A reviewed round of a call of the request's ecosystem, or 404."""
    calls = access.calls_of(request.user, current_ecosystem(request))
    return get_object_or_404(
        Round.objects.select_related("call__ecosystem").filter(call__in=calls), pk=pk
    )


def _report(round_: Round) -> dict[str, Any]:
    report = dict(round_.solve_report or {})
    for refused in report.get("refused", []):
        refused["why"] = REASONS.get(refused["reason"], refused["reason"])
    if infeasible := report.get("infeasible"):
        infeasible["explained"] = [REASONS.get(r, r) for r in infeasible.get("reasons", [])]
    return report


def _page_url(round_: Round) -> str:
    return reverse("challenges:round_assignments", args=[round_.call.ecosystem.slug, round_.pk])


@ecosystem_view(MANAGE)
def round_assignments(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    round_ = get_round(request, pk)
    found = services.round_assignments(round_).order_by(
        "application__title", "reviewer__user__name"
    )
    if q := (request.GET.get("q") or "").strip()[:100]:
        found = found.filter(application__title__icontains=q) | found.filter(
            reviewer__user__name__icontains=q
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    ecosystem = current_ecosystem(request)
    form = AddPairForm(
        reviewers=[
            (p.pk, p.user.name or p.user.email)
            for p in active_reviewers(ecosystem).order_by("user__name", "user__email")
        ],
        applications=list(
            services.round_applications(round_).order_by("title").values_list("pk", "title")
        ),
    )
    decided = services.is_decided(round_)
    return render(
        request,
        "challenges/reviewing/round_assignments.html",
        {
            "round": round_,
            "page": page,
            "q": q,
            "report": _report(round_),
            "queued": services.is_queued(round_),
            "form": form,
            "applications": (
                round_.assignments.values("application").distinct().count()
                if decided
                else services.round_applications(round_).count()
            ),
            "decided": decided,
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def solve(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    round_ = get_round(request, pk)
    if request.method == "POST":
        try:
            queued = services.request_solve(round_, request.user)
        except DomainError as error:
            messages.error(request, str(error))
        else:
            if queued:
                messages.info(request, _("The round is being assigned; this page follows it."))
            elif round_.solve_report.get("infeasible"):
                messages.error(request, _("No assignment meets every limit; see why below."))
            else:
                messages.success(request, _("The round is assigned."))
        return redirect(_page_url(round_))
    return render(
        request,
        "challenges/reviewing/solve_confirm.html",
        {"round": round_, "existing": round_.assignments.count()},
    )


@ecosystem_view(MANAGE)
@require_POST
def add_pair(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    round_ = get_round(request, pk)
    ecosystem = current_ecosystem(request)
    form = AddPairForm(
        request.POST,
        reviewers=[(p.pk, str(p.pk)) for p in active_reviewers(ecosystem)],
        applications=[
            (a, str(a)) for a in services.round_applications(round_).values_list("pk", flat=True)
        ],
    )
    if not form.is_valid():
        messages.error(request, _("Choose a reviewer and an application of this round."))
        return redirect(_page_url(round_))
    profile = active_reviewers(ecosystem).get(pk=form.cleaned_data["reviewer"])
    application = services.round_applications(round_).get(pk=form.cleaned_data["application"])
    try:
        services.add_pair(round_, profile, application, request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("The pair is added and locked."))
    return redirect(_page_url(round_))


@ecosystem_view(MANAGE)
@require_POST
def lock(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    assignment = get_object_or_404(
        Assignment.objects.select_related("round__call__ecosystem"),
        pk=pk,
        round__call__ecosystem=ecosystem,
    )
    locked = request.POST.get("locked") == "1"
    services.set_locked(assignment, request.user, locked)
    messages.success(request, _("The pair is locked.") if locked else _("The pair is unlocked."))
    return redirect(_page_url(assignment.round))


@ecosystem_view(MANAGE)
def completion(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    round_ = get_round(request, pk)
    return render(
        request,
        "challenges/reviewing/completion.html",
        {"round": round_, **review_services.completion(round_)},
    )


@ecosystem_view(MANAGE)
@require_POST
def remind(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    round_ = get_round(request, pk)
    sent = review_services.send_reminders(round_)
    if sent:
        messages.success(
            request,
            _("%(n)s reviewer(s) are reminded by email.") % {"n": sent},
        )
    else:
        messages.info(
            request,
            _("Nobody to remind: every reviewer with open reviews was reminded in the last day."),
        )
    return redirect(
        reverse("challenges:round_completion", args=[round_.call.ecosystem.slug, round_.pk])
    )


urlpatterns = [
    path("rounds/<int:pk>/assignments/", round_assignments, name="round_assignments"),
    path("rounds/<int:pk>/assignments/solve/", solve, name="round_solve"),
    path("rounds/<int:pk>/assignments/add/", add_pair, name="round_add_pair"),
    path("assignments/<int:pk>/lock/", lock, name="assignment_lock"),
    path("rounds/<int:pk>/completion/", completion, name="round_completion"),
    path("rounds/<int:pk>/completion/remind/", remind, name="round_remind"),
]
