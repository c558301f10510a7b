"""The fact table's keys: the periods values are counted over and the combinations of codes
they are broken down by."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import Field
from django.utils.translation import gettext as _

from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError

from .. import codes
from ..models import DimensionCombo, Period, PeriodType, Value

BATCH = 5000


def combo(parts: dict[str, str]) -> DimensionCombo:
    """The one row of this combination of common codes ({} is the total)."""
    _check_codes(parts)
    key = DimensionCombo.key_of(parts)
    found, _created = DimensionCombo.objects.get_or_create(
        key=key, defaults={"parts": dict(sorted(parts.items()))}
    )
    return found


def _check_codes(parts: Mapping[str, str]) -> None:
    for dimension, code in parts.items():
        if dimension in codes.DYNAMIC and code:
            continue  # a program's or an area's code: read against its records by `Resolver`
        if dimension not in codes.OPTION_SETS or codes.option_set(dimension).get(code) is None:
            raise DomainError(
                _("%(code)s is no code of %(dimension)s.") % {"code": code, "dimension": dimension}
            )


def combos(
    all_parts: Iterable[Mapping[str, str]],
) -> dict[tuple[tuple[str, str], ...], DimensionCombo]:
    """The rows of many combinations at once, keyed by their sorted (dimension, code) pairs:
    three queries however many there are (a file of a million values names a few thousand)."""
    wanted = {tuple(sorted(parts.items())) for parts in all_parts}
    keys = {DimensionCombo.key_of(dict(pairs)): pairs for pairs in wanted}
    found = {c.key: c for c in DimensionCombo.objects.filter(key__in=list(keys))}
    missing = [key for key in keys if key not in found]
    for key in missing:
        _check_codes(dict(keys[key]))
    if missing:
        DimensionCombo.objects.bulk_create(
            (DimensionCombo(key=key, parts=dict(keys[key])) for key in missing),
            batch_size=BATCH,
            ignore_conflicts=True,  # written meanwhile by another upload
        )
        found.update({c.key: c for c in DimensionCombo.objects.filter(key__in=missing)})
    return {pairs: found[key] for key, pairs in keys.items()}


def _column(attname: str) -> str:
    field = Value._meta.get_field(attname.removesuffix("_id"))
    if not isinstance(field, Field):
        raise TypeError(attname)
    return str(field.column)


def write_values(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write rows of the fact table (`columns` are `Value` attribute names, such as
    "indicator_id"), streamed: on PostgreSQL by COPY, elsewhere by `bulk_create` in batches,
    so a file of a million values never holds a million model instances. The number written."""
    written = 0
    if connection.vendor == "postgresql":
        names = ", ".join(_column(c) for c in columns)
        with connection.cursor() as cursor:
            raw = cursor.cursor  # psycopg's own cursor, which speaks COPY
            with raw.copy(f"COPY {Value._meta.db_table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
        return written
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        Value.objects.bulk_create(Value(**dict(zip(columns, row, strict=True))) for row in batch)
        written += len(batch)
    return written


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
