"""Reviewer assignment for a review round: each application gets exactly k reviewers, each
reviewer a load within their bounds, no conflicted pair ever, the total affinity as high as
it can be. Django-free and strictly typed; the optimum comes from the one assignment solver,
`ecotone.assignment.solve_exact` (min-cost flow), with reviewers on the left and
applications on the right.

Affinity of a reviewer r and an application a (integers, `Weights`):
- expertise fit: `topic` points per topic both name, `region` per region, `sector` per
  sector the application serves that the reviewer knows;
- bid: `eager` or `willing` points, `not_willing` a strong penalty (default -100). A "not
  willing" bid is NOT an exclusion: a round must stay solvable when many reviewers decline
  the same application, and the penalty (larger than any fit) keeps such a pair out of the
  assignment whenever another reviewer can take it. `Weights.exclude_not_willing` makes it
  an exclusion instead (then it counts as a conflict in the infeasibility explanation);
- diversity of backgrounds, inside the flow: on one application, the n-th reviewer from the
  same background (the reviewer's `sector`) earns `diversity[n-1]` (non-increasing, 0 past
  its end; default 30 for the first of a sector, 10 for the second, then 0), so three
  reviewers from three sectors earn 90 and three from one sector 40. The total diversity
  bonus is exact in the optimum; per pair it is reported as the place the pair holds in its
  sector on that application, best-scoring reviewers first.

Conflicts (hard: such a pair is never a candidate): the reviewer belongs to an organization
that leads the application or is on it as a co-applicant in a coalition ("organization"),
that the application lists as a partner ("partner"), the reviewer is a person on the
application ("coalition": an applicant or co-applicant), or declared either way
("declared").

Locks: pairs kept from an earlier solve or set by hand; `assign` keeps every lock that is
not conflicted and fits (`ecotone.assignment.fit_locked`), reports the refused ones, and
solves around the kept ones (a re-solve).

Infeasibility is explained (`Infeasibility`): the applications with fewer than k
non-conflicted reviewers with room, the minimum loads summing past k x applications, the
maximum loads short of it, the reviewers whose minimum exceeds the applications they can
review; "no_flow" when only the combination fails.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

import numpy as np
import numpy.typing as npt
from scipy import sparse

from ecotone import assignment
from ecotone.assignment import Candidates

Bid = Literal["eager", "willing", "not_willing"]
IntArray = npt.NDArray[np.int64]
BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True)
class Application:
    """An application in the round: its lead organization, co-applicant organizations (a
    coalition), listed partners, the people on it, and what it is about."""

    id: str
    organization: str
    co_applicants: frozenset[str] = frozenset()
    partners: frozenset[str] = frozenset()
    people: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Reviewer:
    """A reviewer: the person, their organizations, background `sector` (the diversity
    group), expertise, load bounds and declared conflicts (application ids)."""

    id: str
    sector: str
    min_load: int = 0
    max_load: int = 10
    organizations: frozenset[str] = frozenset()
    topics: frozenset[str] = frozenset()
    regions: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()
    declared_conflicts: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Weights:
    topic: int = 10
    region: int = 6
    sector: int = 4
    eager: int = 20
    willing: int = 8
    not_willing: int = -100
    exclude_not_willing: bool = False
    diversity: tuple[int, ...] = (30, 10)


@dataclass(frozen=True)
class Explanation:
    """The parts of one assigned pair's score; `total` is their sum."""

    topics: int
    regions: int
    sectors: int
    bid: int
    diversity: int
    locked: bool

    @property
    def total(self) -> int:
        return self.topics + self.regions + self.sectors + self.bid + self.diversity


@dataclass(frozen=True)
class Infeasibility:
    """Why no assignment exists: reason codes (see the module), the applications short of
    non-conflicted reviewers as (application id, reviewers available, k), and the reviewers
    whose minimum load cannot be met."""

    reasons: list[str]
    applications: list[tuple[str, int, int]]
    reviewers: list[str]


@dataclass(frozen=True)
class Result:
    """An assignment (pairs of reviewer id and application id, by reviewer then
    application), its objective (affinity plus diversity bonus), each pair's explanation,
    the loads, the locks refused (with the reason "conflict" or "no_room"), or, instead,
    why it is infeasible."""

    pairs: list[tuple[str, str]]
    objective: int
    explanations: dict[tuple[str, str], Explanation]
    loads: dict[str, int]
    refused_locks: list[tuple[str, str, str]] = field(default_factory=list)
    infeasible: Infeasibility | None = None


