"""Survey pages. The backbone (`network.manage_surveys`) builds a survey (sections, questions,
preview in English and Spanish), opens it (invitations mailed), closes it and reads the
results (suppressed, with CSV/XLSX). A respondent answers through their invitation's link:
no sign-in, one response per invitation. docs/network-surveys.md."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import translation
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from ecotone import charts
from ecotone.ecosystems.access import current_ecosystem, ecosystem_view
from ecotone.errors import DomainError
from ecotone.exports import FORMATS, table_response

from .. import access
from ..forms.surveys import AnswerForm, QuestionForm, SectionForm, SurveyFilterForm, SurveyForm
from ..models import Answer, Question, Section, Survey
from ..services import survey_results
from ..services import surveys as services

MANAGE = "network.manage_surveys"
PAGE_SIZE = 25


def _back(survey: Survey) -> HttpResponseBase:
    return redirect("network:survey", survey.ecosystem.slug, survey.pk)


def _refused(request: HttpRequest, error: DomainError, survey: Survey) -> HttpResponseBase:
    messages.error(request, str(error))
    return _back(survey)


# --- the list ------------------------------------------------------------------------------------


@ecosystem_view(MANAGE)
def survey_list(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = SurveyFilterForm(request.GET)
    data = form.cleaned_data if form.is_valid() else {}
    found = services.response_counts(access.surveys(ecosystem))
    if q := data.get("q"):
        found = found.filter(Q(title__icontains=q) | Q(title_es__icontains=q))
    if status := data.get("status"):
        found = found.filter(status=status)
    found = found.order_by(data.get("sort") or "-created_at", "-pk")
    fmt = request.GET.get("format")
    if fmt in FORMATS:
        return table_response(
            f"{ecosystem.slug}-surveys",
            fmt,
            [_("Title"), _("Status"), _("Anonymous"), _("Sent to"), _("Invited"), _("Answered")],
            (
                (
                    s.title,
                    s.get_status_display(),
                    _("yes") if s.anonymous else _("no"),
                    s.get_audience_display(),
                    s.invited,
                    s.answered,
                )
                for s in found
            ),
        )
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "network/surveys/list.html",
        {"ecosystem": ecosystem, "form": form, "page": page},
    )


@ecosystem_view(MANAGE)
@require_POST
def survey_from_template(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    survey = services.from_template(request.user, current_ecosystem(request))
    messages.success(request, _("The network survey was copied as a draft: adapt it freely."))
    return _back(survey)


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def survey_create(request: HttpRequest, ecosystem_slug: str) -> HttpResponseBase:
    ecosystem = current_ecosystem(request)
    form = SurveyForm(request.POST or None, ecosystem=ecosystem)
    if request.method == "POST" and form.is_valid():
        survey = services.save_survey(request.user, form.save(commit=False))
        return _back(survey)
    return render(
        request, "network/surveys/form.html", {"ecosystem": ecosystem, "form": form, "survey": None}
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def survey_edit(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    survey = access.get_survey(request, pk)
    ecosystem = current_ecosystem(request)
    form = SurveyForm(request.POST or None, instance=survey, ecosystem=ecosystem)
    if not survey.is_draft:
        # once open, only its dates and reminders may change: who was asked is settled
        for name in form.fields:
            if name not in ("closes_on", "reminders", "intro", "intro_es"):
                form.fields[name].disabled = True
    if request.method == "POST" and form.is_valid():
        services.save_survey(request.user, form.save(commit=False))
        messages.success(request, _("Saved."))
        return _back(survey)
    return render(
        request,
        "network/surveys/form.html",
        {"ecosystem": ecosystem, "form": form, "survey": survey},
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def survey_delete(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    survey = access.get_survey(request, pk)
    if request.method == "POST":
        try:
            services.delete_survey(request.user, survey)
        except DomainError as error:
            return _refused(request, error, survey)
        messages.success(request, _("The survey was deleted."))
        return redirect("network:surveys", survey.ecosystem.slug)
    return _confirm(
        request,
        survey,
        _("Delete “%(title)s”?") % {"title": survey.title},
        _("The draft and its questions are deleted. This cannot be undone."),
        _("Delete the survey"),
    )


def _confirm(
    request: HttpRequest, survey: Survey, title: str, text: str, button: str, **extra: Any
) -> HttpResponse:
    return render(
        request,
        "network/surveys/confirm.html",
        {
            "ecosystem": survey.ecosystem,
            "survey": survey,
            "title": title,
            "text": text,
            "button": button,
            **extra,
        },
    )


# --- the builder ---------------------------------------------------------------------------------


@ecosystem_view(MANAGE)
def survey_detail(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    survey = access.get_survey(request, pk)
    questions = services.ordered_questions(survey)
    sections: list[tuple[Section | None, list[Question]]] = []
    for section in survey.sections.all():
        sections.append((section, [q for q in questions if q.section_id == section.pk]))
    loose = [q for q in questions if q.section_id is None]
    if loose:
        sections.insert(0, (None, loose))
    counted = services.response_counts(Survey.objects.filter(pk=survey.pk)).get()
    return render(
        request,
        "network/surveys/detail.html",
        {
            "ecosystem": survey.ecosystem,
            "survey": survey,
            "sections": sections,
            "invited": counted.invited,
            "answered": counted.answered,
            "recipients": services.recipients(survey).count() if survey.is_draft else None,
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def section_edit(
    request: HttpRequest, ecosystem_slug: str, pk: int, section: int | None = None
) -> HttpResponseBase:
    survey = access.get_survey(request, pk)
    found = access.get_section(survey, section) if section else None
    form = SectionForm(request.POST or None, instance=found)
    if request.method == "POST" and form.is_valid():
        record = form.save(commit=False)
        record.survey = survey
        try:
            services.save_section(request.user, record)
        except DomainError as error:
            return _refused(request, error, survey)
        return _back(survey)
    return render(
        request,
        "network/surveys/part_form.html",
        {
            "ecosystem": survey.ecosystem,
            "survey": survey,
            "form": form,
            "title": _("Edit the section") if found else _("Add a section"),
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def question_edit(
    request: HttpRequest, ecosystem_slug: str, pk: int, question: int | None = None
) -> HttpResponseBase:
    survey = access.get_survey(request, pk)
    found = access.get_question(survey, question) if question else None
    initial = {}
    if found is None and request.GET.get("section", "").isdigit():
        initial["section"] = request.GET["section"]
    form = QuestionForm(request.POST or None, instance=found, survey=survey, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_question(request.user, form.save(commit=False))
        except DomainError as error:
            return _refused(request, error, survey)
        return _back(survey)
    return render(
        request,
        "network/surveys/part_form.html",
        {
            "ecosystem": survey.ecosystem,
            "survey": survey,
            "form": form,
            "title": _("Edit the question") if found else _("Add a question"),
        },
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def part_delete(
    request: HttpRequest, ecosystem_slug: str, pk: int, kind: str, part: int
) -> HttpResponseBase:
    survey = access.get_survey(request, pk)
    record: Question | Section
    if kind == "questions":
        record = access.get_question(survey, part)
        text = _("The question is deleted.")
    elif kind == "sections":
        record = access.get_section(survey, part)
        text = _("The section and its questions are deleted.")
    else:
        raise Http404
    if request.method == "POST":
        try:
            services.delete_part(request.user, survey, record)
        except DomainError as error:
            return _refused(request, error, survey)
        return _back(survey)
    return _confirm(
        request, survey, _("Delete “%(title)s”?") % {"title": str(record)}, text, _("Delete")
    )


@ecosystem_view(MANAGE)
@require_POST
def question_move(
    request: HttpRequest, ecosystem_slug: str, pk: int, question: int
) -> HttpResponseBase:
    survey = access.get_survey(request, pk)
    found = access.get_question(survey, question)
    step = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.move_question(request.user, found, step)
    except DomainError as error:
        return _refused(request, error, survey)
    return _back(survey)


@ecosystem_view(MANAGE)
def survey_preview(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponse:
    survey = access.get_survey(request, pk)
    language = "es" if request.GET.get("lang") == "es" else "en"
    form = AnswerForm(questions=list(services.ordered_questions(survey)), language=language)
    return render(
        request,
        "network/surveys/answer.html",
        {
            "ecosystem": survey.ecosystem,
            "survey": survey,
            "form": form,
            "language": language,
            "preview": True,
        },
    )


# --- opening and closing ------------------------------------------------------------------------


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def survey_open(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    survey = access.get_survey(request, pk)
    if request.method == "POST":
        try:
            invited = services.open_survey(request.user, survey)
        except DomainError as error:
            return _refused(request, error, survey)
        messages.success(
            request, _("The survey is open: %(n)s invitations are being sent.") % {"n": invited}
        )
        return _back(survey)
    count = services.recipients(survey).count()
    return _confirm(
        request,
        survey,
        _("Open “%(title)s”?") % {"title": survey.title},
        _(
            "%(n)s people receive an invitation by email, each in their language, with a link "
            "of their own. Its questions can no longer change."
        )
        % {"n": count},
        _("Open and send the invitations"),
    )


@ecosystem_view(MANAGE)
@require_http_methods(["GET", "POST"])
def survey_close(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    survey = access.get_survey(request, pk)
    if request.method == "POST":
        try:
            services.close_survey(request.user, survey)
        except DomainError as error:
            return _refused(request, error, survey)
        messages.success(request, _("The survey is closed."))
        return _back(survey)
    return _confirm(
        request,
        survey,
        _("Close “%(title)s”?") % {"title": survey.title},
        _("Nobody can answer any more, and no more reminders are sent."),
        _("Close the survey"),
    )


# --- results -------------------------------------------------------------------------------------


def result_charts(found: survey_results.Results) -> list[dict[str, Any]]:
    """A chart and its table per question with choices (ecotone/charts.py)."""
    made: list[dict[str, Any]] = []
    threshold = found.threshold
    for q in found.questions:
        if not q.options:
            continue
        rows = [
            {
                "label": f.label,
                "value": f.value,
                "shown": survey_results.shown(f, threshold),
            }
            for f in q.options
        ]
        spec = charts.bar_spec(rows, label_title=_("Answer"), value_title=_("People"))
        table_rows: list[list[Any]] = [
            [f.label, survey_results.shown(f, threshold)] for f in q.options
        ]
        headers = [_("Answer"), _("People")]
        if q.groups:
            headers = [_("Answer"), *[g.label for g in q.groups], _("All")]
            table_rows = [
                [
                    f.label,
                    *[survey_results.shown(g.options[i], threshold) for g in q.groups],
                    survey_results.shown(f, threshold),
                ]
                for i, f in enumerate(q.options)
            ]
        made.append(charts.chart(f"q{q.question.pk}", q.text, spec, headers, table_rows))
    return made


@ecosystem_view(MANAGE)
def survey_results_page(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    survey = access.get_survey(request, pk)
    language = "es" if (get_language() or "").startswith("es") else "en"
    found = survey_results.results(survey, breakdown=request.GET.get("by", ""), language=language)
    fmt = request.GET.get("format")
    if fmt in FORMATS and found.shown:
        return table_response(
            f"survey-{survey.pk}-results",
            fmt,
            survey_results.EXPORT_HEADERS,
            survey_results.export_rows(found),
        )
    by_question = {c["id"]: c for c in result_charts(found)} if found.shown else {}
    return render(
        request,
        "network/surveys/results.html",
        {
            "ecosystem": survey.ecosystem,
            "survey": survey,
            "results": found,
            "items": [(q, by_question.get(f"q{q.question.pk}")) for q in found.questions],
            "breakdowns": survey_results.breakdown_choices(survey),
            "raw_allowed": not survey.anonymous and found.shown,
        },
    )


@ecosystem_view(MANAGE)
def survey_responses_export(request: HttpRequest, ecosystem_slug: str, pk: int) -> HttpResponseBase:
    """Every answer of a named survey with its respondent (the backbone's own follow-up).
    Never of an anonymous survey, nor below the threshold (docs/network-surveys.md)."""
    survey = access.get_survey(request, pk)
    if survey.anonymous:
        messages.error(request, _("The answers of an anonymous survey are never downloaded."))
        return redirect("network:survey_results", survey.ecosystem.slug, survey.pk)
    if not survey_results.enough(survey.responses.count(), survey.ecosystem.suppression_threshold):
        messages.error(
            request,
            _("Fewer than %(n)s people answered: the answers are not downloaded yet.")
            % {"n": survey.ecosystem.suppression_threshold},
        )
        return redirect("network:survey_results", survey.ecosystem.slug, survey.pk)
    questions = list(services.ordered_questions(survey))
    fmt = str(request.GET.get("format")) if request.GET.get("format") in FORMATS else "csv"
    rows = []
    answers: dict[Any, dict[int, list[str]]] = {}
    options = {q.pk: q.option_list() for q in questions}
    for response_id, question_id, choice, number, text in Answer.objects.filter(
        response__survey=survey
    ).values_list("response_id", "question_id", "choice", "number", "text"):
        if choice is not None:
            labels = options.get(question_id, [])
            value = labels[choice - 1] if 0 < choice <= len(labels) else str(choice)
        else:
            value = str(number) if number is not None else text
        answers.setdefault(response_id, {}).setdefault(question_id, []).append(value)
    for response in survey.responses.select_related("member").order_by("member__name", "pk"):
        given = answers.get(response.pk, {})
        member = response.member
        rows.append(
            [
                member.name if member else _("(left the network)"),
                member.email if member else "",
                member.get_sector_display() if member else "",
                member.region if member else "",
                response.submitted_on.isoformat() if response.submitted_on else "",
                *["; ".join(given.get(q.pk, [])) for q in questions],
            ]
        )
    headers = [_("Name"), _("Email"), _("Sector"), _("Region"), _("Answered on")]
    return table_response(
        f"survey-{survey.pk}-responses", fmt, [*headers, *[q.text for q in questions]], rows
    )


# --- answering (the respondent) ------------------------------------------------------------------


@ecosystem_view("network.answer_surveys", public=True)
@never_cache
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, ecosystem_slug: str, token: str) -> HttpResponse:
    invitation = services.invitation_for(token)
    if invitation is None or invitation.survey.ecosystem_id != current_ecosystem(request).pk:
        raise Http404
    language = invitation.language if invitation.language in ("en", "es") else "en"
    if request.GET.get("lang") in ("en", "es"):
        language = request.GET["lang"]
    # the whole page in the respondent's language: labels, errors, the layout around them
    with translation.override(language):
        return _answer(request, invitation, language)


def _answer(request: HttpRequest, invitation: Any, language: str) -> HttpResponse:
    survey = invitation.survey
    context: dict[str, Any] = {
        "ecosystem": survey.ecosystem,
        "survey": survey,
        "language": language,
        "preview": False,
    }
    if invitation.responded:
        return render(request, "network/surveys/answered.html", {**context, "already": True})
    if not survey.is_open or not invitation.member.is_active:
        return render(request, "network/surveys/answered.html", {**context, "closed": True})
    form = AnswerForm(
        request.POST or None,
        questions=list(services.ordered_questions(survey)),
        language=language,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.submit(invitation, form.answers())
        except DomainError as error:
            return render(
                request, "network/surveys/answered.html", {**context, "refused": str(error)}
            )
        return render(request, "network/surveys/answered.html", {**context, "thanks": True})
    return render(request, "network/surveys/answer.html", {**context, "form": form})


urlpatterns: list[URLPattern] = [
    path("surveys/", survey_list, name="surveys"),
    path("surveys/template/", survey_from_template, name="survey_from_template"),
    path("surveys/new/", survey_create, name="survey_create"),
    path("surveys/<int:pk>/", survey_detail, name="survey"),
    path("surveys/<int:pk>/edit/", survey_edit, name="survey_edit"),
    path("surveys/<int:pk>/delete/", survey_delete, name="survey_delete"),
    path("surveys/<int:pk>/preview/", survey_preview, name="survey_preview"),
    path("surveys/<int:pk>/open/", survey_open, name="survey_open"),
    path("surveys/<int:pk>/close/", survey_close, name="survey_close"),
    path("surveys/<int:pk>/results/", survey_results_page, name="survey_results"),
    path("surveys/<int:pk>/responses/", survey_responses_export, name="survey_responses"),
    path("surveys/<int:pk>/sections/new/", section_edit, name="survey_section_create"),
    path("surveys/<int:pk>/sections/<int:section>/", section_edit, name="survey_section_edit"),
    path("surveys/<int:pk>/questions/new/", question_edit, name="survey_question_create"),
    path("surveys/<int:pk>/questions/<int:question>/", question_edit, name="survey_question_edit"),
    path(
        "surveys/<int:pk>/questions/<int:question>/move/",
        question_move,
        name="survey_question_move",
    ),
    path("surveys/<int:pk>/<str:kind>/<int:part>/delete/", part_delete, name="survey_part_delete"),
    path("surveys/answer/<str:token>/", survey_answer, name="survey_answer"),
]
