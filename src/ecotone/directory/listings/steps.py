"""The listing form in steps: which part of the listing each step holds, and which steps a
submit shows.

Every step's fields are in the one page form; the steps not shown are hidden, so each post
carries the whole draft and the last one is exactly the single form's post. Nothing is stored
between steps (a listing has no draft record: what is saved goes to review), and the rules stay
the form's: moving on checks the steps before the one asked for with `ProgramForm` and the
formsets themselves.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.forms import BaseForm, BaseFormSet
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from ecotone.templatetags.ecotone import error_entries

from .. import stem_profile


@dataclass(frozen=True)
class Step:
    code: str
    title: str | Promise
    fields: tuple[str, ...]  # of ProgramForm, in the order the step shows them
    formsets: tuple[str, ...] = ()


def _profile(facet: stem_profile.Facet) -> str:
    return f"profile_{facet.code}"


STEPS: tuple[Step, ...] = (
    Step(
        "about",
        _("About the program"),
        (
            "name",
            "alternate_name",
            "description",
            _profile(stem_profile.STEM_FIELDS),
            _profile(stem_profile.ACTIVITY_TYPES),
            "status",
            "alert",
        ),
    ),
    Step(
        "who",
        _("Who it is for"),
        (
            _profile(stem_profile.GRADE_BANDS),
            "minimum_age",
            "maximum_age",
            _profile(stem_profile.FOCUS_POPULATIONS),
            "eligibility_description",
            "languages",
            "mentoring_depth",
        ),
    ),
    Step(
        "when",
        _("When and where"),
        ("delivery", "locations", "term", "seats"),
        formsets=("schedules", "capacities"),
    ),
    Step(
        "cost",
        _("Cost and contact"),
        (
            "cost_band",
            "fees_description",
            "scholarships",
            "transportation_provided",
            "application_process",
            "url",
            "email",
            "phone",
            "participants_last_year",
        ),
    ),
)


def _has_errors(step: Step, form: BaseForm, formsets: Mapping[str, BaseFormSet]) -> bool:
    return any(form.has_error(name) for name in step.fields) or any(
        not formsets[name].is_valid() for name in step.formsets
    )


@dataclass
class Page:
    """What one rendering of the form shows: the step in front (`current`, 0-based) and the
    steps shown."""

    current: int
    shown: tuple[int, ...]

    def summary(self, form: BaseForm, formsets: Mapping[str, BaseFormSet]) -> list[tuple[str, str]]:
        """The errors of the steps shown, in the order of the page; the form's own (about no
        one field, such as a service's refusal) first."""
        entries = [(str(error), "") for error in form.non_field_errors()]
        for index in self.shown:
            step = STEPS[index]
            entries += [e for e in error_entries(form, fields=step.fields) if e[1]]
            entries += error_entries(*(formsets[name] for name in step.formsets))
        return entries

    def steps(self, form: BaseForm) -> list[dict[str, Any]]:
        """Each step as the template shows it, with its bound fields."""
        return [
            {
                "number": index + 1,
                "code": step.code,
                "title": step.title,
                "fields": [form[name] for name in step.fields],
                "formsets": step.formsets,
                "current": index == self.current,
                "shown": index in self.shown,
            }
            for index, step in enumerate(STEPS)
        ]


def page_for(
    asked: str | None,
    form: BaseForm,
    formsets: Mapping[str, BaseFormSet],
) -> Page:
    """The page a move to step `asked` (a number from 1) shows: that step when every step before
    it is right, else the first that is not, with its errors. Going back is never held up."""
    try:
        target = min(max(int(asked or 1), 1), len(STEPS)) - 1
    except ValueError:
        target = 0
    if form.is_bound:
        for index in range(target):
            if _has_errors(STEPS[index], form, formsets):
                return Page(index, (index,))
    return Page(target, (target,))


def page_after_failed_save(
    form: BaseForm, formsets: Mapping[str, BaseFormSet], where: str | None
) -> Page:
    """A refused save shows every step holding an error, the first in front; a refusal about no
    field (a conflict, a service's rule) stays on the step the person saved from."""
    wrong = tuple(i for i, step in enumerate(STEPS) if _has_errors(step, form, formsets))
    if wrong:
        return Page(wrong[0], wrong)
    here = page_for(where, form, formsets).current
    return Page(here, (here,))
