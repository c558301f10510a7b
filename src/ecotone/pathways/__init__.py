"""Pathways and badges (issue 21, docs/pathways.md and docs/badges.md): designed routes through
the ecosystem's programs for families, and the Open Badges 3.0 credentials partners award.

Depends on the directory and ecosystems only (docs/architecture.md). The records are in
`models`; who reaches what is `access`. The Django-free, strictly typed core: `openbadges`
(an OpenBadgeCredential built, signed and verified), `status_list` (the W3C Bitstring Status
List), `baking` (a credential baked into a PNG).
"""
