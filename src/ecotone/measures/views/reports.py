"""The one-page printable report at `report/` (all partners) and `report/<partner>/`.

Who reads what follows the dashboards: anyone, the public included, the ecosystem's report
(published indicators only); one partner's report is the backbone's and that partner's staff's
(`dashboards.partners_seen`), a 404 to anyone else. Its figures are the dashboards' own
(`services.reports`)."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Organization
from ecotone.templatetags.ecotone import rounded

from ..forms import ReportPeriodForm
from ..models import Unit
from ..services import dashboards, reports
from .dashboards import _metric


def _change(headline: reports.Headline) -> str:
    change = headline.change
    if headline.previous is None:
        return _("no earlier period")
    if change is None:
        return "—"
    indicator = headline.indicator
    sign = "+" if change > 0 else ("-" if change < 0 else "±")
    size = abs(change)
    if indicator.unit == Unit.PERCENT:
        return _("%(sign)s%(size)s points") % {"sign": sign, "size": rounded(size, 1)}
    if indicator.is_ratio:
        return f"{sign}{rounded(size, 2)}"
    return f"{sign}{number_format(int(size), force_grouping=True)}"


def _gap(gap: reports.Gap | None) -> str:
    if gap is None:
        return ""
    group = _("%(group)s (%(dimension)s)") % {
        "group": dashboards.label(gap.dimension, gap.code),
        "dimension": dashboards.dimension_label(gap.dimension).lower(),
    }
    if gap.kind == "gap":
        return _("%(group)s: %(value)s points from everyone's rate") % {
            "group": group,
            "value": _metric(gap.metric, points=True),
        }
    return _("%(group)s: represented %(value)s times its share enrolled (1 is parity)") % {
        "group": group,
        "value": _metric(gap.metric),
    }


def _marks(marks: set[str], threshold: int) -> list[tuple[str, str]]:
    """Each mark the report's figures carry, as the page writes it and what it means."""
    meaning = {
        "small": _("from 1 to %(n)s young people: not shown.") % {"n": threshold - 1},
        "complement": _("shown beside its total, it would tell how few are left out of a group."),
        "protects": _("hidden so that a hidden figure cannot be worked out from the others."),
        "derived": _("a percentage or a mean computed from a hidden count."),
    }
    return [
        (dashboards.mark_text(dashboards.Figure(None, None, mark=mark), threshold), meaning[mark])
        for mark in ("small", "complement", "protects", "derived")
        if mark in marks
    ]


def _page(request: HttpRequest, organization: Organization | None) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    asked = request.GET.get("period", "")
    report = reports.build(
        ecosystem, organization=organization, period_id=int(asked) if asked.isdigit() else None
    )
    form = ReportPeriodForm(
        initial={"period": report.period.pk if report.period else None}, periods=report.periods
    )
    threshold = report.threshold
    rows: list[dict[str, Any]] = []
    for headline in report.headlines:
        indicator = headline.indicator
        previous = headline.previous
        rows.append(
            {
                "indicator": indicator,
                "board": headline.board,
                "shown": dashboards.shown(indicator, headline.board.current.total, threshold),
                "previous_label": previous.period.label if previous else "",
                "previous": dashboards.shown(indicator, previous.total, threshold)
                if previous
                else "",
                "change": _change(headline),
                "gap": _gap(headline.gap),
            }
        )
    return render(
        request,
        "measures/report.html",
        {
            "report": report,
            "rows": rows,
            "form": form,
            "organization": organization,
            "threshold": threshold,
            "marks": _marks(report.marks, threshold),
        },
    )


@ecosystem_view("measures.view_dashboards", public=True)
def ecosystem_report(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    return _page(request, None)


@ecosystem_view("measures.view_dashboards", public=True)
def partner_report(
    request: HttpRequest, ecosystem_slug: str, organization_slug: str
) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    organization = (
        dashboards.partners_seen(request.user, ecosystem).filter(slug=organization_slug).first()
    )
    if organization is None:
        raise Http404
    return _page(request, organization)


urlpatterns = [
    path("report/", ecosystem_report, name="report"),
    path("report/<slug:organization_slug>/", partner_report, name="partner_report"),
]
