"""Mentoring pages: matching rounds (backbone staff only). The list of rounds with the form
that starts one; a round's review page (its figures, the proposals grouped by opportunity with
why each scores what it does, bulk lock / exclude / publish, an edit per proposal, re-solve,
a mentor's drop-out) and the fragment it polls while the round computes.

Every change is a POST to a service in `services.rounds`; a refusal (DomainError) comes back
as a message on the page, never an error page.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from .. import solver
from ..access import get_proposal, get_round, get_round_mentor
from ..forms.rounds import MODE_HELP, RoundForm
from ..models import (
    Match,
    MatchingRound,
    Mentor,
    MentorStatus,
    Opportunity,
    RoundMode,
    RoundStatus,
)
from ..services import rounds

PERMISSION = "mentoring.run_matching"
# A large ecosystem's re-solve runs as a task (`rounds.resolve`): what the reviewer is told.
IN_BACKGROUND = gettext_lazy(
    "The rest is being matched again in the background; this page shows how far it has come "
    "and the new proposals when they are ready."
)
ROUNDS_PER_PAGE = 20
OPPORTUNITIES_PER_PAGE = 20


def _computing(round_: MatchingRound) -> bool:
    """Whether the page should wait for the round (not when its task was lost)."""
    return round_.status in (RoundStatus.QUEUED, RoundStatus.RUNNING) and not (
        round_.is_interrupted
    )


def _review_url(round_: MatchingRound) -> str:
    return reverse(
        "mentoring:round", kwargs={"ecosystem_slug": round_.ecosystem.slug, "round_id": round_.pk}
    )


def _ids(request: HttpRequest, name: str = "match") -> list[int]:
    return [int(v) for v in request.POST.getlist(name) if v.isdigit()]


def _attempt(request: HttpRequest, action: Callable[[], str]) -> None:
    """Run a service call; its success message, or its refusal, as a message."""
    try:
        messages.success(request, action())
    except DomainError as error:
        messages.error(request, str(error))


# --- the list and the start form -------------------------------------------------------------


@ecosystem_view(PERMISSION)
def round_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    return _list_page(request, RoundForm(initial={"mode": RoundMode.SCORE}), ecosystem)


def _list_page(request: HttpRequest, form: RoundForm, ecosystem: Any) -> HttpResponse:
    all_rounds = MatchingRound.objects.filter(ecosystem=ecosystem).select_related(
        "created_by", "published_by"
    )
    q = request.GET.get("q", "").strip()
    status = request.GET.get("status", "")
    shown = all_rounds
    if q:
        shown = shown.filter(name__icontains=q)
    if status in RoundStatus.values:
        shown = shown.filter(status=status)
    shown = shown.order_by("-created_at", "-pk")
    page = Paginator(shown, ROUNDS_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "mentoring/round_list.html",
        {
            "form": form,
            "page": page,
            "rounds": page.object_list,
            "any_round": all_rounds.exists(),
            "open_round": rounds.open_round(ecosystem),
            "filters": {"q": q, "status": status},
            "statuses": RoundStatus.choices,
        },
    )


@ecosystem_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def round_new(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    if request.method != "POST":
        return _list_page(request, RoundForm(initial={"mode": RoundMode.SCORE}), ecosystem)
    form = RoundForm(request.POST)
    if form.is_valid():
        try:
            round_ = rounds.start_round(
                ecosystem,
                request.user,
                name=form.cleaned_data["name"],
                mode=form.cleaned_data["mode"],
                weights=form.weights(),
                require_shared_topic=form.cleaned_data["require_shared_topic"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if round_.status == RoundStatus.FAILED:
                messages.error(request, round_.error)
            return HttpResponseRedirect(_review_url(round_))
    return _list_page(request, form, ecosystem)


# --- the review page -------------------------------------------------------------------------


def _points_of(weights: dict[str, Any]) -> dict[str, int]:
    full = solver.ScoreWeights(**rounds.clean_weights(weights))
    return {name: int(getattr(full, name)) for name in solver.COMPONENTS}


def explain(match: Match, points: dict[str, int]) -> list[str]:
    """A proposal's score breakdown in words. A shared identity is said as such, never which
    one (identity tags are the mentor's, and never shown to programs or reviewers)."""
    why = match.score_breakdown or {}
    words = []
    if why.get("topics"):
        words.append(
            _("topics fit: %(got)s of %(max)s points")
            % {"got": why["topics"], "max": points["topics"]}
        )
    else:
        words.append(_("no topic in common"))
    if match.in_person:
        if match.distance_mi is not None:
            words.append(
                _("%(miles)s mi away: %(got)s of %(max)s points for closeness")
                % {
                    "miles": match.distance_mi,
                    "got": why.get("distance", 0),
                    "max": points["distance"],
                }
            )
    else:
        words.append(_("virtual: no travel"))
    if why.get("language"):
        words.append(_("speaks one of the students' languages"))
    if why.get("identity"):
        words.append(_("identity preference matched"))
    if why.get("interest"):
        words.append(_("the mentor marked this opportunity"))
    if why.get("equity"):
        words.append(
            _("equity priority: %(got)s of %(max)s points")
            % {"got": why["equity"], "max": points["equity"]}
        )
    return words


def _figures(round_: MatchingRound, points: dict[str, int]) -> dict[str, Any]:
    """The round's figures, with the total score said as what a coordinator can weigh: the
    average fit of a proposal out of the most a pair can score, and how much better the whole
    is than giving each need in turn the best mentor still free."""
    s = round_.summary
    objective, baseline = s.get("objective"), s.get("greedy_objective")
    gain = None
    if objective is not None and baseline:
        gain = round(100 * (objective - baseline) / baseline, 1)
    proposals = s.get("proposals") or 0
    average = round(objective / proposals) if objective is not None and proposals else None
    return {**s, "gain": gain, "average": average, "best": sum(points.values())}


REASONS = {
    rounds.NO_CANDIDATES: gettext_lazy(
        "No available mentor fits: screening, mode and distance, schedule, grade band or "
        "language rule every one out."
    ),
    rounds.CANDIDATES_TAKEN: gettext_lazy(
        "Mentors fit, but they are proposed elsewhere, excluded, or have no room left."
    ),
}


def _unfilled(round_: MatchingRound) -> list[dict[str, Any]]:
    rows = round_.summary.get("unfilled", [])
    by_pk = Opportunity.objects.filter(
        ecosystem=round_.ecosystem, pk__in=[r[0] for r in rows]
    ).select_related("program")
    opportunities = {o.pk: o for o in by_pk}
    return [
        {"opportunity": opportunities[pk], "places": places, "reason": REASONS.get(why, "")}
        for pk, places, why in rows
        if pk in opportunities
    ]


@ecosystem_view(PERMISSION)
def round_detail(request: HttpRequest, ecosystem_slug: str, round_id: int) -> HttpResponse:
    round_ = get_round(request, round_id)
    in_review = round_.status == RoundStatus.REVIEW
    matches = Match.objects.filter(round=round_).select_related(
        "mentor__user", "mentor__employer", "opportunity__program__organization"
    )
    if in_review:
        matches = matches.filter(status="proposed")
    q = request.GET.get("q", "").strip()
    if q:
        matches = matches.filter(
            Q(opportunity__title__icontains=q)
            | Q(opportunity__program__name__icontains=q)
            | Q(mentor__user__name__icontains=q)
        )
    sort = request.GET.get("sort", "program")
    if sort == "weakest":
        matches = matches.order_by("score", "opportunity__title", "pk")
    else:
        sort = "program"
        matches = matches.order_by(
            "opportunity__program__name", "opportunity__title", "opportunity_id", "-score", "pk"
        )
    points = _points_of(round_.weights)
    # Places each need has left after the last solve: a need given fewer mentors than it asked
    # for says so beside its proposals.
    short = {int(pk): places for pk, places, _why in round_.summary.get("unfilled", [])}
    groups: dict[int, dict[str, Any]] = {}
    for match in matches:
        group = groups.setdefault(
            match.opportunity_id,
            {
                "opportunity": match.opportunity,
                "rows": [],
                "short": short.get(match.opportunity_id, 0),
            },
        )
        group["rows"].append({"match": match, "why": explain(match, points)})
    page = Paginator(list(groups.values()), OPPORTUNITIES_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "mentoring/round_detail.html",
        {
            "round": round_,
            "in_review": in_review,
            "polling": _computing(round_),
            "interrupted": round_.is_interrupted,
            "stage_label": rounds.stage_label(round_),
            "figures": _figures(round_, points),
            "page": page,
            "groups": page.object_list,
            "proposal_count": matches.count(),
            "open_proposals": rounds.proposals(round_).count() if in_review else 0,
            "unfilled": _unfilled(round_) if in_review else [],
            "filters": {"q": q, "sort": sort},
            "mode_help": MODE_HELP.get(round_.mode, ""),
        },
    )


@ecosystem_view(PERMISSION)
def round_status(request: HttpRequest, ecosystem_slug: str, round_id: int) -> HttpResponse:
    """The round's status, for the review page to poll while it computes."""
    round_ = get_round(request, round_id)
    polling = _computing(round_)
    response = render(
        request,
        "mentoring/_round_status.html",
        {
            "round": round_,
            "polling": polling,
            "interrupted": round_.is_interrupted,
            "stage_label": rounds.stage_label(round_),
        },
    )
    if not polling and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"  # the proposals are ready: load the whole page
    return response


# --- review actions --------------------------------------------------------------------------


@ecosystem_view(PERMISSION)
@require_POST
def round_bulk(request: HttpRequest, ecosystem_slug: str, round_id: int) -> HttpResponse:
    """The checked proposals: lock, unlock, exclude, or publish (after confirming)."""
    round_ = get_round(request, round_id)
    action = request.POST.get("action", "")
    ids = _ids(request)
    user = request.user
    if action == "publish" and ids:
        return _confirm_publish(request, round_, ids)
    if action in ("publish", "lock", "unlock", "exclude") and not ids:
        messages.error(request, _("Choose at least one proposal."))
        return HttpResponseRedirect(_review_url(round_))
    if action == "lock":
        _attempt(
            request,
            lambda: _("%(n)s proposals locked.") % {"n": rounds.lock(round_, ids, user)},
        )
    elif action == "unlock":
        _attempt(
            request,
            lambda: _("%(n)s proposals unlocked.") % {"n": rounds.unlock(round_, ids, user)},
        )
    elif action == "exclude":
        _attempt(
            request,
            lambda: (
                _(
                    "%(n)s proposals excluded; match the rest again to fill their places with "
                    "other mentors."
                )
                % {"n": rounds.exclude(round_, ids, user)}
            ),
        )
    else:
        messages.error(request, _("Choose what to do with the chosen proposals."))
    return HttpResponseRedirect(_review_url(round_))


def _confirm_publish(request: HttpRequest, round_: MatchingRound, ids: list[int]) -> HttpResponse:
    chosen = rounds.proposals(round_).select_related("mentor__user", "opportunity__program")
    if ids:
        chosen = chosen.filter(pk__in=ids)
    chosen = chosen.order_by("opportunity__title", "pk")
    total = rounds.proposals(round_).count()
    return render(
        request,
        "mentoring/round_publish.html",
        {
            "round": round_,
            "chosen": chosen,
            "ids": [m.pk for m in chosen] if ids else [],
            "left_out": total - chosen.count(),
        },
    )


@ecosystem_view(PERMISSION)
@require_POST
def round_publish(request: HttpRequest, ecosystem_slug: str, round_id: int) -> HttpResponse:
    """Publish the chosen proposals (none chosen: all), once confirmed."""
    round_ = get_round(request, round_id)
    ids = _ids(request)
    if request.POST.get("confirmed") != "1":
        return _confirm_publish(request, round_, ids)
    try:
        result = rounds.publish(round_, request.user, ids or None)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            _(
                "%(published)s proposals went out to mentors and programs; %(withdrawn)s were "
                "withdrawn."
            )
            % {"published": result.published, "withdrawn": result.withdrawn},
        )
        for problem in result.problems:
            messages.warning(request, problem)
    return HttpResponseRedirect(_review_url(round_))


