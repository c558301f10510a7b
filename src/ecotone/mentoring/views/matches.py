"""Mentoring pages: a match's life."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import URLPattern, path

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view

from ..models import Match


@ecosystem_view("mentoring.view_mentoring")
def match_detail(request: HttpRequest, match_id: int) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    match = get_object_or_404(
        Match.objects.filter(ecosystem=ecosystem).select_related(
            "mentor__user", "opportunity__program__organization"
        ),
        pk=match_id,
    )
    if not request.user.has_perm("mentoring.view_match", match):
        raise PermissionDenied
    return render(request, "mentoring/match_detail.html", {"match": match})


urlpatterns: list[URLPattern] = [
    path("matches/<int:match_id>/", match_detail, name="match"),
]
