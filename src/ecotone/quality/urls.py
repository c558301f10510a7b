"""Mounted under /e/<ecosystem_slug>/quality/ (see ecotone/urls.py)."""

from django.urls import include, path

app_name = "quality"

urlpatterns = [
    path("", include("ecotone.quality.views.rubrics")),
    path("", include("ecotone.quality.views.editing")),
    path("", include("ecotone.quality.views.assessments")),
    path("", include("ecotone.quality.views.reviews")),
    path("", include("ecotone.quality.views.plans")),
    path("", include("ecotone.quality.views.progress")),
]