@ecosystem_view(PERMISSION)
@require_POST
def round_resolve(request: HttpRequest, ecosystem_slug: str, round_id: int) -> HttpResponse:
    round_ = get_round(request, round_id)

    def resolve() -> str:
        solved = rounds.resolve(round_, request.user)
        if solved.status != RoundStatus.REVIEW:
            return str(IN_BACKGROUND)
        return _("The rest was matched again around %(n)s locked proposals.") % {
            "n": solved.summary.get("locked", 0)
        }

    _attempt(request, resolve)
    return HttpResponseRedirect(_review_url(round_))


@ecosystem_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def round_drop(
    request: HttpRequest, ecosystem_slug: str, round_id: int, mentor_id: int
) -> HttpResponse:
    """A mentor dropped out: their proposals go and the rest is re-solved (after confirming:
    the mentor stays out of this round)."""
    round_ = get_round(request, round_id)
    mentor = get_round_mentor(round_, mentor_id)
    if request.method == "POST":

        def drop() -> str:
            solved = rounds.drop_mentor(round_, mentor, request.user)
            if solved.status != RoundStatus.REVIEW:
                return (
                    _("%(mentor)s is out of this round.") % {"mentor": mentor.display_name}
                    + " "
                    + str(IN_BACKGROUND)
                )
            return _("%(mentor)s is out of this round; the rest was matched again.") % {
                "mentor": mentor.display_name
            }

        _attempt(request, drop)
        return HttpResponseRedirect(_review_url(round_))
    return render(
        request,
        "mentoring/round_drop.html",
        {
            "round": round_,
            "mentor": mentor,
            "proposals": rounds.proposals(round_)
            .filter(mentor=mentor)
            .select_related("opportunity__program"),
        },
    )


