"""Forms of a match's life: the list's filters, the answers (decline), the agreement, the
check-in survey, the closure survey, withdrawal, logging hours and reviewing them. The rules
themselves are in the services (`services.matches`, `services.hours`); these only read input."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Organization
from ecotone.limits import SEARCH_TEXT
from ecotone.widgets import DatePicker

from ..models import ClosureKind, Frequency, HourStatus, MatchSource, MatchStatus


def _search() -> forms.CharField:
    return forms.CharField(
        max_length=SEARCH_TEXT,
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )


class MatchFilterForm(forms.Form):
    SORTS = (
        ("-created_at", _("Newest first")),
        ("created_at", _("Oldest first")),
        ("mentor", _("Mentor (A–Z)")),
        ("opportunity", _("Opportunity (A–Z)")),
        ("status", _("Status")),
        ("-score", _("Highest score")),
        ("start_on", _("Start date")),
    )
    q = _search()
    status = forms.ChoiceField(label=_("Status"), required=False)
    source = forms.ChoiceField(
        label=_("How it began"),
        required=False,
        choices=[("", _("Any way")), *MatchSource.choices],
    )
    program = forms.ModelChoiceField(
        label=_("Program"), required=False, queryset=Program.objects.none(), empty_label=_("Any")
    )
    at_risk = forms.BooleanField(
        label=_("At risk: a required screening step lapsed"), required=False
    )
    flagged = forms.BooleanField(label=_("A check-in asks staff to follow up"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(
        self, *args: Any, programs: Any, show_proposed: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        statuses = [
            (value, label)
            for value, label in MatchStatus.choices
            if show_proposed or value != MatchStatus.PROPOSED
        ]
        self.fields["status"].choices = [("", _("Any status")), *statuses]  # type: ignore[attr-defined]
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("Why (optional; shared with the other side)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AgreementForm(forms.Form):
    frequency = forms.ChoiceField(label=_("How often they meet"), choices=Frequency.choices)
    duration_weeks = forms.IntegerField(label=_("For how many weeks"), min_value=1, max_value=104)
    start_on = forms.DateField(label=_("Starting on"), widget=DatePicker())


YES_NO = (("", _("Not sure")), ("yes", _("Yes")), ("no", _("No")))


class CheckInForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("How is the match going? (1 = poorly, 5 = very well)"),
        choices=[(str(n), str(n)) for n in range(1, 6)],
        coerce=int,
        widget=forms.RadioSelect,
    )
    meeting_as_agreed = forms.ChoiceField(
        label=_("Are they meeting as agreed?"), choices=YES_NO, required=False
    )
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )
    needs_attention = forms.BooleanField(
        label=_("Staff should follow up on this match"), required=False
    )

    def agreed(self) -> bool | None:
        answer = self.cleaned_data.get("meeting_as_agreed")
        return None if not answer else answer == "yes"


class ClosureForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("How is the match ending?"), choices=ClosureKind.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("Reason (required when it ends early)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    goals_met = forms.ChoiceField(
        label=_("Did the match reach what it set out to do?"),
        choices=(("yes", _("Yes")), ("partly", _("Partly")), ("no", _("No"))),
    )
    would_again = forms.ChoiceField(
        label=_("Would the mentor take part in a match like this again?"),
        choices=(("yes", _("Yes")), ("unsure", _("Not sure")), ("no", _("No"))),
    )
    learned = forms.CharField(
        label=_("What should the next match do differently? (optional)"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    rematch = forms.BooleanField(label=_("The mentor would like a new match"), required=False)

    def survey(self) -> dict[str, str]:
        data = self.cleaned_data
        return {
            "goals_met": data["goals_met"],
            "would_again": data["would_again"],
            "learned": data.get("learned", "").strip(),
        }


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("Why it is withdrawn"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    confirm = forms.BooleanField(
        label=_("Yes, withdraw this match: neither side can accept it any more"), required=True
    )


class HourLogForm(forms.Form):
    date = forms.DateField(label=_("Date"), widget=DatePicker())
    hours = forms.DecimalField(
        label=_("Hours"),
        min_value=Decimal("0.25"),
        max_value=Decimal("24"),
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.25", "min": "0.25", "max": "24"}),
    )
    activity = forms.CharField(label=_("What you did"), required=False, max_length=300)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)


class HourFilterForm(forms.Form):
    q = _search()
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any status")), *HourStatus.choices],
    )
    program = forms.ModelChoiceField(
        label=_("Program"), required=False, queryset=Program.objects.none(), empty_label=_("Any")
    )
    employer = forms.ModelChoiceField(
        label=_("Employer"),
        required=False,
        queryset=Organization.objects.none(),
        empty_label=_("Any"),
    )
    date_from = forms.DateField(label=_("From"), required=False, widget=DatePicker())
    date_to = forms.DateField(label=_("To"), required=False, widget=DatePicker())

    def __init__(self, *args: Any, programs: Any, employers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]
        self.fields["employer"].queryset = employers  # type: ignore[attr-defined]


class HourReviewForm(forms.Form):
    action = forms.ChoiceField(choices=(("approve", _("Approve")), ("reject", _("Do not approve"))))
    note = forms.CharField(
        label=_("Note to the mentors (required when not approving)"),
        required=False,
        max_length=300,
    )
    logs = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Ids are checked by the view against what this reviewer may see; accept any integer.
        values = self.data.getlist("logs") if hasattr(self.data, "getlist") else []
        self.fields["logs"].choices = [(v, v) for v in values]  # type: ignore[attr-defined]
        self.fields["logs"].error_messages["required"] = _("Choose at least one log of hours.")
