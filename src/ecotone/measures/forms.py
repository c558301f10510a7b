"""Forms of the indicator pages. They only read input: the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Organization
from ecotone.limits import SEARCH_TEXT
from ecotone.widgets import DatePicker

from . import codes
from .models import DataCollection, Indicator, Period, PeriodType, PublicFormat, Review


def dimension_choices() -> list[tuple[str, str]]:
    language = get_language() or "en"
    return [(key, s.label(language)) for key, s in codes.OPTION_SETS.items()]


class IndicatorForm(forms.ModelForm):
    dimensions = forms.MultipleChoiceField(
        label=_("Broken down by"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The groups partners report the indicator for, besides the total."),
    )

    class Meta:
        model = Indicator
        fields = (
            "name",
            "definition",
            "unit",
            "numerator",
            "denominator",
            "direction",
            "period_type",
            "dimensions",
            "is_published",
        )
        widgets = {"definition": forms.Textarea(attrs={"rows": 4})}
        help_texts = {
            "is_published": _("Partners and members see published indicators."),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["dimensions"].choices = dimension_choices()  # type: ignore[attr-defined]

    def _post_clean(self) -> None:
        # The model's rules (the aggregation a unit implies) are the service's to apply.
        pass


class IndicatorFilterForm(forms.Form):
    STATUSES = (
        ("", _("Active")),
        ("published", _("Published")),
        ("draft", _("Not published")),
        ("archived", _("Archived")),
    )
    q = forms.CharField(
        max_length=SEARCH_TEXT,
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES)


class SubmissionUploadForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), empty_label=None
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or Excel (.xlsx), in the columns of the template. It is checked first; "
            "nothing is sent to the backbone until you submit it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    collection = forms.ModelChoiceField(
        label=_("Data collection"),
        queryset=DataCollection.objects.none(),
        required=False,
        empty_label=_("None"),
        help_text=_("When the file answers a collection, rows it does not ask for are flagged."),
    )

    def __init__(
        self, *args: Any, organizations: Any, collections: Any = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = organizations  # type: ignore[attr-defined]
        if organizations.count() == 1:
            field.initial = organizations.first()
        if collections is None:
            del self.fields["collection"]
        else:
            self.fields["collection"].queryset = collections  # type: ignore[attr-defined]


class SubmissionFilterForm(forms.Form):
    review = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *Review.choices]
    )
    organization = forms.ModelChoiceField(
        label=_("Partner"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("Any"),
        to_field_name="slug",
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class ReturnForm(forms.Form):
    comment = forms.CharField(
        label=_("What should the partner change?"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
    )


class AgreementForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Partner"), queryset=Organization.objects.none(), empty_label=None
    )
    indicators = forms.MultipleChoiceField(
        label=_("Indicators covered"), widget=forms.CheckboxSelectMultiple
    )
    signatories = forms.CharField(
        label=_("Signed by"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One name and role a line."),
    )
    starts_on = forms.DateField(label=_("Starts"), widget=DatePicker())
    ends_on = forms.DateField(
        label=_("Ends"),
        required=False,
        widget=DatePicker(),
        help_text=_("Leave empty for an agreement without an end date."),
    )
    file = forms.FileField(label=_("Signed agreement"), required=False)

    def __init__(self, *args: Any, organizations: Any, indicators: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["indicators"].choices = [  # type: ignore[attr-defined]
            (i.key, i.name) for i in indicators
        ]


class CollectionForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    indicators = forms.MultipleChoiceField(
        label=_("Indicators"),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Published indicators only: partners report what they can see."),
    )
    periods = forms.MultipleChoiceField(label=_("Periods"), widget=forms.CheckboxSelectMultiple)
    organizations = forms.MultipleChoiceField(
        label=_("Partners"), widget=forms.CheckboxSelectMultiple
    )
    due_on = forms.DateField(label=_("Due date"), widget=DatePicker())
    remind_days_before = forms.IntegerField(
        label=_("Remind partners this many days before the due date"),
        min_value=0,
        max_value=365,
        initial=7,
        help_text=_("Partners that have not submitted are emailed once. 0: no reminder before."),
    )
    remind_when_overdue = forms.BooleanField(
        label=_("Remind once more when overdue"), required=False, initial=True
    )

    def __init__(
        self, *args: Any, indicators: Any, periods: Any, organizations: Any, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicators"].choices = [  # type: ignore[attr-defined]
            (i.key, i.name) for i in indicators
        ]
        self.fields["periods"].choices = [  # type: ignore[attr-defined]
            (str(p.pk), f"{p.label} ({p.get_type_display()})") for p in periods
        ]
        self.fields["organizations"].choices = [  # type: ignore[attr-defined]
            (str(o.pk), o.name) for o in organizations
        ]


class CollectionFilterForm(forms.Form):
    STATUSES = (("", _("Open")), ("closed", _("Closed")), ("all", _("Any")))
    SORTS = (
        ("-due_on", _("Due date, latest first")),
        ("due_on", _("Due date, earliest first")),
        ("name", _("Name")),
        ("-created_at", _("Newest first")),
    )
    q = forms.CharField(
        max_length=SEARCH_TEXT,
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=STATUSES)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)


class WebValuesForm(forms.Form):
    """One indicator x period entered by hand: a number field (or a numerator and a
    denominator) per combination of codes the indicator is broken down by. It only reads the
    numbers: they become a file the submission's check reads like any other."""

    def __init__(
        self, *args: Any, combos: list[tuple[str, dict[str, str]]], ratio: bool, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.combos = combos
        self.ratio = ratio
        names = ("numerator", "denominator") if ratio else ("value",)
        self.rows: list[tuple[str, list[Any]]] = []
        for index, (label, _parts) in enumerate(combos):
            fields = []
            for name in names:
                key = f"{name}_{index}"
                # Text, not a number field: reading the number is the check's rule
                # (not_a_number, value_out_of_range), the same as for a file.
                self.fields[key] = forms.CharField(
                    label=f"{label}: {name}",
                    required=False,
                    max_length=40,
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "autocomplete": "off"}),
                )
                fields.append(key)
            self.rows.append((label, fields))

    def bound_rows(self) -> list[tuple[str, list[Any]]]:
        return [(label, [self[name] for name in names]) for label, names in self.rows]

    def filled(self) -> list[tuple[dict[str, str], dict[str, Any]]]:
        """(codes, numbers) of each row with a number entered, in the form's order."""
        found = []
        names = ("numerator", "denominator") if self.ratio else ("value",)
        for index, (_label, parts) in enumerate(self.combos):
            numbers = {name: self.cleaned_data.get(f"{name}_{index}") or "" for name in names}
            if any(numbers.values()):
                found.append((parts, numbers))
        return found


class CrosswalkForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Partner"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("Every partner"),
        help_text=_("A partner's own entry wins over one for every partner."),
    )
    dimension = forms.ChoiceField(label=_("Dimension"))
    local_code = forms.CharField(label=_("Their code"), max_length=300)
    code = forms.CharField(
        label=_("Common code"),
        max_length=60,
        help_text=_("The common (CEDS) code, as in the data formats guide: Female, Asian, 09..."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["dimension"].choices = dimension_choices()  # type: ignore[attr-defined]


class CrosswalkImportForm(forms.Form):
    file = forms.FileField(
        label=_("CSV file"),
        help_text=_(
            "Columns: partner (its short name, empty for every partner), dimension, "
            "their code, common code, note: the columns of the CSV download."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv"}),
    )


class EndAgreementForm(forms.Form):
    ends_on = forms.DateField(
        label=_("Last day of the agreement"),
        widget=DatePicker(),
        help_text=_("From the next day, the partner's files are checked without it."),
    )


class DashboardFilterForm(forms.Form):
    """What a dashboard shows: a period, one partner's figures or all partners', one program
    type and one area (for indicators broken down by them), and the dimension its chart and
    equity table break the figures down by."""

    source = forms.ChoiceField(label=_("Figures from"), required=False)
    period = forms.TypedChoiceField(label=_("Period"), coerce=int, required=False)
    organization = forms.ChoiceField(label=_("Partner"), required=False)
    program_type = forms.ChoiceField(label=_("Program type"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    dimension = forms.ChoiceField(label=_("Break down by"), required=False)

    def __init__(
        self,
        *args: Any,
        periods: Any,
        organizations: Any,
        dimensions: Any,
        program_types: Any = (),
        areas: Any = (),
        sources: Any = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program_type"].choices = [("", _("All program types")), *program_types]  # type: ignore[attr-defined]
        self.fields["area"].choices = [("", _("All areas")), *areas]  # type: ignore[attr-defined]
        self.fields["source"].choices = list(sources)  # type: ignore[attr-defined]
        self.fields["period"].choices = [(p.pk, p.label) for p in periods]  # type: ignore[attr-defined]
        self.fields["organization"].choices = [  # type: ignore[attr-defined]
            ("", _("All partners")),
            *((o.slug, o.name) for o in organizations),
        ]
        self.fields["dimension"].choices = list(dimensions)  # type: ignore[attr-defined]


class PublicSourceForm(forms.Form):
    format = forms.ChoiceField(label=_("Format"), choices=PublicFormat.choices)
    indicator = forms.ModelChoiceField(
        label=_("Counted as (CCD only)"),
        queryset=Indicator.objects.none(),
        required=False,
        help_text=_("A count indicator broken down by sex and race."),
    )
    period = forms.ModelChoiceField(
        label=_("School year (CCD only)"), queryset=Period.objects.none(), required=False
    )
    file = forms.FileField(
        label=_("File"),
        help_text=_(
            "CSV or Excel (.xlsx). It is checked first; nothing is written until you apply it."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )

    def __init__(self, *args: Any, indicators: Any, periods: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["indicator"].queryset = indicators  # type: ignore[attr-defined]
        self.fields["period"].queryset = periods  # type: ignore[attr-defined]


class ReportPeriodForm(forms.Form):
    """The period a printable report is for (the latest with figures when none is chosen)."""

    period = forms.TypedChoiceField(label=_("Period"), coerce=int, required=False)

    def __init__(self, *args: Any, periods: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].choices = [(p.pk, p.label) for p in periods]  # type: ignore[attr-defined]


class PeriodForm(forms.Form):
    type = forms.ChoiceField(label=_("Type"), choices=PeriodType.choices)
    start = forms.DateField(label=_("Start"), widget=DatePicker())
    end = forms.DateField(label=_("End"), widget=DatePicker(), help_text=_("Its last day."))
    label = forms.CharField(
        label=_("Label"),
        max_length=60,
        help_text=_("As partners' files name it, for example 2024–25 or Fall 2024."),
    )


class PeriodFilterForm(forms.Form):
    SORTS = (
        ("-start", _("Start, latest first")),
        ("start", _("Start, earliest first")),
        ("label", _("Label")),
    )
    q = forms.CharField(
        max_length=SEARCH_TEXT,
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    type = forms.ChoiceField(
        label=_("Type"), required=False, choices=[("", _("Any")), *PeriodType.choices]
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)


class LinkageSecretForm(forms.Form):
    """What the steward's page posts when a secret is set up or rotated: the school year it
    starts from and the check value the browser computed. The secret itself is never a field:
    it stays in the browser (static/ecotone/linkage-secret.js)."""

    first_year = forms.TypedChoiceField(label=_("First school year of the secret"), coerce=int)
    check_value = forms.CharField(
        max_length=64,
        widget=forms.HiddenInput,
        error_messages={
            "required": _(
                "No check value was sent: generate the secret on this page first (it needs"
                " JavaScript)."
            )
        },
    )
    kept = forms.BooleanField(
        label=_("I have copied the secret and keep it somewhere safe: it is not shown again."),
    )

    def __init__(self, *args: Any, years: list[tuple[int, str]], rotating: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["first_year"].choices = years  # type: ignore[attr-defined]
        if rotating:
            self.fields["understood"] = forms.BooleanField(
                label=_(
                    "I understand that rosters encoded with the new secret will not link with"
                    " those of earlier school years."
                )
            )


class RosterRetentionForm(forms.Form):
    roster_retention_years = forms.IntegerField(
        label=_("Keep participation rosters for (years)"),
        min_value=1,
        max_value=20,
        help_text=_("Counted from the end of the roster's school year; 1 to 20."),
    )


class RosterFilterForm(forms.Form):
    SORTS = (
        ("-period__start", _("Period, latest first")),
        ("period__start", _("Period, earliest first")),
        ("program__name", _("Program")),
        ("organization__name", _("Partner")),
        ("-created_at", _("Submitted, latest first")),
        ("-row_count", _("Rows, most first")),
    )
    q = forms.CharField(
        max_length=SEARCH_TEXT,
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    period = forms.ModelChoiceField(
        label=_("Period"), required=False, queryset=Period.objects.none(), empty_label=_("Any")
    )
    organization = forms.ModelChoiceField(
        label=_("Partner"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("Any"),
        to_field_name="slug",
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args: Any, periods: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"].queryset = periods  # type: ignore[attr-defined]
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
