"""Change history of the atlas's settings (django-auditlog, per ecosystem): who changed an
analysis's settings, who saved or removed a scenario. Runs are a cache and are not tracked."""

from ecotone.ecosystems.audit import track

from .models import Analysis, Scenario

track(Analysis)
track(Scenario)
