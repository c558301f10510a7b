"""Mounted under /e/<ecosystem_slug>/network/ (see ecotone/urls.py). Each area's views module
keeps its own `urlpatterns`; they share the namespace."""

from django.urls import include, path

app_name = "network"

urlpatterns = [
    path("", include("ecotone.network.views.members")),
    path("", include("ecotone.network.views.welcomes")),
    path("", include("ecotone.network.views.directory")),
    path("", include("ecotone.network.views.resources")),
    path("", include("ecotone.network.views.member_imports")),
    path("", include("ecotone.network.views.workgroups")),
    path("", include("ecotone.network.views.events")),
    path("", include("ecotone.network.views.surveys")),
    path("", include("ecotone.network.views.health")),
    path("", include("ecotone.network.views.newsletters")),
]
