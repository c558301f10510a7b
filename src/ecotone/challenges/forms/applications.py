"""Forms of the applicant's pages: starting an application, the eligibility questions, the
application form built from the call's questions (one field, or a few, per question kind,
all optional so a draft keeps what was typed; `answers.check` says what is missing or wrong),
and inviting a co-applicant. A budget table is a fixed number of rows (those answered plus
three empty ones), so the form works without JavaScript."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Organization, Sector

from ..models import EligibilityQuestion, Question, QuestionKind

EMPTY_BUDGET_ROWS = 3


class StartApplicationForm(forms.Form):
    title = forms.CharField(label=_("Project title"), max_length=200)
    organization = forms.ModelChoiceField(
        label=_("Lead organization, from the directory"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Not in the directory: I name it below"),
    )
    organization_name = forms.CharField(label=_("Or its name"), max_length=200, required=False)
    organization_sector = forms.ChoiceField(
        label=_("Its sector"), choices=[("", "—"), *Sector.choices], required=False
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("organization"):
            if not data.get("organization_name"):
                self.add_error(
                    "organization_name",
                    _("Choose a partner from the directory, or name your organization."),
                )
            if not data.get("organization_sector"):
                self.add_error("organization_sector", _("Choose your organization's sector."))
        return data


class ScreeningForm(forms.Form):
    """One yes/no field per eligibility question, named `q<id>`."""

    def __init__(self, *args: Any, questions: Sequence[EligibilityQuestion], **kwargs: Any):
        super().__init__(*args, **kwargs)
        for question in questions:
            self.fields[f"q{question.pk}"] = forms.ChoiceField(
                label=question.text,
                choices=(("yes", _("Yes")), ("no", _("No"))),
                widget=forms.RadioSelect,
            )

    def given(self) -> dict[int, bool]:
        return {int(name[1:]): value == "yes" for name, value in self.cleaned_data.items()}


def field_name(question: Question) -> str:
    return f"a_{question.key}"


class AnswersForm(forms.Form):
    """The application form: the title and summary, then one field per question (a budget
    has one row of three fields per line, `a_<key>_<i>_category|description|amount`)."""

    title = forms.CharField(label=_("Project title"), max_length=200)
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        questions: Sequence[Question],
        answers: dict[str, Any],
        partners: QuerySet[Organization],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        self.budget_rows: dict[str, int] = {}
        for q in self.questions:
            name, value, s = field_name(q), answers.get(q.key), q.settings
            common: dict[str, Any] = {"label": q.label, "required": False, "help_text": q.help_text}
            field: forms.Field | None
            if q.kind == QuestionKind.TEXT:
                field = forms.CharField(widget=forms.Textarea(attrs={"rows": 6}), **common)
                if s.get("word_limit"):
                    field.help_text = " ".join(
                        [q.help_text, str(_("At most %(n)s words.") % {"n": s["word_limit"]})]
                    ).strip()
            elif q.kind == QuestionKind.CHOICE:
                field = forms.ChoiceField(
                    choices=[(o, o) for o in s.get("options", [])],
                    widget=forms.RadioSelect,
                    **common,
                )
            elif q.kind == QuestionKind.CHOICES:
                field = forms.MultipleChoiceField(
                    choices=[(o, o) for o in s.get("options", [])],
                    widget=forms.CheckboxSelectMultiple,
                    **common,
                )
            elif q.kind == QuestionKind.NUMBER:
                field = forms.CharField(
                    widget=forms.TextInput(attrs={"inputmode": "decimal"}), **common
                )
            elif q.kind == QuestionKind.FILE:
                field = forms.FileField(**common)
            elif q.kind == QuestionKind.PARTNERS:
                field = forms.ModelMultipleChoiceField(
                    queryset=partners, widget=forms.SelectMultiple(attrs={"size": 8}), **common
                )
            else:  # budget
                field = None
                rows = value if isinstance(value, list) else []
                self.budget_rows[q.key] = len(rows) + EMPTY_BUDGET_ROWS
                categories = [("", "—")] + [(c, c) for c in s.get("categories", [])]
                for i in range(self.budget_rows[q.key]):
                    row = rows[i] if i < len(rows) and isinstance(rows[i], dict) else {}
                    prefix = f"{name}_{i}"
                    self.fields[f"{prefix}_category"] = forms.ChoiceField(
                        label=_("Category"), choices=categories, required=False
                    )
                    self.fields[f"{prefix}_description"] = forms.CharField(
                        label=_("Description"), required=False, max_length=300
                    )
                    self.fields[f"{prefix}_amount"] = forms.CharField(
                        label=_("Amount (USD)"), required=False, max_length=20
                    )
                    if not self.is_bound:
                        self.initial[f"{prefix}_category"] = row.get("category", "")
                        self.initial[f"{prefix}_description"] = row.get("description", "")
                        self.initial[f"{prefix}_amount"] = row.get("amount", "")
            if field is not None:
                self.fields[name] = field
                if not self.is_bound and value is not None and q.kind != QuestionKind.FILE:
                    self.initial[name] = value

    def answers(self) -> dict[str, Any]:
        """The answers as typed (files apart: the view uploads them), budget rows left
        empty dropped."""
        d = self.cleaned_data
        found: dict[str, Any] = {}
        for q in self.questions:
            name = field_name(q)
            if q.kind == QuestionKind.FILE:
                continue
            if q.kind == QuestionKind.BUDGET:
                rows = []
                for i in range(self.budget_rows[q.key]):
                    row = {
                        part: (d.get(f"{name}_{i}_{part}") or "").strip()
                        for part in ("category", "description", "amount")
                    }
                    if any(row.values()):
                        rows.append(row)
                found[q.key] = rows
            elif q.kind == QuestionKind.PARTNERS:
                found[q.key] = [o.pk for o in d.get(name) or []]
            elif q.kind == QuestionKind.CHOICES:
                found[q.key] = list(d.get(name) or [])
            else:
                found[q.key] = d.get(name) or ""
        return found

    def budget(self, question: Question) -> list[list[forms.BoundField]]:
        name = field_name(question)
        return [
            [self[f"{name}_{i}_{part}"] for part in ("category", "description", "amount")]
            for i in range(self.budget_rows.get(question.key, 0))
        ]


class InviteForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    organization_name = forms.CharField(
        label=_("Their organization"), max_length=200, required=False
    )
