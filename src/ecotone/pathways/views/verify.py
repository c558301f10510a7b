"""Verifying a credential: the public verification page, a credential's page and downloads."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
