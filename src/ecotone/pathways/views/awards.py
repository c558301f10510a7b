"""Awarding badges: one at a time or from a CSV of recipients; the awarded list and revocation."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
