"""The issuer's public records: issuer profiles, public keys and the status list; the key page."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