@ecosystem_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def round_edit(
    request: HttpRequest, ecosystem_slug: str, round_id: int, match_id: int
) -> HttpResponse:
    """Choose another mentor for one proposal, from the candidates ranked by score."""
    round_ = get_round(request, round_id)
    match = get_proposal(round_, match_id)
    if round_.status != RoundStatus.REVIEW:
        messages.error(request, _("Only a round in review can be changed."))
        return HttpResponseRedirect(_review_url(round_))
    error = ""
    if request.method == "POST":
        chosen = str(request.POST.get("mentor", ""))
        mentor = (
            Mentor.objects.filter(
                ecosystem=round_.ecosystem, status=MentorStatus.ACTIVE, pk=int(chosen)
            ).first()
            if chosen.isdigit()
            else None
        )
        if mentor is None:
            error = _("Choose a mentor from the list.")
        else:
            try:
                rounds.replace(round_, match.pk, mentor, request.user)
            except DomainError as refusal:
                error = str(refusal)
            else:
                messages.success(
                    request,
                    _("%(mentor)s now holds the proposal for %(opportunity)s, locked.")
                    % {"mentor": mentor.display_name, "opportunity": match.opportunity.title},
                )
                return HttpResponseRedirect(_review_url(round_))
    points = _points_of(round_.weights)
    candidates = [
        {
            "candidate": c,
            "why": explain(
                Match(
                    score_breakdown=c.breakdown, in_person=c.in_person, distance_mi=c.distance_mi
                ),
                points,
            ),
        }
        for c in rounds.candidates_for(round_, match)
    ]
    return render(
        request,
        "mentoring/round_edit.html",
        {
            "round": round_,
            "match": match,
            "current_why": explain(match, points),
            "candidates": candidates,
            "error": error,
        },
        status=400 if error else 200,
    )


