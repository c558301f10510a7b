"""Forms of the curation pages (a pathway, a step, a resource for home, the list's filters)
and of the families' list. Rules live in `services.pathways`; these only read input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from ecotone.directory import stem_profile
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Organization
from ecotone.limits import LONG_TEXT

from ..models import PathwayStatus

PROGRAM_CHOICES_LIMIT = 200


def _choices(facet: stem_profile.Facet) -> list[tuple[str, Any]]:
    return list(facet.terms)


class PathwayForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=160)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=160, required=False)
    summary = forms.CharField(
        label=_("Summary"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("In plain words for families: where the pathway leads and for whom."),
    )
    summary_es = forms.CharField(
        label=_("Summary in Spanish"),
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    stem_field = forms.ChoiceField(
        label=_("STEM field"), choices=[("", "—"), *_choices(stem_profile.STEM_FIELDS)]
    )
    grade_bands = forms.MultipleChoiceField(
        label=_("Grades"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=_choices(stem_profile.GRADE_BANDS),
    )
    organization = forms.ModelChoiceField(
        label=_("Curated by"),
        queryset=Organization.objects.none(),
        required=False,
        empty_label=_("The backbone"),
    )

    def __init__(
        self, *args: Any, organizations: QuerySet[Organization] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if organizations is None:
            del self.fields["organization"]
        else:
            field = self.fields["organization"]
            field.queryset = organizations  # type: ignore[attr-defined]


class StepForm(forms.Form):
    KIND_PROGRAM = "program"
    KIND_KIND = "kind"

    stage = forms.TypedChoiceField(label=_("Stage"), coerce=int)
    kind = forms.ChoiceField(
        label=_("This step is"),
        choices=[
            (KIND_PROGRAM, _("One program of the directory")),
            (KIND_KIND, _("A kind of program (any that matches)")),
        ],
        widget=forms.RadioSelect,
        initial=KIND_PROGRAM,
    )
    program = forms.ModelChoiceField(
        label=_("Program"),
        queryset=Program.objects.none(),
        required=False,
        help_text=_("Published programs of the directory. Narrow the list with “Find” above."),
    )
    activity_types = forms.MultipleChoiceField(
        label=_("Kinds of activity"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=_choices(stem_profile.ACTIVITY_TYPES),
    )
    stem_fields = forms.MultipleChoiceField(
        label=_("STEM fields"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=_choices(stem_profile.STEM_FIELDS),
    )
    grade_bands = forms.MultipleChoiceField(
        label=_("Grades"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=_choices(stem_profile.GRADE_BANDS),
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=160,
        required=False,
        help_text=_("For a program, its name when left empty. For a kind: “Any robotics team”."),
    )
    title_es = forms.CharField(label=_("Title in Spanish"), max_length=160, required=False)
    gains = forms.CharField(
        label=_("What a young person gains"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    gains_es = forms.CharField(
        label=_("What a young person gains, in Spanish"),
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        programs: QuerySet[Program],
        stage_count: int,
        find: str = "",
        current: Program | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # The choices: the published programs matching `find` (a plain GET search above the
        # form, so the select is searchable without JavaScript), and the step's own program.
        shown = programs
        if find:
            shown = shown.filter(Q(name__icontains=find) | Q(organization__name__icontains=find))
        keys = list(
            shown.order_by("name", "pk").values_list("pk", flat=True)[:PROGRAM_CHOICES_LIMIT]
        )
        if current is not None:
            keys.append(current.pk)
        field = self.fields["program"]
        # Validated against every published program: a choice made before a narrower search.
        field.queryset = programs.select_related("organization")  # type: ignore[attr-defined]
        field.widget.choices = [("", "—")] + [
            (p.pk, f"{p.name} ({p.organization.name})")
            for p in programs.filter(pk__in=keys).select_related("organization").order_by("name")
        ]
        stage_choices = [(n, str(n)) for n in range(1, stage_count + 1)]
        stage_choices.append((stage_count + 1, str(_("A new stage after the last"))))
        stage = self.fields["stage"]
        assert isinstance(stage, forms.TypedChoiceField)
        stage.choices = stage_choices

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("kind") == self.KIND_PROGRAM:
            if not data.get("program"):
                self.add_error(
                    "program", _("Choose a program, or make this step a kind of program.")
                )
        elif data.get("kind") == self.KIND_KIND:
            data["program"] = None
            if not (
                data.get("activity_types") or data.get("stem_fields") or data.get("grade_bands")
            ):
                self.add_error(
                    "activity_types",
                    _("Choose at least one kind of activity, STEM field or grade."),
                )
        return data


class ResourceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=160)
    title_es = forms.CharField(label=_("Title in Spanish"), max_length=160, required=False)
    url = forms.URLField(label=_("Address"), max_length=500, assume_scheme="https")
    description = forms.CharField(label=_("Description"), max_length=300, required=False)
    description_es = forms.CharField(
        label=_("Description in Spanish"), max_length=300, required=False
    )


class ManageFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any")), *PathwayStatus.choices]
    )
    field = forms.ChoiceField(
        label=_("STEM field"),
        required=False,
        choices=[("", _("Any")), *_choices(stem_profile.STEM_FIELDS)],
    )


class FamilyFilterForm(forms.Form):
    field = forms.ChoiceField(
        label=_("STEM field"),
        required=False,
        choices=[("", _("Any")), *_choices(stem_profile.STEM_FIELDS)],
    )
    grade = forms.ChoiceField(
        label=_("Grades"),
        required=False,
        choices=[("", _("Any")), *_choices(stem_profile.GRADE_BANDS)],
    )
