"""Mounted under /e/<ecosystem_slug>/network/ (see ecotone/urls.py). Each area's views module
keeps its own `urlpatterns`; they share the namespace."""

from django.urls import include, path

app_name = "network"

urlpatterns = [
    path("", include("ecotone.network.views.members")),
    path("", include("ecotone.network.views.newsletters")),
]
