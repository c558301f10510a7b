"""Forms of the badge pages (achievements, awarding, the awarded list, revocation, the learner's
deletion request). Forms only read input; the rules are the services'. (Kept apart from the
pathway curation forms of `forms.py`.)"""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Organization
from ecotone.limits import LONG_TEXT, SEARCH_TEXT
from ecotone.widgets import DatePicker

from .. import baking, openbadges
from ..models import AchievementType, AwardStatus, Step
from ..services.achievements import ALIGNMENT_FIELDS, AchievementData

ALIGNMENT_ROWS = 3


class AchievementSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=SEARCH_TEXT, required=False)
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("-created", _("Newest first")),
            ("organization", _("Partner")),
            ("kind", _("Kind")),
        ],
    )
    archived = forms.BooleanField(label=_("Archived ones"), required=False)


class StepChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.pathway.name} — {obj.title}"


class AchievementForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Awarded by"), queryset=Organization.objects.none()
    )
    name = forms.CharField(label=_("Name"), max_length=160)
    name_es = forms.CharField(label=_("Name in Spanish"), max_length=160, required=False)
    description = forms.CharField(
        label=_("Description"), max_length=LONG_TEXT, widget=forms.Textarea(attrs={"rows": 3})
    )
    description_es = forms.CharField(
        label=_("Description in Spanish"),
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    criteria = forms.CharField(
        label=_("How it is earned"),
        max_length=LONG_TEXT,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    criteria_es = forms.CharField(
        label=_("How it is earned, in Spanish"),
        max_length=LONG_TEXT,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    achievement_type = forms.ChoiceField(
        label=_("Kind"), choices=AchievementType.choices, initial=AchievementType.BADGE
    )
    image = forms.FileField(
        label=_("Image"),
        required=False,
        help_text=_("A square PNG, up to 1 MB; the credential is baked into it for download."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/png"}),
    )
    step = StepChoice(
        label=_("Pathway step it leads into"), queryset=Step.objects.none(), required=False
    )
    valid_days = forms.IntegerField(
        label=_("Valid for (days)"),
        min_value=1,
        max_value=36_500,
        required=False,
        help_text=_("Leave empty: the badge never expires."),
    )

    def __init__(
        self,
        *args: Any,
        organizations: QuerySet[Organization],
        steps: QuerySet[Step],
        editing: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organization"]
        field.queryset = organizations
        if editing:
            del self.fields["organization"]
        elif organizations.count() == 1:
            field.initial = organizations.first()
        self.fields["step"].queryset = steps  # type: ignore[attr-defined]
        for i in range(ALIGNMENT_ROWS + len(self.initial.get("alignments", []))):
            for key, label in zip(
                ALIGNMENT_FIELDS,
                (_("Skill"), _("Skill's address"), _("Framework"), _("Code")),
                strict=True,
            ):
                name = f"alignment_{i}_{key}"
                self.fields[name] = (
                    forms.URLField(
                        label=label, required=False, max_length=300, assume_scheme="https"
                    )
                    if key == "targetUrl"
                    else forms.CharField(label=label, required=False, max_length=300)
                )
        for i, row in enumerate(self.initial.get("alignments", [])):
            for key in ALIGNMENT_FIELDS:
                self.initial[f"alignment_{i}_{key}"] = row.get(key, "")

    def alignment_rows(self) -> list[list[Any]]:
        count = sum(1 for name in self.fields if name.endswith("_targetName"))
        return [[self[f"alignment_{i}_{key}"] for key in ALIGNMENT_FIELDS] for i in range(count)]

    def data_for_service(self) -> AchievementData:
        data = self.cleaned_data
        count = sum(1 for name in self.fields if name.endswith("_targetName"))
        alignments = tuple(
            {key: data.get(f"alignment_{i}_{key}", "") for key in ALIGNMENT_FIELDS}
            for i in range(count)
        )
        return AchievementData(
            organization=data.get("organization"),
            name=data["name"],
            name_es=data["name_es"],
            description=data["description"],
            description_es=data["description_es"],
            criteria=data["criteria"],
            criteria_es=data["criteria_es"],
            achievement_type=data["achievement_type"],
            step=data["step"],
            alignments=alignments,
            valid_days=data["valid_days"],
        )


class ConfirmForm(forms.Form):
    confirm = forms.BooleanField(label=_("Yes, I am sure"))


class AwardOneForm(forms.Form):
    email = forms.EmailField(
        label=_("Recipient's email"),
        help_text=_("The young person's address. Ecotone keeps only a hash of it."),
    )
    under_13 = forms.BooleanField(label=_("The recipient is under 13"), required=False)
    guardian_email = forms.EmailField(
        label=_("Parent's or guardian's email"),
        required=False,
        help_text=_("For a child under 13 the badge is sent to a parent or guardian."),
    )
    guardian_consent = forms.BooleanField(
        label=_("The parent or guardian has consented to this badge being issued"),
        required=False,
    )
    program = forms.ModelChoiceField(
        label=_("Where it was earned (optional)"), queryset=Program.objects.none(), required=False
    )
    language = forms.ChoiceField(
        label=_("Language of the email"),
        required=False,
        choices=[("", _("The ecosystem's language")), *settings.LANGUAGES],
    )

    def __init__(self, *args: Any, programs: QuerySet[Program], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs  # type: ignore[attr-defined]


class AwardImportForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("Awarded by"), queryset=Organization.objects.none()
    )
    file = forms.FileField(
        label=_("File of recipients"),
        help_text=_("CSV (UTF-8) or Excel (.xlsx). Nothing is awarded until you apply it."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.txt"}),
    )

    def __init__(self, *args: Any, organizations: QuerySet[Organization], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field: Any = self.fields["organization"]
        field.queryset = organizations
        if organizations.count() == 1:
            field.initial = organizations.first()


class AwardSearchForm(forms.Form):
    q = forms.CharField(label=_("Achievement or program"), max_length=SEARCH_TEXT, required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("Any status")), *AwardStatus.choices]
    )
    since = forms.DateField(label=_("Awarded from"), required=False, widget=DatePicker)
    until = forms.DateField(label=_("Awarded until"), required=False, widget=DatePicker)


class RevokeForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason"),
        max_length=300,
        help_text=_("Shown to anyone who verifies the badge."),
    )
    confirm = forms.BooleanField(label=_("Yes, revoke this badge: this cannot be undone"))


# --- verifying a credential (the public page) ---------------------------------------------

MAX_UPLOAD = 2 * 1024 * 1024


class VerifyForm(forms.Form):
    text = forms.CharField(
        label=_("Paste the credential"),
        help_text=_("The signed token (it starts with “ey”) or the credential's JSON."),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=openbadges.MAX_TOKEN,
    )
    file = forms.FileField(
        label=_("Or upload the badge"),
        help_text=_("A .json, .jwt or .png file (at most 2 MB)."),
        required=False,
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        upload = data.get("file")
        if upload is not None:
            if upload.size > MAX_UPLOAD:
                raise forms.ValidationError(_("The file is larger than 2 MB."))
            content = upload.read()
            if content.startswith(b"\x89PNG"):
                try:
                    data["credential"] = baking.unbake(content)
                except baking.NotABadgeError:
                    raise forms.ValidationError(
                        _("The image holds no Open Badges credential.")
                    ) from None
            else:
                data["credential"] = content
        elif (data.get("text") or "").strip():
            data["credential"] = data["text"]
        else:
            raise forms.ValidationError(_("Paste a credential or upload a badge file."))
        return data
