"""Change history of a call's records (django-auditlog, per ecosystem): who changed a call,
an application's status, a reviewer's profile, and who decided and awarded what."""

from ecotone.ecosystems.audit import track

from .models import Application, Award, Call, Decision, ReviewerProfile, Round

for model in (Call, Round, Application, ReviewerProfile, Decision, Award):
    track(model)
