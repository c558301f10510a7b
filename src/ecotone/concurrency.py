"""Optimistic concurrency for every edit: a version per record, compared when the edit is saved.

A record's version is its `updated_at` (every model is `TimeStamped`, and every service write
saves it), so no model needs a column of its own. Two people load the same record; the first
save moves `updated_at`; the second arrives with the version it loaded, the service compares it
inside its transaction with the row it has just locked, and refuses with `EditConflictError`.

- Pages put `stamp(version, snapshot)` in a hidden field (`LOADED_FIELD`): the version and the
  values the person saw. On a conflict the page shows the form again with their input, the
  message, and `changes(snapshot, now)`: which fields someone else changed, old -> new.
- The API sends `etag(version)` with a record and accepts `If-Match` on PATCH/PUT: a stale tag
  answers 412. Without `If-Match` (or without the hidden field) the edit is saved as before.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from django import forms
from django.core import signing
from django.core.serializers.json import DjangoJSONEncoder
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone.errors import DomainError

LOADED_FIELD = "loaded_version"
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SALT = "ecotone.concurrency"


class EditConflictError(DomainError):
    """Someone else saved the record after this person loaded it."""

    def __init__(self, current: str) -> None:
        super().__init__(
            _(
                "Someone else changed this record after you opened it. Your input is kept "
                "below: check their changes, then save again to keep yours."
            )
        )
        self.current = current


def version_of(*records: Any) -> str:
    """The version of one record, or of several read together (a listing and its pending
    change); a missing record (None) counts too, so its later creation is a change."""
    parts = []
    for record in records:
        if record is None:
            parts.append("-")
        else:
            parts.append(format((record.updated_at - _EPOCH) // timedelta(microseconds=1), "x"))
    return ".".join(parts)


def require(expected: str | None, current: str) -> None:
    """Refuse the edit when the person loaded another version than the stored one. Call it in
    the service's transaction, with `current` read from rows locked there."""
    if expected is not None and expected != current:
        raise EditConflictError(current)


def locked_version(record: Any) -> str:
    """The stored version of `record`, its row locked until the transaction ends."""
    manager = type(record)._default_manager
    return version_of(manager.select_for_update().only("updated_at").get(pk=record.pk))


# HTTP -------------------------------------------------------------------------------------------


def etag(version: str) -> str:
    return f'"{version}"'


def if_match(header: str | None) -> list[str] | None:
    """The versions an `If-Match` header accepts; None when absent or `*` (any version)."""
    if not header or header.strip() == "*":
        return None
    return [tag.strip().removeprefix("W/").strip('"') for tag in header.split(",") if tag.strip()]


# Pages ------------------------------------------------------------------------------------------


def plain(value: Any) -> Any:
    """`value` as JSON gives it back (dates as text, tuples as lists), so a snapshot taken at
    load and one taken now compare equal when nothing changed."""
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder))


def stamp(version: str, snapshot: Mapping[str, Any]) -> str:
    """The hidden field's value: the version loaded and the values the person saw."""
    return signing.dumps({"v": version, "s": plain(snapshot)}, salt=_SALT, compress=True)


@dataclass(frozen=True)
class Loaded:
    version: str
    snapshot: dict[str, Any]


def loaded(data: Mapping[str, Any]) -> Loaded | None:
    """What the person loaded, from a POST; None for a post without it (a script, an old
    page), which is saved without the check."""
    try:
        value = signing.loads(data.get(LOADED_FIELD) or "", salt=_SALT)
    except signing.BadSignature:
        return None
    return Loaded(str(value["v"]), dict(value["s"]))


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class Conflict:
    """What the page shows the second writer (`templates/_conflict.html`)."""

    message: str
    changes: list[FieldChange]


