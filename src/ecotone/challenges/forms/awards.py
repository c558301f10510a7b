"""Forms of the awards pages: an award, a milestone, the signed agreement."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecotone.limits import SHORT_TEXT
from ecotone.widgets import DatePicker

from ..models import MilestoneKind


class AwardForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Cash grant (USD)"), min_value=Decimal("0"), max_digits=12, decimal_places=2
    )
    in_kind = forms.CharField(
        label=_("In-kind support"),
        required=False,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    citation = forms.CharField(
        label=_("Public citation"),
        required=False,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Shown on the public winners page once published."),
    )


class NewAwardForm(AwardForm):
    application = forms.TypedChoiceField(label=_("Application"), coerce=int, choices=())

    field_order = ["application", "amount", "in_kind", "citation"]

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        application = self.fields["application"]
        assert isinstance(application, forms.TypedChoiceField)
        application.choices = choices


class MilestoneForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=MilestoneKind.choices)
    title = forms.CharField(label=_("What"), max_length=200)
    due_on = forms.DateField(label=_("Due"), widget=DatePicker())
    amount = forms.DecimalField(
        label=_("Amount (USD)"),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=2,
        required=False,
    )


class AgreementForm(forms.Form):
    file = forms.FileField(label=_("Signed agreement"))
    signed_on = forms.DateField(label=_("Signed on"), required=False, widget=DatePicker())
