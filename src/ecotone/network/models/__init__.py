"""The network: the alliance's members and what they do together (design.md section 2).

A `Member` is one person on the network's roll in one ecosystem: whoever joined through the
public page (and confirmed their address: double opt-in), was imported from an existing list,
or holds a partner-staff or mentor role and agreed to be a member. The roll is what every
other part of the network reads: the welcome rotation welcomes members, workgroups and events
gather them, newsletters and surveys go to segments of them (`network.segments`). A member may
have an account (`user`); one who joined without one gets it when they confirm.

Each area keeps its models in a module of this package (`core` the roll, workgroups and
events; the areas' own beside it); all are exported here.
"""

from .core import (
    Event,
    EventKind,
    Member,
    MemberInterest,
    MemberSource,
    MemberStatus,
    NetworkSettings,
    Registration,
    RegistrationStatus,
    Workgroup,
    WorkgroupMembership,
    WorkgroupRole,
    settings_of,
)
from .newsletters import (
    Delivery,
    DeliveryStatus,
    Item,
    ItemKind,
    LinkClick,
    Newsletter,
    NewsletterStatus,
    Section,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)

__all__ = [
    "Delivery",
    "DeliveryStatus",
    "Event",
    "EventKind",
    "Item",
    "ItemKind",
    "LinkClick",
    "Member",
    "MemberInterest",
    "MemberSource",
    "MemberStatus",
    "NetworkSettings",
    "Newsletter",
    "NewsletterStatus",
    "Registration",
    "RegistrationStatus",
    "Section",
    "Suggestion",
    "SuggestionKind",
    "SuggestionStatus",
    "Workgroup",
    "WorkgroupMembership",
    "WorkgroupRole",
    "settings_of",
]
