"""How views declare what they need, and the one access helper per model.

Every ecosystem page is a view decorated with `@ecosystem_view(permission)`; every record is
fetched through a helper here that starts from the request's ecosystem and answers 404 when the
record is not in it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404

from .models import Ecosystem, Invitation, Membership, Organization

View = TypeVar("View", bound=Callable[..., HttpResponseBase])


def ecosystem_view(permission: str, *, public: bool = False) -> Callable[[View], View]:
    """Require `permission` on the request's ecosystem.

    `public=True` lets anonymous visitors and outsiders in (the middleware checks membership
    otherwise). A member without the permission gets 403: they know the ecosystem exists.
    """

    def decorator(view: View) -> View:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
            if not request.user.has_perm(permission, ecosystem):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.ecosystem_public = public  # type: ignore[attr-defined]
        wrapper.permission = permission  # type: ignore[attr-defined]
        return wrapper  # type: ignore[return-value]

    return decorator


def current_ecosystem(request: HttpRequest) -> Ecosystem:
    """The ecosystem EcosystemMiddleware resolved from the address (typed for the views)."""
    return request.ecosystem  # type: ignore[attr-defined]


def get_organization(
    request: HttpRequest, slug: str, *, include_archived: bool = False
) -> Organization:
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    organizations = ecosystem.organizations.all()
    if not include_archived:
        organizations = organizations.active()
    return get_object_or_404(organizations, slug=slug)


def get_membership(request: HttpRequest, pk: int) -> Membership:
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(ecosystem.memberships.select_related("user"), pk=pk)


def get_invitation(request: HttpRequest, pk: int) -> Invitation:
    ecosystem: Ecosystem = request.ecosystem  # type: ignore[attr-defined]
    return get_object_or_404(ecosystem.invitations.all(), pk=pk)
