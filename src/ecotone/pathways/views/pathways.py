"""Families' pages: the published pathways of an ecosystem, printable, in English and Spanish."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
