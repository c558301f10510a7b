"""Which records keep a change history (django-auditlog), and how it is read per ecosystem.

Each tracked model exposes `get_additional_data()` returning its `ecosystem_id`, so the log of
one ecosystem can be read without joining every tracked table. Every app registers its models
with `track`, and the log page reads entries through `readable`: field names, choices, related
records and dates as people say them, not as stored.
"""

from __future__ import annotations

import copy
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any

from auditlog.cid import get_cid
from auditlog.context import auditlog_disabled
from auditlog.diff import get_field_value, is_primitive, model_instance_diff, track_field
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.utils import formats, timezone
from django.utils.encoding import smart_str
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from .models import Contact, Ecosystem, Invitation, Membership, Organization
from .templatetags.audit import EMPTY, describe_change

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_TIMESTAMPS = ("created_at", "updated_at")


def track(
    model: type[models.Model],
    *,
    exclude: Iterable[str] = (),
    m2m_fields: set[str] | None = None,
) -> None:
    """Keep `model`'s change history, without its timestamps, the fields in `exclude` and the
    records that point at it: those are other records (with a history of their own when they
    are tracked), which auditlog would otherwise log as "directory.Funding.None"."""
    pointing = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    auditlog.register(
        model,
        exclude_fields=[*_TIMESTAMPS, *exclude, *pointing],
        m2m_fields=m2m_fields or set(),
    )


track(Ecosystem)
track(Organization)
track(Contact)
track(Membership, m2m_fields={"organizations"})
track(Invitation, exclude=["token"], m2m_fields={"organizations"})


def log_many(instances: Sequence[models.Model], action: int) -> None:
    """The history entries auditlog writes one by one when tracked records are saved or
    deleted (`LogEntry.Action.CREATE` just after a bulk insert, `DELETE` just before a bulk
    delete), written in one insert: the same changes, representation, ecosystem and actor (the
    `acting` user, filled by auditlog's pre_save receiver, sent here as `save()` would)."""
    # none while auditlog is switched off (`disable_auditlog`), as it writes none then either
    if not instances or not auditlog.contains(type(instances[0])) or auditlog_disabled.get(False):
        return
    changes_of = _changes(type(instances[0]), action == LogEntry.Action.CREATE)
    _write(action, ((instance, changes_of(instance)) for instance in instances))


def log_updates(
    instances: Sequence[models.Model], fields: Sequence[str], before: Sequence[dict[str, Any]]
) -> None:
    """The history entries auditlog writes when each of `instances` is saved with
    `update_fields=fields` (`before[n]`: the n-th record's values of those fields before), in
    one insert, after a bulk update: auditlog's own diff between the record and a copy of it
    holding the old values, with the same representation, ecosystem and actor. Auditlog would
    read each record again before saving it to find the old values."""
    if not instances or not auditlog.contains(type(instances[0])) or auditlog_disabled.get(False):
        return
    as_json = getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False)  # auditlog's default

    def diff(instance: models.Model, old_values: dict[str, Any]) -> Any:
        old = copy.copy(instance)
        for name, value in old_values.items():
            setattr(old, name, value)
        return model_instance_diff(
            old, instance, fields_to_check=fields, use_json_for_changes=as_json
        )

    _write(
        LogEntry.Action.UPDATE,
        ((instance, diff(instance, old)) for instance, old in zip(instances, before, strict=True)),
    )


def _write(action: int, changed: Iterable[tuple[models.Model, Any]]) -> None:
    """One insert of the entries for (record, its changes); a record without changes gets
    none, as with auditlog."""
    content_type: ContentType | None = None
    cid = get_cid()
    entries = []
    for instance, changes in changed:
        if not changes:
            continue
        content_type = content_type or ContentType.objects.get_for_model(type(instance))
        entry = LogEntry(
            content_type=content_type,
            object_pk=str(instance.pk),
            object_id=instance.pk,
            object_repr=smart_str(instance),
            action=action,
            changes=changes,
            additional_data=instance.get_additional_data(),  # type: ignore[attr-defined]
            cid=cid,
        )
        models.signals.pre_save.send(sender=LogEntry, instance=entry, raw=False, using="default")
        entries.append(entry)
    LogEntry.objects.bulk_create(entries, batch_size=1000)


