"""The shortlist form of the ranking page: the top N by adjusted rank, or those ticked."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecotone.limits import SHORT_TEXT


class ShortlistForm(forms.Form):
    TOP = "top"
    CHOSEN = "chosen"
    mode = forms.ChoiceField(
        label=_("Advance"),
        choices=[(TOP, _("the top applications by adjusted rank")), (CHOSEN, _("those I ticked"))],
        initial=TOP,
        widget=forms.RadioSelect,
    )
    top = forms.IntegerField(label=_("How many"), min_value=1, max_value=10000, required=False)
    advance = forms.TypedMultipleChoiceField(
        label=_("Applications to advance"), coerce=int, required=False, choices=()
    )
    note = forms.CharField(
        label=_("Note kept with the decision"),
        required=False,
        max_length=SHORT_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_(
            "I understand every application of the round is decided now, "
            "and applicants are emailed."
        ),
        required=False,
    )

    def __init__(self, *args: Any, choices: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        advance = self.fields["advance"]
        assert isinstance(advance, forms.TypedMultipleChoiceField)
        advance.choices = choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("mode") == self.TOP and not data.get("top"):
            self.add_error("top", _("Say how many applications advance."))
        if data.get("mode") == self.CHOSEN and not data.get("advance"):
            self.add_error("advance", _("Tick at least one application."))
        return data
