"""Assessment pages at `assessments/`: the list of the assessments a person sees, starting one,
the detail with the agreement between raters, a person's own ratings (one rubric section at a
time, saved attribute by attribute as they go), the consensus with its evidence files, and
completing it. Every change goes through `services.assessments`; records are fetched through
`access` (404 when the person may not see them); a refusal is shown beside what it refuses.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext as translate
from django.views.decorators.http import require_GET, require_http_methods

from ecotone.directory.models import Program
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import rubrics
from ..access import assessments_of, get_assessment
from ..forms import AssessmentFilterForm, ConsensusForm, EvidenceForm, StartAssessmentForm
from ..models import Assessment, AssessmentStatus, Rubric, RubricVersion, VersionStatus
from ..services import assessments as services

PAGE_SIZE = 25
VIEW = "quality.view_assessments"
SORTS = {
    "-created_at": ["-created_at", "-pk"],
    "created_at": ["created_at", "pk"],
    "organization": ["organization__name", "title", "pk"],
    "title": ["title", "pk"],
    "status": ["status", "-created_at", "pk"],
}


def _detail_url(assessment: Assessment) -> str:
    return reverse("quality:assessment", args=[assessment.ecosystem.slug, assessment.pk])


def _startable(user: Any, ecosystem: Ecosystem) -> QuerySet[Organization]:
    """The organizations the person may start an assessment of (the rule, per organization)."""
    found = ecosystem.organizations.filter(archived_at__isnull=True).order_by("name", "pk")
    allowed = [o.pk for o in found if user.has_perm("quality.start_assessment", o)]
    return found.filter(pk__in=allowed)


def _latest_versions(ecosystem: Ecosystem) -> QuerySet[RubricVersion]:
    """The latest published version of each of the ecosystem's rubrics not archived."""
    latest = RubricVersion.objects.filter(
        rubric=OuterRef("rubric"), status=VersionStatus.PUBLISHED
    ).order_by("-number")
    return (
        RubricVersion.objects.filter(
            rubric__ecosystem=ecosystem,
            rubric__archived_at__isnull=True,
            status=VersionStatus.PUBLISHED,
            pk=Subquery(latest.values("pk")[:1]),
        )
        .select_related("rubric")
        .order_by("rubric__title", "pk")
    )


