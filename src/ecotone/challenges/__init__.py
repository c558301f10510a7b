"""Challenges: calls for proposals, reviewer assignment, fair ranking (issue 20).

So far only the Django-free core: `reviewing` (reviewer assignment by min-cost flow over
`ecotone.assignment`) and `ranking` (weighted totals, z-scores, the fixed-effects model of
quality and leniency). The app (models, pages) is built on top later.
"""
