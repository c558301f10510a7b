"""Change history of shared measurement (django-auditlog, per ecosystem): who defined, edited,
published or archived an indicator, who changed what a partner's code means, who recorded a
data sharing agreement, who opened, changed or closed a data collection, and who submitted,
approved or returned a partner's values, who set up or rotated the linkage secret, and who
submitted or withdrew a participation roster (and when the retention deleted one)."""

from ecotone.ecosystems.audit import track

from .models import (
    CodeCrosswalk,
    DataCollection,
    DataSharingAgreement,
    Indicator,
    LinkageEpoch,
    Period,
    Roster,
    Submission,
)

for model in (Indicator, Period, CodeCrosswalk, LinkageEpoch, Roster):
    track(model)
track(DataSharingAgreement, m2m_fields={"indicators"})
track(DataCollection, m2m_fields={"indicators", "periods", "organizations"})
# the report is the check's output, rewritten on every check: its status says what matters
track(Submission, exclude=("report",))
