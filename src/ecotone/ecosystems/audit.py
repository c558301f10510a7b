"""Which records keep a change history (django-auditlog), and how it is read per ecosystem.

Each tracked model exposes `get_additional_data()` returning its `ecosystem_id`, so the log of
one ecosystem can be read without joining every tracked table.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext_noop

from .models import Contact, Ecosystem, Invitation, Membership, Organization

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

_TIMESTAMPS = ["created_at", "updated_at"]

auditlog.register(Ecosystem, exclude_fields=_TIMESTAMPS)
auditlog.register(Organization, exclude_fields=_TIMESTAMPS)
auditlog.register(Contact, exclude_fields=_TIMESTAMPS)
auditlog.register(Membership, exclude_fields=_TIMESTAMPS, m2m_fields={"organizations"})
auditlog.register(Invitation, exclude_fields=[*_TIMESTAMPS, "token"], m2m_fields={"organizations"})


def log_for(ecosystem: Ecosystem) -> QuerySet[LogEntry]:
    return (
        LogEntry.objects.filter(additional_data__ecosystem_id=ecosystem.pk)
        .select_related("actor", "content_type")
        .order_by("-timestamp", "-pk")
    )


TRACKED_KINDS = ("ecosystem", "organization", "contact", "membership", "invitation")

# django-auditlog ships no Spanish catalogue. Marking its action labels here, with its exact
# msgids, puts them in ours; Django merges catalogues, so `get_action_display()` is translated.
AUDITLOG_ACTIONS = (
    gettext_noop("create"),
    gettext_noop("update"),
    gettext_noop("delete"),
    gettext_noop("access"),
)


def kind_choices() -> list[tuple[str, StrOrPromise]]:
    """(model name, translated label) of each tracked kind, for the audit log filter."""
    models = {
        m._meta.model_name: m for m in (Ecosystem, Organization, Contact, Membership, Invitation)
    }
    return [(kind, capfirst(models[kind]._meta.verbose_name) or kind) for kind in TRACKED_KINDS]
