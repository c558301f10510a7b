"""Mounted under /e/<ecosystem_slug>/pathways/ (see ecotone/urls.py): families' pages and
curation. Each area's views module keeps its own `urlpatterns`; they share the namespace."""

from django.urls import include, path

app_name = "pathways"

urlpatterns = [
    path("", include("ecotone.pathways.views.curation")),
    path("", include("ecotone.pathways.views.pathways")),
]