@dataclass(frozen=True)
class Instance:
    """Every reviewer x application pair scored: `parts` (topics, regions, sectors, bid) as
    reviewer x application matrices, `conflict` a boolean matrix, and the candidates (every
    pair not in conflict) as the solver takes them."""

    parts: dict[str, IntArray]
    conflict: BoolArray
    candidates: Candidates
    groups: IntArray
    sectors: list[str]


def _incidence(sets: Sequence[frozenset[str]], vocabulary: dict[str, int]) -> sparse.csr_matrix:
    """A 0/1 sparse matrix (items x vocabulary), in floats for a BLAS product."""
    rows = [row for row, items in enumerate(sets) for x in items if x in vocabulary]
    cols = [vocabulary[x] for items in sets for x in items if x in vocabulary]
    return sparse.csr_matrix(
        (np.ones(len(rows)), (rows, cols)), shape=(len(sets), max(len(vocabulary), 1))
    )


def _overlap(left: Sequence[frozenset[str]], right: Sequence[frozenset[str]]) -> IntArray:
    """How many items each left set shares with each right set (a matrix). A small
    vocabulary (topics) by a dense product, a large one (organizations) sparse."""
    vocabulary = {x: k for k, x in enumerate(sorted(set().union(*left, *right)))}
    a, b = _incidence(left, vocabulary), _incidence(right, vocabulary)
    small = len(vocabulary) <= 256
    product = a.toarray() @ b.toarray().T if small else (a @ b.T).toarray()
    counts: IntArray = np.rint(product).astype(np.int64)
    return counts


def conflicts(reviewers: Sequence[Reviewer], applications: Sequence[Application]) -> BoolArray:
    """The conflict matrix (reviewers x applications), every kind of the module's list."""
    on_it = [a.co_applicants | {a.organization} for a in applications]
    orgs = [r.organizations for r in reviewers]
    matrix: BoolArray = (_overlap(orgs, on_it) > 0) | (
        _overlap(orgs, [a.partners for a in applications]) > 0
    )
    column = {a.id: j for j, a in enumerate(applications)}
    people: dict[str, list[int]] = {}
    for j, a in enumerate(applications):
        for p in a.people:
            people.setdefault(p, []).append(j)
    for i, r in enumerate(reviewers):
        matrix[i, people.get(r.id, [])] = True
        matrix[i, [column[x] for x in r.declared_conflicts if x in column]] = True
    return matrix


def build(
    reviewers: Sequence[Reviewer],
    applications: Sequence[Application],
    bids: Mapping[tuple[str, str], Bid],
    weights: Weights = Weights(),
) -> Instance:
    """Score every pair and mark the conflicts (and, with `exclude_not_willing`, the
    pairs bid "not willing")."""
    n_r, n_a = len(reviewers), len(applications)
    parts = {
        "topics": weights.topic
        * _overlap([r.topics for r in reviewers], [a.topics for a in applications]),
        "regions": weights.region
        * _overlap([r.regions for r in reviewers], [a.regions for a in applications]),
        "sectors": weights.sector
        * _overlap([r.sectors for r in reviewers], [a.sectors for a in applications]),
        "bid": np.zeros((n_r, n_a), dtype=np.int64),
    }
    row = {r.id: i for i, r in enumerate(reviewers)}
    column = {a.id: j for j, a in enumerate(applications)}
    points = {"eager": weights.eager, "willing": weights.willing}
    conflict = conflicts(reviewers, applications)
    for (reviewer, application), bid in bids.items():
        i, j = row.get(reviewer), column.get(application)
        if i is None or j is None:
            continue
        if bid == "not_willing":
            parts["bid"][i, j] = weights.not_willing
            if weights.exclude_not_willing:
                conflict[i, j] = True
        else:
            parts["bid"][i, j] = points[bid]
    score = parts["topics"] + parts["regions"] + parts["sectors"] + parts["bid"]
    left, right = np.nonzero(~conflict)  # row-major: sorted by (reviewer, application)
    candidates = Candidates(
        left.astype(np.int64), right.astype(np.int64), score[left, right], n_r, n_a
    )
    sectors = sorted({r.sector for r in reviewers})
    index = {s: k for k, s in enumerate(sectors)}
    groups = np.asarray([index[r.sector] for r in reviewers], dtype=np.int64)
    return Instance(parts, conflict, candidates, groups, sectors)


