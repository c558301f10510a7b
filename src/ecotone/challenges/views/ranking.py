"""A round's ranking for backbone staff (raw and adjusted ranks side by side, with the
leniency table and downloads), the shortlist with its confirmation, the decisions taken, and
the release of the reviewers' feedback. The figures are `services.ranking`'s; the rules of a
decision are `services.decisions`'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone import exports
from ecotone.ecosystems.access import ecosystem_view
from ecotone.errors import DomainError
from ecotone.templatetags.ecotone import rounded

from .. import access
from ..forms.ranking import ShortlistForm
from ..models import Call, Round
from ..services import decisions as decision_services
from ..services.ranking import RankedApplication, RoundRanking, round_ranking

MANAGE = "challenges.manage_calls"
FORMATS = ("csv", "xlsx")
SORTS: dict[str, Any] = {
    "adjusted": lambda r: (r.adjusted_rank is None, r.adjusted_rank or 0),
    "raw": lambda r: (r.raw_rank is None, r.raw_rank or 0),
    "z": lambda r: (r.mean_z is None, -(r.mean_z or 0.0)),
    "moved": lambda r: (r.rank_change is None, -abs(r.rank_change or 0)),
    "spread": lambda r: (r.spread is None, -(r.spread or 0.0)),
    "reviews": lambda r: (r.reviews, r.adjusted_rank or 0),
    "title": lambda r: r.application.title.casefold(),
}


def _round(request: HttpRequest, call_slug: str, position: int) -> Round:
    call: Call = access.get_call(request, call_slug)
    return get_object_or_404(
        Round.objects.select_related("call__ecosystem"), call=call, position=position
    )


def _figure(value: float | None, places: int = 2) -> str:
    return "—" if value is None else rounded(value, places)


def _sorted_rows(
    request: HttpRequest, result: RoundRanking
) -> tuple[list[RankedApplication], str, str]:
    sort = request.GET.get("sort", "adjusted")
    if sort not in SORTS:
        sort = "adjusted"
    query = " ".join(request.GET.get("q", "").split())[:100]
    rows = result.rows
    if query:
        wanted = query.casefold()
        rows = [
            r
            for r in rows
            if wanted in r.application.title.casefold()
            or wanted in r.application.organization_name.casefold()
        ]
    return sorted(rows, key=SORTS[sort]), sort, query


@ecosystem_view(MANAGE)
def ranking_page(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, position: int
) -> HttpResponse:
    round_ = _round(request, call_slug, position)
    result = round_ranking(round_)
    rows, sort, query = _sorted_rows(request, result)
    following = decision_services.next_round(round_)
    decided = any(r.decision is not None for r in result.rows)
    return render(
        request,
        "challenges/ranking/ranking.html",
        {
            "call": round_.call,
            "round": round_,
            "result": result,
            "rows": rows,
            "sort": sort,
            "query": query,
            "sorts": [
                ("adjusted", _("Adjusted rank")),
                ("raw", _("Raw rank")),
                ("z", _("Mean z-score")),
                ("moved", _("Largest move")),
                ("spread", _("Spread")),
                ("reviews", _("Fewest reviews")),
                ("title", _("Title")),
            ],
            "following": following,
            "decided": decided,
            "formats": FORMATS,
        },
    )


def export_rows(result: RoundRanking) -> tuple[list[str], list[list[Any]]]:
    headers = [
        _("Application"),
        _("Organization"),
        _("Reviews"),
        _("Raw mean"),
        _("Raw rank"),
        _("Mean z-score"),
        _("Adjusted score"),
        _("Standard error"),
        _("Likely range, low"),
        _("Likely range, high"),
        _("Adjusted rank"),
        _("Spread"),
        _("Reviewers disagree"),
        _("Group"),
        *[c.name for c in result.criteria],
        _("Decision"),
    ]
    rows = [
        [
            r.application.title,
            r.application.organization_name,
            r.reviews,
            r.raw_mean,
            r.raw_rank,
            r.mean_z,
            r.quality,
            r.standard_error,
            r.low,
            r.high,
            r.adjusted_rank,
            r.spread,
            _("yes") if r.disagreement else _("no"),
            r.component or "",
            *r.criteria,
            r.decision.get_outcome_display() if r.decision else "",
        ]
        for r in result.rows
    ]
    return headers, rows


@ecosystem_view(MANAGE)
@require_http_methods(["GET"])
def ranking_export(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, position: int, fmt: str
) -> HttpResponseBase:
    if fmt not in FORMATS:
        raise Http404
    round_ = _round(request, call_slug, position)
    headers, rows = export_rows(round_ranking(round_))
    return exports.table_response(
        f"{round_.call.slug}-round-{round_.position}-ranking", fmt, headers, rows
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def shortlist(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, position: int
) -> HttpResponse:
    """GET or an unconfirmed POST: what would be decided; a confirmed POST decides."""
    round_ = _round(request, call_slug, position)
    following = decision_services.next_round(round_)
    rows = decision_services.undecided(round_)
    choices = [(r.application.pk, r.application.title) for r in rows]
    form = ShortlistForm(request.POST or None, choices=choices, initial={"top": 15})
    advancing: list[RankedApplication] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        top = data["top"] if data["mode"] == ShortlistForm.TOP else None
        chosen = decision_services.top_ids(rows, top) if top is not None else set(data["advance"])
        advancing = [r for r in rows if r.application.pk in chosen]
        if data["confirm"]:
            try:
                made = decision_services.shortlist(
                    round_, by=request.user, advance=chosen, note=data["note"]
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                moved = sum(1 for d in made if d.outcome == "advance")
                messages.success(
                    request,
                    _(
                        "%(moved)s applications advance; %(declined)s are declined. "
                        "Applicants are emailed."
                    )
                    % {"moved": moved, "declined": len(made) - moved},
                )
                return redirect(
                    "challenges:decisions", ecosystem_slug, round_.call.slug, round_.position
                )
    return render(
        request,
        "challenges/ranking/shortlist.html",
        {
            "call": round_.call,
            "round": round_,
            "following": following,
            "rows": rows,
            "form": form,
            "advancing": advancing,
            "checked": {a for a in (form.cleaned_data.get("advance") or [])}
            if form.is_bound and hasattr(form, "cleaned_data")
            else set(),
            "declining": len(rows) - len(advancing),
        },
    )


@ecosystem_view(MANAGE)
def decision_list(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, position: int
) -> HttpResponse:
    round_ = _round(request, call_slug, position)
    return render(
        request,
        "challenges/ranking/decisions.html",
        {
            "call": round_.call,
            "round": round_,
            "decisions": decision_services.decisions_of(round_),
        },
    )


@ecosystem_view(MANAGE)
@require_POST
def release_feedback(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, position: int
) -> HttpResponse:
    round_ = _round(request, call_slug, position)
    try:
        decision_services.release_feedback(round_, by=request.user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, _("Applicants can now read the reviewers' comments to them."))
    return redirect(
        reverse("challenges:ranking", args=[ecosystem_slug, round_.call.slug, round_.position])
    )


ROUND = "calls/<slug:call_slug>/rounds/<int:position>/"
urlpatterns = [
    path(f"{ROUND}ranking/", ranking_page, name="ranking"),
    path(f"{ROUND}ranking/download/<str:fmt>/", ranking_export, name="ranking_export"),
    path(f"{ROUND}shortlist/", shortlist, name="shortlist"),
    path(f"{ROUND}decisions/", decision_list, name="decisions"),
    path(f"{ROUND}feedback/", release_feedback, name="release_feedback"),
]
