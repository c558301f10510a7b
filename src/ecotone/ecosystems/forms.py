from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from ecotone.limits import CONTACTS, SEARCH_TEXT

from .models import (
    GRANTABLE_ROLES,
    Contact,
    Ecosystem,
    Invitation,
    Membership,
    Organization,
    Role,
    timezone_choices,
)
from .services import CONTACT_FIELDS, ECOSYSTEM_SETTINGS_FIELDS, ORGANIZATION_FIELDS


class OrganizationForm(forms.ModelForm):
    website = forms.URLField(label=_("Website"), required=False, assume_scheme="https")

    class Meta:
        model = Organization
        fields = ORGANIZATION_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}


ContactFormSet: type[forms.BaseInlineFormSet[Contact, Organization, Any]] = (
    forms.inlineformset_factory(
        Organization,
        Contact,
        fields=CONTACT_FIELDS,
        extra=1,
        can_delete=True,
        max_num=CONTACTS,
        absolute_max=CONTACTS,
        validate_max=True,
    )
)
ContactFormSet.row_name = _("Contact %(n)s")  # type: ignore[attr-defined]


def contacts_from(formset: Any) -> list[dict[str, Any]]:
    """The formset as the list `services.update_organization(contacts=...)` expects."""
    contacts = []
    for form in formset.forms:
        data = form.cleaned_data
        if not data or data.get("DELETE") or not data.get("name"):
            continue
        entry = {name: data.get(name) for name in CONTACT_FIELDS}
        if form.instance.pk:
            entry["id"] = form.instance.pk
        contacts.append(entry)
    return contacts


class OrganizationFilterForm(forms.Form):
    SORTS = (
        ("name", _("Name (A–Z)")),
        ("-name", _("Name (Z–A)")),
        ("-updated_at", _("Recently updated")),
        ("sector", _("Sector")),
    )
    q = forms.CharField(
        max_length=SEARCH_TEXT,
        label=_("Search"),
        required=False,
        widget=forms.TextInput(attrs={"type": "search"}),
    )
    sector = forms.ChoiceField(label=_("Sector"), required=False)
    sort = forms.ChoiceField(label=_("Sort by"), required=False, choices=SORTS)
    archived = forms.BooleanField(label=_("Show archived"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["sector"].choices = [  # type: ignore[attr-defined]
            ("", _("All sectors")),
            *Organization._meta.get_field("sector").choices,
        ]  # type: ignore[misc]


class MemberFilterForm(forms.Form):
    q = forms.CharField(max_length=SEARCH_TEXT, label=_("Search"), required=False)
    role = forms.ChoiceField(
        label=_("Role"), required=False, choices=[("", _("All roles")), *Role.choices]
    )


def _organization_field(ecosystem: Ecosystem) -> forms.ModelMultipleChoiceField:
    return forms.ModelMultipleChoiceField(
        label=_("Organizations"),
        queryset=ecosystem.organizations.active(),
        required=False,
        help_text=_("For partner staff: the organizations whose records they keep."),
        widget=forms.SelectMultiple(attrs={"size": 6}),
    )


class InvitationForm(forms.ModelForm):
    class Meta:
        model = Invitation
        fields = ("email", "role", "organizations", "message")
        widgets = {"message": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, ecosystem: Ecosystem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"] = _organization_field(ecosystem)
        self.fields["role"].choices = GRANTABLE_ROLES  # type: ignore[attr-defined]


class MembershipForm(forms.ModelForm):
    class Meta:
        model = Membership
        fields = ("role", "organizations")

    def __init__(self, *args: Any, ecosystem: Ecosystem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organizations"] = _organization_field(ecosystem)
        self.fields["role"].choices = GRANTABLE_ROLES  # type: ignore[attr-defined]


class EcosystemSettingsForm(forms.ModelForm):
    timezone = forms.ChoiceField(label=_("Time zone"), choices=timezone_choices)
    region_geojson = forms.JSONField(
        label=_("Region outline (GeoJSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional Polygon or MultiPolygon geometry refining the bounding box."),
    )

    class Meta:
        model = Ecosystem
        fields = ECOSYSTEM_SETTINGS_FIELDS
        widgets = {"description": forms.Textarea(attrs={"rows": 4})}
