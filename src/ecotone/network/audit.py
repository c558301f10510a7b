"""Change history of the network (django-auditlog, per ecosystem): who changed the roll, a
workgroup or an event."""

from ecotone.ecosystems.audit import track

from .models import (
    Event,
    Goal,
    Member,
    NetworkSettings,
    Newsletter,
    ProgressNote,
    Question,
    Resource,
    Section,
    SteeringReport,
    Suggestion,
    Survey,
    Task,
    Welcome,
    Welcomer,
    Workgroup,
    WorkgroupFile,
    WorkgroupInvitation,
    WorkgroupMembership,
)

# A member's tokens are secrets of their links, never history.
track(Member, exclude=["confirmation_token", "unsubscribe_token"])
for model in (
    Workgroup,
    WorkgroupMembership,
    Event,
    NetworkSettings,
    Welcomer,
    Welcome,
    Resource,
    WorkgroupInvitation,
    Goal,
    Task,
    ProgressNote,
    SteeringReport,
    WorkgroupFile,
):
    track(model)
# Surveys: the builder's changes. Invitations, responses and answers are never tracked: a
# history entry would stamp an invitation's "responded" with a time that could link it to an
# anonymous response (models/surveys.py).
for survey_model in (Survey, Section, Question):
    track(survey_model)
# Newsletters: what the editor composed and sent, and suggestions decided. Deliveries and
# click counts are sending's bookkeeping, not history.
track(Newsletter, exclude=["send_run", "opens", "links", "figures"])
track(Suggestion)
