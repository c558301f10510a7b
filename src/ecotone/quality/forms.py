"""Forms of the rubric pages: the list's filters and the import of a JSON or CSV file."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecotone.limits import SEARCH_TEXT

from .models import Rubric
from .services.rubrics import FORMATS


class RubricFilterForm(forms.Form):
    SORTS = (
        ("title", _("Title")),
        ("-published", _("Published, latest first")),
        ("-updated_at", _("Changed, latest first")),
    )
    q = forms.CharField(
        max_length=SEARCH_TEXT,
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)


class RubricImportForm(forms.Form):
    file = forms.FileField(
        label=_("File"),
        help_text=_("A rubric as JSON (ecotone-rubric/1) or CSV, as the downloads write it."),
        widget=forms.ClearableFileInput(attrs={"accept": ".json,.csv"}),
    )
    format = forms.ChoiceField(
        label=_("Format"),
        required=False,
        choices=(("", _("From the file's extension")), ("json", "JSON"), ("csv", "CSV")),
    )
    rubric = forms.ModelChoiceField(
        label=_("New version of"),
        required=False,
        queryset=Rubric.objects.none(),
        to_field_name="key",
        empty_label=_("The rubric the file names (new when there is none)"),
    )

    def __init__(self, *args: Any, rubrics: QuerySet[Rubric], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rubric"].queryset = rubrics.filter(archived_at__isnull=True)  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        file = data.get("file")
        if file is not None and not data.get("format"):
            extension = str(file.name).rsplit(".", 1)[-1].lower()
            if extension in FORMATS:
                data["format"] = extension
            else:
                self.add_error(
                    "format",
                    _("Choose the format: the file's name ends neither in .json nor .csv."),
                )
        return data


class RollupFilterForm(forms.Form):
    """The roll-up's rubric and filters; choices are what the assessed programs have."""

    rubric = forms.ChoiceField(label=_("Rubric"), required=False)
    program_type = forms.ChoiceField(label=_("Program type"), required=False)
    area = forms.ChoiceField(label=_("Area"), required=False)
    depth = forms.ChoiceField(label=_("Mentoring depth"), required=False)

    def __init__(
        self,
        data: Any,
        *,
        rubrics: list[tuple[str, str]],
        program_types: list[tuple[str, str]] = (),  # type: ignore[assignment]
        areas: list[tuple[str, str]] = (),  # type: ignore[assignment]
        depths: list[tuple[str, str]] = (),  # type: ignore[assignment]
    ) -> None:
        super().__init__(data)
        every = [("", _("All"))]
        self.fields["rubric"].choices = rubrics  # type: ignore[attr-defined]
        self.fields["program_type"].choices = [*every, *program_types]  # type: ignore[attr-defined]
        self.fields["area"].choices = [*every, *areas]  # type: ignore[attr-defined]
        self.fields["depth"].choices = [*every, *depths]  # type: ignore[attr-defined]
