"""Indicator pages at `indicators/`.

Backbone staff (`measures.manage_indicators`) list every indicator (archived ones on request),
define, edit, publish, archive and restore them, and install the starter library; admitted
members (`measures.view_indicators`) read the published ones. Records are fetched through
`access.get_indicator`: an indicator a person may not see is a 404.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone import concurrency
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import codes
from ..access import get_indicator, manages_indicators, visible_indicators
from ..forms import IndicatorFilterForm, IndicatorForm
from ..models import Indicator
from ..services import indicators as services

PAGE_SIZE = 25


def _require_manager(request: HttpRequest) -> None:
    if not manages_indicators(request.user, current_ecosystem(request)):
        raise PermissionDenied


@ecosystem_view("measures.view_indicators")
def indicator_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = IndicatorFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = visible_indicators(request.user, ecosystem)
    status = data.get("status") or ""
    found = found.filter(archived_at__isnull=status != "archived")
    if status == "published":
        found = found.filter(is_published=True)
    elif status == "draft":
        found = found.filter(is_published=False)
    if q := data.get("q"):
        found = found.filter(
            Q(name__icontains=q) | Q(definition__icontains=q) | Q(key__icontains=q)
        )
    found = found.order_by("name", "pk")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return _export(ecosystem.slug, fmt, found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    language = get_language() or "en"
    for indicator in page.object_list:
        indicator.breakdown = ", ".join(indicator.dimension_labels(language))
    return render(
        request,
        "measures/indicator_list.html",
        {
            "form": form,
            "page": page,
            "manages": manages_indicators(request.user, ecosystem),
            "library_size": len(services.starter_library()),
        },
    )


def _export(slug: str, fmt: str, found: Any) -> HttpResponseBase:
    language = get_language() or "en"
    return table_response(
        f"{slug}-indicators",
        fmt,
        [
            _("Key"),
            _("Name"),
            _("Unit"),
            _("Aggregation"),
            _("Numerator"),
            _("Denominator"),
            _("Desired direction"),
            _("Period type"),
            _("Broken down by"),
            _("Published"),
            _("Version"),
            _("Definition"),
        ],
        (
            (
                i.key,
                i.name,
                i.get_unit_display(),
                i.get_aggregation_display(),
                i.numerator,
                i.denominator,
                i.get_direction_display(),
                i.get_period_type_display(),
                "; ".join(i.dimension_labels(language)),
                _("Yes") if i.is_published else _("No"),
                i.version,
                i.definition,
            )
            for i in found.iterator()
        ),
    )


@ecosystem_view("measures.view_indicators")
def indicator_detail(request: HttpRequest, ecosystem_slug: str, key: str) -> HttpResponse:
    indicator = get_indicator(request, key)
    ecosystem = current_ecosystem(request)
    manages = manages_indicators(request.user, ecosystem)
    language = get_language() or "en"
    return render(
        request,
        "measures/indicator_detail.html",
        {
            "indicator": indicator,
            "breakdown": indicator.dimension_labels(language),
            "manages": manages,
            "versions": indicator.versions.select_related("created_by") if manages else None,
        },
    )


def _saved(form: IndicatorForm) -> dict[str, Any]:
    return {name: form.cleaned_data[name] for name in IndicatorForm.Meta.fields}


@ecosystem_view("measures.manage_indicators")
@require_http_methods(["GET", "POST"])
def indicator_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = IndicatorForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.create_indicator(ecosystem, request.user, **_saved(form))
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("%(name)s was added.") % {"name": indicator.name})
            return redirect(indicator)
    return render(request, "measures/indicator_form.html", {"form": form})


@ecosystem_view("measures.manage_indicators")
@require_http_methods(["GET", "POST"])
def indicator_edit(request: HttpRequest, ecosystem_slug: str, key: str) -> HttpResponse:
    indicator = get_indicator(request, key)
    edit = concurrency.EditPage(
        request.POST,
        concurrency.version_of(indicator),
        concurrency.form_snapshot(IndicatorForm(instance=indicator)),
    )
    # Validation writes into the instance it is given; the service gets a fresh one.
    form = IndicatorForm(request.POST or None, instance=get_indicator(request, key))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_indicator(
                indicator, request.user, expected_version=edit.expected_version, **_saved(form)
            )
        except concurrency.EditConflictError as error:
            edit.refused(error, form)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your changes were saved."))
            return redirect(indicator)
    return render(
        request,
        "measures/indicator_form.html",
        {**edit.context(), "form": form, "indicator": indicator},
    )


@ecosystem_view("measures.manage_indicators")
@require_http_methods(["GET", "POST"])
def indicator_archive(request: HttpRequest, ecosystem_slug: str, key: str) -> HttpResponse:
    indicator = get_indicator(request, key)
    restoring = indicator.is_archived
    if request.method == "POST":
        try:
            if restoring:
                services.restore_indicator(indicator, request.user)
                messages.success(request, _("%(name)s was restored.") % {"name": indicator.name})
            else:
                services.archive_indicator(indicator, request.user)
                messages.success(request, _("%(name)s was archived.") % {"name": indicator.name})
        except DomainError as error:
            messages.error(request, str(error))
        return redirect(indicator)
    return render(
        request,
        "measures/indicator_archive.html",
        {"indicator": indicator, "restoring": restoring},
    )


@ecosystem_view("measures.manage_indicators")
@require_http_methods(["GET", "POST"])
def starter_library(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    if request.method == "POST":
        added = services.install_starter_library(request.user, ecosystem)
        if added:
            messages.success(
                request,
                ngettext(
                    "%(n)s indicator was added. Review it, then publish it if you use it.",
                    "%(n)s indicators were added. Review them, then publish those you use.",
                    len(added),
                )
                % {"n": len(added)},
            )
        else:
            messages.info(request, _("Every indicator of the starter library is already here."))
        return redirect("measures:indicators", ecosystem.slug)
    language = "es" if ecosystem.default_language.startswith("es") else "en"
    have = set(ecosystem.indicators.exclude(starter_key="").values_list("starter_key", flat=True))
    entries = [
        {
            "name": entry[language]["name"],
            "definition": entry[language]["definition"],
            "unit": Indicator(unit=entry["unit"]).get_unit_display(),
            "breakdown": ", ".join(
                codes.OPTION_SETS[d].label(get_language() or "en") for d in entry["dimensions"]
            ),
            "installed": entry["key"] in have,
        }
        for entry in services.starter_library()
    ]
    return render(request, "measures/starter_library.html", {"entries": entries})


urlpatterns = [
    path("indicators/", indicator_list, name="indicators"),
    path("indicators/new/", indicator_create, name="indicator_create"),
    path("indicators/install/", starter_library, name="starter_library"),
    path("indicators/<slug:key>/", indicator_detail, name="indicator"),
    path("indicators/<slug:key>/edit/", indicator_edit, name="indicator_edit"),
    path("indicators/<slug:key>/archive/", indicator_archive, name="indicator_archive"),
]
