"""The calls of an ecosystem: the public list."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view

from .. import access


@ecosystem_view("challenges.view_calls", public=True)
def call_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    calls = access.calls_of(request.user, ecosystem)
    return render(request, "challenges/call_list.html", {"calls": calls})
