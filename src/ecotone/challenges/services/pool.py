"""The applicant-pool report of a call: who applied, whom they serve, where, with whom, and
which applications overlap (the report a funder used to write by hand).

Built from the call's submitted applications (withdrawn ones left out), in two queries
(applications, and their directory partners). Every figure counts applications or
organizations, never young people, so no small-cell suppression applies: an application
naming "girls" says whom a project targets, not how many girls took part.

- Lead organizations by sector; target populations, grade bands and topics as the share of
  applications naming each (an application may name several, so shares add to more than
  100 %); states and census regions (`places`).
- Partners named: directory partners by organization, others by their name as written
  (casefolded), with how many applications name each.
- Overlaps: pairs of applications that could work together, so the backbone can suggest it:
  naming a partner in common, or in the same area (same city and state, or within
  `NEAR_MILES` when both have coordinates, by `directory.distance.haversine_miles`) AND
  serving the same young people (a STEM field and a grade band in common). Place alone is
  not enough: in a regional call most applications come from a few towns, and flagging every
  pair of them (1,467 pairs of the demo's 90) would flag nothing.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecotone.directory import stem_profile
from ecotone.directory.distance import haversine_miles
from ecotone.ecosystems.models import Organization, Sector

from .. import places
from ..models import TARGET_POPULATIONS, Application, ApplicationStatus, Call

NEAR_MILES = 10.0
REGION_LABELS = {
    "northeast": gettext_lazy("Northeast"),
    "midwest": gettext_lazy("Midwest"),
    "south": gettext_lazy("South"),
    "west": gettext_lazy("West"),
    "": gettext_lazy("No census region"),
}


@dataclass(frozen=True)
class Share:
    key: str
    label: Any
    count: int
    share: float  # of the applications, 0 to 1


@dataclass(frozen=True)
class Overlap:
    first: Application
    second: Application
    same_area: bool
    miles: float | None
    partners: list[str]

    def reasons(self) -> list[str]:
        found = []
        if self.same_area:
            if self.miles is None:
                found.append(_("same city"))
            else:
                found.append(_("%(miles)s miles apart") % {"miles": f"{self.miles:.0f}"})
        if self.partners:
            found.append(_("partners in common: %(names)s") % {"names": ", ".join(self.partners)})
        return found


@dataclass
class PoolReport:
    call: Call
    applications: list[Application]
    sectors: list[Share] = field(default_factory=list)
    populations: list[Share] = field(default_factory=list)
    grade_bands: list[Share] = field(default_factory=list)
    topics: list[Share] = field(default_factory=list)
    states: list[Share] = field(default_factory=list)
    regions: list[Share] = field(default_factory=list)
    partners: list[Share] = field(default_factory=list)
    overlaps: list[Overlap] = field(default_factory=list)
    overlapping_share: float = 0.0
    in_directory_partners: int = 0
    near_miles: float = NEAR_MILES

    @property
    def total(self) -> int:
        return len(self.applications)

    def places(self) -> list[dict[str, Any]]:
        """The applications with coordinates, for the map (network-map.js's shape)."""
        return [
            {
                "lat": a.latitude,
                "lon": a.longitude,
                "name": a.title,
                "url": f"#application-{a.pk}",
                "summary": ", ".join(x for x in (a.organization_name, a.city, a.state) if x),
            }
            for a in self.applications
            if a.latitude is not None and a.longitude is not None
        ]


def pool_applications(call: Call) -> list[Application]:
    return list(
        Application.objects.filter(call=call, submitted_at__isnull=False)
        .exclude(status__in=[ApplicationStatus.DRAFT, ApplicationStatus.WITHDRAWN])
        .prefetch_related(Prefetch("partners", queryset=Organization.objects.only("pk", "name")))
        .order_by("title", "pk")
    )


def _shares(
    counts: Counter[str], total: int, labels: dict[str, Any], order: Sequence[str] = ()
) -> list[Share]:
    keys = list(order) if order else []
    keys += sorted((k for k in counts if k not in keys), key=lambda k: (-counts[k], str(k)))
    return [
        Share(
            key=k,
            label=labels.get(k, k),
            count=counts[k],
            share=counts[k] / total if total else 0.0,
        )
        for k in keys
    ]


def _partner_keys(application: Application) -> dict[str, str]:
    """The partners an application names: key -> name as shown."""
    found = {f"org:{p.pk}": p.name for p in application.partners.all()}
    for name in application.other_partners:
        if isinstance(name, str) and name.strip():
            found.setdefault("name:" + " ".join(name.split()).casefold(), " ".join(name.split()))
    return found


def _in_common(sets: Sequence[set[str]]) -> npt.NDArray[np.bool_]:
    """Whether each pair of sets shares an item (an n x n matrix, by an incidence product)."""
    vocabulary = {x: k for k, x in enumerate(sorted(set().union(*sets)))}
    incidence = np.zeros((len(sets), max(len(vocabulary), 1)), dtype=np.float64)
    for row, items in enumerate(sets):
        incidence[row, [vocabulary[x] for x in items]] = 1.0
    common: npt.NDArray[np.bool_] = (incidence @ incidence.T) > 0
    return common


def overlapping_pairs(
    cities: Sequence[str],
    lats: Sequence[float | None],
    lons: Sequence[float | None],
    partner_sets: Sequence[set[str]],
    audiences: Sequence[tuple[set[str], set[str]]] | None = None,
    near_miles: float = NEAR_MILES,
) -> list[tuple[int, int, bool, float | None, set[str]]]:
    """Pairs (i < j) sharing a partner, or in the same area and (when `audiences`, each
    application's (STEM fields, grade bands), are given) serving the same young people:
    (i, j, same area, miles when both have coordinates and are near, partners in common).
    `cities` are "city|state" keys ("" when unknown). Pairwise matrices in NumPy: a call has
    hundreds of applications, not hundreds of thousands."""
    n = len(cities)
    if n < 2:
        return []
    lat = np.array([np.nan if v is None else v for v in lats], dtype=np.float64)
    lon = np.array([np.nan if v is None else v for v in lons], dtype=np.float64)
    miles = haversine_miles(lat[:, None], lon[:, None], lat[None, :], lon[None, :])
    near = np.isfinite(miles) & (miles <= near_miles)
    key = {c: k for k, c in enumerate(sorted(set(cities)))}
    city = np.array([key[c] if c else -1 - i for i, c in enumerate(cities)])
    area = near | (city[:, None] == city[None, :])
    if audiences is not None:
        area &= _in_common([a[0] for a in audiences]) & _in_common([a[1] for a in audiences])
    flagged = np.triu(area | _in_common(partner_sets), k=1)
    return [
        (
            int(i),
            int(j),
            bool(area[i, j]),
            float(miles[i, j]) if near[i, j] else None,
            partner_sets[i] & partner_sets[j],
        )
        for i, j in zip(*np.nonzero(flagged), strict=True)
    ]


def pool_report(call: Call, *, near_miles: float = NEAR_MILES) -> PoolReport:
    applications = pool_applications(call)
    total = len(applications)
    report = PoolReport(call=call, applications=applications, near_miles=near_miles)
    sectors: Counter[str] = Counter(a.organization_sector for a in applications)
    report.sectors = _shares(sectors, total, dict(Sector.choices))
    populations: Counter[str] = Counter()
    bands: Counter[str] = Counter()
    topics: Counter[str] = Counter()
    states: Counter[str] = Counter()
    regions: Counter[str] = Counter()
    partners: Counter[str] = Counter()
    partner_names: dict[str, str] = {}
    partner_sets = []
    for a in applications:
        populations.update(set(a.target_populations))
        bands.update(set(a.grade_bands))
        topics.update(set(a.topics))
        state = a.state.upper() if a.state else ""
        states[state] += 1
        regions[places.region_of(state) if state else ""] += 1
        named = _partner_keys(a)
        partner_names.update(named)
        partners.update(named.keys())
        partner_sets.append(set(named))
    report.populations = _shares(
        populations, total, dict(TARGET_POPULATIONS), [c for c, _l in TARGET_POPULATIONS]
    )
    band_terms = stem_profile.GRADE_BANDS.terms
    report.grade_bands = _shares(bands, total, dict(band_terms), [c for c, _l in band_terms])
    report.topics = _shares(topics, total, {c: stem_profile.label("stem_field", c) for c in topics})
    state_labels = {code: name for code, (name, _r) in places.STATES.items()}
    state_labels[""] = _("No state given")
    report.states = _shares(states, total, state_labels)
    report.regions = _shares(regions, total, REGION_LABELS, [*places.REGIONS, ""])
    report.partners = _shares(partners, total, partner_names)
    report.in_directory_partners = sum(1 for k in partners if k.startswith("org:"))
    cities = [
        f"{' '.join(a.city.split()).casefold()}|{a.state.upper()}" if a.city and a.state else ""
        for a in applications
    ]
    pairs = overlapping_pairs(
        cities,
        [a.latitude for a in applications],
        [a.longitude for a in applications],
        partner_sets,
        [(set(a.topics), set(a.grade_bands)) for a in applications],
        near_miles,
    )
    involved: set[int] = set()
    for i, j, same_area, miles, shared in pairs:
        involved.update((i, j))
        report.overlaps.append(
            Overlap(
                first=applications[i],
                second=applications[j],
                same_area=same_area,
                miles=miles,
                partners=sorted(partner_names[k] for k in shared),
            )
        )
    # The strongest first: in the same area serving the same young people and sharing
    # partners, then by how many partners they share.
    report.overlaps.sort(key=lambda o: (-(int(o.same_area) + len(o.partners)), -int(o.same_area)))
    report.overlapping_share = len(involved) / total if total else 0.0
    return report
