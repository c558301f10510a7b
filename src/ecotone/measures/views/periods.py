"""Period pages at `periods/`: backbone staff (`measures.manage_periods`) list, add, change and
delete (after confirming; refused while anything uses it) the periods values are counted over,
and download the list as CSV or XLSX. The rules are `services.periods`'."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from ..access import get_period
from ..forms import PeriodFilterForm, PeriodForm
from ..models import Period
from ..services import periods as services

PAGE_SIZE = 50


def _list_url(request: HttpRequest) -> str:
    return reverse("measures:periods", args=[current_ecosystem(request).slug])


@ecosystem_view("measures.manage_periods")
def period_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = PeriodFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = Period.objects.filter(ecosystem=ecosystem).annotate(value_count=Count("values"))
    if q := data.get("q"):
        found = found.filter(label__icontains=q)
    if kind := data.get("type"):
        found = found.filter(type=kind)
    found = found.order_by(data.get("sort") or "-start", "type", "pk")
    if request.GET.get("format") in FORMATS:
        return table_response(
            f"{ecosystem.slug}-periods",
            request.GET["format"],
            [_("Label"), _("Type"), _("Start"), _("End"), _("Values")],
            (
                (
                    p.label,
                    p.get_type_display(),
                    p.start.isoformat(),
                    p.end.isoformat(),
                    p.value_count,
                )
                for p in found
            ),
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "measures/period_list.html", {"form": form, "page": page})


def _save(request: HttpRequest, period: Period | None) -> HttpResponse:
    initial = {}
    if period is not None:
        initial = {
            "type": period.type,
            "start": period.start,
            "end": period.end,
            "label": period.label,
        }
    form = PeriodForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_period(
                current_ecosystem(request), request.user, **form.cleaned_data, period=period
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Period saved."))
            return redirect(_list_url(request))
    return render(request, "measures/period_form.html", {"form": form, "period": period})


@ecosystem_view("measures.manage_periods")
@require_http_methods(["GET", "POST"])
def period_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    return _save(request, None)


@ecosystem_view("measures.manage_periods")
@require_http_methods(["GET", "POST"])
def period_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    return _save(request, get_period(request, pk))


@ecosystem_view("measures.manage_periods")
@require_http_methods(["GET", "POST"])
def period_delete(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    """A confirmation page; a period in use is refused with what uses it."""
    period = get_period(request, pk)
    refused = ""
    if request.method == "POST":
        try:
            services.delete_period(period, request.user)
        except DomainError as error:
            refused = str(error)
        else:
            messages.success(request, _("Period deleted."))
            return redirect(_list_url(request))
    found = services.uses(period)
    if found.any:
        refused = services.refusal(found)
    return render(request, "measures/period_delete.html", {"period": period, "refused": refused})


urlpatterns = [
    path("periods/", period_list, name="periods"),
    path("periods/new/", period_create, name="period_create"),
    path("periods/<int:pk>/edit/", period_edit, name="period_edit"),
    path("periods/<int:pk>/delete/", period_delete, name="period_delete"),
]
