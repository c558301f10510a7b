"""Mounted under /badges/ (see ecotone/urls.py), outside any ecosystem: verifying a credential
from anywhere, a credential's own page, and a learner's own badges."""

from django.urls import include, path

app_name = "credentials"

urlpatterns = [
    path("", include("ecotone.pathways.views.verify")),
    path("", include("ecotone.pathways.views.learner")),
]
