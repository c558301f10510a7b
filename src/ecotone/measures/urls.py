"""Mounted under /e/<ecosystem_slug>/measures/ (see ecotone/urls.py). Each area's views module
keeps its own `urlpatterns`; they all share the "measures" namespace."""

from django.urls import include, path

app_name = "measures"

urlpatterns = [
    path("", include("ecotone.measures.views.indicators")),
    path("", include("ecotone.measures.views.submissions")),
    path("", include("ecotone.measures.views.agreements")),
    path("", include("ecotone.measures.views.collections")),
    path("", include("ecotone.measures.views.crosswalk")),
    path("", include("ecotone.measures.views.dashboards")),
    path("", include("ecotone.measures.views.public_sources")),
    path("", include("ecotone.measures.views.reports")),
    path("", include("ecotone.measures.views.periods")),
    path("", include("ecotone.measures.views.linkage")),
    path("", include("ecotone.measures.views.reach")),
    path("", include("ecotone.measures.views.rosters")),
]
