"""Change history of pathways and badges (django-auditlog, per ecosystem): who changed a
pathway or an achievement, and who awarded, revoked or deleted a badge (never the credential
or the recipient's hashes, which a deletion must erase)."""

from ecotone.ecosystems.audit import track

from .models import Achievement, Award, IssuerKey, Pathway, Step

for model in (Pathway, Step, Achievement):
    track(model)
track(Award, exclude=["credential", "holder_lookup", "recipient_lookup"])
# who made or retired an issuer key (pathways/keys.py); never the key material
track(IssuerKey, exclude=["private_key", "public_jwk"])
