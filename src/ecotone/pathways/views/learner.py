"""A learner's (or guardian's) own badges, across ecosystems: those sent to a VERIFIED address of
theirs (allauth's `EmailAddress.verified`), found by the keyed lookup hash of each address
(`identity.lookup`) against `Award.recipient_lookup` and `holder_lookup`; their downloads; the
pathways each leads into with that pathway's later steps; and the request to delete one."""

from __future__ import annotations

from collections import defaultdict
from typing import Any
from uuid import UUID

from allauth.account.models import EmailAddress
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import identity
from ..badge_forms import ConfirmForm
from ..models import Award, AwardStatus, Step, in_language
from ..services import awards as award_service


def _lookups(user: Any) -> list[str]:
    addresses = EmailAddress.objects.filter(user=user, verified=True).values_list(
        "email", flat=True
    )
    return sorted({identity.lookup(address) for address in addresses})


def own_awards(user: Any) -> QuerySet[Award]:
    """The badges sent to, or earned by, a verified address of the person (deleted ones have
    no hashes left, so they are never found)."""
    lookups = _lookups(user)
    if not lookups:
        return Award.objects.none()
    return (
        Award.objects.filter(Q(recipient_lookup__in=lookups) | Q(holder_lookup__in=lookups))
        .exclude(status=AwardStatus.DELETED)
        .select_related(
            "ecosystem", "achievement__organization", "achievement__step__pathway", "program"
        )
        .order_by("-awarded_at", "pk")
    )


def _next_steps(awards: list[Award]) -> dict[int, list[Step]]:
    """For each pathway a badge leads into, its steps at later stages than the badge's (the
    nearest matching programs are the paths helper's `services.next_steps`)."""
    pathways = {a.achievement.step.pathway_id for a in awards if a.achievement.step}
    later: dict[int, list[Step]] = defaultdict(list)
    steps = Step.objects.filter(pathway_id__in=pathways, pathway__status="published")
    for step in steps.order_by("stage", "position", "pk"):
        later[step.pathway_id].append(step)
    return later


@login_required
def my_badges(request: HttpRequest) -> HttpResponse:
    awards = list(own_awards(request.user))
    later = _next_steps(awards)
    rows = []
    for award in awards:
        step = award.achievement.step
        next_steps = []
        if step is not None:
            next_steps = [
                in_language(s, "title") for s in later[step.pathway_id] if s.stage > step.stage
            ]
        rows.append(
            {
                "award": award,
                "name": in_language(award.achievement, "name"),
                "pathway": (
                    in_language(step.pathway, "name")
                    if step and step.pathway.status == "published"
                    else ""
                ),
                "pathway_obj": step.pathway if step else None,
                "next_steps": next_steps,
            }
        )
    has_verified = EmailAddress.objects.filter(user=request.user, verified=True).exists()
    return render(
        request,
        "pathways/badges/mine.html",
        {"rows": rows, "has_verified": has_verified},
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_badge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Delete one of the person's badges at their request, after a confirmation."""
    award = own_awards(request.user).filter(public_id=public_id).first()
    if award is None:
        raise Http404
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        award_service.delete_at_request(award)
        messages.success(
            request,
            _("The badge is deleted: its credential and every trace of the address are gone."),
        )
        return redirect("credentials:mine")
    return render(
        request,
        "pathways/badges/mine_delete.html",
        {"form": form, "award": award, "name": in_language(award.achievement, "name")},
    )


urlpatterns = [
    path("mine/", my_badges, name="mine"),
    path("mine/<uuid:public_id>/delete/", delete_badge, name="mine_delete"),
]