def _text(value: Any, choices: Mapping[str, str]) -> str:
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, bool):
        return str(gettext_lazy("Yes") if value else gettext_lazy("No"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # 20 miles, not 20.0
    if isinstance(value, list):
        return ", ".join(_text(item, choices) for item in value)
    if isinstance(value, dict):
        return "; ".join(
            f"{k}: {_text(v, choices)}" for k, v in value.items() if v not in ("", None)
        )
    return str(choices.get(str(value), value))


def changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    labels: Mapping[str, Any],
    choices: Mapping[str, Mapping[str, str]] | None = None,
) -> list[FieldChange]:
    """The fields of `labels` whose value differs between two snapshots, in `labels`' order,
    as readable text (choice labels from `choices[name]`)."""
    choices = choices or {}
    before, after = plain(before), plain(after)
    return [
        FieldChange(
            str(label),
            _text(before.get(name), choices.get(name, {})),
            _text(after.get(name), choices.get(name, {})),
        )
        for name, label in labels.items()
        if before.get(name) != after.get(name)
    ]


def form_snapshot(form: Any, names: Iterable[str] | None = None) -> dict[str, Any]:
    """The values an unbound form shows, field by field."""
    return plain({name: form[name].value() for name in names or form.fields})


def form_changes(
    form: Any,
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    extra_labels: Mapping[str, Any] | None = None,
) -> list[FieldChange]:
    """`changes` labelled by the form's fields (then `extra_labels` for parts outside the
    form, such as a list of contacts), choices shown by their labels. A multiple choice is a
    set: the same choices in another order are no change."""
    seen: dict[str, Any] = plain(before)
    now: dict[str, Any] = plain(after)
    for name, field in form.fields.items():
        if isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField):
            for snapshot in (seen, now):
                if isinstance(snapshot.get(name), list):
                    snapshot[name] = sorted(snapshot[name], key=str)
    before, after = seen, now
    labels = {name: field.label or name for name, field in form.fields.items() if name in after}
    choices = {
        name: {str(value): str(label) for value, label in _flat_choices(field)}
        for name, field in form.fields.items()
        if name in labels and before.get(name) != after.get(name)
    }
    return changes(before, after, {**labels, **(extra_labels or {})}, choices)


def _flat_choices(field: Any) -> Iterable[tuple[Any, Any]]:
    for value, label in getattr(field, "choices", None) or ():
        if isinstance(label, list | tuple):  # an option group
            yield from label
        else:
            yield value, label


class EditPage:
    """An edit page's side of the check: what the person loaded (the hidden field of the POST),
    the record as stored now, and after a refused save the conflict to show. In a view:

        edit = concurrency.EditPage(request.POST, concurrency.version_of(record), snapshot)
        try:
            service(record, user, expected_version=edit.expected_version, ...)
        except concurrency.EditConflictError as error:
            edit.refused(error, form)
        ...
        return render(request, template, {**edit.context(), "form": form, ...})
    """

    def __init__(
        self, data: Mapping[str, Any] | None, version: str, snapshot: Mapping[str, Any]
    ) -> None:
        self.loaded = loaded(data or {})
        self.version = version
        self.snapshot = plain(snapshot)
        self.conflict: Conflict | None = None

    @property
    def expected_version(self) -> str | None:
        return self.loaded.version if self.loaded else None

    def refused(
        self,
        error: EditConflictError,
        form: Any,
        extra_labels: Mapping[str, Any] | None = None,
    ) -> None:
        assert self.loaded is not None  # only a post carrying a version can conflict
        self.conflict = Conflict(
            str(error), form_changes(form, self.loaded.snapshot, self.snapshot, extra_labels)
        )

    def stamp(self) -> str:
        # Shown again for a mistake in the input, the page keeps the version first loaded, so a
        # change made meanwhile is still caught; after a conflict it carries the stored one:
        # saving again is then a decision taken knowingly.
        if self.loaded is None or self.conflict is not None:
            return stamp(self.version, self.snapshot)
        return stamp(self.loaded.version, self.loaded.snapshot)

    def context(self) -> dict[str, Any]:
        """What `templates/_conflict.html` reads."""
        return {LOADED_FIELD: self.stamp(), "conflict": self.conflict}
