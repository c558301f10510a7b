"""The network's home: what the network is and how to join, for visitors; the member's own
page for those on the roll; the backbone's work for its staff."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view

from .. import access
from ..services.workgroups import invitations_of


@ecosystem_view("network.join", public=True)
def network_home(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    member = access.member_of(request.user, ecosystem)
    context = {
        "ecosystem": ecosystem,
        "member": member,
        # gatherings: invitations to workgroups, accepted from here or the group's page
        "workgroup_invitations": invitations_of(member),
    }
    return render(request, "network/home.html", context)


urlpatterns: list[URLPattern] = [
    path("", network_home, name="home"),
]
