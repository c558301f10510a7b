"""Forms of the newsletters: the editor's (the newsletter, sections, items, picking, the
audience, the test send), the member's suggestion and the list's search."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem
from ecotone.limits import SEARCH_TEXT

from ..models import ItemKind, Newsletter, NewsletterStatus, Suggestion
from ..services import newsletters as service
from ..services.segments import Segment
from . import segments


class NewsletterSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=SEARCH_TEXT, required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("Any")), *NewsletterStatus.choices],
    )
    sort = forms.ChoiceField(
        label=_("Sort by"),
        required=False,
        choices=[
            ("-created", _("Newest first")),
            ("-sent", _("Last sent first")),
            ("subject", _("Subject")),
            ("status", _("Status")),
        ],
    )


class ArchiveSearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=SEARCH_TEXT, required=False)


class NewsletterForm(forms.ModelForm[Newsletter]):
    class Meta:
        model = Newsletter
        fields = ["subject", "subject_es", "intro", "intro_es"]
        widgets = {
            "intro": forms.Textarea(attrs={"rows": 4}),
            "intro_es": forms.Textarea(attrs={"rows": 4}),
        }


class SectionForm(forms.Form):
    title = forms.CharField(label=_("Section title"), max_length=200)
    title_es = forms.CharField(label=_("Section title (Spanish)"), max_length=200, required=False)


def _choice(form: forms.Form, name: str) -> forms.ChoiceField:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    return field


def _section_choices(newsletter: Newsletter) -> list[tuple[int, str]]:
    return [(s.pk, s.title) for s in newsletter.sections.order_by("position", "pk")]


class ItemForm(forms.Form):
    """News or a resource, written by the editor."""

    section = forms.TypedChoiceField(label=_("Section"), coerce=int)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (ItemKind.NEWS, ItemKind.NEWS.label),
            (ItemKind.RESOURCE, ItemKind.RESOURCE.label),
        ],
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    title_es = forms.CharField(label=_("Title (Spanish)"), max_length=200, required=False)
    text = forms.CharField(
        label=_("Text"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    text_es = forms.CharField(
        label=_("Text (Spanish)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    link = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    def __init__(self, *args: Any, newsletter: Newsletter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choice(self, "section").choices = _section_choices(newsletter)


class PickForm(forms.Form):
    """A member's suggestion, a program of the directory or an open mentoring need, picked
    into a section."""

    section = forms.TypedChoiceField(label=_("Section"), coerce=int)
    source = forms.ChoiceField(label=_("Pick"))
    text_es = forms.CharField(
        label=_("Text (Spanish)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, newsletter: Newsletter, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        ecosystem = newsletter.ecosystem
        _choice(self, "section").choices = _section_choices(newsletter)
        _choice(self, "source").choices = [
            (
                _("Members' suggestions"),
                [
                    (f"suggestion:{s.pk}", s.title)
                    for s in service.pending_suggestions(ecosystem)[:200]
                ],
            ),
            (
                _("Programs from the directory"),
                [(f"program:{p.pk}", p.name) for p in service.programs_to_pick(ecosystem)[:500]],
            ),
            (
                _("Mentoring opportunities"),
                [
                    (f"need:{o.pk}", f"{o.title} — {o.program.name}")
                    for o in service.needs_to_pick(ecosystem)[:500]
                ],
            ),
        ]

    def picked(self) -> tuple[str, int]:
        kind, _sep, pk = self.cleaned_data["source"].partition(":")
        return kind, int(pk)


class SegmentForm(forms.Form):
    """Who the newsletter goes to: every part left empty means everyone who may be mailed."""

    def __init__(self, *args: Any, ecosystem: Ecosystem, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields.update(segments.segment_fields(ecosystem))

    def segment(self) -> Segment:
        return segments.segment_of(self.cleaned_data)


class TestSendForm(forms.Form):
    language = forms.ChoiceField(label=_("Language of the test"), choices=settings.LANGUAGES)


class SuggestionForm(forms.ModelForm[Suggestion]):
    link = forms.URLField(label=_("Link"), max_length=500, required=False, assume_scheme="https")

    class Meta:
        model = Suggestion
        fields = ["kind", "title", "text", "link"]
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}
