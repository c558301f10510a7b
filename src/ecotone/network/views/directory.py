"""The member directory (members and the backbone read it: opt-in members only, never an
address) and the backbone's member list with a member's page and the exports."""

from __future__ import annotations

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.exports import table_response

from .. import access
from ..forms.members import DirectoryFilterForm, MemberFilterForm
from ..models import Welcome
from ..services import listing

PAGE_SIZE = 50


def _filters(form: DirectoryFilterForm) -> dict[str, str]:
    # An invalid filter (too long, an unknown choice) is dropped, never a 500.
    return {k: v for k, v in form.cleaned_data.items() if v} if form.is_valid() else {}


@ecosystem_view("network.view_member_directory")
def member_directory(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = DirectoryFilterForm(request.GET or None)
    found = listing.narrow(access.directory(ecosystem), _filters(form) if request.GET else {})
    page = Paginator(found.prefetch_related("interests"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(request, "network/members/directory.html", {"form": form, "page": page})


@ecosystem_view("network.manage_members")
def member_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = MemberFilterForm(request.GET or None)
    filters = _filters(form) if request.GET else {}
    found = listing.narrow(access.roll(ecosystem).select_related(None), filters, search_email=True)
    fmt = request.GET.get("format")
    if fmt in ("csv", "xlsx"):
        headers = [
            _("Name"),
            _("Email"),
            _("Status"),
            _("Organization"),
            _("Sector"),
            _("Role"),
            _("Region"),
            _("ZIP code"),
            _("Interests"),
            _("Language"),
            _("Email consent"),
            _("In the directory"),
            _("How they joined"),
            _("Joined"),
            _("Confirmed"),
        ]
        return table_response("members", fmt, headers, listing.export_rows(found))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "network/members/members.html",
        {"form": form, "page": page, "total": found.count(), "query": query.urlencode()},
    )


@ecosystem_view("network.manage_members")
def member_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    member = access.get_member(request, pk)
    welcome = Welcome.objects.filter(newcomer=member).select_related("welcomer").first()
    context = {
        "member": member,
        "interests": listing.interests_text(member),
        "welcome": welcome,
        "workgroups": member.workgroups.select_related("workgroup"),
    }
    return render(request, "network/members/member.html", context)


urlpatterns: list[URLPattern] = [
    path("directory/", member_directory, name="directory"),
    path("members/", member_list, name="members"),
    path("members/<int:pk>/", member_detail, name="member"),
]
