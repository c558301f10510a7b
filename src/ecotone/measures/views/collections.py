"""Data collection pages at `collections/`.

Backbone staff (`measures.manage_collections`) open, change and close collections and follow
the status grid; partner staff see the collections that ask their organizations ("my
collections"), download the template for one, upload a file against it or enter a small one in
the web form, which becomes a file checked and submitted like any other
(`services.submissions`). Records are fetched through `access.get_collection`: a collection
that does not ask a partner is a 404 to its staff.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Organization
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import checks, codes
from ..access import collections_of, get_collection, submitting_organizations
from ..forms import CollectionFilterForm, CollectionForm, WebValuesForm
from ..models import DataCollection, DimensionCombo, Indicator, Period, Value
from ..services import collections as services
from ..services import submissions

PAGE_SIZE = 25


def _manages(request: HttpRequest) -> bool:
    return bool(request.user.has_perm("measures.manage_collections", current_ecosystem(request)))


@ecosystem_view("measures.submit_data")
def collection_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """Backbone staff: every collection; partner staff: those asking their organizations."""
    ecosystem = current_ecosystem(request)
    form = CollectionFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = collections_of(request.user, ecosystem)
    status = data.get("status") or ""
    if status == "":
        found = found.filter(closed_at__isnull=True)
    elif status == "closed":
        found = found.filter(closed_at__isnull=False)
    if q := data.get("q"):
        found = found.filter(
            Q(name__icontains=q)
            | Q(organizations__name__icontains=q)
            | Q(indicators__name__icontains=q)
        ).distinct()
    sort = data.get("sort") or "-due_on"
    found = found.order_by(sort, "pk")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        found = found.prefetch_related("indicators", "periods", "organizations")
        return table_response(
            f"{ecosystem.slug}-collections",
            fmt,
            [
                _("Name"),
                _("Due date"),
                _("Status"),
                _("Indicators"),
                _("Periods"),
                _("Partners"),
                _("Remind days before"),
                _("Remind when overdue"),
            ],
            (
                (
                    c.name,
                    c.due_on.isoformat(),
                    _("Open") if c.is_open else _("Closed"),
                    "; ".join(i.name for i in c.indicators.all()),
                    "; ".join(p.label for p in c.periods.all()),
                    "; ".join(o.name for o in c.organizations.all()),
                    c.remind_days_before,
                    _("Yes") if c.remind_when_overdue else _("No"),
                )
                for c in found
            ),
        )
    page = Paginator(found.prefetch_related("organizations"), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "measures/collection_list.html",
        {"form": form, "page": page, "manages": _manages(request)},
    )


def _form(request: HttpRequest, collection: DataCollection | None) -> CollectionForm:
    ecosystem = current_ecosystem(request)
    initial: dict[str, Any] = {}
    if collection is not None:
        initial = {
            "name": collection.name,
            "indicators": list(collection.indicators.values_list("key", flat=True)),
            "periods": [str(pk) for pk in collection.periods.values_list("pk", flat=True)],
            "organizations": [
                str(pk) for pk in collection.organizations.values_list("pk", flat=True)
            ],
            "due_on": collection.due_on,
            "remind_days_before": collection.remind_days_before,
            "remind_when_overdue": collection.remind_when_overdue,
        }
    return CollectionForm(
        request.POST or None,
        initial=initial,
        indicators=ecosystem.indicators.published().order_by("name", "pk"),
        periods=ecosystem.periods.order_by("-start", "type"),
        organizations=submitting_organizations(request.user, ecosystem).order_by("name"),
    )


def _save(request: HttpRequest, collection: DataCollection | None) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = _form(request, collection)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = services.save_collection(
                ecosystem,
                request.user,
                name=data["name"],
                indicators=data["indicators"],
                periods=[int(pk) for pk in data["periods"]],
                organizations=[int(pk) for pk in data["organizations"]],
                due_on=data["due_on"],
                remind_days_before=data["remind_days_before"],
                remind_when_overdue=data["remind_when_overdue"],
                collection=collection,
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Collection saved."))
            return redirect(saved.get_absolute_url())
    return render(
        request, "measures/collection_form.html", {"form": form, "collection": collection}
    )


@ecosystem_view("measures.manage_collections")
@require_http_methods(["GET", "POST"])
def collection_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    return _save(request, None)


@ecosystem_view("measures.manage_collections")
@require_http_methods(["GET", "POST"])
def collection_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    collection = get_collection(request, pk)
    if not collection.is_open:
        messages.error(request, _("This collection is closed."))
        return redirect(collection.get_absolute_url())
    return _save(request, collection)


@ecosystem_view("measures.manage_collections")
@require_http_methods(["GET", "POST"])
def collection_close(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    collection = get_collection(request, pk)
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            messages.error(request, _("Tick the box to confirm."))
        else:
            try:
                services.close_collection(collection, request.user)
            except DomainError as error:
                messages.error(request, str(error))
            else:
                messages.success(request, _("Collection closed."))
                return redirect(collection.get_absolute_url())
    return render(request, "measures/collection_close.html", {"collection": collection})


def _mine(request: HttpRequest, collection: DataCollection) -> list[Organization]:
    """The collection's partners whose records the person keeps (none for backbone staff
    without a partner role)."""
    ecosystem = current_ecosystem(request)
    return list(
        collection.organizations.filter(
            pk__in=roles.organizations_in(request.user, ecosystem)
        ).order_by("name")
    )


@ecosystem_view("measures.submit_data")
def collection_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    collection = get_collection(request, pk)
    manages = _manages(request)
    grid = services.progress(collection)
    mine = _mine(request, collection)
    if not manages:
        grid.rows = [r for r in grid.rows if r.organization in mine]
        grid.totals = dict.fromkeys(services.STATUS_LABELS, 0)
        for row in grid.rows:
            for cell in row.cells:
                grid.totals[cell.status] += 1
    return render(
        request,
        "measures/collection_detail.html",
        {
            "collection": collection,
            "grid": grid,
            "table": [
                (r.organization, list(zip(grid.columns, r.cells, strict=True))) for r in grid.rows
            ],
            "totals": [(k, label, grid.totals[k]) for k, label in services.STATUS_LABELS.items()],
            "manages": manages,
            "mine": mine,
        },
    )


def _organization(request: HttpRequest, collection: DataCollection) -> Organization:
    """The partner a template or form is for (`?organization=`, else the person's first one),
    one the collection asks and the person may submit for, or 404."""
    ecosystem = current_ecosystem(request)
    allowed = submitting_organizations(request.user, ecosystem).filter(
        pk__in=collection.organizations.values("pk")
    )
    slug = request.GET.get("organization") or request.POST.get("organization")
    organization = get_object_or_404(allowed, slug=slug) if slug else allowed.first()
    if organization is None:
        raise Http404
    if not request.user.has_perm("measures.submit_for_organization", organization):
        raise PermissionDenied
    return organization


@ecosystem_view("measures.submit_data")
def collection_template(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    """The partner's template for this collection: its indicators in its periods."""
    collection = get_collection(request, pk)
    organization = _organization(request, collection)
    fmt = request.GET.get("format") or "csv"
    fmt = fmt if fmt in FORMATS else "csv"
    return table_response(
        f"{collection.ecosystem.slug}-{organization.slug}-collection-{collection.pk}",
        fmt,
        checks.COLUMNS,
        submissions.template_rows(collection.ecosystem, organization, collection),
    )


def _combo_label(parts: dict[str, str], language: str) -> str:
    if not parts:
        return _("Total")
    return "; ".join(
        f"{codes.OPTION_SETS[d].label(language)}: "
        f"{next((c.label(language) for c in codes.OPTION_SETS[d].codes if c.code == code), code)}"
        for d, code in parts.items()
    )


def _current(
    organization: Organization,
    indicator: Indicator,
    period: Period,
    combos: list[tuple[str, dict[str, str]]],
) -> dict[str, str]:
    """The partner's current (approved) numbers, to start from when correcting them."""
    index = {DimensionCombo.key_of(parts): n for n, (_label, parts) in enumerate(combos)}
    initial = {}
    found = Value.objects.filter(
        ecosystem_id=indicator.ecosystem_id,
        indicator=indicator,
        period=period,
        organization=organization,
    ).select_related("combo")
    for value in found:
        n = index.get(value.combo.key)
        if n is None:
            continue
        numbers = (
            {"numerator": value.numerator, "denominator": value.denominator}
            if indicator.is_ratio
            else {"value": value.value}
        )
        for name, number in numbers.items():
            if number is not None:
                initial[f"{name}_{n}"] = format(number.normalize(), "f")
    return initial


def _csv(
    indicator: Indicator, period: Period, filled: list[tuple[dict[str, str], dict[str, Any]]]
) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(checks.COLUMNS)
    for parts, numbers in filled:
        row = {checks.INDICATOR: indicator.key, checks.PERIOD: period.label, **parts}
        row.update(numbers)
        writer.writerow([row.get(column, "") for column in checks.COLUMNS])
    return out.getvalue().encode()


@ecosystem_view("measures.submit_data")
@require_http_methods(["GET", "POST"])
def collection_web_form(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    """A small submission typed in: one indicator x period, one row per combination of codes.
    The numbers become a CSV file checked like an upload (the same rules, the same report),
    kept as a draft the partner then submits from the submission's page."""
    collection = get_collection(request, pk)
    if not collection.is_open:
        messages.error(request, _("This collection is closed."))
        return redirect(collection.get_absolute_url())
    organization = _organization(request, collection)
    source = request.POST if request.method == "POST" else request.GET
    key, _sep, period_id = (source.get("pair") or "").partition("|")
    key = source.get("indicator") or key
    period_id = source.get("period") or period_id
    indicator = collection.indicators.filter(key=key).first()
    period = collection.periods.filter(pk=int(period_id) if period_id.isdigit() else 0).first()
    context: dict[str, Any] = {
        "collection": collection,
        "organization": organization,
        "choices": [
            (i, p)
            for i in collection.indicators.order_by("name", "pk")
            for p in collection.periods.order_by("start", "pk")
            if p.type == i.period_type
        ],
    }
    if indicator is None or period is None or period.type != indicator.period_type:
        return render(request, "measures/collection_web_form.html", context)
    language = get_language() or "en"
    combos = [
        (_combo_label(parts, language), parts)
        for parts in submissions.breakdown_rows(
            indicator,
            submissions.record_codes(collection.ecosystem, organization)
            if set(indicator.dimensions) & codes.DYNAMIC
            else None,
        )
    ]
    form = WebValuesForm(
        request.POST or None,
        initial=_current(organization, indicator, period, combos),
        combos=combos,
        ratio=indicator.is_ratio,
    )
    if request.method == "POST" and form.is_valid():
        filled = form.filled()
        if not filled:
            form.add_error(None, _("Enter at least one number."))
        else:
            upload = ContentFile(
                _csv(indicator, period, filled), name=f"web-form-{indicator.key}.csv"
            )
            try:
                run = submissions.check_submission_file(
                    organization, upload, user=request.user, collection=collection
                )
            except DomainError as error:
                form.add_error(None, str(error))
            else:
                return redirect(run.get_absolute_url())
    context.update({"indicator": indicator, "period": period, "form": form})
    return render(request, "measures/collection_web_form.html", context)


urlpatterns = [
    path("collections/", collection_list, name="collections"),
    path("collections/new/", collection_create, name="collection_create"),
    path("collections/<int:pk>/", collection_detail, name="collection"),
    path("collections/<int:pk>/edit/", collection_edit, name="collection_edit"),
    path("collections/<int:pk>/close/", collection_close, name="collection_close"),
    path("collections/<int:pk>/template/", collection_template, name="collection_template"),
    path("collections/<int:pk>/form/", collection_web_form, name="collection_form"),
]
