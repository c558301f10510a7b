"""Change history of partner-owned directory records (django-auditlog, per ecosystem)."""

from auditlog.registry import auditlog

from .models import Location, Program

_TIMESTAMPS = ["created_at", "updated_at"]

auditlog.register(Program, exclude_fields=_TIMESTAMPS, m2m_fields={"partner_organizations"})
auditlog.register(Location, exclude_fields=_TIMESTAMPS)
