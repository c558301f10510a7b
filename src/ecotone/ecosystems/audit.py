"""Which records keep a change history (django-auditlog), and how it is read per ecosystem.

Each tracked model exposes `get_additional_data()` returning its `ecosystem_id`, so the log of
one ecosystem can be read without joining every tracked table.
"""

from __future__ import annotations

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.db.models import QuerySet

from .models import Contact, Ecosystem, Invitation, Membership, Organization

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
