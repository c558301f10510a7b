"""A partner's achievements: defined, changed, archived. Partner staff see their own
organizations' (`access.achievements_of`), the backbone every partner's; the rules are
`services.achievements`'."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import access
from ..forms.badges import AchievementForm, AchievementSearchForm, ConfirmForm
from ..models import Achievement
from ..services import achievements as service

MANAGE = "pathways.manage_badges"
AWARD = "pathways.award_badges"
PAGE_SIZE = 25


def _keeps(request: HttpRequest, achievement: Achievement) -> None:
    if not request.user.has_perm(AWARD, achievement):
        raise PermissionDenied


@ecosystem_view(MANAGE)
def achievement_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = AchievementSearchForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = service.search(
        access.achievements_of(request.user, ecosystem),
        q=data.get("q") or "",
        sort=data.get("sort") or "name",
        archived=bool(data.get("archived")),
    )
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-achievements",
            fmt,
            service.EXPORT_HEADERS,
            service.export_rows(found),
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "pathways/badges/achievement_list.html",
        {"form": form, "page": page, "filtered": bool(data.get("q") or data.get("archived"))},
    )


def _form(request: HttpRequest, achievement: Achievement | None) -> AchievementForm:
    ecosystem = current_ecosystem(request)
    initial: dict[str, Any] = {}
    if achievement is not None:
        initial = {name: getattr(achievement, name) for name in service.EDITABLE}
    return AchievementForm(
        request.POST or None,
        request.FILES or None,
        initial=initial,
        organizations=access.partners_of(request.user, ecosystem),
        steps=service.steps_of(ecosystem),
        editing=achievement is not None,
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def achievement_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    form = _form(request, None)
    if request.method == "POST" and form.is_valid():
        try:
            achievement = service.create_achievement(
                request.user,
                current_ecosystem(request),
                form.data_for_service(),
                image=form.cleaned_data.get("image"),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The achievement is saved."))
            return redirect("badges:achievement_detail", ecosystem_slug, achievement.pk)
    return render(request, "pathways/badges/achievement_form.html", {"form": form})


@ecosystem_view(MANAGE)
def achievement_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    achievement = access.get_achievement(request, pk)
    _keeps(request, achievement)
    awards = access.awards_of(request.user, current_ecosystem(request)).filter(
        achievement=achievement
    )
    return render(
        request,
        "pathways/badges/achievement_detail.html",
        {
            "achievement": achievement,
            "awarded": awards.filter(status="awarded").count(),
            "revoked": awards.filter(status="revoked").count(),
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def achievement_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    achievement = access.get_achievement(request, pk)
    _keeps(request, achievement)
    form = _form(request, achievement)
    if request.method == "POST" and form.is_valid():
        try:
            service.update_achievement(
                request.user,
                achievement,
                form.data_for_service(),
                image=form.cleaned_data.get("image"),
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The achievement is saved."))
            return redirect("badges:achievement_detail", ecosystem_slug, achievement.pk)
    return render(
        request,
        "pathways/badges/achievement_form.html",
        {"form": form, "achievement": achievement},
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def achievement_archive(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    """Archive (after a confirmation) or restore an achievement."""
    achievement = access.get_achievement(request, pk)
    _keeps(request, achievement)
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and achievement.archived_at is not None:
        service.restore_achievement(request.user, achievement)
        messages.success(request, _("The achievement is restored."))
        return redirect("badges:achievement_detail", ecosystem_slug, achievement.pk)
    if request.method == "POST" and form.is_valid():
        service.archive_achievement(request.user, achievement)
        messages.success(request, _("The achievement is archived: no new badges of it."))
        return redirect("badges:achievements", ecosystem_slug)
    return render(
        request,
        "pathways/badges/achievement_archive.html",
        {"form": form, "achievement": achievement},
    )


urlpatterns = [
    path("achievements/", achievement_list, name="achievements"),
    path("achievements/new/", achievement_create, name="achievement_create"),
    path("achievements/<int:pk>/", achievement_detail, name="achievement_detail"),
    path("achievements/<int:pk>/edit/", achievement_edit, name="achievement_edit"),
    path("achievements/<int:pk>/archive/", achievement_archive, name="achievement_archive"),
]
