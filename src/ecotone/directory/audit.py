"""Change history of partner-owned directory records (django-auditlog, per ecosystem)."""

from auditlog.registry import auditlog

from .models import ListingChange, Location, Program

_TIMESTAMPS = ["created_at", "updated_at"]

auditlog.register(Program, exclude_fields=_TIMESTAMPS, m2m_fields={"partner_organizations"})
auditlog.register(Location, exclude_fields=_TIMESTAMPS)
# Decisions on partners' changes (who approved or rejected what, and the note); the proposed
# and previous states are the change itself, shown as a diff on its page, not repeated here.
auditlog.register(
    ListingChange, exclude_fields=[*_TIMESTAMPS, "proposed", "previous", "submitted_at"]
)
