"""Curating pathways: the pages where the backbone and partners write pathways and steps."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
