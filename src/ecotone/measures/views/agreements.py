"""Data sharing agreement pages at `agreements/`.

Backbone staff (`measures.manage_agreements`) record, change and end (after confirming) each
partner's agreement; partner staff
read their own organization's (the scope their submissions are checked against).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Organization
from ecotone.errors import DomainError

from ..access import agreements_of, submitting_organizations
from ..forms import AgreementForm, EndAgreementForm
from ..models import DataSharingAgreement
from ..services import agreements as services


@ecosystem_view("measures.submit_data")
def agreement_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    found = agreements_of(request.user, ecosystem).prefetch_related("indicators")
    return render(
        request,
        "measures/agreement_list.html",
        {
            "agreements": found,
            "manages": request.user.has_perm("measures.manage_agreements", ecosystem),
        },
    )


@ecosystem_view("measures.manage_agreements")
@require_http_methods(["GET", "POST"])
def agreement_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        organizations=submitting_organizations(request.user, ecosystem),
        indicators=ecosystem.indicators.active().order_by("name", "pk"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_agreement(
                data["organization"],
                request.user,
                indicators=data["indicators"],
                signatories=data["signatories"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                file=data["file"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            return redirect(reverse("measures:agreements", args=[ecosystem.slug]))
    return render(request, "measures/agreement_form.html", {"form": form})


def _agreement(request: HttpRequest, pk: int) -> DataSharingAgreement:
    return get_object_or_404(agreements_of(request.user, current_ecosystem(request)), pk=pk)


@ecosystem_view("measures.manage_agreements")
@require_http_methods(["GET", "POST"])
def agreement_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    """Change an agreement's scope, signatories, dates or file (the partner stays)."""
    ecosystem = current_ecosystem(request)
    agreement = _agreement(request, pk)
    form = AgreementForm(
        request.POST or None,
        request.FILES or None,
        initial={
            "organization": agreement.organization,
            "indicators": list(agreement.indicators.values_list("key", flat=True)),
            "signatories": agreement.signatories,
            "starts_on": agreement.starts_on,
            "ends_on": agreement.ends_on,
        },
        organizations=Organization.objects.filter(pk=agreement.organization_id),
        indicators=ecosystem.indicators.active().order_by("name", "pk"),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.save_agreement(
                agreement.organization,
                request.user,
                indicators=data["indicators"],
                signatories=data["signatories"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                file=data["file"],
                agreement=agreement,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Agreement saved."))
            return redirect(reverse("measures:agreements", args=[ecosystem.slug]))
    return render(request, "measures/agreement_form.html", {"form": form, "agreement": agreement})


@ecosystem_view("measures.manage_agreements")
@require_http_methods(["GET", "POST"])
def agreement_end(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    """End an agreement, after confirming the day."""
    agreement = _agreement(request, pk)
    form = EndAgreementForm(request.POST or None, initial={"ends_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid():
        try:
            services.end_agreement(agreement, request.user, ends_on=form.cleaned_data["ends_on"])
        except DomainError as error:
            form.add_error("ends_on", str(error))
        else:
            messages.success(request, _("Agreement ended."))
            return redirect(reverse("measures:agreements", args=[agreement.ecosystem.slug]))
    return render(request, "measures/agreement_end.html", {"form": form, "agreement": agreement})


@ecosystem_view("measures.submit_data")
def agreement_file(request: HttpRequest, ecosystem_slug: str, pk: int) -> FileResponse:
    agreement = get_object_or_404(agreements_of(request.user, current_ecosystem(request)), pk=pk)
    if not request.user.has_perm("measures.view_agreement", agreement):
        raise PermissionDenied
    if not agreement.file:
        raise Http404
    return FileResponse(agreement.file.open("rb"), as_attachment=True)


urlpatterns = [
    path("agreements/", agreement_list, name="agreements"),
    path("agreements/new/", agreement_create, name="agreement_create"),
    path("agreements/<int:pk>/edit/", agreement_edit, name="agreement_edit"),
    path("agreements/<int:pk>/end/", agreement_end, name="agreement_end"),
    path("agreements/<int:pk>/file/", agreement_file, name="agreement_file"),
]
