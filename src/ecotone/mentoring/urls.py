"""Mounted under /e/<ecosystem_slug>/mentoring/ (see ecotone/urls.py). Each area's views module
keeps its own `urlpatterns`; they all share the "mentoring" namespace."""

from django.urls import include, path

app_name = "mentoring"

urlpatterns = [
    path("", include("ecotone.mentoring.views.home")),
    path("", include("ecotone.mentoring.views.mentors")),
    path("", include("ecotone.mentoring.views.opportunities")),
    path("", include("ecotone.mentoring.views.matches")),
    path("", include("ecotone.mentoring.views.hours")),
    path("", include("ecotone.mentoring.views.rounds")),
    path("", include("ecotone.mentoring.views.dashboard")),
]
