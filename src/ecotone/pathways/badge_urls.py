"""Mounted under /e/<ecosystem_slug>/badges/ (see ecotone/urls.py): partners' achievements and
awards, and the issuer's public records (profiles, keys, status list)."""

from django.urls import include, path

app_name = "badges"

urlpatterns = [
    path("", include("ecotone.pathways.views.achievements")),
    path("", include("ecotone.pathways.views.awards")),
    path("", include("ecotone.pathways.views.keys")),
    path("", include("ecotone.pathways.views.counts")),
]
