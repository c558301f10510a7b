"""Change history of shared measurement (django-auditlog, per ecosystem): who defined, edited,
published or archived an indicator, and who changed what a partner's code means."""

from ecotone.ecosystems.audit import track

from .models import CodeCrosswalk, Indicator, Period

for model in (Indicator, Period, CodeCrosswalk):
    track(model)
