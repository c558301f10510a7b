"""The fact table's keys: the periods values are counted over and the combinations of codes
they are broken down by."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from itertools import islice
from typing import Any

from django.db import connection
from django.db.models import Field, Model
from django.utils.translation import gettext as _

from ecotone.ecosystems.models import Ecosystem
from ecotone.errors import DomainError

from .. import codes
from ..models import DimensionCombo, Period, PeriodType, Value

BATCH = 5000
STAGED = (
    "indicator_id",
    "indicator_version",
    "period_id",
    "combo",
    "value",
    "numerator",
    "denominator",
)


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


def copy_rows(table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write `rows` into `table` (a name of ours, as are the `columns`), streamed: on PostgreSQL
    by one COPY, elsewhere by `executemany` in batches of BATCH rows. The number written. No
    query may run on the connection while the rows are read (a COPY in progress blocks it)."""
    written = 0
    names = ", ".join(columns)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            raw = cursor.cursor  # psycopg's own cursor, which speaks COPY
            with raw.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
                    written += 1
            return written
        insert = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"  # noqa: S608 (our names)
        iterator = iter(rows)
        while batch := list(islice(iterator, BATCH)):
            cursor.executemany(insert, batch)
            written += len(batch)
    return written


def update_column(model: type[Model], attname: str, pairs: Iterable[tuple[int, Any]]) -> int:
    """Set one column of many rows of `model`, each (primary key, value) its own value: the
    pairs copied into a temporary table (`copy_rows`), then one `UPDATE ... FROM` joining it
    on the key, where `bulk_update` sends a CASE of every key per batch. The rows updated."""
    field = model._meta.get_field(attname)
    if not isinstance(field, Field):
        raise TypeError(attname)
    target, column, key = model._meta.db_table, field.column, model._meta.pk.column
    table = f"update_{uuid.uuid4().hex[:16]}"
    kind = field.db_type(connection)
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {table} (pk bigint, value {kind})")
    copy_rows(table, ("pk", "value"), pairs)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ANALYZE {table}")  # a plan for its size: a hash join, not a loop
        # the table's and columns' names are ours
        cursor.execute(
            f"UPDATE {target} SET {column} = u.value FROM {table} u "  # noqa: S608
            f"WHERE {target}.{key} = u.pk"
        )
        updated = cursor.rowcount
        cursor.execute(f"DROP TABLE {table}")
    return int(updated)


