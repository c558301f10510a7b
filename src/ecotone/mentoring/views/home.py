"""The mentoring home: what each person has to do next. One page, a section per role the
person holds: mentor (screening, offers, check-ins, hours), partner staff (their programs'
opportunities, requests, hours to approve), backbone staff (counts that need attention)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path

from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view

from ..models import Mentor
from ..services import dashboards


@ecosystem_view("mentoring.view_mentoring")
def mentoring_home(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    user = request.user
    # Not a public page: the middleware sent anonymous visitors to sign in.
    mentor = (
        Mentor.objects.filter(ecosystem=ecosystem, user_id=int(user.pk or 0))
        .select_related("ecosystem")
        .first()
    )
    organizations = roles.organizations_in(user, ecosystem)
    backbone = user.has_perm("mentoring.view_dashboard", ecosystem)
    context = {
        "ecosystem": ecosystem,
        "mentor_agenda": dashboards.mentor_agenda(mentor) if mentor else None,
        "partner_agenda": dashboards.partner_agenda(ecosystem, organizations)
        if organizations
        else None,
        "backbone_agenda": dashboards.backbone_agenda(ecosystem) if backbone else None,
        "mentor_role": "mentor" in roles.roles_in(user, ecosystem),
    }
    return render(request, "mentoring/home.html", context)


urlpatterns: list[URLPattern] = [
    path("", mentoring_home, name="home"),
]
