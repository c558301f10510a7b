"""Forms of the survey pages: the list's search, a survey's settings, sections and questions
(the builder), and the respondent's answers (built from the questions, in their language)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone.ecosystems.models import Ecosystem
from ecotone.limits import SEARCH_TEXT, SHORT_TEXT
from ecotone.widgets import DatePicker

from .. import access
from ..models import Event, Question, QuestionKind, Section, Survey, SurveyAudience, SurveyStatus
from ..services.segments import Segment
from ..services.surveys import check_question
from . import segments


class SurveyFilterForm(forms.Form):
    SORTS = (
        ("-created_at", gettext_lazy("Newest first")),
        ("title", gettext_lazy("Title (A–Z)")),
        ("status", gettext_lazy("Status")),
        ("-answered", gettext_lazy("Most answers")),
    )
    q = forms.CharField(
        max_length=SEARCH_TEXT,
        label=gettext_lazy("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label=gettext_lazy("Status"),
        required=False,
        choices=[("", gettext_lazy("Any status")), *SurveyStatus.choices],
    )
    sort = forms.ChoiceField(label=gettext_lazy("Sort by"), required=False, choices=SORTS)


# The segment's workgroups, beside the survey's own `workgroup` (a workgroup's members asked).
SEGMENT_WORKGROUPS = "segment_workgroups"


class SurveyForm(forms.ModelForm[Survey]):
    """A survey's settings; who it goes to is an audience and, for a segment, its parts."""

    reminders = forms.CharField(
        label=gettext_lazy("Reminders (days after opening)"),
        required=False,
        max_length=40,
        help_text=gettext_lazy(
            "For example 7, 14: who has not answered is reminded once on each of those days."
        ),
    )

    class Meta:
        model = Survey
        fields = [
            "title",
            "title_es",
            "intro",
            "intro_es",
            "anonymous",
            "audience",
            "event",
            "workgroup",
            "opens_on",
            "closes_on",
        ]
        widgets = {
            "opens_on": DatePicker,
            "closes_on": DatePicker,
            "intro": forms.Textarea(attrs={"rows": 3}),
            "intro_es": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, ecosystem: Ecosystem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ecosystem = ecosystem
        self.fields["event"].queryset = Event.objects.filter(  # type: ignore[attr-defined]
            ecosystem=ecosystem
        ).order_by("-starts_at")
        groups = access.workgroups(ecosystem)
        self.fields["workgroup"].queryset = groups  # type: ignore[attr-defined]
        self.fields.update(segments.segment_fields(ecosystem, workgroups=SEGMENT_WORKGROUPS))
        initial = segments.initial_of(
            Segment.from_dict(self.instance.segment), workgroups=SEGMENT_WORKGROUPS
        )
        for name, value in initial.items():
            self.initial.setdefault(name, value)
        self.initial.setdefault(
            "reminders", ", ".join(str(d) for d in self.instance.reminder_days or [])
        )

    def clean_reminders(self) -> list[int]:
        text = self.cleaned_data.get("reminders") or ""
        days: set[int] = set()
        for part in text.replace(";", ",").split(","):
            if not part.strip():
                continue
            if not part.strip().isdigit() or not 1 <= int(part) <= 365:
                raise forms.ValidationError(
                    _("Write whole numbers of days from 1 to 365, separated by commas.")
                )
            days.add(int(part))
        if len(days) > 5:
            raise forms.ValidationError(_("At most five reminders."))
        return sorted(days)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        audience = data.get("audience")
        if audience == SurveyAudience.EVENT and not data.get("event"):
            self.add_error("event", _("Choose the event whose attendees are asked."))
        if audience == SurveyAudience.WORKGROUP and not data.get("workgroup"):
            self.add_error("workgroup", _("Choose the workgroup whose members are asked."))
        opens, closes = data.get("opens_on"), data.get("closes_on")
        if opens and closes and closes < opens:
            self.add_error("closes_on", _("The survey closes before it opens."))
        return data

    def save(self, commit: bool = True) -> Survey:
        survey = super().save(commit=False)
        data = self.cleaned_data
        survey.ecosystem = self.ecosystem
        survey.reminder_days = data.get("reminders") or []
        if survey.audience == SurveyAudience.SEGMENT:
            survey.segment = segments.segment_of(data, workgroups=SEGMENT_WORKGROUPS).as_dict()
        else:
            survey.segment = {}
        if survey.audience != SurveyAudience.EVENT:
            survey.event = None
        if survey.audience != SurveyAudience.WORKGROUP:
            survey.workgroup = None
        if commit:
            survey.save()
        return survey


class SectionForm(forms.ModelForm[Section]):
    class Meta:
        model = Section
        fields = ["title", "title_es"]


class QuestionForm(forms.ModelForm[Question]):
    class Meta:
        model = Question
        fields = [
            "section",
            "kind",
            "text",
            "text_es",
            "options",
            "options_es",
            "min_value",
            "max_value",
            "required",
        ]
        widgets = {
            "options": forms.Textarea(attrs={"rows": 5}),
            "options_es": forms.Textarea(attrs={"rows": 5}),
        }
        help_texts = {
            "options": gettext_lazy(
                "For one or several choices: one a line. For agreement: the five labels, or "
                "empty for Strongly disagree … Strongly agree."
            ),
        }

    def __init__(self, *args: Any, survey: Survey, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.instance.survey = survey
        self.fields["section"].queryset = survey.sections.all()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        probe = Question(
            survey=self.instance.survey,
            kind=data.get("kind") or "",
            options=data.get("options") or "",
            options_es=data.get("options_es") or "",
            min_value=data.get("min_value"),
            max_value=data.get("max_value"),
        )
        for problem in check_question(probe):
            self.add_error(None, problem)
        return data


class AnswerForm(forms.Form):
    """The respondent's form: a field per question (`q<id>`), labelled in their language;
    choice groups render as fieldsets with a legend (Django's RadioSelect and
    CheckboxSelectMultiple do)."""

    def __init__(self, *args: Any, questions: list[Question], language: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for q in questions:
            self.fields[f"q{q.pk}"] = _field(q, language)

    def answers(self) -> dict[int, Any]:
        return {q.pk: self.cleaned_data.get(f"q{q.pk}") for q in self.questions}

    def sections(self) -> list[tuple[Section | None, list[Any]]]:
        """The bound fields grouped by section, in order."""
        grouped: list[tuple[Section | None, list[Any]]] = []
        for q in self.questions:
            if not grouped or grouped[-1][0] != q.section:
                grouped.append((q.section, []))
            grouped[-1][1].append(self[f"q{q.pk}"])
        return grouped


def _field(q: Question, language: str) -> forms.Field:
    label = q.text_in(language)
    required = q.required
    messages = {"required": _("Please answer this question.")}
    choices = [(str(i), text) for i, text in enumerate(q.option_list(language), start=1)]
    if q.kind in (QuestionKind.LIKERT, QuestionKind.SINGLE):
        return forms.ChoiceField(
            label=label,
            required=required,
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={**messages, "invalid_choice": _("Choose one of the answers.")},
        )
    if q.kind == QuestionKind.MULTIPLE:
        return forms.MultipleChoiceField(
            label=label,
            required=required,
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            error_messages={**messages, "invalid_choice": _("Choose among the answers.")},
        )
    if q.kind == QuestionKind.NUMBER:
        low = q.min_value if q.min_value is not None else Decimal("-9999999999")
        high = q.max_value if q.max_value is not None else Decimal("9999999999")
        field = forms.DecimalField(
            label=label,
            required=required,
            min_value=low,
            max_value=high,
            max_digits=12,
            decimal_places=2,
            error_messages={
                **messages,
                "invalid": _("Write a number, for example 12 or 3.5."),
                "min_value": _("Write a number of at least %(limit_value)s."),
                "max_value": _("Write a number of at most %(limit_value)s."),
            },
        )
        if q.min_value is not None and q.max_value is not None:
            field.help_text = _("From %(low)s to %(high)s.") % {
                "low": _plain(q.min_value),
                "high": _plain(q.max_value),
            }
        field.widget.attrs["inputmode"] = "decimal"
        return field
    return forms.CharField(
        label=label,
        required=required,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 4}),
        error_messages={
            **messages,
            "max_length": _("Please keep it under %(limit_value)d characters."),
        },
    )


def _plain(value: Decimal) -> str:
    return format(value.normalize(), "f") if value == value.to_integral() else str(value)