def _changes(model: type[models.Model], created: bool) -> Any:
    """A function giving what `auditlog.diff.model_instance_diff(None, instance)` (`created`)
    or `(instance, None)` gives, with the fields and the empty side worked out once per model
    rather than once per record."""
    as_json = getattr(settings, "AUDITLOG_STORE_JSON_CHANGES", False)  # auditlog's default
    registered = auditlog.get_model_fields(model)
    if registered["mask_fields"]:
        return lambda instance: model_instance_diff(
            None if created else instance,
            instance if created else None,
            use_json_for_changes=as_json,
        )
    fields = [
        f
        for f in model._meta.get_fields()
        if track_field(f)
        and (not registered["include_fields"] or f.name in registered["include_fields"])
        and f.name not in registered["exclude_fields"]
    ]
    empty = {f: get_field_value(None, f, as_json) for f in fields}

    def pair(old: Any, new: Any) -> tuple[Any, Any]:
        if not as_json:
            return smart_str(old), smart_str(new)
        return (
            old if is_primitive(old) else smart_str(old),
            new if is_primitive(new) else smart_str(new),
        )

    def changes(instance: models.Model) -> dict[str, Any] | None:
        diff = {}
        for field in fields:
            value = get_field_value(instance, field, as_json)
            if value != empty[field]:
                diff[field.name] = (
                    pair(empty[field], value) if created else pair(value, empty[field])
                )
        return diff or None

    return changes


def log_for(ecosystem: Ecosystem, kind: str = "") -> QuerySet[LogEntry]:
    """The ecosystem's history, newest first; with `kind`, only that kind of record (one of
    `tracked_kinds`; none for any other)."""
    entries = LogEntry.objects.filter(additional_data__ecosystem_id=ecosystem.pk)
    if kind:
        model = _tracked().get(kind)
        entries = (
            entries.filter(content_type=ContentType.objects.get_for_model(model))
            if model is not None
            else entries.none()
        )
    return entries.select_related("actor", "content_type").order_by("-timestamp", "-pk")


# django-auditlog ships no Spanish catalogue. Marking its action labels here, with its exact
# msgids, puts them in ours; Django merges catalogues, so `get_action_display()` is translated.
AUDITLOG_ACTIONS = (
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("access"),
)


def _tracked() -> dict[str, type[models.Model]]:
    """{model name: model} of every model an app registered (they all carry an ecosystem)."""
    return {m._meta.model_name or m.__name__: m for m in auditlog.get_models()}


def tracked_kinds() -> list[str]:
    return sorted(_tracked())


def kind_choices() -> list[tuple[str, StrOrPromise]]:
    """(model name, translated label) of each tracked kind, by label, for the log's filter."""
    choices = [
        (kind, capfirst(model._meta.verbose_name) or kind) for kind, model in _tracked().items()
    ]
    return sorted(choices, key=lambda choice: str(choice[1]).lower())


# Reading an entry ------------------------------------------------------------------------------


