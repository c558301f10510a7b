"""Forms of peer review and improvement plans. They only read input: the rules (conflicts of
interest, who may own an action, a goal's stage above the one agreed) are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecotone.accounts.models import User
from ecotone.widgets import DatePicker

from . import planning, rubrics
from .models import ActionStatus, PlanAction, PlanGoal
from .services.reviews import COMMENT_LENGTH

TEXT = 4000


class ReviewerForm(forms.Form):
    reviewer = forms.IntegerField(label=_("Reviewer"))


class CommentForm(forms.Form):
    comment = forms.CharField(
        label=_("Your comment"),
        required=False,
        max_length=COMMENT_LENGTH,
        help_text=_("Your overall view: what the program does well and where it could grow."),
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class SubmitReviewForm(CommentForm):
    confirm = forms.BooleanField(
        label=_("Submit my review: it cannot be changed afterwards."), required=True
    )


class WritePlanForm(forms.Form):
    goals = forms.IntegerField(
        label=_("Goals to start from"),
        min_value=1,
        max_value=20,
        initial=planning.DEFAULT_GOALS,
        help_text=_("One for each of the lowest-rated attributes; edit or remove them after."),
    )


class GoalForm(forms.Form):
    attribute = forms.ChoiceField(label=_("Attribute"))
    target_stage = forms.ChoiceField(label=_("Stage to reach"))
    goal = forms.CharField(
        label=_("Goal"),
        max_length=TEXT,
        help_text=_("What reaching that stage means for the program."),
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(
        self, *args: Any, rubric: rubrics.Rubric, instance: PlanGoal | None = None, **kwargs: Any
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "attribute": instance.attribute,
                    "target_stage": instance.target_stage,
                    "goal": instance.goal,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["attribute"].choices = [  # type: ignore[attr-defined]
            (section.title, [(a.key, a.title) for a in section.attributes])
            for section in rubric.sections
        ]
        self.fields["target_stage"].choices = [(s.key, s.name) for s in rubric.stages]  # type: ignore[attr-defined]


class ActionForm(forms.Form):
    description = forms.CharField(
        label=_("Action"), max_length=TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    owner = forms.ModelChoiceField(
        label=_("Owner"),
        required=False,
        queryset=User.objects.none(),
        empty_label=_("Nobody yet"),
        help_text=_("The organization's partner staff or the backbone's staff."),
    )
    due_on = forms.DateField(label=_("Due"), required=False, widget=DatePicker())
    status = forms.ChoiceField(
        label=_("Status"), choices=ActionStatus.choices, initial=ActionStatus.NOT_STARTED
    )

    def __init__(
        self,
        *args: Any,
        owners: QuerySet[User],
        instance: PlanAction | None = None,
        **kwargs: Any,
    ) -> None:
        if instance is not None:
            kwargs.setdefault(
                "initial",
                {
                    "description": instance.description,
                    "owner": instance.owner_id,
                    "due_on": instance.due_on,
                    "status": instance.status,
                },
            )
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = owners  # type: ignore[attr-defined]
        self.fields["owner"].label_from_instance = lambda user: user.name or user.email  # type: ignore[attr-defined]


class NextAssessmentForm(forms.Form):
    title = forms.CharField(label=_("Title of the next assessment"), max_length=200)


class ActionStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=ActionStatus.choices)
