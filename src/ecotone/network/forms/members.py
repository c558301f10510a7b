"""Forms of the members area: joining (public and one-click), confirming with a password, the
profile, the welcome rotation and the lists' filters. The rules are the services'
(`services.members`, `services.welcomes`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.utils.translation import gettext_lazy as _

from ecotone.accounts.addresses import validate_address_length
from ecotone.attachments import accepted_types
from ecotone.directory.stem_profile import GRADE_BANDS
from ecotone.ecosystems.models import Sector
from ecotone.limits import SEARCH_TEXT, SHORT_TEXT, distinct_choices
from ecotone.widgets import DatePicker

from ..models import Member, MemberSource, MemberStatus, NetworkSettings, Resource, ResourceKind
from ..profile import INTERESTS, NETWORK_ROLES


def _blank(choices: Any, label: str = "—") -> list[tuple[str, Any]]:
    return [("", label), *choices]


class ProfileForm(forms.Form):
    """What a member says about themself (the join page adds the address)."""

    name = forms.CharField(label=_("Name"), max_length=150)
    organization_name = forms.CharField(label=_("Organization"), max_length=200, required=False)
    sector = forms.ChoiceField(label=_("Sector"), choices=_blank(Sector.choices), required=False)
    network_role = forms.ChoiceField(
        label=_("Your role"), choices=_blank(NETWORK_ROLES), required=False
    )
    region = forms.CharField(
        label=_("Region"),
        max_length=100,
        required=False,
        help_text=_("Your county or city."),
    )
    postal_code = forms.RegexField(
        label=_("ZIP code"),
        regex=r"^\s*\d{5}(-\d{4})?\s*$",
        max_length=10,
        required=False,
        error_messages={"invalid": _("Enter a 5-digit ZIP code.")},
    )
    interests = forms.MultipleChoiceField(
        label=_("Interests"),
        choices=INTERESTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        validators=[distinct_choices],
    )
    language = forms.ChoiceField(label=_("Language for email"), choices=settings.LANGUAGES)
    bio = forms.CharField(
        label=_("About me"), max_length=SHORT_TEXT, required=False, widget=forms.Textarea
    )
    email_consent = forms.BooleanField(
        label=_("Send me the network's email (newsletters, meetings, surveys)"), required=False
    )
    in_directory = forms.BooleanField(
        label=_(
            "List me in the member directory (members see my name, organization, "
            "region and interests, never my email)"
        ),
        required=False,
    )

    def profile(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["postal_code"] = (data.get("postal_code") or "").strip()[:5]
        data.pop("interests", None)
        data.pop("email", None)
        data.pop("website", None)
        return data

    @staticmethod
    def initial_from(member: Member) -> dict[str, Any]:
        return {
            "name": member.name,
            "organization_name": member.organization_name,
            "sector": member.sector,
            "network_role": member.network_role,
            "region": member.region,
            "postal_code": member.postal_code,
            "interests": list(member.interests.values_list("code", flat=True)),
            "language": member.language,
            "bio": member.bio,
            "email_consent": member.email_consent,
            "in_directory": member.in_directory,
        }


class JoinForm(ProfileForm):
    field_order = ["name", "email"]

    email = forms.EmailField(label=_("Email"), validators=[validate_address_length])
    # Left empty by people; filled in by robots that fill every field.
    website = forms.CharField(
        label=_("Leave this empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.pop("bio")


class ConfirmForm(forms.Form):
    """The confirmation page: a password for the new account, when there is none yet."""

    password1 = forms.CharField(
        label=_("Choose a password"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("The password again"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, second = data.get("password1"), data.get("password2")
        if first and second and first != second:
            self.add_error("password2", _("The two passwords differ."))
        elif first:
            try:
                validate_password(first)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return data


class StaffJoinForm(forms.Form):
    email_consent = forms.BooleanField(
        label=_("Send me the network's email (newsletters, meetings, surveys)"), required=False
    )
    in_directory = forms.BooleanField(
        label=_(
            "List me in the member directory (members see my name, organization, "
            "region and interests, never my email)"
        ),
        required=False,
    )
    agree = forms.BooleanField(label=_("Yes, I want to be a member of the network"))


class WelcomeForm(forms.Form):
    subject = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=SHORT_TEXT * 2, widget=forms.Textarea)


class WelcomeTemplateForm(forms.ModelForm):
    class Meta:
        model = NetworkSettings
        fields = [
            "welcome_subject",
            "welcome_body",
            "welcome_subject_es",
            "welcome_body_es",
            "escalate_welcome_after_days",
        ]
        help_texts = {
            "welcome_body": _(
                "{name} is replaced by the newcomer's name, {welcomer} by the "
                "welcomer's, {network} by the network's."
            ),
        }


class AddWelcomerForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]


class AwayForm(forms.Form):
    away_until = forms.DateField(label=_("Away until"), required=False, widget=DatePicker())


class DirectoryFilterForm(forms.Form):
    q = forms.CharField(label=_("Name"), max_length=SEARCH_TEXT, required=False)
    sector = forms.ChoiceField(label=_("Sector"), choices=_blank(Sector.choices), required=False)
    region = forms.CharField(label=_("Region"), max_length=100, required=False)
    interest = forms.ChoiceField(label=_("Interest"), choices=_blank(INTERESTS), required=False)


class MemberFilterForm(DirectoryFilterForm):
    status = forms.ChoiceField(
        label=_("Status"), choices=_blank(MemberStatus.choices), required=False
    )
    source = forms.ChoiceField(
        label=_("How they joined"), choices=_blank(MemberSource.choices), required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("name", _("Name")),
            ("-joined", _("Newest")),
            ("joined", _("Oldest")),
            ("sector", _("Sector")),
            ("region", _("Region")),
        ],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].label = _("Name or email")


# --- the resource library ----------------------------------------------------------------------


class ResourceForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=SHORT_TEXT, required=False, widget=forms.Textarea
    )
    kind = forms.ChoiceField(label=_("Type"), choices=ResourceKind.choices)
    url = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")
    file = forms.FileField(label=_("Or a file"), required=False, help_text=accepted_types())
    topics = forms.MultipleChoiceField(
        label=_("Topics"),
        choices=INTERESTS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        validators=[distinct_choices],
    )
    grade_bands = forms.MultipleChoiceField(
        label=_("Grades"),
        choices=GRADE_BANDS.terms,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        validators=[distinct_choices],
    )

    @staticmethod
    def initial_from(resource: Resource) -> dict[str, Any]:
        return {
            "title": resource.title,
            "description": resource.description,
            "kind": resource.kind,
            "url": resource.url,
            "topics": resource.topics,
            "grade_bands": resource.grade_bands,
        }


class ResourceFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=SEARCH_TEXT, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=_blank(ResourceKind.choices), required=False)
    topic = forms.ChoiceField(label=_("Topic"), choices=_blank(INTERESTS), required=False)
    grade_band = forms.ChoiceField(
        label=_("Grades"), choices=_blank(GRADE_BANDS.terms), required=False
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[("newest", _("Newest")), ("recommended", _("Most recommended"))],
    )


class MemberImportForm(forms.Form):
    file = forms.FileField(label=_("CSV or XLSX file"))
    notify = forms.BooleanField(
        label=_("Tell the imported members who consented that they are on the roll"),
        required=False,
    )
