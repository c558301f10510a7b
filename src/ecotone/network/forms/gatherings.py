"""Forms of workgroups and events. Rules live in `services.workgroups` and `services.events`;
these only read input."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from ecotone.attachments import accepted_types
from ecotone.limits import LONG_TEXT, SHORT_TEXT
from ecotone.widgets import DatePicker, DateTimePicker

from ..models import EventKind, Member, TaskStatus, Workgroup

# the accepted types, in the language of the page that shows the form
ACCEPTED = lazy(accepted_types, str)()


def _area(rows: int = 4) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows})


class WorkgroupForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=200)
    charter = forms.CharField(
        label=_("Charter"), max_length=LONG_TEXT, widget=_area(6), required=False
    )
    chairs = forms.ModelMultipleChoiceField(
        label=_("Chairs"), queryset=Member.objects.none(), required=False
    )
    backbone_contact: forms.ModelChoiceField[Any] = forms.ModelChoiceField(
        label=_("Backbone contact"), queryset=None, required=False
    )
    is_open = forms.BooleanField(label=_("Open to every member"), required=False, initial=True)
    is_steering_committee = forms.BooleanField(
        label=_("This is the steering committee"), required=False
    )

    def __init__(self, *args: Any, members: QuerySet[Member], staff: QuerySet[Any], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["chairs"].queryset = members  # type: ignore[attr-defined]
        self.fields["backbone_contact"].queryset = staff  # type: ignore[attr-defined]


class InviteForm(forms.Form):
    member = forms.ModelChoiceField(label=_("Member"), queryset=Member.objects.none())

    def __init__(self, *args: Any, members: QuerySet[Member], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["member"].queryset = members  # type: ignore[attr-defined]


class GoalForm(forms.Form):
    title = forms.CharField(label=_("Goal"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=SHORT_TEXT, widget=_area(3), required=False
    )


class TaskForm(forms.Form):
    title = forms.CharField(label=_("Task"), max_length=200)
    owner = forms.ModelChoiceField(label=_("Owner"), queryset=Member.objects.none(), required=False)
    due_on = forms.DateField(label=_("Due"), widget=DatePicker, required=False)
    status = forms.ChoiceField(label=_("Status"), choices=TaskStatus.choices)

    def __init__(self, *args: Any, members: QuerySet[Member], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["owner"].queryset = members  # type: ignore[attr-defined]


class NoteForm(forms.Form):
    moved = forms.CharField(label=_("What moved"), max_length=SHORT_TEXT, widget=_area())
    blocked = forms.CharField(
        label=_("What is blocked"), max_length=SHORT_TEXT, widget=_area(), required=False
    )
    next = forms.CharField(
        label=_("What is next"), max_length=SHORT_TEXT, widget=_area(), required=False
    )


class MonthForm(forms.Form):
    month = forms.DateField(
        label=_("Month (any day of it)"), widget=DatePicker, input_formats=["%Y-%m-%d", "%Y-%m"]
    )


class FileForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=200)
    url = forms.URLField(label=_("Link"), required=False, assume_scheme="https")
    file = forms.FileField(label=_("File"), required=False, help_text=ACCEPTED)


class PostForm(forms.Form):
    title = forms.CharField(label=_("Subject"), max_length=200)
    body = forms.CharField(label=_("Message"), max_length=LONG_TEXT, widget=_area(5))


class ReplyForm(forms.Form):
    body = forms.CharField(label=_("Your reply"), max_length=LONG_TEXT, widget=_area(4))


class EventForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EventKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("Description"), max_length=LONG_TEXT, widget=_area(5), required=False
    )
    starts_at = forms.DateTimeField(label=_("Starts"), widget=DateTimePicker)
    ends_at = forms.DateTimeField(label=_("Ends"), widget=DateTimePicker)
    location = forms.CharField(label=_("Place"), max_length=300, required=False)
    video_link = forms.URLField(
        label=_("Video call link"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown only to registrants and the backbone."),
    )
    capacity = forms.IntegerField(
        label=_("Capacity"), min_value=1, required=False, help_text=_("Leave empty for no limit.")
    )
    workgroup = forms.ModelChoiceField(
        label=_("Workgroup"), queryset=Workgroup.objects.none(), required=False
    )
    members_only = forms.BooleanField(label=_("Only for the workgroup's members"), required=False)
    follow_up_url = forms.URLField(
        label=_("Follow-up survey link"), required=False, assume_scheme="https"
    )

    def __init__(self, *args: Any, workgroups: QuerySet[Workgroup], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["workgroup"].queryset = workgroups  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        starts, ends = data.get("starts_at"), data.get("ends_at")
        if starts and ends and ends < starts:
            self.add_error("ends_at", _("The event ends before it starts."))
        if data.get("members_only") and not data.get("workgroup"):
            self.add_error("workgroup", _("Choose the workgroup whose members may register."))
        return data


class ArchiveForm(forms.Form):
    recording_url = forms.URLField(label=_("Recording link"), required=False, assume_scheme="https")
    slides = forms.FileField(label=_("Slides"), required=False, help_text=ACCEPTED)
    follow_up_url = forms.URLField(
        label=_("Follow-up survey link"), required=False, assume_scheme="https"
    )


class EventFilterForm(forms.Form):
    when = forms.ChoiceField(
        label=_("When"),
        required=False,
        choices=[("upcoming", _("Upcoming")), ("past", _("Past"))],
    )
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Every kind")), *EventKind.choices]
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
