"""Forms of reviewing: reviewers and their profiles, assignment by hand, bids, conflicts and
the review itself. They only read input; the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecotone.directory import stem_profile
from ecotone.ecosystems.models import Organization, Sector

from ..models import BidValue, Criterion, ReviewerProfile

REVIEWER_SORTS = {
    "name": ("user__name", "user__email"),
    "-load": ("-load", "user__name", "user__email"),
    "load": ("load", "user__name", "user__email"),
    "sector": ("sector", "user__name", "user__email"),
}


class ReviewerFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    round = forms.TypedChoiceField(label=_("Load in round"), required=False, coerce=int)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("-load", _("Most assigned first")),
            ("load", _("Fewest assigned first")),
            ("sector", _("Background")),
        ],
    )

    def __init__(self, *args: Any, rounds: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["round"].choices = [("", _("Every round")), *rounds]  # type: ignore[attr-defined]


class AddReviewerForm(forms.Form):
    email = forms.EmailField(
        label=_("Email of a person of this ecosystem"),
        help_text=_("They get the reviewer role and a profile to fill in."),
    )


class InviteReviewerForm(forms.Form):
    email = forms.EmailField(label=_("Email"))
    message = forms.CharField(
        label=_("Personal message"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReviewerProfileForm(forms.Form):
    sector = forms.ChoiceField(label=_("Your background"), choices=Sector.choices)
    expertise = forms.CharField(label=_("Expertise in a line"), required=False, max_length=200)
    topics = forms.MultipleChoiceField(
        label=_("STEM fields you know"),
        required=False,
        choices=stem_profile.STEM_FIELDS.terms,
        widget=forms.CheckboxSelectMultiple,
    )
    regions = forms.CharField(
        label=_("States you know"),
        required=False,
        max_length=400,
        help_text=_("Two-letter codes or names, separated by commas (for example: OH, KY)."),
    )
    sectors = forms.MultipleChoiceField(
        label=_("Sectors you know"),
        required=False,
        choices=Sector.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    organizations = forms.ModelMultipleChoiceField(
        label=_("Your organizations in the directory"),
        required=False,
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("You will never be assigned their applications or those naming them."),
    )
    other_organizations = forms.CharField(
        label=_("Other organizations you work for or with"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One a line."),
    )
    max_load = forms.IntegerField(
        label=_("Most applications you can review in a round"),
        required=False,
        min_value=0,
        max_value=200,
    )

    def __init__(self, *args: Any, ecosystem: Any, staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"].queryset = Organization.objects.filter(  # type: ignore[attr-defined]
            ecosystem=ecosystem, archived_at__isnull=True
        ).order_by("name")
        if staff:
            self.fields["active"] = forms.BooleanField(
                label=_("Active (assigned in new solves)"), required=False
            )

    @classmethod
    def initial_of(cls, profile: ReviewerProfile) -> dict[str, Any]:
        return {
            "sector": profile.sector,
            "expertise": profile.expertise,
            "topics": profile.topics,
            "regions": ", ".join(profile.regions),
            "sectors": profile.sectors,
            "organizations": list(profile.organizations.all()),
            "other_organizations": "\n".join(profile.other_organizations),
            "max_load": profile.max_load,
            "active": profile.active,
        }

    def service_arguments(self) -> dict[str, Any]:
        data = self.cleaned_data
        arguments = {
            "sector": data["sector"],
            "expertise": data["expertise"],
            "topics": data["topics"],
            "regions": [r for r in data["regions"].split(",") if r.strip()],
            "sectors": data["sectors"],
            "organizations": list(data["organizations"]),
            "other_organizations": data["other_organizations"].splitlines(),
            "max_load": data["max_load"],
        }
        if "active" in self.fields:
            arguments["active"] = data["active"]
        return arguments


class ConflictForm(forms.Form):
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=300)


class StaffConflictForm(forms.Form):
    application = forms.TypedChoiceField(label=_("Application"), coerce=int)
    reason = forms.CharField(label=_("Why (optional)"), required=False, max_length=300)

    def __init__(self, *args: Any, applications: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["application"].choices = applications  # type: ignore[attr-defined]


class AddPairForm(forms.Form):
    reviewer = forms.TypedChoiceField(label=_("Reviewer"), coerce=int)
    application = forms.TypedChoiceField(label=_("Application"), coerce=int)

    def __init__(
        self,
        *args: Any,
        reviewers: list[tuple[int, str]],
        applications: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reviewer"].choices = reviewers  # type: ignore[attr-defined]
        self.fields["application"].choices = applications  # type: ignore[attr-defined]


BID_CHOICES = [("", _("No bid")), *BidValue.choices]


class ReviewForm(forms.Form):
    """One radio group per criterion (its descriptors per level), and the two comments."""

    comment_to_applicant = forms.CharField(
        label=_("Comments to the applicant"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("The applicant reads these when feedback is released."),
    )
    comment_to_panel = forms.CharField(
        label=_("Comments to the panel"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Only the backbone and the other reviewers of this application read these."),
    )

    def __init__(
        self, *args: Any, criteria: list[Criterion], low: int, high: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.criteria = criteria
        for criterion in criteria:
            descriptors = list(criterion.descriptors or [])
            choices = []
            for level in range(low, high + 1):
                index = level - low
                text = descriptors[index] if index < len(descriptors) else ""
                choices.append((str(level), f"{level} — {text}" if text else str(level)))
            self.fields[f"score_{criterion.key}"] = forms.ChoiceField(
                label=criterion.name,
                required=False,
                choices=choices,
                widget=forms.RadioSelect,
                help_text=criterion.description,
            )

    def score_fields(self) -> list[Any]:
        return [self[f"score_{c.key}"] for c in self.criteria]

    def scores(self) -> dict[str, str]:
        return {c.key: self.cleaned_data.get(f"score_{c.key}") or "" for c in self.criteria}


class PanelCommentForm(forms.Form):
    text = forms.CharField(
        label=_("A comment to the panel"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