def readable(entries: Sequence[LogEntry]) -> None:
    """Sets `entry.readable` on each entry: [(field label, what changed)], as people read it,
    and `entry.readable_changes`, the same with each field's name for the API:
    [{"field": name, "label": label, "change": what changed}].

    Related records by their names (one query per kind of related record for all the entries,
    a deleted one as such), choices by their labels, yes and no, dates and times written out
    in the current time zone. Left out: the record's own id, fields empty before and after,
    and the records pointing at it (older entries logged them before `track` excluded them).
    """
    rows: list[tuple[LogEntry, list[tuple[str, Any]]]] = []
    wanted: dict[type[models.Model], set[Any]] = defaultdict(set)
    for entry in entries:
        model = entry.content_type.model_class() if entry.content_type_id else None
        fields: list[tuple[str, Any]] = []
        for name, change in (entry.changes_dict or {}).items():
            field = _field(model, name)
            if field is not None and (
                field.primary_key or (field.auto_created and not field.concrete)
            ):
                continue
            fields.append((name, field))
            if isinstance(field, models.ForeignKey | models.OneToOneField) and isinstance(
                change, list | tuple
            ):
                for value in change:
                    key = _key(field, value)
                    if key is not None:
                        wanted[field.related_model].add(key)  # type: ignore[index]
        rows.append((entry, _in_model_order(model, fields)))
    found = {
        related: related._default_manager.in_bulk(list(keys)) for related, keys in wanted.items()
    }
    for entry, fields in rows:
        changes = entry.changes_dict or {}
        described = [
            {"field": name, "label": _label(name, field), "change": text}
            for name, field in fields
            # A new record's empty fields are logged as changed from nothing to nothing.
            if (text := _describe(changes[name], field, found)) != EMPTY
        ]
        entry.readable_changes = described
        entry.readable = [(change["label"], change["change"]) for change in described]


def _in_model_order(
    model: type[models.Model] | None, fields: list[tuple[str, Any]]
) -> list[tuple[str, Any]]:
    """The changed fields in the order the model declares them (unknown names last, by name):
    PostgreSQL's jsonb keeps an entry's changes in its own key order, SQLite in the logged one."""
    order = {f.name: i for i, f in enumerate(model._meta.get_fields())} if model else {}
    return sorted(fields, key=lambda item: (order.get(item[0], len(order)), item[0]))


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:
        return None


def _label(name: str, field: Any) -> str:
    verbose = getattr(field, "verbose_name", None) if field is not None else None
    related = getattr(field, "related_model", None)
    if related is not None and name == related._meta.model_name and isinstance(verbose, str):
        # `organization = ForeignKey(Organization)` gets "organization", untranslated, from its
        # name: the related model's own (translated) name says the same in either language.
        verbose = related._meta.verbose_name
    return str(capfirst(verbose or name))


def _key(field: Any, value: Any) -> Any:
    if value in (None, "", "None"):
        return None
    try:
        return field.related_model._meta.pk.to_python(value)
    except ValidationError:
        return None


def _describe(change: Any, field: Any, found: dict[type[models.Model], dict[Any, Any]]) -> str:
    if field is None or not isinstance(change, list | tuple) or len(change) != 2:
        return describe_change(change)
    return describe_change([_value(value, field, found) for value in change])


def _value(value: Any, field: Any, found: dict[type[models.Model], dict[Any, Any]]) -> str:
    if value in (None, "", "None"):
        return EMPTY
    if isinstance(field, models.ForeignKey | models.OneToOneField):
        related: Any = field.related_model
        record = found.get(related, {}).get(_key(field, value))
        if record is None:
            return _("deleted record (%(id)s)") % {"id": value}
        return str(record)
    choices = dict(field.flatchoices) if getattr(field, "choices", None) else {}
    if choices:
        try:
            return str(choices.get(field.to_python(value), value))
        except ValidationError:
            return str(value)
    if isinstance(field, models.BooleanField):
        return {"True": _("yes"), "False": _("no")}.get(str(value), str(value))
    if isinstance(field, models.DateTimeField):
        return _when(value)
    if isinstance(field, models.DateField):
        try:
            return formats.date_format(date.fromisoformat(str(value)), "DATE_FORMAT")
        except ValueError:
            return str(value)
    return str(value)


def _when(value: Any) -> str:
    """A stored time (auditlog keeps them in UTC, to the microsecond) as people write one."""
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return str(value)
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=UTC)
    return formats.date_format(timezone.localtime(moment), "DATETIME_FORMAT")
