"""Data sharing agreement pages at `agreements/`.

Backbone staff (`measures.manage_agreements`) record each partner's agreement; partner staff
read their own organization's (the scope their submissions are checked against).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from ..access import agreements_of, submitting_organizations
from ..forms import AgreementForm
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
    path("agreements/<int:pk>/file/", agreement_file, name="agreement_file"),
]
