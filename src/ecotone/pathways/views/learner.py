"""A learner's (or guardian's) own badges, downloads and the request to delete them."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
