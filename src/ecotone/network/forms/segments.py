"""The fields of a segment of the roll (sectors, regions, interests, languages, workgroups), for
every form that picks one: a newsletter's audience and a survey's recipients. What they mean
is `services.segments.Segment`."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from ecotone.ecosystems.models import Ecosystem, Sector

from .. import access
from ..models import Member
from ..profile import INTERESTS
from ..services.segments import Segment

# A region is offered when a row of the roll names it (at most this many, by name).
REGIONS = 500


def regions(ecosystem: Ecosystem) -> list[tuple[str, str]]:
    # The regions named on the ecosystem's rows, read from the (ecosystem, region) index alone
    # (filtering by status too read every row: 190 ms at 100,000 members against 10). A region
    # only a former member named is offered and counts nobody: segments reach active members.
    found = (
        Member.objects.filter(ecosystem=ecosystem)
        .exclude(region="")
        .order_by("region")
        .values_list("region", flat=True)
        .distinct()
    )
    return [(r, r) for r in found[:REGIONS]]


def segment_fields(ecosystem: Ecosystem, *, workgroups: str = "workgroups") -> dict[str, Any]:
    """The segment's fields with the ecosystem's choices; `workgroups` names the last one (a
    survey's form has a field `workgroup` of its own)."""

    def boxes(label: Any, choices: Any, **kwargs: Any) -> forms.Field:
        return forms.MultipleChoiceField(
            label=label,
            required=False,
            choices=choices,
            widget=forms.CheckboxSelectMultiple,
            **kwargs,
        )

    return {
        "sectors": boxes(_("Sectors"), Sector.choices),
        "regions": boxes(_("Regions"), regions(ecosystem)),
        "interests": boxes(_("Interests"), INTERESTS),
        "languages": boxes(_("Languages"), settings.LANGUAGES),
        workgroups: forms.TypedMultipleChoiceField(
            label=_("Workgroups"),
            required=False,
            coerce=int,
            choices=[(w.pk, w.name) for w in access.workgroups(ecosystem)],
            widget=forms.CheckboxSelectMultiple,
        ),
    }


def segment_of(data: dict[str, Any], *, workgroups: str = "workgroups") -> Segment:
    """The segment a form's cleaned data picked."""
    return Segment.from_dict({**data, "workgroups": data.get(workgroups)})


def initial_of(segment: Segment, *, workgroups: str = "workgroups") -> dict[str, Any]:
    """A form's initial values for a segment."""
    found = segment.as_dict()
    found[workgroups] = found.pop("workgroups")
    return found
