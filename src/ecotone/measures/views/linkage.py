"""The data steward's page at `linkage/` (issue 17 item 5): backbone staff
(`measures.manage_linkage`) see the linkage secret's epochs with how many rosters and rows each
holds (counts only), set up the secret or rotate it at `linkage/secret/`, and set how long
rosters are kept.

The secret is generated in the steward's browser (static/ecotone/linkage-secret.js) and shown
there once; only its check value, computed there too, is posted, with the school year it starts
from, to `services.epochs.start_epoch`. The server never sees the secret (docs/privacy.md).
"""

from __future__ import annotations

import datetime

from django.contrib import messages
from django.db.models import Max
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from ..forms import LinkageSecretForm, RosterRetentionForm
from ..models import LinkageEpoch, Roster
from ..services import epochs, retention
from ..services.facts import school_year_label

YEARS_BACK = 5  # a first secret may start this many school years back (rosters of past years)
YEARS_AHEAD = 3


def _page_url(ecosystem: Ecosystem) -> str:
    return reverse("measures:linkage", args=[ecosystem.slug])


def current_school_year(today: datetime.date) -> int:
    """The year the school year of `today` starts in (school years start on 1 July)."""
    return today.year if today.month >= 7 else today.year - 1


def _epochs(ecosystem: Ecosystem) -> list[LinkageEpoch]:
    """`epochs.epochs_with_counts`, each with `years` as the page writes them."""
    listed = epochs.epochs_with_counts(ecosystem)
    for epoch in listed:
        last = epoch.last_year  # type: ignore[attr-defined]
        first = school_year_label(epoch.first_year)
        epoch.years = first if last is None else f"{first} – {school_year_label(last)}"  # type: ignore[attr-defined]
    return listed


@ecosystem_view("measures.manage_linkage")
@require_http_methods(["GET", "POST"])
def linkage_page(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """The epochs, the secret's actions and the retention form (posted here)."""
    ecosystem = current_ecosystem(request)
    listed = _epochs(ecosystem)
    if request.GET.get("format") in FORMATS:
        return table_response(
            f"{ecosystem.slug}-linkage-epochs",
            request.GET["format"],
            [
                _("Epoch"),
                _("First school year"),
                _("Last school year"),
                _("Created by"),
                _("Created on"),
                _("Rosters"),
                _("Rows"),
            ],
            (
                (
                    e.number,
                    school_year_label(e.first_year),
                    school_year_label(e.last_year) if e.last_year is not None else "",  # type: ignore[attr-defined]
                    str(e.created_by or ""),
                    e.created_at.isoformat(timespec="seconds"),
                    e.roster_count,  # type: ignore[attr-defined]
                    e.row_count,  # type: ignore[attr-defined]
                )
                for e in listed
            ),
        )
    form = RosterRetentionForm(
        request.POST or None,
        initial={"roster_retention_years": ecosystem.roster_retention_years},
    )
    if request.method == "POST" and form.is_valid():
        try:
            retention.set_retention_years(
                ecosystem, request.user, form.cleaned_data["roster_retention_years"]
            )
        except DomainError as error:
            form.add_error("roster_retention_years", str(error))
        else:
            messages.success(request, _("Retention saved."))
            return redirect(_page_url(ecosystem))
    return render(
        request,
        "measures/linkage/page.html",
        {
            "epochs": listed,
            "form": form,
            "retention": retention.retention_summary(ecosystem, timezone.localdate()),
            "can_view_audit_log": request.user.has_perm("ecosystems.view_audit_log", ecosystem),
        },
    )


def _year_choices(today: datetime.date, latest: LinkageEpoch | None) -> list[tuple[int, str]]:
    current = current_school_year(today)
    low = latest.first_year + 1 if latest is not None else current - YEARS_BACK
    high = max(current, low) + YEARS_AHEAD
    return [(year, school_year_label(year)) for year in range(low, high + 1)]


def _suggested_year(ecosystem: Ecosystem, today: datetime.date, latest: LinkageEpoch | None) -> int:
    """This school year, or for a rotation the first the current secret has no roster of."""
    year = current_school_year(today)
    if latest is None:
        return year
    last = Roster.objects.filter(epoch=latest).aggregate(last=Max("period__start"))["last"]
    return max(year, latest.first_year + 1, last.year + 1 if last is not None else year)


@ecosystem_view("measures.manage_linkage")
@require_http_methods(["GET", "POST"])
def linkage_secret(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """Set up the first secret, or rotate it (after confirming): the browser generates the
    secret and posts only its check value."""
    ecosystem = current_ecosystem(request)
    today = timezone.localdate()
    latest = LinkageEpoch.objects.filter(ecosystem=ecosystem).order_by("-first_year").first()
    form = LinkageSecretForm(
        request.POST or None,
        years=_year_choices(today, latest),
        rotating=latest is not None,
        initial={"first_year": _suggested_year(ecosystem, today, latest)},
    )
    if request.method == "POST" and form.is_valid():
        try:
            epoch = epochs.start_epoch(
                request.user,
                ecosystem,
                first_year=form.cleaned_data["first_year"],
                check_value=form.cleaned_data["check_value"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _(
                    "The linkage secret of epoch %(number)s is set up from %(year)s. Give it to"
                    " the partners who submit rosters, out of band."
                )
                % {"number": epoch.number, "year": school_year_label(epoch.first_year)},
            )
            return redirect(_page_url(ecosystem))
    current = _epochs(ecosystem)[0] if latest is not None else None
    return render(
        request,
        "measures/linkage/secret.html",
        {"form": form, "current": current, "rotating": latest is not None},
    )


urlpatterns = [
    path("linkage/", linkage_page, name="linkage"),
    path("linkage/secret/", linkage_secret, name="linkage_secret"),
]
