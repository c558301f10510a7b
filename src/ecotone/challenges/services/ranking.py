"""A round's ranking from its submitted reviews: the records turned into the Django-free
`ranking.rank_round` (the one implementation of totals, z-scores and the fixed-effects model)
and its arrays turned back into rows a page, an export and the shortlist read.

Per application: the raw mean of its reviews' totals and its rank, the mean z-score, the
adjusted quality with its standard error and 95 % interval, the adjusted rank, the number of
reviews, the spread and the disagreement flag (over `call.disagreement_threshold`), the mean
of each criterion, and the decision taken in the round if any. Per reviewer: the estimated
leniency. Notes say when adjusted scores are comparable only within groups of reviewers
(more than one component) or when there are too few reviews to estimate uncertainty.

Queries: the round's reviews in one, the applications in one, the criteria, the reviewers
and the decisions in one each, whatever the size of the round.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext as _

from .. import ranking
from ..models import (
    Application,
    Criterion,
    Decision,
    Review,
    ReviewerProfile,
    ReviewStatus,
    Round,
)

Z_95 = 1.959963984540054  # the normal distribution's two-sided 95 % quantile


@dataclass(frozen=True)
class RankedApplication:
    application: Application
    reviews: int
    raw_mean: float | None
    raw_rank: int | None
    mean_z: float | None
    quality: float | None
    standard_error: float | None
    low: float | None
    high: float | None
    adjusted_rank: int | None
    spread: float | None
    disagreement: bool
    component: int  # the group of reviewers it was compared in, from 1 (0: no review)
    criteria: list[float | None]
    decision: Decision | None = None

    @property
    def rank_change(self) -> int | None:
        """How many places the adjustment moved it up (positive) or down."""
        if self.raw_rank is None or self.adjusted_rank is None:
            return None
        return self.raw_rank - self.adjusted_rank


@dataclass(frozen=True)
class ReviewerLeniency:
    profile: ReviewerProfile
    reviews: int
    mean_total: float
    leniency: float | None


@dataclass
class RoundRanking:
    round: Round
    criteria: list[Criterion]
    rows: list[RankedApplication]
    reviewers: list[ReviewerLeniency]
    components: int = 0
    sigma: float | None = None
    reviews: int = 0
    notes: list[str] = field(default_factory=list)

    def by_application(self) -> dict[int, RankedApplication]:
        return {row.application.pk: row for row in self.rows}


def _number(value: Any) -> float | None:
    number = float(value)
    return None if math.isnan(number) else number


def review_total(scores: dict[str, Any], criteria: list[Criterion]) -> float | None:
    """The weighted mean of a review's scores (ranking.weighted_totals) when its stored total
    is missing; None when a criterion has no score."""
    try:
        values = [float(scores[c.key]) for c in criteria]
    except (KeyError, TypeError, ValueError):
        return None
    if not criteria:
        return None
    return float(ranking.weighted_totals([values], [float(c.weight) for c in criteria])[0])


def round_applications(round_: Round) -> Any:
    """The applications ranked in a round: those in it now and those reviewed in it."""
    return (
        Application.objects.filter(Q(round=round_) | Q(assignments__round=round_))
        .distinct()
        .select_related("organization")
        .order_by("pk")
    )


def round_ranking(round_: Round) -> RoundRanking:
    """The round's ranking (module docstring)."""
    call = round_.call
    criteria = list(Criterion.objects.filter(call=call).order_by("position", "pk"))
    applications = list(round_applications(round_))
    index = {a.pk: i for i, a in enumerate(applications)}
    reviewed = list(
        Review.objects.filter(assignment__round=round_, status=ReviewStatus.SUBMITTED).values_list(
            "assignment__application_id", "assignment__reviewer_id", "total", "scores"
        )
    )
    reviewer_ids = sorted({r for _a, r, _t, _s in reviewed})
    r_index = {r: i for i, r in enumerate(reviewer_ids)}
    a_list: list[int] = []
    r_list: list[int] = []
    totals: list[float] = []
    per_criterion = np.zeros((len(applications), len(criteria)))
    per_criterion_n = np.zeros((len(applications), len(criteria)))
    for application_id, reviewer_id, total, scores in reviewed:
        if application_id not in index:
            continue
        scores = scores if isinstance(scores, dict) else {}
        value = total if total is not None else review_total(scores, criteria)
        if value is None:
            continue
        a_list.append(index[application_id])
        r_list.append(r_index[reviewer_id])
        totals.append(float(value))
        for c, criterion in enumerate(criteria):
            try:
                per_criterion[index[application_id], c] += float(scores[criterion.key])
                per_criterion_n[index[application_id], c] += 1
            except (KeyError, TypeError, ValueError):
                pass
    profiles = {
        p.pk: p for p in ReviewerProfile.objects.filter(pk__in=reviewer_ids).select_related("user")
    }
    decisions = {
        d.application_id: d
        for d in Decision.objects.filter(round=round_).select_related("decided_by")
    }
    result = RoundRanking(round=round_, criteria=criteria, rows=[], reviewers=[])
    if not applications:
        return result
    fit = ranking.rank_round(
        a_list,
        r_list,
        totals,
        len(applications),
        len(reviewer_ids),
        disagreement_threshold=float(call.disagreement_threshold),
    )
    counts = np.bincount(np.asarray(a_list, dtype=np.int64), minlength=len(applications))
    with np.errstate(invalid="ignore", divide="ignore"):
        criterion_means = per_criterion / per_criterion_n
    # Groups numbered 1, 2, ... in the order of the applications reviewed in them.
    groups: dict[int, int] = {}
    for i in range(len(applications)):
        if counts[i]:
            groups.setdefault(int(fit.model.application_component[i]), len(groups) + 1)
    for i, application in enumerate(applications):
        n = int(counts[i])
        quality = _number(fit.quality[i]) if n else None
        se = _number(fit.standard_error[i]) if n else None
        result.rows.append(
            RankedApplication(
                application=application,
                reviews=n,
                raw_mean=_number(fit.raw_mean[i]) if n else None,
                raw_rank=int(fit.raw_rank[i]) if n else None,
                mean_z=_number(fit.mean_z[i]) if n else None,
                quality=quality,
                standard_error=se,
                low=None if quality is None or se is None else quality - Z_95 * se,
                high=None if quality is None or se is None else quality + Z_95 * se,
                adjusted_rank=int(fit.adjusted_rank[i]) if quality is not None else None,
                spread=_number(fit.spread[i]) if n else None,
                disagreement=bool(fit.disagreement[i]),
                component=groups.get(int(fit.model.application_component[i]), 0),
                criteria=[_number(v) for v in criterion_means[i]],
                decision=decisions.get(application.pk),
            )
        )
    r_counts = np.bincount(np.asarray(r_list, dtype=np.int64), minlength=len(reviewer_ids))
    r_sums = np.bincount(
        np.asarray(r_list, dtype=np.int64), weights=np.asarray(totals), minlength=len(reviewer_ids)
    )
    for j, reviewer_id in enumerate(reviewer_ids):
        if not r_counts[j]:
            continue
        result.reviewers.append(
            ReviewerLeniency(
                profile=profiles[reviewer_id],
                reviews=int(r_counts[j]),
                mean_total=float(r_sums[j] / r_counts[j]),
                leniency=_number(fit.model.leniency[j]),
            )
        )
    result.reviewers.sort(key=lambda r: -(r.leniency if r.leniency is not None else -math.inf))
    result.rows.sort(
        key=lambda row: (
            row.adjusted_rank is None,
            row.adjusted_rank or 0,
            row.raw_rank or 0,
            row.application.title,
        )
    )
    result.components = fit.model.components
    result.reviews = len(totals)
    result.sigma = _number(fit.model.sigma) if totals else None
    result.notes = _notes(result, fit.model.dof, round_.reviews_per_application)
    return result


def _notes(result: RoundRanking, dof: int, wanted: int) -> list[str]:
    notes: list[str] = []
    if not result.reviews:
        notes.append(_("No review of this round has been submitted yet."))
        return notes
    if result.components > 1:
        notes.append(
            _(
                "The reviewers fall into %(n)s groups that never reviewed the same "
                "applications: adjusted scores compare only within one group (the “Group” "
                "column)."
            )
            % {"n": result.components}
        )
    if dof <= 0:
        notes.append(
            _(
                "Too few reviews to estimate how uncertain the adjusted scores are: "
                "standard errors need more reviews per application."
            )
        )
    short = sum(1 for row in result.rows if row.reviews < wanted)
    if short:
        notes.append(
            _("%(n)s applications have fewer than %(k)s submitted reviews.")
            % {"n": short, "k": wanted}
        )
    return notes