def write_values(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Write rows of the fact table (`columns` are `Value` attribute names, such as
    "indicator_id"), streamed: on PostgreSQL by COPY (`copy_rows`), elsewhere by `bulk_create`
    in batches, so a file of a million values never holds a million model instances. The
    number written."""
    if connection.vendor == "postgresql":
        return copy_rows(Value._meta.db_table, [_column(c) for c in columns], rows)
    written = 0
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        Value.objects.bulk_create(Value(**dict(zip(columns, row, strict=True))) for row in batch)
        written += len(batch)
    return written


class Staging:
    """One upload's values on their way to the fact table, handed over as they are read
    (`checks.check_table`'s sink) and written in batches of BATCH rows, so that a file of a
    million rows is never held in memory: into a temporary table (each batch by one COPY on
    PostgreSQL, by INSERTs elsewhere), then moved into the fact table by one `INSERT ...
    SELECT` once the whole file has read without a problem. A COPY is open only while its
    batch is written: the check reads the database between rows (a partner's programs and
    areas, the crosswalk), and a query on a connection in the middle of a COPY waits forever.
    Combinations of codes are numbered as they come and resolved to their rows (`combos`) in
    one go before the move. Use it through `staging()`, inside the upload's transaction."""

    def __init__(self) -> None:
        self.table = f"measures_staged_{uuid.uuid4().hex[:16]}"
        self.parts: list[Mapping[str, str]] = []
        self._by_pairs: dict[tuple[tuple[str, str], ...], int] = {}
        self._by_id: dict[int, int] = {}
        self._keep: list[Mapping[str, str]] = []
        self._batch: list[tuple[Any, ...]] = []
        self.count = 0

    def open(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table} (indicator_id bigint, indicator_version "
                "integer, period_id bigint, combo integer, value numeric, numerator numeric, "
                "denominator numeric)"
            )  # the columns of STAGED

    def add(
        self,
        indicator_id: int,
        indicator_version: int,
        period_id: int,
        parts: Mapping[str, str],
        value: Any,
        numerator: Any,
        denominator: Any,
    ) -> None:
        local = self._by_id.get(id(parts))
        if local is None:
            pairs = tuple(sorted(parts.items()))
            local = self._by_pairs.get(pairs)
            if local is None:
                local = self._by_pairs[pairs] = len(self.parts)
                self.parts.append(parts)
            self._by_id[id(parts)] = local
            self._keep.append(parts)  # so that its id is not another's while it is a key
        row = (indicator_id, indicator_version, period_id, local, value, numerator, denominator)
        self.count += 1
        self._batch.append(row)
        if len(self._batch) >= BATCH:
            self._flush()

    def _flush(self) -> None:
        if not self._batch:
            return
        copy_rows(self.table, STAGED, self._batch)
        self._batch = []

    def close(self) -> None:
        """Every row handed over is in the temporary table."""
        self._flush()

    def move(self, **keys: int | None) -> int:
        """Write the staged values into the fact table, with `keys` (attribute names such as
        "ecosystem_id" or "submission_id") the same on every row; the number written."""
        self.close()
        found = combos(self.parts)
        combo_ids = [
            (local, found[tuple(sorted(parts.items()))].pk)
            for local, parts in enumerate(self.parts)
        ]
        names = [_column(name) for name in keys]
        with connection.cursor() as cursor:
            cursor.execute(
                f"CREATE TEMPORARY TABLE {self.table}_c (local integer, combo_id bigint)"
            )
            for start in range(0, len(combo_ids), BATCH):
                cursor.executemany(
                    f"INSERT INTO {self.table}_c VALUES (%s, %s)",  # noqa: S608 (our name)
                    combo_ids[start : start + BATCH],
                )
            # the table's and columns' names are ours; the values are parameters
            cursor.execute(
                f"INSERT INTO {Value._meta.db_table} ({', '.join(names)}, indicator_id, "  # noqa: S608
                "indicator_version, period_id, combo_id, value, numerator, denominator) "
                f"SELECT {', '.join(['%s'] * len(names))}, s.indicator_id, s.indicator_version, "
                "s.period_id, c.combo_id, s.value, s.numerator, s.denominator "
                f"FROM {self.table} s JOIN {self.table}_c c ON c.local = s.combo",
                list(keys.values()),
            )
            written = cursor.rowcount
            cursor.execute(f"DROP TABLE {self.table}_c")
        return int(written)

    def drop(self) -> None:
        self.close()
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.table}")


@contextmanager
def staging() -> Iterator[Staging]:
    """A `Staging` for one upload, dropped after it (a failure rolls it back with the rest of
    the upload's transaction)."""
    stage = Staging()
    stage.open()
    yield stage
    stage.drop()


def school_year_label(start_year: int) -> str:
    """How a school year is written: "2024" and "25" joined by an en dash."""
    return f"{start_year}–{(start_year + 1) % 100:02d}"


def school_year(ecosystem: Ecosystem, start_year: int) -> Period:
    """The school year that starts on 1 July of `start_year` (as EDFacts counts it)."""
    period, _created = Period.objects.get_or_create(
        ecosystem=ecosystem,
        type=PeriodType.SCHOOL_YEAR,
        start=datetime.date(start_year, 7, 1),
        defaults={
            "end": datetime.date(start_year + 1, 6, 30),
            "label": school_year_label(start_year),
        },
    )
    return period
