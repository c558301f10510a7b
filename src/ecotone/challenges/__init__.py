"""Challenges: calls for proposals, applications over rounds, reviewer assignment, fair
ranking and awards (issue 20, docs/challenges.md).

The Django-free core: `reviewing` (reviewer assignment by min-cost flow over
`ecotone.assignment`), `ranking` (weighted totals, z-scores, the fixed-effects model of quality
and leniency) and `places` (states and census regions). The records are in `models`; who
reaches what is `access`.
"""
