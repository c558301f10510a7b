"""The applicant's pages: starting an application to a call, "My applications", the
eligibility questions, the application form (every question kind, without JavaScript),
co-applicants and their invitations, submitting and withdrawing after a confirmation, the
status with feedback, and the versions with their diff. Any signed-in person may apply (the
pages are open to people of other ecosystems); an application is reached only by its lead and
its co-applicants who accepted (`access.own_applications`), anyone else gets 404. Every change
goes through `services.applications`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import URLPattern, path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError

from .. import access
from ..forms.applications import (
    AnswersForm,
    InviteForm,
    ScreeningForm,
    StartApplicationForm,
    field_name,
)
from ..models import Application, CoApplicant, QuestionKind
from ..services import applications as services
from ..services import calls as call_services
from ..services import decisions

APPLY = "challenges.apply"
PAGE_SIZE = 25


def applicant_view(view: Callable[..., HttpResponseBase]) -> Callable[..., HttpResponseBase]:
    """Any signed-in person, of this ecosystem or not; a visitor is asked to sign in."""
    checked = ecosystem_view(APPLY, public=True)(view)

    @functools.wraps(checked)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        return checked(request, *args, **kwargs)

    return wrapper


def _own(request: HttpRequest, pk: int) -> Application:
    found = access.own_applications(request.user, current_ecosystem(request)).select_related(
        "call", "round", "lead", "ecosystem"
    )
    return get_object_or_404(found, pk=pk)


def _readable(request: HttpRequest, pk: int) -> tuple[Application, bool]:
    """An application its applicants edit, or read by the backbone (once submitted) or by a
    reviewer assigned to it and not in conflict with it (`access.applications_of`), and
    whether the person is one of its applicants; 404 to anyone else."""
    ecosystem = current_ecosystem(request)
    if access.own_applications(request.user, ecosystem).filter(pk=pk).exists():
        return _own(request, pk), True
    found = access.applications_of(request.user, ecosystem).select_related("lead", "ecosystem")
    return get_object_or_404(found, pk=pk), False


def _detail(application: Application) -> HttpResponseBase:
    return redirect("challenges:application", application.ecosystem.slug, application.pk)


@applicant_view
@require_http_methods(["GET", "POST"])
def start(request: HttpRequest, ecosystem_slug: str, call_slug: str) -> HttpResponseBase:
    call = access.get_call(request, call_slug)
    organizations = call.ecosystem.organizations.filter(archived_at__isnull=True).order_by("name")
    form = StartApplicationForm(request.POST or None, organizations=organizations)
    taking = call_services.is_taking_applications(call)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            application = services.start_application(
                request.user,
                call,
                title=d["title"],
                organization=d["organization"],
                organization_name=d["organization_name"],
                organization_sector=d["organization_sector"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Your draft is started: answer the eligibility questions."))
            if call.eligibility.exists():
                return redirect("challenges:screening", call.ecosystem.slug, application.pk)
            return redirect("challenges:application_edit", call.ecosystem.slug, application.pk)
    return render(
        request,
        "challenges/applications/start.html",
        {"call": call, "form": form, "taking": taking},
        status=400 if form.errors else 200,
    )


@applicant_view
def my_applications(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    found = (
        access.own_applications(request.user, current_ecosystem(request))
        .select_related("call", "round")
        .order_by("-updated_at", "-pk")
    )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "challenges/applications/mine.html", {"page": page})


@applicant_view
def application_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    """The applicants' page of their application; the backbone and its assigned reviewers
    read it too (read only; a reviewer sees neither the co-applicants nor the feedback)."""
    application, editor = _readable(request, pk)
    reviewer = not editor and not access.is_backbone(request.user, application.ecosystem)
    return render(
        request,
        "challenges/applications/detail.html",
        {
            "application": application,
            "call": application.call,
            "rows": answer_rows(application),
            "feedback": "" if reviewer else application.feedback,
            "comments": [] if reviewer else decisions.feedback_for(application),
            "editable": editor
            and services.can_edit_now(application)
            and application.status in services.EDITABLE,
            "revising": None if reviewer else services.revision_round(application),
            "screened": services.is_screened(application),
            "revisions": application.revisions.all(),
            "co_applicants": [] if reviewer else application.co_applicants.all(),
            "closed": application.status in services.CLOSED,
            "editor": editor,
            "reviewer": reviewer,
        },
    )


def answer_rows(application: Application) -> list[tuple[Any, Any]]:
    """Each question of the call with the application's answer as the page shows it (a file
    record, partners by name): the one way answers are read on a page, the applicants', the
    backbone's and the reviewer's alike (template challenges/applications/_answers.html)."""
    questions = list(application.call.questions.all())
    files = {f.pk: f for f in application.files.all()}
    partners = {
        o.pk: o.name
        for o in application.ecosystem.organizations.filter(
            pk__in=[
                i
                for q in questions
                if q.kind == QuestionKind.PARTNERS
                for i in application.answers.get(q.key) or []
            ]
        )
    }
    return [(q, _shown(q, application.answers.get(q.key), files, partners)) for q in questions]


def _shown(question: Any, value: Any, files: dict[int, Any], partners: dict[int, str]) -> Any:
    if value is None:
        return None
    if question.kind == QuestionKind.FILE:
        return files.get(value)
    if question.kind == QuestionKind.PARTNERS:
        return [partners.get(i, "?") for i in value]
    return value


def _plain(question: Any, value: Any, files: dict[int, str], partners: dict[int, str]) -> str:
    """An answer in a line, for the diff of two versions (a file by its name, a partner by
    theirs, a budget row by its category and amount)."""
    if value is None or value == "" or value == []:
        return "—"
    if question.kind == QuestionKind.FILE:
        return files.get(value, "?")
    if question.kind == QuestionKind.PARTNERS and isinstance(value, list):
        return ", ".join(partners.get(i, "?") for i in value)
    if question.kind == QuestionKind.BUDGET and isinstance(value, list):
        return "; ".join(
            f"{row.get('category', '')}: {row.get('amount', '')}"
            for row in value
            if isinstance(row, dict)
        )
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


@applicant_view
@require_http_methods(["GET", "POST"])
def screening(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    application = _own(request, pk)
    questions = list(application.call.eligibility.all())
    form = ScreeningForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            reasons = services.screen(request.user, application, form.given())
        except DomainError as error:
            form.add_error(None, str(error))
        else:
            if reasons:
                return _detail(application)
            messages.success(request, _("You are eligible: fill in the application."))
            return redirect(
                "challenges:application_edit", application.ecosystem.slug, application.pk
            )
    return render(
        request,
        "challenges/applications/screening.html",
        {"application": application, "form": form},
        status=400 if form.errors else 200,
    )


@applicant_view
@require_http_methods(["GET", "POST"])
def application_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    application = _own(request, pk)
    if not (application.status in services.EDITABLE and services.can_edit_now(application)):
        messages.error(request, _("This application can no longer be changed."))
        return _detail(application)
    call = application.call
    questions = list(call.questions.all())
    partners = application.ecosystem.organizations.filter(archived_at__isnull=True).order_by("name")

    def build(data: Any = None, files: Any = None) -> AnswersForm:
        return AnswersForm(
            data,
            files,
            questions=questions,
            answers=application.answers,
            partners=partners,
            initial={"title": application.title, "summary": application.summary},
        )

    form = build(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        refused = False
        for question in questions:
            upload = request.FILES.get(field_name(question))
            if question.kind == QuestionKind.FILE and upload is not None:
                try:
                    services.attach_file(request.user, application, question, upload)
                except DomainError as error:
                    form.add_error(field_name(question), str(error))
                    refused = True
        try:
            found = services.save_draft(
                request.user,
                application,
                answers_given=form.answers(),
                title=form.cleaned_data["title"],
                summary=form.cleaned_data["summary"],
            )
        except DomainError as error:
            form.add_error(None, str(error))
            refused = True
            found = []
        if not refused and not found and request.POST.get("then") == "submit":
            return redirect("challenges:submit", application.ecosystem.slug, application.pk)
        if not refused and not found:
            messages.success(request, _("Your draft is saved."))
            return redirect(
                "challenges:application_edit", application.ecosystem.slug, application.pk
            )
        # keep what was typed, with each problem beside its field
        _show_problems(form, found)
        status = 400
        messages.info(request, _("Your draft is saved; some answers need attention."))
    elif request.method == "POST":
        status = 400  # the title is missing or a field could not be read
    elif request.method == "GET" and request.GET.get("check"):
        form = build()
        for key, sentences in services.by_question(
            services.problems(application, complete=True)
        ).items():
            name = f"a_{key}"
            for sentence in sentences:
                form.add_error(name if name in form.fields else None, sentence)
    files = {f.pk: f for f in application.files.all()}
    fields = [
        {
            "question": q,
            "field": None if q.kind == QuestionKind.BUDGET else form[field_name(q)],
            "budget": form.budget(q) if q.kind == QuestionKind.BUDGET else None,
            "budget_errors": form.errors.get(field_name(q))
            if q.kind == QuestionKind.BUDGET
            else None,
            "current": files.get(application.answers.get(q.key))
            if q.kind == QuestionKind.FILE
            else None,
        }
        for q in questions
    ]
    return render(
        request,
        "challenges/applications/form.html",
        {
            "application": application,
            "call": call,
            "form": form,
            "fields": fields,
            "deadline": call_services.to_local(call.ecosystem, call.deadline),
            "revising": services.revision_round(application),
            "zone": call.ecosystem.timezone,
        },
        status=status,
    )


def _show_problems(form: AnswersForm, found: Any) -> None:
    """Each problem beside its question's field (a budget's above its table)."""
    errors = form.errors  # cleans a bound form; an unbound one gets an empty dict
    for key, sentences in services.by_question(found).items():
        errors.setdefault(f"a_{key}", form.error_class()).extend(sentences)


@applicant_view
@require_GET
def answer_file(request: HttpRequest, ecosystem_slug: str, pk: int, file_pk: int) -> FileResponse:
    application, _editor = _readable(request, pk)
    record = get_object_or_404(application.files, pk=file_pk)
    try:
        stream = record.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        stream, as_attachment=True, filename=record.original_name, content_type=record.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@applicant_view
@require_http_methods(["GET", "POST"])
def co_applicants(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    application = _own(request, pk)
    form = InviteForm(request.POST or None)
    if request.method == "POST" and request.POST.get("remove"):
        invited = get_object_or_404(application.co_applicants, pk=request.POST["remove"])
        services.remove_co_applicant(request.user, invited)
        messages.success(request, _("%(email)s is removed.") % {"email": invited.email})
        return redirect("challenges:co_applicants", application.ecosystem.slug, application.pk)
    if request.method == "POST" and form.is_valid():
        try:
            services.invite_co_applicant(request.user, application, **form.cleaned_data)
        except DomainError as error:
            form.add_error("email", str(error))
        else:
            messages.success(
                request, _("%(email)s is invited by email.") % {"email": form.cleaned_data["email"]}
            )
            return redirect("challenges:co_applicants", application.ecosystem.slug, application.pk)
    return render(
        request,
        "challenges/applications/co_applicants.html",
        {"application": application, "form": form, "invited": application.co_applicants.all()},
        status=400 if form.errors else 200,
    )


@applicant_view
@require_http_methods(["GET", "POST"])
def accept_invitation(request: HttpRequest, ecosystem_slug: str, token: str) -> HttpResponseBase:
    invitation = get_object_or_404(
        CoApplicant.objects.select_related("application__call"),
        token=token,
        application__ecosystem=current_ecosystem(request),
    )
    error = ""
    if request.method == "POST":
        try:
            services.accept_invitation(request.user, invitation)
        except DomainError as refused:
            error = str(refused)
        else:
            messages.success(request, _("You are a co-applicant: you can edit the application."))
            return _detail(invitation.application)
    return render(
        request,
        "challenges/applications/accept.html",
        {"invitation": invitation, "application": invitation.application, "error": error},
        status=400 if error else 200,
    )


@applicant_view
@require_http_methods(["GET", "POST"])
def submit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    application = _own(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.submit(request.user, application)
        except DomainError as refused:
            error = str(refused)
        else:
            messages.success(request, _("Your application is submitted."))
            return _detail(application)
    found = services.problems(application, complete=True)
    return render(
        request,
        "challenges/applications/submit.html",
        {
            "application": application,
            "error": error,
            "problems": len(found),
            "screened": services.is_screened(application),
            "deadline": call_services.to_local(application.ecosystem, application.call.deadline),
            "revising": services.revision_round(application),
            "zone": application.ecosystem.timezone,
        },
        status=400 if error else 200,
    )


@applicant_view
@require_http_methods(["GET", "POST"])
def withdraw(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    application = _own(request, pk)
    error = ""
    if request.method == "POST":
        try:
            services.withdraw(request.user, application)
        except DomainError as refused:
            error = str(refused)
        else:
            messages.success(request, _("Your application is withdrawn."))
            return _detail(application)
    return render(
        request,
        "challenges/applications/withdraw.html",
        {"application": application, "error": error},
        status=400 if error else 200,
    )


@applicant_view
def versions(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    """The versions submitted, and what changed between two of them (the latest against the
    one before by default; `old` and `new` name versions, `new=current` the working copy)."""
    application = _own(request, pk)
    revisions = list(application.revisions.all())
    by_number = {r.number: r for r in revisions}

    def number(name: str, default: int | None) -> int | None:
        try:
            return int(request.GET.get(name, ""))
        except ValueError:
            return default

    rows: list[Any] = []
    old = new = None
    if revisions:
        latest = revisions[-1].number
        wants_current = request.GET.get("new") == "current"
        new = None if wants_current else by_number.get(number("new", latest) or latest)
        default_old = (new.number - 1) if new is not None else latest
        old = by_number.get(number("old", default_old) or default_old)
        if old is not None and (new is None or new.number != old.number):
            rows = services.diff(application, old, new)
    files = {f.pk: f.original_name for f in application.files.all()}
    partner_ids = {
        i
        for _q, d in rows
        if _q.kind == QuestionKind.PARTNERS
        for value in (d.old, d.new)
        for i in (value or [])
    }
    partners = dict(
        application.ecosystem.organizations.filter(pk__in=partner_ids).values_list("pk", "name")
    )
    shown = [
        (q, d, _plain(q, d.old, files, partners), _plain(q, d.new, files, partners))
        for q, d in rows
    ]
    return render(
        request,
        "challenges/applications/versions.html",
        {
            "application": application,
            "revisions": revisions,
            "old": old,
            "new": new,
            "rows": shown,
            "changed": sum(1 for _q, d in rows if d.status != "unchanged"),
        },
    )


urlpatterns: list[URLPattern] = [
    path("calls/<slug:call_slug>/apply/", start, name="apply"),
    path("applications/", my_applications, name="my_applications"),
    path("applications/<int:pk>/", application_detail, name="application"),
    path("applications/<int:pk>/eligibility/", screening, name="screening"),
    path("applications/<int:pk>/edit/", application_edit, name="application_edit"),
    path("applications/<int:pk>/files/<int:file_pk>/", answer_file, name="answer_file"),
    path("applications/<int:pk>/co-applicants/", co_applicants, name="co_applicants"),
    path("applications/<int:pk>/submit/", submit, name="submit"),
    path("applications/<int:pk>/withdraw/", withdraw, name="withdraw"),
    path("applications/<int:pk>/versions/", versions, name="versions"),
    path("invitations/<str:token>/", accept_invitation, name="accept_invitation"),
]
