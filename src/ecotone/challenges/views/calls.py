"""Call pages: the public list of calls and a call's page (everyone once it is open), and the
backbone's pages that write a call, its criteria, eligibility questions, form questions and
rounds, open or close it, and list its applications (search, filters, sort, CSV/XLSX).
Every change goes through `services.calls`; records are fetched through `access` (404 when
the person may not see them); a refusal is shown beside what it refuses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import access
from ..forms.calls import (
    ApplicationFilterForm,
    CallFilterForm,
    CallForm,
    CriterionForm,
    EligibilityForm,
    QuestionForm,
    RoundForm,
)
from ..models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    ReviewStatus,
    Round,
    RoundStatus,
)
from ..services import calls as services

PAGE_SIZE = 25
VIEW = "challenges.view_calls"
MANAGE = "challenges.manage_calls"
CALL_SORTS = {
    "deadline": ["deadline", "pk"],
    "-deadline": ["-deadline", "pk"],
    "title": ["title", "pk"],
}
APPLICATION_SORTS = {
    "-submitted_at": ["-submitted_at", "-pk"],
    "submitted_at": ["submitted_at", "pk"],
    "title": ["title", "pk"],
    "organization": ["organization_name", "title", "pk"],
    "status": ["status", "title", "pk"],
}


# --- public ----------------------------------------------------------------------------------


@ecosystem_view(VIEW, public=True)
def call_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = CallFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = access.calls_of(request.user, ecosystem)
    if q := data.get("q"):
        found = found.filter(Q(title__icontains=q) | Q(summary__icontains=q))
    sort = data.get("sort") or ""
    if sort in CALL_SORTS:
        found = found.order_by(*CALL_SORTS[sort])
    else:
        # open calls first (soonest deadline first), then the rest, latest first
        found = found.annotate(
            is_open=Case(
                When(status=CallStatus.OPEN, then=Value(0)),
                default=Value(1),
                output_field=IntegerField(),
            )
        ).order_by(
            "is_open", Case(When(status=CallStatus.OPEN, then="deadline")), "-deadline", "pk"
        )
    can_manage = request.user.has_perm(MANAGE, ecosystem)
    if can_manage:
        found = found.annotate(
            submitted=Count(
                "applications", filter=Q(applications__submitted_at__isnull=False), distinct=True
            )
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    if can_manage:
        page.object_list = list(page.object_list)
        current = _current_rounds(page.object_list)
        for call in page.object_list:
            call.current_round = current.get(call.pk)  # type: ignore[attr-defined]
    return render(
        request,
        "challenges/calls/list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(data.get("q")),
            "can_manage": can_manage,
            "zone": ecosystem.timezone,
        },
    )


def _current_rounds(calls: list[Call]) -> dict[int, Round]:
    """Each call's current round, with its reviews `done` of `assigned`, in one query: the
    first open round, else the last closed one (a decided call), else none."""
    rounds = (
        Round.objects.filter(call__in=calls)
        .exclude(status=RoundStatus.PENDING)
        .annotate(
            assigned=Count("assignments", distinct=True),
            done=Count(
                "assignments",
                filter=Q(assignments__review__status=ReviewStatus.SUBMITTED),
                distinct=True,
            ),
        )
        .order_by("call", "position")
    )
    current: dict[int, Round] = {}
    for round_ in rounds:
        held = current.get(round_.call_id)
        if held is None or held.status != RoundStatus.OPEN:
            current[round_.call_id] = round_
    return current


@ecosystem_view(VIEW, public=True)
def call_detail(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    ecosystem = call.ecosystem
    return render(
        request,
        "challenges/calls/detail.html",
        {
            "call": call,
            "zone": ecosystem.timezone,
            "deadline": services.to_local(ecosystem, call.deadline),
            "criteria": [
                (c, list(zip(services.levels(call), c.descriptors, strict=False)))
                for c in call.criteria.all()
            ],
            "eligibility": call.eligibility.all(),
            "rounds": call.rounds.all(),
            "taking": services.is_taking_applications(call),
            "can_manage": request.user.has_perm(MANAGE, ecosystem),
        },
    )


# --- the backbone's pages --------------------------------------------------------------------


def _local(call: Call, moment: Any) -> Any:
    return services.to_local(call.ecosystem, moment).replace(tzinfo=None) if moment else None


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def call_new(request: HttpRequest, ecosystem_slug: str) -> HttpResponse:
    ecosystem = current_ecosystem(request)
    form = CallForm(request.POST or None, zone_name=ecosystem.timezone)
    if request.method == "POST" and form.is_valid():
        try:
            call = services.create_call(request.user, ecosystem, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The call is saved as a draft: add its criteria next."))
            return redirect("challenges:criteria", ecosystem.slug, call.slug)
    return render(request, "challenges/calls/edit.html", {"form": form, "call": None})


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def call_edit(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    initial = {name: getattr(call, name) for name in services.CALL_FIELDS}
    initial["deadline"], initial["opens_at"] = (
        _local(call, call.deadline),
        _local(call, call.opens_at),
    )
    form = CallForm(request.POST or None, initial=initial, zone_name=call.ecosystem.timezone)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_call(request.user, call, **form.cleaned_data)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("The call is saved."))
            return redirect("challenges:call", call.ecosystem.slug, call.slug)
    return render(request, "challenges/calls/edit.html", {"form": form, "call": call})


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def call_status(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    """Open or close the call, after a confirmation."""
    call = access.get_call(request, call_slug)
    action = "close" if call.status == CallStatus.OPEN else "open"
    error = ""
    if request.method == "POST":
        try:
            if action == "open":
                services.open_call(request.user, call)
                messages.success(request, _("The call is open to applications."))
            else:
                services.close_call(request.user, call)
                messages.success(request, _("The call is closed: it takes no more applications."))
        except DomainError as refused:
            error = str(refused)
        else:
            return redirect("challenges:call", call.ecosystem.slug, call.slug)
    return render(
        request,
        "challenges/calls/status.html",
        {"call": call, "action": action, "error": error},
        status=400 if error else 200,
    )


def _section(
    request: HttpRequest,
    call: Call,
    *,
    template: str,
    form: Any,
    save: Any,
    done: str,
    context: dict[str, Any],
) -> HttpResponse | None:
    """A POST that adds or edits an item: saved and redirected, or the refusal on the form."""
    if request.method == "POST" and form.is_valid():
        try:
            save(form)
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, done)
            return None
    return render(
        request,
        template,
        {"call": call, "form": form, **context},
        status=400 if form.errors else 200,
    )


def _remove(request: HttpRequest, remove: Any) -> str:
    try:
        remove()
    except DomainError as error:
        return str(error)
    return ""


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def criteria(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    if request.method == "POST" and request.POST.get("template"):
        added = services.use_template(request.user, call)
        messages.success(request, _("%(n)s criteria added from the template.") % {"n": len(added)})
        return redirect("challenges:criteria", call.ecosystem.slug, call.slug)
    form = CriterionForm(request.POST or None)
    shown = _section(
        request,
        call,
        template="challenges/calls/criteria.html",
        form=form,
        save=lambda f: services.save_criterion(
            request.user,
            call,
            name=f.cleaned_data["name"],
            weight=f.cleaned_data["weight"],
            description=f.cleaned_data["description"],
            descriptors=f.descriptor_list(),
        ),
        done=_("The criterion is added."),
        context={"criteria": call.criteria.all(), "levels": services.levels(call)},
    )
    return shown or redirect("challenges:criteria", call.ecosystem.slug, call.slug)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def criterion_edit(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, pk: int
) -> HttpResponse:
    call = access.get_call(request, call_slug)
    criterion = get_object_or_404(call.criteria, pk=pk)
    back = redirect("challenges:criteria", call.ecosystem.slug, call.slug)
    if request.method == "POST" and request.POST.get("remove"):
        services.remove_criterion(request.user, criterion)
        messages.success(request, _("The criterion is removed."))
        return back
    initial = {
        "name": criterion.name,
        "description": criterion.description,
        "weight": criterion.weight,
        "descriptors": "\n".join(criterion.descriptors),
    }
    form = CriterionForm(request.POST or None, initial=initial)
    shown = _section(
        request,
        call,
        template="challenges/calls/item_edit.html",
        form=form,
        save=lambda f: services.save_criterion(
            request.user,
            call,
            name=f.cleaned_data["name"],
            weight=f.cleaned_data["weight"],
            description=f.cleaned_data["description"],
            descriptors=f.descriptor_list(),
            criterion=criterion,
        ),
        done=_("The criterion is saved."),
        context={"heading": _("Criterion"), "back": back.url, "item": criterion},
    )
    return shown or back


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def eligibility(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    form = EligibilityForm(request.POST or None)
    shown = _section(
        request,
        call,
        template="challenges/calls/eligibility.html",
        form=form,
        save=lambda f: services.save_eligibility(request.user, call, **f.cleaned_data),
        done=_("The eligibility question is added."),
        context={"questions": call.eligibility.all()},
    )
    return shown or redirect("challenges:eligibility", call.ecosystem.slug, call.slug)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def eligibility_edit(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, pk: int
) -> HttpResponse:
    call = access.get_call(request, call_slug)
    question = get_object_or_404(call.eligibility, pk=pk)
    back = redirect("challenges:eligibility", call.ecosystem.slug, call.slug)
    if request.method == "POST" and request.POST.get("remove"):
        services.remove_eligibility(request.user, question)
        messages.success(request, _("The eligibility question is removed."))
        return back
    initial = {
        "text": question.text,
        "eligible_answer": "yes" if question.eligible_answer else "no",
        "reason": question.reason,
    }
    form = EligibilityForm(request.POST or None, initial=initial)
    shown = _section(
        request,
        call,
        template="challenges/calls/item_edit.html",
        form=form,
        save=lambda f: services.save_eligibility(
            request.user, call, question=question, **f.cleaned_data
        ),
        done=_("The eligibility question is saved."),
        context={"heading": _("Eligibility question"), "back": back.url, "item": question},
    )
    return shown or back


def _save_question(
    request: HttpRequest, call: Call, form: QuestionForm, question: Any = None
) -> Any:
    d = form.cleaned_data
    return services.save_question(
        request.user,
        call,
        kind=d["kind"],
        label=d["label"],
        help_text=d["help_text"],
        required=d["required"],
        settings=form.settings(),
        question=question,
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def questions(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    if request.method == "POST" and request.POST.get("move"):
        question = get_object_or_404(call.questions, pk=request.POST.get("question") or 0)
        services.move_question(request.user, question, -1 if request.POST["move"] == "up" else 1)
        return redirect("challenges:questions", call.ecosystem.slug, call.slug)
    form = QuestionForm(request.POST or None, initial={"required": True})
    shown = _section(
        request,
        call,
        template="challenges/calls/questions.html",
        form=form,
        save=lambda f: _save_question(request, call, f),
        done=_("The question is added."),
        context={"questions": call.questions.all()},
    )
    return shown or redirect("challenges:questions", call.ecosystem.slug, call.slug)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def question_edit(
    request: HttpRequest, ecosystem_slug: str, call_slug: str, pk: int
) -> HttpResponse:
    call = access.get_call(request, call_slug)
    question = get_object_or_404(call.questions, pk=pk)
    back = redirect("challenges:questions", call.ecosystem.slug, call.slug)
    error = ""
    if request.method == "POST" and request.POST.get("remove"):
        error = _remove(request, lambda: services.remove_question(request.user, question))
        if not error:
            messages.success(request, _("The question is removed."))
            return back
    form = QuestionForm(
        None if error else (request.POST or None), initial=QuestionForm.initial_from(question)
    )
    if error:
        form.add_error(None, error)
    shown = _section(
        request,
        call,
        template="challenges/calls/item_edit.html",
        form=form,
        save=lambda f: _save_question(request, call, f, question),
        done=_("The question is saved."),
        context={"heading": _("Question"), "back": back.url, "item": question},
    )
    return shown or back


def _save_round(request: HttpRequest, call: Call, form: RoundForm, round_: Any = None) -> Any:
    return services.save_round(request.user, call, round_=round_, **form.cleaned_data)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def rounds(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponse:
    call = access.get_call(request, call_slug)
    form = RoundForm(request.POST or None)
    form.fields["due_at"].help_text = _("In the ecosystem's time zone (%(zone)s).") % {
        "zone": call.ecosystem.timezone
    }
    shown = _section(
        request,
        call,
        template="challenges/calls/rounds.html",
        form=form,
        save=lambda f: _save_round(request, call, f),
        done=_("The round is added."),
        context={"rounds": call.rounds.all(), "zone": call.ecosystem.timezone},
    )
    return shown or redirect("challenges:rounds", call.ecosystem.slug, call.slug)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def round_edit(request: HttpRequest, ecosystem_slug: str, call_slug: str, pk: int) -> HttpResponse:
    call = access.get_call(request, call_slug)
    round_ = get_object_or_404(call.rounds, pk=pk)
    back = redirect("challenges:rounds", call.ecosystem.slug, call.slug)
    error = ""
    if request.method == "POST" and request.POST.get("remove"):
        error = _remove(request, lambda: services.remove_round(request.user, round_))
        if not error:
            messages.success(request, _("The round is removed."))
            return back
    initial = {
        "name": round_.name,
        "kind": round_.kind,
        "reviews_per_application": round_.reviews_per_application,
        "min_load": round_.min_load,
        "max_load": round_.max_load,
        "due_at": _local(call, round_.due_at),
        "exclude_not_willing": round_.exclude_not_willing,
    }
    form = RoundForm(None if error else (request.POST or None), initial=initial)
    if error:
        form.add_error(None, error)
    shown = _section(
        request,
        call,
        template="challenges/calls/item_edit.html",
        form=form,
        save=lambda f: _save_round(request, call, f, round_),
        done=_("The round is saved."),
        context={"heading": _("Round"), "back": back.url, "item": round_},
    )
    return shown or back


# --- a call's applications (backbone) --------------------------------------------------------


@ecosystem_view(MANAGE)
def call_applications(
    request: HttpRequest, ecosystem_slug: str, call_slug: str
) -> HttpResponseBase:
    call = access.get_call(request, call_slug)
    ecosystem = call.ecosystem
    form = ApplicationFilterForm(request.GET, rounds=list(call.rounds.values_list("pk", "name")))
    data = form.cleaned_data if form.is_valid() else {}
    found = (
        access.applications_of(request.user, ecosystem)
        .filter(call=call)
        .exclude(status=ApplicationStatus.DRAFT)
        .select_related("lead", "round")
        .annotate(versions=Count("revisions", distinct=True))
    )
    if q := data.get("q"):
        found = found.filter(
            Q(title__icontains=q) | Q(organization_name__icontains=q) | Q(lead__email__icontains=q)
        )
    if status := data.get("status"):
        found = found.filter(status=status)
    if round_ := data.get("round"):
        found = found.filter(round_id=round_)
    found = found.order_by(
        *APPLICATION_SORTS.get(data.get("sort") or "", APPLICATION_SORTS["-submitted_at"])
    )
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return _export(f"{ecosystem.slug}-{call.slug}-applications", fmt, found)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "challenges/calls/applications.html",
        {
            "call": call,
            "form": form,
            "page": page,
            "filtered": any(data.get(k) for k in ("q", "status", "round")),
        },
    )


def _export(filename: str, fmt: str, found: QuerySet[Application]) -> HttpResponseBase:
    return table_response(
        filename,
        fmt,
        [
            _("Title"),
            _("Organization"),
            _("Sector"),
            _("Lead applicant"),
            _("Status"),
            _("Round"),
            _("Submitted"),
            _("Versions"),
            _("Amount requested (USD)"),
        ],
        (
            (
                a.title,
                a.organization_name,
                a.get_organization_sector_display(),
                a.lead.email,
                a.get_status_display(),
                a.round.name if a.round else "",
                a.submitted_at.isoformat() if a.submitted_at else "",
                a.versions,  # type: ignore[attr-defined]
                a.requested_amount,
            )
            for a in found.iterator(chunk_size=500)
        ),
    )


urlpatterns: list[URLPattern] = [
    path("", call_list, name="call_list"),
    path("calls/new/", call_new, name="call_new"),
    path("calls/<slug:call_slug>/", call_detail, name="call"),
    path("calls/<slug:call_slug>/edit/", call_edit, name="call_edit"),
    path("calls/<slug:call_slug>/status/", call_status, name="call_status"),
    path("calls/<slug:call_slug>/criteria/", criteria, name="criteria"),
    path("calls/<slug:call_slug>/criteria/<int:pk>/", criterion_edit, name="criterion"),
    path("calls/<slug:call_slug>/eligibility/", eligibility, name="eligibility"),
    path(
        "calls/<slug:call_slug>/eligibility/<int:pk>/",
        eligibility_edit,
        name="eligibility_question",
    ),
    path("calls/<slug:call_slug>/questions/", questions, name="questions"),
    path("calls/<slug:call_slug>/questions/<int:pk>/", question_edit, name="question"),
    path("calls/<slug:call_slug>/rounds/", rounds, name="rounds"),
    path("calls/<slug:call_slug>/rounds/<int:pk>/", round_edit, name="round"),
    path("calls/<slug:call_slug>/applications/", call_applications, name="call_applications"),
]
