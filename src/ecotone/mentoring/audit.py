"""Change history of mentoring records (django-auditlog, per ecosystem): who verified a
screening step and when it changed, how a match moved through its life, who approved hours."""

from auditlog.registry import auditlog

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

_TIMESTAMPS = ["created_at", "updated_at"]

for model in (
    Mentor,
    Consent,
    ScreeningStep,
    ScreeningRecord,
    Opportunity,
    MatchingRound,
    Match,
    HourLog,
):
    auditlog.register(model, exclude_fields=_TIMESTAMPS)
