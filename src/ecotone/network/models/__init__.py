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
from .gatherings import (
    DigestEntry,
    Goal,
    Post,
    ProgressNote,
    SteeringReport,
    Task,
    TaskStatus,
    WorkgroupFile,
    WorkgroupInvitation,
)
from .members import (
    MemberImport,
    Recommendation,
    Resource,
    ResourceKind,
    Welcome,
    WelcomeHow,
    Welcomer,
)
from .newsletters import (
    Delivery,
    DeliveryStatus,
    Item,
    ItemKind,
    LinkClick,
    Newsletter,
    NewsletterSection,
    NewsletterStatus,
    Suggestion,
    SuggestionKind,
    SuggestionStatus,
)
from .surveys import (
    Answer,
    Invitation,
    Question,
    QuestionKind,
    Response,
    Section,
    Survey,
    SurveyAudience,
    SurveyStatus,
)

__all__ = [
    "Answer",
    "Delivery",
    "DeliveryStatus",
    "DigestEntry",
    "Event",
    "EventKind",
    "Goal",
    "Invitation",
    "Item",
    "ItemKind",
    "LinkClick",
    "Member",
    "MemberImport",
    "MemberInterest",
    "MemberSource",
    "MemberStatus",
    "NetworkSettings",
    "Newsletter",
    "NewsletterSection",
    "NewsletterStatus",
    "Post",
    "ProgressNote",
    "Question",
    "QuestionKind",
    "Recommendation",
    "Registration",
    "RegistrationStatus",
    "Resource",
    "ResourceKind",
    "Response",
    "Section",
    "SteeringReport",
    "Suggestion",
    "SuggestionKind",
    "SuggestionStatus",
    "Survey",
    "SurveyAudience",
    "SurveyStatus",
    "Task",
    "TaskStatus",
    "Welcome",
    "WelcomeHow",
    "Welcomer",
    "Workgroup",
    "WorkgroupFile",
    "WorkgroupInvitation",
    "WorkgroupMembership",
    "WorkgroupRole",
    "settings_of",
]