@ecosystem_view(PERMISSION)
@require_POST
def round_retry(request: HttpRequest, ecosystem_slug: str, round_id: int) -> HttpResponse:
    """Compute an interrupted round again."""
    round_ = get_round(request, round_id)

    def retry() -> str:
        rounds.retry(round_, request.user)
        return _("The round is being computed again.")

    if request.POST.get("confirm") != "yes":
        messages.error(request, _("Tick the box to confirm."))
    else:
        _attempt(request, retry)
    return HttpResponseRedirect(_review_url(round_))


@ecosystem_view(PERMISSION)
@require_http_methods(["GET", "POST"])
def round_discard(request: HttpRequest, ecosystem_slug: str, round_id: int) -> HttpResponse:
    round_ = get_round(request, round_id)
    if request.method == "POST":
        try:
            rounds.discard(round_, request.user)
        except DomainError as error:
            messages.error(request, str(error))
            return HttpResponseRedirect(_review_url(round_))
        messages.success(request, _("The round was discarded; its proposals were withdrawn."))
        return redirect("mentoring:rounds", ecosystem_slug=round_.ecosystem.slug)
    return render(
        request,
        "mentoring/round_discard.html",
        {"round": round_, "proposal_count": rounds.proposals(round_).count()},
    )


urlpatterns: list[URLPattern] = [
    path("rounds/", round_list, name="rounds"),
    path("rounds/new/", round_new, name="round_new"),
    path("rounds/<int:round_id>/", round_detail, name="round"),
    path("rounds/<int:round_id>/status/", round_status, name="round_status"),
    path("rounds/<int:round_id>/proposals/", round_bulk, name="round_bulk"),
    path("rounds/<int:round_id>/publish/", round_publish, name="round_publish"),
    path("rounds/<int:round_id>/resolve/", round_resolve, name="round_resolve"),
    path("rounds/<int:round_id>/drop/<int:mentor_id>/", round_drop, name="round_drop"),
    path("rounds/<int:round_id>/proposals/<int:match_id>/", round_edit, name="round_edit"),
    path("rounds/<int:round_id>/retry/", round_retry, name="round_retry"),
    path("rounds/<int:round_id>/discard/", round_discard, name="round_discard"),
]
