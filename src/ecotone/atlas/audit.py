"""Change history of the atlas's settings (django-auditlog, per ecosystem): who changed an
analysis's settings, who saved or removed a scenario. Runs are a cache and are not tracked."""

from auditlog.registry import auditlog

from .models import Analysis, Scenario

_TIMESTAMPS = ["created_at", "updated_at"]

auditlog.register(Analysis, exclude_fields=_TIMESTAMPS)
auditlog.register(Scenario, exclude_fields=_TIMESTAMPS)