@ecosystem_view(VIEW)
def assessment_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    rubric_choices = list(
        Rubric.objects.filter(ecosystem=ecosystem).order_by("title").values_list("key", "title")
    )
    form = AssessmentFilterForm(request.GET, rubrics=rubric_choices)
    data = form.cleaned_data if form.is_valid() else {}
    found = assessments_of(request.user, ecosystem)
    if q := data.get("q"):
        found = found.filter(
            Q(title__icontains=q)
            | Q(organization__name__icontains=q)
            | Q(program__name__icontains=q)
        )
    if status := data.get("status"):
        found = found.filter(status=status)
    if rubric := data.get("rubric"):
        found = found.filter(version__rubric__key=rubric)
    found = found.annotate(
        rater_count=Count("ratings__rater", distinct=True),
        agreed_count=Count("consensus", distinct=True),
    ).order_by(*SORTS.get(data.get("sort") or "", SORTS["-created_at"]))
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return _export(ecosystem.slug, fmt, found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    filtered = any(data.get(k) for k in ("q", "status", "rubric"))
    return render(
        request,
        "quality/assessments/list.html",
        {
            "form": form,
            "page": page,
            "filtered": filtered,
            "can_start": _startable(request.user, ecosystem).exists(),
        },
    )


def _export(slug: str, fmt: str, found: QuerySet[Assessment]) -> HttpResponseBase:
    return table_response(
        f"{slug}-assessments",
        fmt,
        [
            _("Title"),
            _("Organization"),
            _("Program"),
            _("Rubric"),
            _("Version"),
            _("Status"),
            _("Started"),
            _("Completed"),
            _("Raters"),
            _("Attributes agreed"),
        ],
        (
            (
                a.title,
                a.organization.name,
                a.program.name if a.program else "",
                a.version.rubric.title,
                a.version.number,
                a.get_status_display(),
                a.created_at.date().isoformat(),
                a.completed_at.date().isoformat() if a.completed_at else "",
                a.rater_count,  # type: ignore[attr-defined]
                a.agreed_count,  # type: ignore[attr-defined]
            )
            for a in found.iterator(chunk_size=500)
        ),
    )


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def start_assessment(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    organizations = _startable(request.user, ecosystem)
    if not organizations.exists():
        raise PermissionDenied
    programs = (
        Program.objects.filter(
            ecosystem=ecosystem, organization__in=organizations, archived_at__isnull=True
        )
        .select_related("organization")
        .order_by("organization__name", "name", "pk")
    )
    versions = _latest_versions(ecosystem)
    form = StartAssessmentForm(
        request.POST or None, organizations=organizations, programs=programs, versions=versions
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = services.start_assessment(
                request.user,
                data["organization"],
                data["version"],
                program=data["program"],
                title=data["title"],
            )
        except DomainError as error:
            form.add_error("program" if data["program"] else None, str(error))
        else:
            messages.success(
                request,
                _("The assessment is started: rate each attribute, and ask your colleagues to."),
            )
            return redirect("quality:rate", ecosystem.slug, assessment.pk)
    return render(
        request,
        "quality/assessments/start.html",
        {
            "form": form,
            "organization": organizations.first() if organizations.count() == 1 else None,
            "no_rubric": not versions.exists(),
        },
    )


@ecosystem_view(VIEW)
def assessment_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    summary = services.summary(assessment)
    alpha = summary.agreement.alpha
    only_differing = bool(request.GET.get("differ"))
    shown = summary.differing if only_differing else summary.attributes
    return render(
        request,
        "quality/assessments/detail.html",
        {
            "assessment": assessment,
            "summary": summary,
            "alpha": alpha if isinstance(alpha, float) else None,
            # a msgid held in a variable (marked in `ratings`): not for makemessages
            "alpha_reason": translate(alpha.reason) if not isinstance(alpha, float) else "",
            "percent": summary.agreement.percent_agreement,
            "sections": _by_section(shown),
            "only_differing": only_differing,
            "can_rate": request.user.has_perm("quality.rate_assessment", assessment),
            "can_agree": request.user.has_perm("quality.agree_consensus", assessment),
            "complete": assessment.status == AssessmentStatus.COMPLETE,
        },
    )


def _by_section(rows: Any) -> list[dict[str, Any]]:
    sections: list[dict[str, Any]] = []
    for row in rows:
        if not sections or sections[-1]["section"] is not row.section:
            sections.append({"section": row.section, "rows": []})
        sections[-1]["rows"].append(row)
    return sections


def _section(rubric: rubrics.Rubric, asked: str | None) -> rubrics.Section:
    for section in rubric.sections:
        if section.key == asked:
            return section
    return rubric.sections[0]


def _tabs(rubric: rubrics.Rubric, current: rubrics.Section, url: str) -> list[dict[str, Any]]:
    return [
        {"section": s, "url": f"{url}?section={s.key}", "current": s.key == current.key}
        for s in rubric.sections
    ]


def _wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    if not request.user.has_perm("quality.rate_assessment", assessment):
        raise PermissionDenied
    rubric = services.content(assessment.version)
    url = reverse("quality:rate", args=[ecosystem_slug, assessment.pk])
    section = _section(rubric, request.POST.get("section") or request.GET.get("section"))
    keys = [a.key for a in section.attributes]
    errors: dict[str, str] = {}
    posted: dict[str, dict[str, str]] = {}
    if request.method == "POST":
        # one attribute as the person changes it (the script), else the whole section
        only = request.POST.get("attribute")
        if only and only not in keys and not _wants_json(request):
            raise Http404  # the page posts its own section's attributes only
        for key in [only] if only else keys:
            stage = request.POST.get(f"stage-{key}", "")
            note = request.POST.get(f"note-{key}", "")
            posted[key] = {"stage": stage, "note": note}
            try:
                services.save_rating(request.user, assessment, key, stage, note=note)
            except DomainError as error:
                errors[key] = str(error)
        if _wants_json(request):
            if errors:
                return JsonResponse({"error": next(iter(errors.values()))}, status=400)
            return JsonResponse({"saved": True, "message": _("Saved")})
        if not errors:
            messages.success(
                request, _("Your ratings of “%(section)s” are saved.") % {"section": section.title}
            )
            asked = request.POST.get("next")
            target = _section(rubric, asked) if asked else section
            return redirect(f"{url}?section={target.key}")
    rater = request.user.pk
    mine = {r.attribute: r for r in assessment.ratings.filter(rater=rater, attribute__in=keys)}
    rated = set(
        assessment.ratings.filter(rater=rater).exclude(stage="").values_list("attribute", flat=True)
    )
    attributes = []
    for attribute in section.attributes:
        saved = mine.get(attribute.key)
        value = posted.get(attribute.key) or {
            "stage": saved.stage if saved else "",
            "note": saved.note if saved else "",
        }
        attributes.append(
            {
                "attribute": attribute,
                "stage": value["stage"],
                "note": value["note"],
                "error": errors.get(attribute.key, ""),
                "stages": [
                    {"stage": s, "descriptor": attribute.descriptors.get(s.key, "")}
                    for s in rubric.stages
                ],
            }
        )
    position = [s.key for s in rubric.sections].index(section.key)
    following = rubric.sections[position + 1] if position + 1 < len(rubric.sections) else None
    return render(
        request,
        "quality/assessments/rate.html",
        {
            "assessment": assessment,
            "rubric": rubric,
            "section": section,
            "tabs": _tabs(rubric, section, url),
            "attributes": attributes,
            "following": following,
            "rated": len(rated & {a.key for a in rubric.attributes()}),
            "total": len(rubric.attributes()),
            "complete": assessment.status == AssessmentStatus.COMPLETE,
            "has_errors": bool(errors),
        },
        status=400 if errors else 200,
    )


def _links(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def consensus(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    if not request.user.has_perm("quality.agree_consensus", assessment):
        raise PermissionDenied
    rubric = services.content(assessment.version)
    url = reverse("quality:consensus", args=[ecosystem_slug, assessment.pk])
    section = _section(rubric, request.POST.get("section") or request.GET.get("section"))
    stage_choices = [(s.key, s.name) for s in rubric.stages]
    bound: dict[str, ConsensusForm] = {}
    uploads: dict[str, EvidenceForm] = {}
    errors: dict[str, str] = {}
    if request.method == "POST":
        attribute = request.POST.get("attribute", "")
        action = request.POST.get("action", "save")
        if action != "remove" and attribute not in {a.key for a in section.attributes}:
            raise Http404  # each form posts an attribute of the section it is on
        done = ""
        if action == "upload":
            form = EvidenceForm(request.POST, request.FILES, prefix=f"file-{attribute}")
            uploads[attribute] = form
            if form.is_valid():
                try:
                    services.add_evidence(
                        request.user, assessment, attribute, form.cleaned_data["file"]
                    )
                except DomainError as error:
                    form.add_error("file", str(error))
                else:
                    done = _("The file is added.")
        elif action == "remove":
            asked = request.POST.get("evidence", "")
            if not asked.isdigit():
                raise Http404
            evidence = get_object_or_404(assessment.evidence, pk=int(asked))
            attribute = evidence.attribute
            try:
                services.remove_evidence(request.user, evidence)
            except DomainError as error:
                errors[attribute] = str(error)
            else:
                done = _("The file is removed.")
        else:
            consensus_form = ConsensusForm(request.POST, prefix=attribute, stages=stage_choices)
            bound[attribute] = consensus_form
            if consensus_form.is_valid():
                data = consensus_form.cleaned_data
                try:
                    services.save_consensus(
                        request.user,
                        assessment,
                        attribute,
                        data["stage"],
                        note=data["note"],
                        evidence=data["evidence"],
                        links=_links(data["links"]),
                    )
                except DomainError as error:
                    consensus_form.add_error(None, str(error))
                else:
                    done = _("The consensus is saved.")
        if done:
            messages.success(request, done)
            return redirect(f"{url}?section={section.key}#attribute-{attribute}")
    summary = services.summary(assessment)
    rows = []
    for row in summary.attributes:
        if row.section.key != section.key:
            continue
        key = row.attribute.key
        agreed = row.consensus
        initial = {
            "stage": agreed.stage if agreed else (row.suggested.key if row.suggested else None),
            "note": agreed.note if agreed else "",
            "evidence": agreed.evidence if agreed else "",
            "links": "\n".join(agreed.links) if agreed else "",
        }
        rows.append(
            {
                "row": row,
                "form": bound.get(key)
                or ConsensusForm(prefix=key, stages=stage_choices, initial=initial),
                "upload": uploads.get(key) or EvidenceForm(prefix=f"file-{key}"),
                "error": errors.get(key, ""),
            }
        )
    invalid = bool(errors) or any(f.errors for f in [*bound.values(), *uploads.values()])
    return render(
        request,
        "quality/assessments/consensus.html",
        {
            "assessment": assessment,
            "summary": summary,
            "section": section,
            "tabs": _tabs(rubric, section, url),
            "rows": rows,
            "complete": assessment.status == AssessmentStatus.COMPLETE,
        },
        status=400 if invalid else 200,
    )


@ecosystem_view(VIEW)
@require_GET
def evidence_file(
    request: HttpRequest, ecosystem_slug: str, pk: int, evidence_pk: int
) -> FileResponse:
    assessment = get_assessment(request, pk)
    evidence = get_object_or_404(assessment.evidence, pk=evidence_pk)
    try:
        stream = evidence.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        stream, as_attachment=True, filename=evidence.name, content_type=evidence.content_type
    )
    # never rendered by the browser, whatever the file claims to be
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@ecosystem_view(VIEW)
@require_http_methods(["GET", "POST"])
def complete_assessment(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    assessment = get_assessment(request, pk)
    if not request.user.has_perm("quality.agree_consensus", assessment):
        raise PermissionDenied
    error = ""
    if request.method == "POST":
        try:
            services.complete_assessment(request.user, assessment)
        except DomainError as refused:
            error = str(refused)
        else:
            messages.success(request, _("The assessment is complete."))
            return redirect(_detail_url(assessment))
    summary = services.summary(assessment)
    return render(
        request,
        "quality/assessments/complete.html",
        {"assessment": assessment, "summary": summary, "error": error},
        status=400 if error else 200,
    )


urlpatterns = [
    path("assessments/", assessment_list, name="assessments"),
    path("assessments/start/", start_assessment, name="start_assessment"),
    path("assessments/<int:pk>/", assessment_detail, name="assessment"),
    path("assessments/<int:pk>/rate/", rate, name="rate"),
    path("assessments/<int:pk>/consensus/", consensus, name="consensus"),
    path("assessments/<int:pk>/evidence/<int:evidence_pk>/", evidence_file, name="evidence_file"),
    path("assessments/<int:pk>/complete/", complete_assessment, name="complete_assessment"),
]
