"""What the assessment page's review and plan panels show (`quality/assessments/_reviews.html`
and `_plan.html`), read from the assessment and the person: those partials are included with
only `assessment`, `user` and `perms` in their context."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Count, Q

from ..models import ActionStatus, AssessmentStatus, ImprovementPlan, Rating
from ..services import assessments, plans, reviews

register = template.Library()


@register.simple_tag
def reviews_panel(assessment: Any, user: Any) -> dict[str, Any]:
    rated = dict(
        Rating.objects.filter(assessment=assessment)
        .exclude(stage="")
        .values_list("rater")
        .annotate(n=Count("pk"))
    )
    listed = list(assessment.reviews.select_related("reviewer").order_by("created_at", "pk"))
    can_assign = bool(user.has_perm("quality.assign_reviewer", assessment))
    is_open = assessment.status != AssessmentStatus.COMPLETE
    found = reviews.candidates(assessment) if can_assign and is_open else []
    own = next((r for r in listed if r.reviewer_id == user.pk), None)
    return {
        "reviews": [{"review": r, "rated": rated.get(r.reviewer_id, 0)} for r in listed],
        "own": own,
        "own_rated": rated.get(user.pk, 0) if own else 0,
        "attributes": len(assessments.content(assessment.version).attributes()),
        "can_assign": can_assign,
        "is_open": is_open,
        "eligible": [c.user for c in found if not c.conflict],
        "conflicts": [c for c in found if c.conflict],
    }


@register.simple_tag
def plan_panel(assessment: Any, user: Any) -> dict[str, Any]:
    plan = (
        ImprovementPlan.objects.filter(assessment=assessment)
        .annotate(
            goal_count=Count("goals", distinct=True),
            action_count=Count("goals__actions", distinct=True),
            done_count=Count(
                "goals__actions",
                filter=Q(goals__actions__status=ActionStatus.DONE),
                distinct=True,
            ),
        )
        .first()
    )
    complete = assessment.status == AssessmentStatus.COMPLETE
    can_plan = bool(user.has_perm("quality.plan_improvement", assessment))
    followed_by = assessment.followed_by.order_by("pk").first()
    return {
        "plan": plan,
        "complete": complete,
        "can_plan": can_plan,
        "can_start_next": complete
        and followed_by is None
        and bool(user.has_perm("quality.start_assessment", assessment.organization)),
        "followed_by": followed_by,
        "follows": assessment.follows,
        "followed_goals": plans.followed_goals(assessment),
    }
