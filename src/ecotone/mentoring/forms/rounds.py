"""The form that starts a matching round: its name, what it optimises for (each mode with its
plain-language help) and the points of each part of the score.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from .. import solver
from ..models import RoundMode
from ..services import rounds

MODE_HELP: dict[str, Any] = {
    RoundMode.SCORE: gettext_lazy(
        "The best pairs overall: the highest total score across every proposal. A program "
        "that fits few mentors may get none."
    ),
    RoundMode.PARTICIPATION: gettext_lazy(
        "As many programs as possible get at least one mentor first; among those proposals, "
        "the highest total score."
    ),
    RoundMode.STABLE: gettext_lazy(
        "No mentor and program would both rather be together than with whom they are "
        "proposed. Both sides rank by the same fit score."
    ),
}


class ModeSelect(forms.RadioSelect):
    """Radio buttons whose labels carry each mode's plain-language help."""

    def create_option(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        option = super().create_option(*args, **kwargs)
        option["help"] = MODE_HELP.get(option["value"], "")
        return option


WEIGHT_LABELS: dict[str, Any] = {
    "base": gettext_lazy("Any safe match"),
    "topics": gettext_lazy("Topics and skills fit (all of the opportunity's topics)"),
    "distance": gettext_lazy("Closeness, in person (at 0 miles)"),
    "language": gettext_lazy("Speaks one of the students' languages"),
    "identity": gettext_lazy("Shared identity, where both sides opted in"),
    "interest": gettext_lazy("The mentor marked the opportunity"),
    "equity": gettext_lazy("Equity priority of the program (at the highest priority)"),
}


class RoundForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("Name"), max_length=120)
    mode = forms.ChoiceField(
        label=gettext_lazy("Optimise for"),
        choices=RoundMode.choices,
        initial=RoundMode.SCORE,
        widget=ModeSelect,
    )
    require_shared_topic = forms.BooleanField(
        label=gettext_lazy("Propose only mentors who share a topic or skill with the opportunity"),
        help_text=gettext_lazy(
            "Without it, a mentor with nothing in common may be proposed where they have time "
            "and every rule is met."
        ),
        required=False,
        initial=True,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        defaults = solver.ScoreWeights()
        for name in solver.COMPONENTS:
            self.fields[f"weight_{name}"] = forms.IntegerField(
                label=WEIGHT_LABELS[name],
                min_value=0,
                max_value=rounds.MAX_WEIGHT,
                initial=getattr(defaults, name),
                required=False,
            )

    def weight_fields(self) -> list[forms.BoundField]:
        return [self[f"weight_{name}"] for name in solver.COMPONENTS]

    def weights(self) -> dict[str, int]:
        """The points the form sets (left empty: the default)."""
        return {
            name: self.cleaned_data[f"weight_{name}"]
            for name in solver.COMPONENTS
            if self.cleaned_data.get(f"weight_{name}") is not None
        }
