"""The fact table's keys: the periods values are counted over and the combinations of codes
they are broken down by."""

from __future__ import annotations

import datetime

from django.utils.translation import gettext as _

from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError

from .. import codes
from ..models import DimensionCombo, Period, PeriodType


def combo(parts: dict[str, str]) -> DimensionCombo:
    """The one row of this combination of common codes ({} is the total)."""
    for dimension, code in parts.items():
        if dimension not in codes.OPTION_SETS or codes.option_set(dimension).get(code) is None:
            raise DomainError(
                _("%(code)s is no code of %(dimension)s.") % {"code": code, "dimension": dimension}
            )
    key = DimensionCombo.key_of(parts)
    found, _created = DimensionCombo.objects.get_or_create(
        key=key, defaults={"parts": dict(sorted(parts.items()))}
    )
    return found


def school_year(ecosystem: Ecosystem, start_year: int) -> Period:
    """The school year that starts on 1 July of `start_year` (as EDFacts counts it)."""
    period, _created = Period.objects.get_or_create(
        ecosystem=ecosystem,
        type=PeriodType.SCHOOL_YEAR,
        start=datetime.date(start_year, 7, 1),
        defaults={
            "end": datetime.date(start_year + 1, 6, 30),
            "label": f"{start_year}–{(start_year + 1) % 100:02d}",
        },
    )
    return period
