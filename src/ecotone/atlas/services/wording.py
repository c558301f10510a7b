"""The atlas's sentences about an area: why it is a priority ("612 students, 78% low-income,
nearest robotics program 23 mi, 0 seats within 20 mi"), a count of students, the word for the
programs counted. Counts are published through `publish` first.
"""

from __future__ import annotations

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from ecotone.directory import stem_profile
from ecotone.ecosystems.models import Ecosystem

from ..parameters import Parameters
from .publish import publish_area, publishable
from .results import AreaAccess, RunResult


def field_word(params: Parameters) -> str:
    """The word for the programs counted: "robotics" when the analysis filters by that one
    field, "STEM" otherwise."""
    if len(params.stem_fields) == 1:
        return str(stem_profile.label("stem_field", params.stem_fields[0])).lower()
    return _("STEM")


def youth_text(value: int, ecosystem: Ecosystem) -> str:
    """ "612 students" or "fewer than 10 students"."""
    shown = publishable(value, ecosystem)
    if shown is None:
        threshold = ecosystem.suppression_threshold
        return ngettext("fewer than %(n)s student", "fewer than %(n)s students", threshold) % {
            "n": threshold
        }
    return ngettext("%(n)s student", "%(n)s students", shown) % {
        "n": formats.number_format(shown, force_grouping=True)
    }


def reasons(area: AreaAccess, result: RunResult, ecosystem: Ecosystem) -> str:
    """Why an area is a priority, e.g. "612 students, 78% low-income, nearest robotics program
    23 mi, 0 seats within 20 mi". Small counts are suppressed (and then no shares are shown)."""
    parts = [youth_text(area.youth, ecosystem)]
    share = publish_area(area, ecosystem).low_income_share
    if share is not None:
        parts.append(
            _("%(percent)s%% low-income") % {"percent": formats.number_format(round(share * 100))}
        )
    word = result.field_word
    if area.nearest_miles is None:
        parts.append(_("no %(field)s program within reach anywhere") % {"field": word})
    else:
        parts.append(
            _("nearest %(field)s program %(miles)s mi")
            % {"field": word, "miles": _miles(area.nearest_miles)}
        )
    seats = round(area.seats_within)
    parts.append(
        ngettext(
            "%(seats)s seat within %(miles)s mi",
            "%(seats)s seats within %(miles)s mi",
            seats,
        )
        % {
            "seats": formats.number_format(seats, force_grouping=True),
            "miles": _miles(area.catchment_mi),
        }
    )
    if area.virtual_programs:
        parts.append(
            ngettext(
                "%(n)s online program",
                "%(n)s online programs",
                area.virtual_programs,
            )
            % {"n": area.virtual_programs}
        )
    return ", ".join(parts)


def _miles(value: float) -> str:
    return formats.number_format(round(value) if value >= 10 else round(value, 1))
