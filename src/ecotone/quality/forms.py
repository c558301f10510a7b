"""Forms of the quality pages: the rubric list's filters and the import of a JSON or CSV file;
the assessment list's filters, starting an assessment, a consensus rating and an evidence file.
Forms only read input: the rules are the services'."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from ecotone.attachments import accepted_types, max_bytes
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Organization
from ecotone.limits import SEARCH_TEXT

from .models import AssessmentStatus, Rubric, RubricVersion
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


class AssessmentFilterForm(forms.Form):
    SORTS = (
        ("-created_at", _("Started, latest first")),
        ("created_at", _("Started, oldest first")),
        ("organization", _("Organization")),
        ("title", _("Title")),
        ("status", _("Status")),
    )
    q = forms.CharField(
        max_length=SEARCH_TEXT,
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=(("", _("Any status")), *AssessmentStatus.choices),
    )
    rubric = forms.ChoiceField(label=_("Rubric"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)

    def __init__(self, *args: Any, rubrics: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["rubric"].choices = [("", _("Any rubric")), *rubrics]  # type: ignore[attr-defined]


def _version_label(version: RubricVersion) -> str:
    return _("%(title)s (version %(number)s)") % {
        "title": version.rubric.title,
        "number": version.number,
    }


class StartAssessmentForm(forms.Form):
    """What to assess and against which rubric; the service checks the rest."""

    organization = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), empty_label=None
    )
    program = forms.ModelChoiceField(
        label=_("Program"),
        required=False,
        queryset=Program.objects.none(),
        empty_label=_("The whole organization"),
        help_text=_("Assess one of the organization's programs, or the organization as a whole."),
    )
    version = forms.ModelChoiceField(
        label=_("Rubric"),
        queryset=RubricVersion.objects.none(),
        empty_label=None,
        help_text=_("The latest published version of each rubric; the assessment keeps it."),
    )
    title = forms.CharField(
        label=_("Title"),
        required=False,
        max_length=200,
        help_text=_("Optional: the rubric's title when left blank, e.g. “Equity review, fall”."),
    )

    def __init__(
        self,
        *args: Any,
        organizations: QuerySet[Organization],
        programs: QuerySet[Program],
        versions: QuerySet[RubricVersion],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["version"].queryset = versions  # type: ignore[attr-defined]
        self.fields["version"].label_from_instance = _version_label  # type: ignore[attr-defined]
        field = self.fields["program"]
        field.queryset = programs  # type: ignore[attr-defined]
        # grouped by organization, so a backbone choosing among many partners reads them
        groups: dict[str, list[tuple[int, str]]] = {}
        for program in programs:
            groups.setdefault(program.organization.name, []).append((program.pk, program.name))
        field.choices = [("", _("The whole organization")), *groups.items()]  # type: ignore[attr-defined]
        if organizations.count() == 1:
            field_org = self.fields["organization"]
            field_org.initial = organizations.first()
            field_org.widget = forms.HiddenInput()


class ConsensusForm(forms.Form):
    """The stage agreed for one attribute, with its note, evidence and links."""

    stage = forms.ChoiceField(label=_("Stage agreed"), widget=forms.RadioSelect)
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What shows the program is at this stage."),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Web addresses, one per line."),
    )

    def __init__(self, *args: Any, stages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["stage"].choices = stages  # type: ignore[attr-defined]


class EvidenceForm(forms.Form):
    file = forms.FileField(label=_("Add a file"))

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("%(types)s; up to %(limit)s.") % {
            "types": accepted_types(),
            "limit": filesizeformat(max_bytes()),
        }


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
