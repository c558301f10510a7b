"""DRF's side of the permission rules: each viewset maps its actions to rule names."""

from __future__ import annotations

from typing import Any

from rest_framework import exceptions, permissions

from ecotone.ecosystems import roles


class EcosystemRulePermission(permissions.BasePermission):
    """Checks `view.rules[action]` against the request's ecosystem (and then the object).

    People outside the ecosystem get 404, as on the web pages; members lacking the permission
    get 403; anonymous callers get 401.
    """

    def _rule(self, view: Any) -> str:
        action = getattr(view, "action", None) or view.request.method.lower()
        try:
            return str(view.rules[action])
        except KeyError as error:
            raise exceptions.MethodNotAllowed(view.request.method) from error

    def _deny(self, request: Any) -> bool:
        user = request.user
        if not user.is_authenticated:
            raise exceptions.NotAuthenticated
        if not (user.is_superuser or roles.roles_in(user, request.ecosystem)):
            raise exceptions.NotFound
        raise exceptions.PermissionDenied

    def has_permission(self, request: Any, view: Any) -> bool:
        if request.user.has_perm(self._rule(view), request.ecosystem):
            return True
        # Object-level rules (partner staff editing their own organization) decide later.
        if (
            self._rule(view) in getattr(view, "object_rules", ())
            and request.user.is_authenticated
            and roles.roles_in(request.user, request.ecosystem)
        ):
            return True
        return self._deny(request)

    def has_object_permission(self, request: Any, view: Any, obj: Any) -> bool:
        if request.user.has_perm(self._rule(view), obj):
            return True
        return self._deny(request)
