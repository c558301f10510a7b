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
from .models import Indicator, Period, PublicFormat, Review


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

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        field.queryset = organizations  # type: ignore[attr-defined]
        if organizations.count() == 1:
            field.initial = organizations.first()


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
