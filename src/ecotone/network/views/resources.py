"""The resource library's pages: find (search, filters, sort, pages), share, recommend
(a toggle), download a file, and the sharer's or the backbone's edit and removal (behind a
confirmation)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from .. import access
from ..forms.members import ResourceFilterForm, ResourceForm
from ..models import Resource
from ..services import resources as services

VIEW = "network.view_resources"
SHARE = "network.share_resources"
PAGE_SIZE = 25


def _resource(request: HttpRequest, pk: int) -> Resource:
    return get_object_or_404(services.library(current_ecosystem(request)), pk=pk)


def _changeable(request: HttpRequest, pk: int) -> Resource:
    resource = _resource(request, pk)
    if not services.can_change(request.user, resource, access.own_member(request)):
        raise Http404
    return resource


@ecosystem_view(VIEW)
@require_GET
def resource_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = ResourceFilterForm(request.GET or None)
    filters = form.cleaned_data if request.GET and form.is_valid() else {}
    found = services.narrow(services.library(ecosystem), filters)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    member = access.own_member(request)
    context = {
        "form": form,
        "page": page,
        "member": member,
        "recommended": services.recommended_by(member, page.object_list),
        "manager": request.user.has_perm("network.manage_members", ecosystem),
    }
    return render(request, "network/members/resources.html", context)


@ecosystem_view(SHARE)
@require_http_methods(["GET", "POST"])
def resource_share(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = ResourceForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.share(
                ecosystem, access.own_member(request), form.cleaned_data, form.cleaned_data["file"]
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Thank you for sharing!"))
            return redirect("network:resources", ecosystem_slug=ecosystem.slug)
    return render(request, "network/members/resource_form.html", {"form": form})


@ecosystem_view(SHARE)
@require_http_methods(["GET", "POST"])
def resource_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    resource = _changeable(request, pk)
    form = ResourceForm(
        request.POST or None, request.FILES or None, initial=ResourceForm.initial_from(resource)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update(resource, form.cleaned_data, form.cleaned_data["file"])
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Saved."))
            return redirect("network:resources", ecosystem_slug=ecosystem_slug)
    return render(
        request, "network/members/resource_form.html", {"form": form, "resource": resource}
    )


@ecosystem_view(SHARE)
@require_http_methods(["GET", "POST"])
def resource_remove(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    resource = _changeable(request, pk)
    if request.method == "POST":
        services.remove(resource)
        messages.success(request, _("The resource is removed."))
        return redirect("network:resources", ecosystem_slug=ecosystem_slug)
    return render(request, "network/members/resource_remove.html", {"resource": resource})


@ecosystem_view(SHARE)
@require_POST
def resource_recommend(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    resource = _resource(request, pk)
    member = access.own_member(request)
    if member is None:
        messages.error(request, _("Only members recommend resources."))
    else:
        services.toggle_recommendation(resource, member)
    return redirect("network:resources", ecosystem_slug=ecosystem_slug)


@ecosystem_view(VIEW)
@require_GET
def resource_file(request: HttpRequest, ecosystem_slug: str, pk: int) -> FileResponse:
    resource = _resource(request, pk)
    if not resource.file:
        raise Http404
    try:
        stream = resource.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        stream,
        as_attachment=True,
        filename=resource.file_name,
        content_type=resource.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("resources/", resource_list, name="resources"),
    path("resources/share/", resource_share, name="resource_share"),
    path("resources/<int:pk>/edit/", resource_edit, name="resource_edit"),
    path("resources/<int:pk>/remove/", resource_remove, name="resource_remove"),
    path("resources/<int:pk>/recommend/", resource_recommend, name="resource_recommend"),
    path("resources/<int:pk>/file/", resource_file, name="resource_file"),
]
