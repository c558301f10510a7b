"""Participation roster pages at `rosters/` (issue 17, docs/reach.md "Submitting a roster").

Partner staff (`measures.submit_rosters`) open "Submit a participation roster": the page reads
their file in the browser, encodes each young person under the linkage secret they type
(`static/ecotone/roster-page.js` over `roster-encoder.js`), reads each dimension value into a
common code there (`roster-codes.js`, with the tables of `crosswalk.code_tables`: a value that
is no accepted spelling is refused before anything is sent), shows what will be sent and POSTs
only the encoding and the common codes to the API (`api.RosterViewSet.create`), which calls
`services.rosters.submit_roster`. No name, birth date or school reaches this server, so this
module never sees one. The list and a roster's page show metadata and code counts through
suppression, never a hash; withdrawing asks for confirmation first. Records come through
`access.get_roster`: another organization's roster is a 404 to partner staff.
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
from django.urls import path, reverse
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems import roles
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Organization
from ecotone.exports import FORMATS, table_response

from .. import codes, linkage
from ..access import get_roster, roster_programs, rosters_of
from ..forms import RosterFilterForm
from ..services import rosters as services
from ..services.crosswalk import code_tables

PAGE_SIZE = 50

# The identifying columns the browser reads (and never sends), then the dimensions it sends.
IDENTITY_COLUMNS = (
    ("given_name", gettext_lazy("Given name"), True),
    ("family_name", gettext_lazy("Family name"), True),
    ("birth_date", gettext_lazy("Birth date"), True),
    ("school", gettext_lazy("School"), False),
)
# Header names the page recognises, in English and Spanish, as the page's script compares
# them: lower case, without accents, every run of other characters one space. The option
# sets' own names (in both languages) are added for the dimensions.
HEADER_NAMES: dict[str, tuple[str, ...]] = {
    "given_name": (
        "given name", "given names", "first name", "first names", "firstname", "first",
        "forename", "nombre", "nombres", "nombre de pila", "primer nombre", "given",
    ),
    "family_name": (
        "family name", "last name", "lastname", "surname", "last", "family", "apellido",
        "apellidos", "primer apellido",
    ),
    "birth_date": (
        "birth date", "date of birth", "birthdate", "dob", "birthday", "born",
        "fecha de nacimiento", "fecha nacimiento", "nacimiento", "f nacimiento", "cumpleanos",
    ),
    "school": ("school", "school name", "escuela", "colegio", "nombre de la escuela", "centro"),
    "sex": ("sex", "gender", "sexo", "genero"),
    "race": ("race", "ethnicity", "race ethnicity", "raza", "etnia", "raza etnia", "origen etnico"),
    "grade": ("grade", "grade level", "grado", "curso", "nivel", "nivel de grado"),
    "economic_disadvantage": (
        "economic disadvantage", "economically disadvantaged", "low income", "frl",
        "desventaja economica", "bajos ingresos",
    ),
    "english_learner": (
        "english learner", "english learners", "ell", "el", "esl", "aprendiz de ingles",
        "estudiante de ingles",
    ),
    "disability": ("disability", "iep", "special education", "discapacidad", "educacion especial"),
}  # fmt: skip
# The encoder's reasons (roster-encoder.js, linkage.EncodingError), as the page says them.
REASONS = {
    "empty": gettext_lazy("is empty"),
    "no_letters": gettext_lazy("has no letters"),
    "not_a_date": gettext_lazy("is not a date: write it as YYYY-MM-DD or M/D/YYYY"),
    "out_of_range": gettext_lazy("is not a birth date between 1900 and 2099"),
    "not_a_code": gettext_lazy(
        "is not a code this page knows: write the common code, the EDFacts or OneRoster value,"
        " or ask your backbone to add your code to the crosswalk"
    ),
    "not_a_secret": gettext_lazy(
        "is not a linkage secret: 32 letters and digits, as your data steward gave it"
    ),
}


def _columns() -> list[dict[str, Any]]:
    language = get_language() or "en"
    found = [
        {"key": key, "label": str(label), "required": required, "names": HEADER_NAMES[key]}
        for key, label, required in IDENTITY_COLUMNS
    ]
    for dimension in services.ROSTER_DIMENSIONS:
        option_set = codes.option_set(dimension)
        names = {*HEADER_NAMES[dimension], dimension.replace("_", " ")}
        names |= {option_set.en, option_set.es}
        found.append(
            {
                "key": dimension,
                "label": option_set.label(language),
                "required": False,
                "names": sorted(names),
                "dimension": True,
            }
        )
    return found


def _texts() -> dict[str, str]:
    """Every sentence the page's script writes, in the person's language."""
    return {
        "chooseProgram": _("Choose the program."),
        "choosePeriod": _("Choose the school year."),
        "noEpoch": _(
            "The ecosystem has no linkage secret for this school year yet: ask your data steward."
        ),
        "wrongSecret": _(
            "This is not the ecosystem's linkage secret for this school year: check it with your"
            " data steward. Nothing was encoded."
        ),
        "chooseFile": _("Choose a CSV or XLSX file."),
        "unreadable": _("The file could not be read as CSV or XLSX: %(reason)s"),
        "notCsvOrXlsx": _("Choose a file ending in .csv or .xlsx."),
        "noRows": _("The file has no rows under its header."),
        "missingColumn": _("Choose the file's column for “%(column)s”."),
        "sameColumn": _("The file's column “%(header)s” is chosen twice."),
        "notMapped": _("(not in the file)"),
        "read": _("Rows read: %(rows)s. Check which column is which, then encode them."),
        "encoding": _("Encoding: %(done)s of %(rows)s rows…"),
        "encoded": _("Rows encoded: %(rows)s. Nothing has been sent yet."),
        "refused": _(
            "Rows that cannot be encoded: %(count)s. Correct them in your file and choose it"
            " again; nothing has been sent."
        ),
        "sending": _("Sending…"),
        "serverRefused": _("The server did not save the roster: correct these rows and try again."),
        "failed": _("The roster could not be sent: %(reason)s"),
        "offline": _("The server could not be reached. Nothing was saved; try again."),
        "tooMany": _("A roster has at most %(most)s rows; this file has %(rows)s."),
    }


@ecosystem_view("measures.view_rosters")
def roster_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    """The rosters the person may see (metadata only), with filters, CSV/XLSX and pages."""
    ecosystem = current_ecosystem(request)
    found = rosters_of(request.user, ecosystem)
    organizations = Organization.objects.filter(ecosystem=ecosystem)
    if not request.user.has_perm("measures.manage_linkage", ecosystem):
        organizations = organizations.filter(pk__in=roles.organizations_in(request.user, ecosystem))
    form = RosterFilterForm(
        request.GET,
        periods=services.roster_periods(ecosystem),
        organizations=organizations.order_by("name"),
    )
    data = form.cleaned_data if form.is_valid() else {}
    if q := data.get("q"):
        found = found.filter(Q(program__name__icontains=q) | Q(organization__name__icontains=q))
    if period := data.get("period"):
        found = found.filter(period=period)
    if organization := data.get("organization"):
        found = found.filter(organization=organization)
    found = found.order_by(data.get("sort") or "-period__start", "organization__name", "pk")
    if request.GET.get("format") in FORMATS:
        return table_response(
            f"{ecosystem.slug}-rosters",
            request.GET["format"],
            [_("Partner"), _("Program"), _("Period"), _("Rows"), _("Submitted by"), _("Submitted")],
            (
                (
                    r.organization.name,
                    r.program.name,
                    r.period.label,
                    r.row_count,
                    r.submitted_by.name if r.submitted_by else "",
                    r.created_at.isoformat(),
                )
                for r in found.iterator()
            ),
        )
    return render(
        request,
        "measures/rosters/list.html",
        {
            "form": form,
            "page": Paginator(found, PAGE_SIZE).get_page(request.GET.get("page")),
            "submits": request.user.has_perm("measures.submit_rosters", ecosystem),
        },
    )


@ecosystem_view("measures.submit_rosters")
def roster_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    """Submit a participation roster: the form is the page's script's (nothing is posted here)."""
    ecosystem = current_ecosystem(request)
    programs = list(roster_programs(request.user, ecosystem))
    periods = list(services.roster_periods(ecosystem))
    check_values = {}
    for period in periods:
        epoch = services.epoch_of(ecosystem, period)
        check_values[str(period.pk)] = epoch.check_value if epoch else None
    config = {
        "api": reverse("api:measure-roster-list", args=[ecosystem.slug]),
        "rosterUrl": reverse("measures:roster", args=[ecosystem.slug, 0]),
        "checkValues": check_values,
        "columns": _columns(),
        # what the crosswalk reads, per organization of the programs offered (roster-codes.js)
        "codeTables": code_tables(
            ecosystem,
            {p.organization.pk: p.organization for p in programs}.values(),
            services.ROSTER_DIMENSIONS,
        ),
        "schema": linkage.schema_json(),
        "nicknames": linkage.nicknames(),
        "maxRows": services.MAX_ROWS,
        "reasons": {key: str(text) for key, text in REASONS.items()},
        "fields": {
            **{key: str(label) for key, label, _required in IDENTITY_COLUMNS},
            "secret": _("linkage secret"),
            "exact": _("exact hash"),
            "clk": "CLK",
            "block": _("blocking key"),
            "codes": _("codes"),
            "row": _("row"),
            **{
                d: codes.option_set(d).label(get_language() or "en")
                for d in services.ROSTER_DIMENSIONS
            },
        },
        "texts": _texts(),
    }
    return render(
        request,
        "measures/rosters/form.html",
        {
            "programs": programs,
            "periods": periods,
            "has_epoch": any(check_values.values()),
            "config": config,
            "preview_rows": 10,
        },
    )


@ecosystem_view("measures.view_rosters")
def roster_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    roster = get_roster(request, pk)
    language = get_language() or "en"
    summary = [
        {
            "label": codes.option_set(dimension).label(language),
            "cells": [
                (codes.label(dimension, code, language), count)
                for code, count in sorted(published.cells.items())
            ],
        }
        for dimension, published in services.code_summary(roster).items()
    ]
    return render(
        request,
        "measures/rosters/detail.html",
        {
            "roster": roster,
            "summary": summary,
            "threshold": roster.ecosystem.suppression_threshold,
            "can_withdraw": request.user.has_perm(
                "measures.submit_roster_for_organization", roster
            ),
        },
    )


@ecosystem_view("measures.submit_rosters")
@require_http_methods(["GET", "POST"])
def roster_withdraw(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    """Withdraw a roster, after confirming: its rows are deleted (the audit log keeps that it
    was)."""
    roster = get_roster(request, pk)
    if not request.user.has_perm("measures.submit_roster_for_organization", roster):
        raise PermissionDenied
    if request.method == "POST":
        services.withdraw_roster(roster, request.user)
        messages.success(
            request,
            _("The roster of %(program)s for %(period)s was withdrawn.")
            % {"program": roster.program.name, "period": roster.period.label},
        )
        return redirect(reverse("measures:rosters", args=[current_ecosystem(request).slug]))
    return render(request, "measures/rosters/withdraw.html", {"roster": roster})


urlpatterns = [
    path("rosters/", roster_list, name="rosters"),
    path("rosters/new/", roster_create, name="roster_create"),
    path("rosters/<int:pk>/", roster_detail, name="roster"),
    path("rosters/<int:pk>/withdraw/", roster_withdraw, name="roster_withdraw"),
]
