"""Build a fixture's rows once per worker, then insert the same rows again for every test.

The shared `world` (two ecosystems, ten personas, their memberships and second factors) costs
about eighty queries and their signal handlers through the ORM, and 1,400 tests ask for it. A
`Replay` runs the builder through the ORM once, reads back every row the builder wrote, and
for each later test writes those rows again with one INSERT per table: the same rows, with
the same primary keys, in about 10 ms instead of 40. What the test gets is a deep copy of what
the builder returned, so a test that changes an object in memory cannot reach the next one.

The rows are found by primary key: every table's largest key is read before the first build,
and what lies above it afterwards is the builder's. A builder that touches a table whose
key is not a number is refused, since its rows could not be found that way. If a key is taken
when the rows are written again (a module committed its own rows meanwhile), the builder runs
through the ORM again and is recorded anew.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.apps import apps
from django.db import IntegrityError, connection, models, transaction

T = TypeVar("T")


def _tables() -> list[type[models.Model]]:
    return [
        model
        for model in apps.get_models(include_auto_created=True)
        if model._meta.managed and not model._meta.proxy
    ]


def _is_numbered(model: type[models.Model]) -> bool:
    pk = model._meta.pk
    target = pk.target_field if pk.is_relation else pk
    return isinstance(target, models.AutoField | models.BigAutoField | models.IntegerField)


def _top_keys() -> dict[type[models.Model], Any]:
    tops: dict[type[models.Model], Any] = {}
    for model in _tables():
        if _is_numbered(model):
            tops[model] = model._base_manager.aggregate(top=models.Max("pk"))["top"] or 0
        else:
            tops[model] = model._base_manager.count()
    return tops


_replays: list[Replay[Any]] = []


def forget_all() -> None:
    """Every Replay builds through the ORM again next time (after a flush renumbered content
    types, which recorded rows such as the audit log's point to)."""
    for replay in _replays:
        replay.forget()


class Replay(Generic[T]):
    """`build()` through the ORM the first time; its rows inserted again every later time."""

    def __init__(self, build: Callable[[], T], *, raw: bool = False) -> None:
        """`raw=True` writes every field as recorded: the fields that stamp themselves on
        insert (`auto_now`, `auto_now_add`) keep the builder's times, which a builder that sets
        times relative to each other needs; without it they get the time of each insert."""
        self.build = build
        self.raw = raw
        _replays.append(self)
        self._result: T | None = None
        self._rows: list[tuple[type[models.Model], list[models.Model]]] = []

    def __call__(self) -> T:
        if self._result is not None:
            try:
                with transaction.atomic():
                    self._insert()
                return copy.deepcopy(self._result)
            except IntegrityError:
                # Rows committed since the recording (a module's demo seed) hold some of its
                # keys: build through the ORM again, above them.
                self.forget()
        return self._record()

    def _insert(self) -> None:
        for model, rows in self._rows:
            # Generated columns are the database's to write.
            fields = [f for f in model._meta.local_concrete_fields if not f.generated]
            size = connection.ops.bulk_batch_size(fields, rows) or len(rows)
            for start in range(0, len(rows), size):
                model._base_manager._insert(rows[start : start + size], fields=fields, raw=self.raw)

    def forget(self) -> None:
        """Build through the ORM again next time (after a flush renumbered what rows point to)."""
        self._result = None
        self._rows = []

    def _record(self) -> T:
        before = _top_keys()
        result = self.build()
        for model, top in before.items():
            if not _is_numbered(model):
                if model._base_manager.count() != top:
                    raise RuntimeError(
                        f"{self.build.__name__} writes to {model._meta.db_table}, whose key is "
                        "not a number: its rows cannot be replayed."
                    )
                continue
            rows = list(model._base_manager.filter(pk__gt=top).order_by("pk"))
            if rows:
                self._rows.append((model, rows))
        self._result = copy.deepcopy(result)
        return result
