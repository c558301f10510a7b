"""Forms of the backbone's pages that write a call: the call, a criterion, an eligibility
question, a form question (its settings as fields per kind) and a round; and the filters of
the public list of calls and of a call's applications. Rules live in `services.calls`; these
only read what was typed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecotone.widgets import DateTimePicker

from ..answers import FILE_TYPES
from ..models import ApplicationStatus, QuestionKind, RoundKind

LOCAL = DateTimePicker()


class LocalDateTimeField(forms.DateTimeField):
    """A time as typed, naive: the service reads it in the ecosystem's time zone (not the
    request's)."""

    widget = LOCAL
    input_formats = ["%Y-%m-%dT%H:%M"]

    def to_python(self, value: Any) -> Any:
        found = super().to_python(value)
        return found.replace(tzinfo=None) if found is not None else None

    def prepare_value(self, value: Any) -> Any:
        return value


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class CallFilterForm(forms.Form):
    SORTS = (
        ("", _("Open calls first")),
        ("deadline", _("Deadline, soonest first")),
        ("-deadline", _("Deadline, latest first")),
        ("title", _("Title")),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)


class CallForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    summary = forms.CharField(label=_("Summary"), max_length=300, required=False)
    description = forms.CharField(
        label=_("Description"), widget=forms.Textarea(attrs={"rows": 8}), required=False
    )
    opens_at = LocalDateTimeField(label=_("Opens"), required=False)
    deadline = LocalDateTimeField(label=_("Deadline"))
    scale_min = forms.IntegerField(label=_("Lowest score"), min_value=0, max_value=9, initial=1)
    scale_max = forms.IntegerField(label=_("Highest score"), min_value=1, max_value=10, initial=5)
    total_funds = forms.DecimalField(
        label=_("Funds available (USD)"), required=False, min_value=Decimal(0), max_digits=12
    )
    contact_email = forms.EmailField(label=_("Contact email"), required=False)

    def __init__(self, *args: Any, zone_name: str = "", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        text = _("In the ecosystem's time zone (%(zone)s).") % {"zone": zone_name}
        self.fields["deadline"].help_text = text
        self.fields["opens_at"].help_text = text

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("scale_min"), data.get("scale_max")
        if low is not None and high is not None and low >= high:
            self.add_error("scale_max", _("The highest score is above the lowest."))
        return data


class CriterionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("What reviewers look for"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
    )
    weight = forms.DecimalField(
        label=_("Weight"), min_value=Decimal("0.01"), max_digits=5, decimal_places=2, initial=1
    )
    descriptors = forms.CharField(
        label=_("Descriptors, one line per level, lowest first"),
        widget=forms.Textarea(attrs={"rows": 5}),
    )

    def descriptor_list(self) -> list[str]:
        return _lines(self.cleaned_data["descriptors"])


class EligibilityForm(forms.Form):
    text = forms.CharField(label=_("Question"), max_length=300)
    eligible_answer = forms.TypedChoiceField(
        label=_("Eligible answer"),
        choices=(("yes", _("Yes")), ("no", _("No"))),
        coerce=lambda v: v == "yes",
        initial="yes",
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(label=_("Reason shown when not eligible"), max_length=300)


class QuestionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=QuestionKind.choices)
    label = forms.CharField(label=_("Question"), max_length=300)
    help_text = forms.CharField(
        label=_("Help"), required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )
    required = forms.BooleanField(label=_("Required to submit"), required=False, initial=True)
    word_limit = forms.IntegerField(label=_("Word limit (text)"), required=False, min_value=1)
    options = forms.CharField(
        label=_("Options, one per line (choice)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    minimum = forms.DecimalField(label=_("Lowest number (number)"), required=False)
    maximum = forms.DecimalField(label=_("Highest number (number)"), required=False)
    categories = forms.CharField(
        label=_("Categories, one per line (budget)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    max_total = forms.DecimalField(label=_("Largest total (budget)"), required=False, min_value=0)
    types = forms.MultipleChoiceField(
        label=_("Accepted types (file)"),
        required=False,
        choices=[(t, t) for t in FILE_TYPES],
        widget=forms.CheckboxSelectMultiple,
    )
    max_mb = forms.IntegerField(label=_("Largest size in MB (file)"), required=False, min_value=1)
    max_partners = forms.IntegerField(
        label=_("Most partners (partners)"), required=False, min_value=1
    )

    def settings(self) -> dict[str, Any]:
        """The question's settings for its kind, from the fields that kind reads."""
        d = self.cleaned_data
        kind = d["kind"]
        found: dict[str, Any] = {}

        def number(value: Decimal | None) -> int | float | None:
            if value is None:
                return None
            return int(value) if value == value.to_integral_value() else float(value)

        if kind == QuestionKind.TEXT and d.get("word_limit"):
            found["word_limit"] = d["word_limit"]
        elif kind in (QuestionKind.CHOICE, QuestionKind.CHOICES):
            found["options"] = _lines(d.get("options") or "")
        elif kind == QuestionKind.NUMBER:
            for name, key in (("minimum", "min"), ("maximum", "max")):
                if d.get(name) is not None:
                    found[key] = number(d[name])
        elif kind == QuestionKind.BUDGET:
            found["categories"] = _lines(d.get("categories") or "")
            if d.get("max_total") is not None:
                found["max_total"] = number(d["max_total"])
        elif kind == QuestionKind.FILE:
            if d.get("types"):
                found["types"] = list(d["types"])
            if d.get("max_mb"):
                found["max_mb"] = d["max_mb"]
        elif kind == QuestionKind.PARTNERS and d.get("max_partners"):
            found["max"] = d["max_partners"]
        return found

    @staticmethod
    def initial_from(question: Any) -> dict[str, Any]:
        s = question.settings
        return {
            "kind": question.kind,
            "label": question.label,
            "help_text": question.help_text,
            "required": question.required,
            "word_limit": s.get("word_limit"),
            "options": "\n".join(s.get("options", [])),
            "minimum": s.get("min"),
            "maximum": s.get("max"),
            "categories": "\n".join(s.get("categories", [])),
            "max_total": s.get("max_total"),
            "types": s.get("types", []),
            "max_mb": s.get("max_mb"),
            "max_partners": s.get("max"),
        }


class RoundForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    kind = forms.ChoiceField(label=_("Kind"), choices=RoundKind.choices)
    reviews_per_application = forms.IntegerField(
        label=_("Reviews per application"), min_value=1, max_value=20, initial=3
    )
    min_load = forms.IntegerField(
        label=_("Fewest applications per reviewer"), min_value=0, initial=0
    )
    max_load = forms.IntegerField(
        label=_("Most applications per reviewer"), min_value=1, initial=15
    )
    due_at = LocalDateTimeField(label=_("Due"), required=False)
    exclude_not_willing = forms.BooleanField(
        label=_("Never assign a reviewer who said 'not willing'"), required=False
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        low, high = data.get("min_load"), data.get("max_load")
        if low is not None and high is not None and low > high:
            self.add_error("min_load", _("The fewest cannot be more than the most."))
        return data


class ApplicationFilterForm(forms.Form):
    SORTS = (
        ("-submitted_at", _("Submitted, latest first")),
        ("submitted_at", _("Submitted, earliest first")),
        ("title", _("Title")),
        ("organization", _("Organization")),
        ("status", _("Status")),
    )
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=_("Status"), required=False)
    round = forms.TypedChoiceField(label=_("Round"), required=False, coerce=int, empty_value=None)
    sort = forms.ChoiceField(label=_("Sort by"), choices=SORTS, required=False)

    def __init__(self, *args: Any, rounds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        statuses = [c for c in ApplicationStatus.choices if c[0] != ApplicationStatus.DRAFT]
        status: Any = self.fields["status"]
        status.choices = [("", _("Any")), *statuses]
        round_: Any = self.fields["round"]
        round_.choices = [("", _("Any")), *[(str(pk), n) for pk, n in rounds]]
