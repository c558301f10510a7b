"""The mentoring home: what each person has to do next."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view


@ecosystem_view("mentoring.view_mentoring")
def mentoring_home(request: HttpRequest) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    return render(request, "mentoring/home.html", {"ecosystem": ecosystem})


urlpatterns: list[URLPattern] = [
    path("", mentoring_home, name="home"),
]
