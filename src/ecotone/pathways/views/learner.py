"""A learner's (or guardian's) own badges, across ecosystems: those sent to a VERIFIED address of
theirs (allauth's `EmailAddress.verified`), found by the keyed lookup hash of each address
(`identity.lookup`) against `Award.recipient_lookup` and `holder_lookup`; their downloads; the
pathway each leads into with its next steps and the programs nearest the learner
(`services.next_steps`); and the request to delete one."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from .. import access, identity
from ..forms.badges import ConfirmForm
from ..models import PathwayStatus, Step, in_language
from ..services import awards as award_service
from ..services.next_steps import next_steps


def _next(step: Step, near: str) -> list[dict[str, Any]]:
    """The step's pathway's next stage (the paths' `services.next_steps`): each next step with
    the nearest matching programs."""
    return [
        {
            "title": in_language(n.step, "title"),
            "gains": in_language(n.step, "gains"),
            "programs": n.programs,
            "search_url": n.search_url,
        }
        for stage in next_steps(step, near=near)
        for n in stage.steps
    ]


@login_required
def my_badges(request: HttpRequest) -> HttpResponse:
    near = str(request.GET.get("near", ""))[:60]
    awards = list(access.own_awards(request.user))
    following: dict[int, list[dict[str, Any]]] = {}
    rows = []
    for award in awards:
        step = award.achievement.step
        published = step is not None and step.pathway.status == PathwayStatus.PUBLISHED
        if step is not None and published and step.pk not in following:
            following[step.pk] = _next(step, near)
        rows.append(
            {
                "award": award,
                "name": in_language(award.achievement, "name"),
                "pathway": step.pathway if published and step else None,
                "pathway_name": in_language(step.pathway, "name") if published and step else "",
                "next_steps": following.get(step.pk, []) if step else [],
            }
        )
    has_verified = bool(identity.verified_lookups(request.user))
    return render(
        request,
        "pathways/badges/mine.html",
        {"rows": rows, "has_verified": has_verified, "near": near},
    )


@login_required
@require_http_methods(["GET", "POST"])
def delete_badge(request: HttpRequest, public_id: UUID) -> HttpResponse:
    """Delete one of the person's badges at their request, after a confirmation."""
    award = access.own_awards(request.user).filter(public_id=public_id).first()
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
