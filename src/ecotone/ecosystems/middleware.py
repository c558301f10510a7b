"""Resolve the ecosystem from the URL once per request, and keep outsiders out of it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404

from . import roles
from .models import Ecosystem

URL_KWARG = "ecosystem_slug"


def is_public(view_func: Callable[..., Any]) -> bool:
    return bool(getattr(view_func, "ecosystem_public", False))


def is_api(view_func: Callable[..., Any]) -> bool:
    # DRF views authenticate later (tokens), so their own permission classes decide.
    return hasattr(view_func, "cls")


class EcosystemMiddleware:
    """Sets `request.ecosystem` for every URL carrying `<ecosystem_slug>`.

    Pages not marked public answer anonymous visitors with the sign-in page and signed-in
    people who hold no role in the ecosystem with 404, so they learn nothing about it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.ecosystem = None  # type: ignore[attr-defined]
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> HttpResponse | None:
        slug = view_kwargs.get(URL_KWARG)
        if slug is None:
            return None
        ecosystem = get_object_or_404(Ecosystem, slug=slug, is_active=True)
        request.ecosystem = ecosystem  # type: ignore[attr-defined]
        if is_public(view_func) or is_api(view_func):
            return None
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not (user.is_superuser or roles.roles_in(user, ecosystem)):
            raise Http404
        return None