def assign(
    reviewers: Sequence[Reviewer],
    applications: Sequence[Application],
    k: int,
    bids: Mapping[tuple[str, str], Bid] | None = None,
    *,
    weights: Weights = Weights(),
    locks: Iterable[tuple[str, str]] = (),
    instance: Instance | None = None,
) -> Result:
    """The optimal assignment of k reviewers to every application (module docstring).
    `locks` are (reviewer id, application id) pairs to keep; `instance` a `build` of the
    same inputs, to reuse."""
    inst = instance or build(reviewers, applications, bids or {}, weights)
    cand = inst.candidates
    row = {r.id: i for i, r in enumerate(reviewers)}
    column = {a.id: j for j, a in enumerate(applications)}
    lo = np.asarray([r.min_load for r in reviewers], dtype=np.int64)
    hi = np.asarray([r.max_load for r in reviewers], dtype=np.int64)
    demand = np.full(len(applications), k, dtype=np.int64)

    requested = [(r, a) for r, a in locks if r in row and a in column]
    refused: list[tuple[str, str, str]] = [
        (r, a, "unknown") for r, a in locks if r not in row or a not in column
    ]
    fitted = assignment.fit_locked(cand, hi, demand, [(row[r], column[a]) for r, a in requested])
    for position in fitted.refused:
        r, a = requested[position]
        why = "conflict" if inst.conflict[row[r], column[a]] else "no_room"
        refused.append((r, a, why))
    try:
        solved = assignment.solve_exact(
            cand,
            lo,
            hi,
            demand,
            left_group=inst.groups,
            group_bonus=weights.diversity,
            locked=fitted.edges,
        )
    except assignment.InfeasibleError as error:
        return Result(
            [],
            0,
            {},
            {},
            refused,
            Infeasibility(
                error.reasons,
                [(applications[j].id, n, d) for j, n, d in error.short],
                [reviewers[i].id for i in error.lonely],
            ),
        )
    result = _result(reviewers, applications, inst, solved, set(fitted.edges.tolist()), weights)
    return replace(result, refused_locks=refused)


def _result(
    reviewers: Sequence[Reviewer],
    applications: Sequence[Application],
    inst: Instance,
    solved: assignment.Assignment,
    locked: set[int],
    weights: Weights,
) -> Result:
    cand = inst.candidates
    score = cand.score[solved.edges]
    # Diversity per pair: its place in its sector on the application, best score first.
    order = sorted(
        range(len(solved.pairs)),
        key=lambda e: (solved.pairs[e][1], int(inst.groups[solved.pairs[e][0]]), -int(score[e])),
    )
    place: dict[tuple[int, int], int] = {}
    diversity = [0] * len(solved.pairs)
    for e in order:
        i, j = solved.pairs[e]
        key = (j, int(inst.groups[i]))
        n = place.get(key, 0)
        place[key] = n + 1
        diversity[e] = weights.diversity[n] if n < len(weights.diversity) else 0
    explanations = {}
    loads = {r.id: 0 for r in reviewers}
    pairs = []
    for e, (i, j) in enumerate(solved.pairs):
        pair = (reviewers[i].id, applications[j].id)
        pairs.append(pair)
        loads[pair[0]] += 1
        explanations[pair] = Explanation(
            topics=int(inst.parts["topics"][i, j]),
            regions=int(inst.parts["regions"][i, j]),
            sectors=int(inst.parts["sectors"][i, j]),
            bid=int(inst.parts["bid"][i, j]),
            diversity=diversity[e],
            locked=int(solved.edges[e]) in locked,
        )
    return Result(pairs, solved.objective, explanations, loads)


def conflicted_pairs(
    inst: Instance,
    result: Result,
    reviewers: Sequence[Reviewer],
    applications: Sequence[Application],
) -> int:
    """How many assigned pairs are in conflict (always 0; the benchmark checks it)."""
    row = {r.id: i for i, r in enumerate(reviewers)}
    column = {a.id: j for j, a in enumerate(applications)}
    return sum(bool(inst.conflict[row[r], column[a]]) for r, a in result.pairs)
