"""Change history of partner-owned directory records (django-auditlog, per ecosystem)."""

from ecotone.ecosystems.audit import track

from .models import ListingChange, Location, Program

track(Program, m2m_fields={"partner_organizations"})
track(Location)
# Decisions on partners' changes (who approved or rejected what, and the note); the proposed
# and previous states are the change itself, shown as a diff on its page, not repeated here.
track(ListingChange, exclude=["proposed", "previous", "submitted_at"])
