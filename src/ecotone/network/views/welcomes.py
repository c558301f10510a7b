"""The welcome rotation's pages: the welcomes (the backbone sees all, with who welcomed whom and
how fast, and exports them; a welcomer sees only the newcomers assigned to them), one welcome
(pre-filled from the template, edited and sent, or marked sent), and the backbone's rotation
(welcomers in order, away dates, a workgroup's members at once, the template)."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import table_response

from .. import access
from ..forms.members import AddWelcomerForm, AwayForm, WelcomeForm, WelcomeTemplateForm
from ..models import Welcomer, settings_of
from ..services import welcomes as services

WELCOME = "network.welcome_members"
MANAGE = "network.manage_members"
PAGE_SIZE = 50


@ecosystem_view(WELCOME)
def welcome_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    found = access.welcomes_for(request.user, ecosystem)
    backbone = request.user.has_perm(MANAGE, ecosystem)
    fmt = request.GET.get("format")
    if backbone and fmt in ("csv", "xlsx"):
        headers = [
            _("Newcomer"),
            _("Welcomer"),
            _("Assigned"),
            _("Welcomed"),
            _("How"),
            _("Hours to welcome"),
        ]
        return table_response("welcomes", fmt, headers, services.report_rows(ecosystem))
    show = request.GET.get("show", "waiting")
    if show == "waiting":
        found = found.filter(sent_at__isnull=True, newcomer__status="active")
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show": show,
        "backbone": backbone,
        "speed": services.speed(ecosystem) if backbone else None,
        "escalated": services.overdue(ecosystem).filter(escalated_at__isnull=False)
        if backbone
        else None,
    }
    return render(request, "network/members/welcomes.html", context)


@ecosystem_view(WELCOME)
@require_http_methods(["GET", "POST"])
def welcome_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    welcome = access.get_welcome(request, pk)
    subject, body = services.template_for(welcome)
    form = WelcomeForm(request.POST or None, initial={"subject": subject, "body": body})
    sender = access.own_member(request)
    if request.method == "POST":
        try:
            if request.POST.get("action") == "mark":
                services.mark_sent(welcome, sender)
                messages.success(request, _("Marked as welcomed."))
                return redirect("network:welcomes", ecosystem_slug=ecosystem.slug)
            if form.is_valid():
                services.send(
                    welcome, form.cleaned_data["subject"], form.cleaned_data["body"], sender
                )
                messages.success(request, _("Your welcome is on its way."))
                return redirect("network:welcomes", ecosystem_slug=ecosystem.slug)
        except DomainError as error:
            form.add_error(None, str(error))
    return render(request, "network/members/welcome.html", {"welcome": welcome, "form": form})


def _number(value: str | None) -> int:
    """A posted id, or 0 (no record) when it is not a number: a 404, never a 500."""
    return int(value) if value and value.isdigit() and len(value) < 19 else 0


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def rotation(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """The welcomers in order, who is away, adding members or a workgroup's, the template."""
    ecosystem = current_ecosystem(request)
    candidates = access.roll(ecosystem).filter(status="active", welcomer__isnull=True)
    add_form = AddWelcomerForm(members=candidates)
    template_form = WelcomeTemplateForm(instance=settings_of(ecosystem))
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "add":
            add_form = AddWelcomerForm(request.POST, members=candidates)
            if add_form.is_valid():
                services.add_welcomers(ecosystem, [add_form.cleaned_data["member"]])
                messages.success(request, _("Welcomer added."))
                return redirect("network:rotation", ecosystem_slug=ecosystem.slug)
        elif action == "workgroup":
            group = get_object_or_404(
                access.workgroups(ecosystem), pk=_number(request.POST.get("workgroup"))
            )
            added = services.add_workgroup(ecosystem, group.pk)
            messages.success(request, _("%(n)d welcomers added.") % {"n": added})
            return redirect("network:rotation", ecosystem_slug=ecosystem.slug)
        elif action == "template":
            template_form = WelcomeTemplateForm(request.POST, instance=settings_of(ecosystem))
            if template_form.is_valid():
                template_form.save()
                messages.success(request, _("The welcome template is saved."))
                return redirect("network:rotation", ecosystem_slug=ecosystem.slug)
    context = {
        "welcomers": services.welcomers(ecosystem),
        "add_form": add_form,
        "template_form": template_form,
        "workgroups": access.workgroups(ecosystem),
        "away_form": AwayForm(),
    }
    return render(request, "network/members/rotation.html", context)


@ecosystem_view(MANAGE)
@require_POST
def welcomer_change(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    """Set a welcomer's away date, or take them out of the rotation."""
    ecosystem = current_ecosystem(request)
    welcomer = get_object_or_404(Welcomer.objects.filter(ecosystem=ecosystem), pk=pk)
    if request.POST.get("action") == "remove":
        services.remove_welcomer(welcomer)
        messages.success(request, _("Taken out of the rotation."))
    else:
        form = AwayForm(request.POST)
        if form.is_valid():
            services.set_away(welcomer, form.cleaned_data["away_until"])
            messages.success(request, _("Saved."))
        else:
            messages.error(request, _("Enter a date as YYYY-MM-DD."))
    return redirect("network:rotation", ecosystem_slug=ecosystem.slug)


urlpatterns: list[URLPattern] = [
    path("welcomes/", welcome_list, name="welcomes"),
    path("welcomes/<int:pk>/", welcome_detail, name="welcome"),
    path("welcomes/rotation/", rotation, name="rotation"),
    path("welcomes/rotation/<int:pk>/", welcomer_change, name="welcomer"),
]
