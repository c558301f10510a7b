"""A partner's achievements: defined, changed, archived."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
