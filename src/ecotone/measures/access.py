"""The measurement records a person may reach, each from the request's ecosystem; any other
answers 404.

Backbone staff see every indicator of the ecosystem, archived ones too; everyone else who may
read indicators (`measures.view_indicators`) sees the published ones only, on the pages as in
the API (`visible_indicators` is the one rule for both).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404

from ecotone.ecosystems.access import current_ecosystem
from ecotone.ecosystems.models import Ecosystem

from .models import Indicator, IndicatorQuerySet


def manages_indicators(user: object, ecosystem: Ecosystem) -> bool:
    return bool(user.has_perm("measures.manage_indicators", ecosystem))  # type: ignore[attr-defined]


def visible_indicators(user: object, ecosystem: Ecosystem) -> IndicatorQuerySet:
    indicators: IndicatorQuerySet = Indicator.objects.filter(ecosystem=ecosystem).select_related(
        "ecosystem"
    )
    if manages_indicators(user, ecosystem):
        return indicators
    if not user.has_perm("measures.view_indicators", ecosystem):  # type: ignore[attr-defined]
        return indicators.none()
    return indicators.published()


def get_indicator(request: HttpRequest, key: str) -> Indicator:
    """An indicator of the request's ecosystem the person may see, or 404."""
    ecosystem = current_ecosystem(request)
    indicator = get_object_or_404(visible_indicators(request.user, ecosystem), key=key)
    if not request.user.has_perm("measures.view_indicator", indicator):
        raise Http404
    return indicator
