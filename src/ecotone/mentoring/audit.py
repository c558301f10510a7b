"""Change history of mentoring records (django-auditlog, per ecosystem): who verified a
screening step and when it changed, how a match moved through its life, who approved hours."""

from ecotone.ecosystems.audit import track

from .models import (
    Consent,
    HourLog,
    Match,
    MatchingRound,
    Mentor,
    Opportunity,
    ScreeningRecord,
    ScreeningStep,
)

# Self-identification is shown only while the mentor shares it; a history would keep it after.
# The engine profile is a digest the database writes from columns the history already keeps.
track(Mentor, exclude=["shares_identity", "identity_tags", "engine_profile"])
for model in (
    Consent,
    ScreeningStep,
    ScreeningRecord,
    Opportunity,
    MatchingRound,
    Match,
    HourLog,
):
    track(model)
