"""Change history of the network (django-auditlog, per ecosystem): who changed the roll, a
workgroup or an event."""

from ecotone.ecosystems.audit import track

from .models import Event, Member, NetworkSettings, Workgroup, WorkgroupMembership

# A member's tokens are secrets of their links, never history.
track(Member, exclude=["confirmation_token", "unsubscribe_token"])
for model in (Workgroup, WorkgroupMembership, Event, NetworkSettings):
    track(model)

# Newsletters: what the editor composed and sent, and suggestions decided. Deliveries and
# click counts are sending's bookkeeping, not history.
from .models import Newsletter, Suggestion  # noqa: E402

track(Newsletter, exclude=["send_run", "opens", "links", "figures"])
track(Suggestion)
