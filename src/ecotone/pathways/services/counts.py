"""Counts of badges awarded and of pathway progress, as they may be published.

Every figure here counts young people, so every one goes through `ecotone.suppression` with the
ecosystem's threshold, for everyone who reads them (the backbone too: these pages and their
exports are read by members, and one rule is simplest to trust).

- Badges awarded (live ones: awarded, not revoked or deleted) by pathway and achievement, and
  by program: the same badges counted two ways, so one family of linked tables
  (`suppression.table_family`): a (pathway x achievement) set publishing the total, each
  pathway and each achievement, and a (program) set publishing the total and each program. A
  figure hidden in one cannot come back from the other.
- Pathway progress: for each pathway, the distinct learners (by `Award.recipient_lookup`) with
  a badge of one of its steps' achievements, and for each stage those with a badge at that
  stage: each stage's figure is a part of the pathway's (`suppression.publish_part`).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Hashable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from ecotone import suppression
from ecotone.ecosystems.models import Ecosystem

from ..models import Award, AwardStatus

NONE = "-"  # the code of "no pathway" and "no program"


@dataclass(frozen=True)
class Figure:
    label: str
    value: int | None  # None: hidden
    why: str = ""  # "small", "protects", "complement" when hidden
    key: str = ""


@dataclass
class Counts:
    total: Figure
    by_pathway: list[Figure] = field(default_factory=list)
    by_achievement: list[Figure] = field(default_factory=list)
    by_program: list[Figure] = field(default_factory=list)
    progress: list[tuple[Figure, list[Figure]]] = field(default_factory=list)
    threshold: int = 10

    @property
    def any_hidden(self) -> bool:
        figures = [self.total, *self.by_pathway, *self.by_achievement, *self.by_program]
        figures += [f for head, stages in self.progress for f in (head, *stages)]
        return any(f.value is None for f in figures)


def _why(cell: suppression.Cell, result: suppression.LinkedSuppressed) -> str:
    if result.cells.get(cell) is not None:
        return ""
    return result.primary.get(cell, "protects")


def badge_counts(ecosystem: Ecosystem) -> Counts:
    threshold = ecosystem.suppression_threshold
    rows = list(
        Award.objects.filter(ecosystem=ecosystem, status=AwardStatus.AWARDED).values_list(
            "achievement_id",
            "achievement__name",
            "achievement__organization__name",
            "achievement__step__pathway_id",
            "achievement__step__pathway__name",
            "achievement__step__stage",
            "program_id",
            "program__name",
            "recipient_lookup",
        )
    )
    achievements: dict[str, str] = {}
    pathways: dict[str, str] = {NONE: _("No pathway")}
    programs: dict[str, str] = {NONE: _("No program given")}
    by_cross: Counter[tuple[Hashable, ...]] = Counter()
    by_program: Counter[tuple[Hashable, ...]] = Counter()
    learners: dict[str, set[str]] = defaultdict(set)
    stage_learners: dict[tuple[str, int], set[str]] = defaultdict(set)
    for a_id, a_name, a_by, p_id, p_name, stage, g_id, g_name, who in rows:
        achievement = str(a_id)
        pathway = str(p_id) if p_id else NONE
        program = str(g_id) if g_id else NONE
        # partners may name their achievements alike: each is named with its partner
        achievements[achievement] = f"{a_name} ({a_by})"
        if p_id:
            pathways[pathway] = p_name
            learners[pathway].add(who)
            stage_learners[(pathway, stage)].add(who)
        if g_id:
            programs[program] = g_name
        by_cross[(pathway, achievement)] += 1
        by_program[(program,)] += 1
    counts = Counts(total=Figure(_("All badges"), 0), threshold=threshold)
    if rows:
        awarded = suppression.linked_tables(
            {"pathway": list(pathways), "achievement": list(achievements)},
            dict(by_cross),
            margins=[(), ("pathway",), ("pathway", "achievement")],
        )
        where = suppression.linked_tables({"program": list(programs)}, dict(by_program))
        result = suppression.suppress_linked(suppression.table_family([awarded, where]), threshold)
        total = suppression.Cell((), ())
        counts.total = Figure(_("All badges"), result.cells[total], _why(total, result))
        for code, name in pathways.items():
            cell = suppression.Cell(("pathway",), (code,))
            if cell in result.cells:
                counts.by_pathway.append(Figure(name, result.cells[cell], _why(cell, result), code))
        for key in sorted(by_cross, key=lambda key: achievements[str(key[1])]):
            pathway, achievement = str(key[0]), str(key[1])
            cell = suppression.Cell(("pathway", "achievement"), (pathway, achievement))
            counts.by_achievement.append(
                Figure(
                    achievements[achievement], result.cells[cell], _why(cell, result), achievement
                )
            )
        for code, name in programs.items():
            cell = suppression.Cell(("program",), (code,))
            if cell in result.cells:
                counts.by_program.append(Figure(name, result.cells[cell], _why(cell, result), code))
    for pathway, people in sorted(learners.items(), key=lambda item: pathways[item[0]]):
        whole = len(people)
        shown, why = suppression.publish_marked(whole, threshold)
        head = Figure(pathways[pathway], shown, why, pathway)
        stages = []
        for (p, stage), at_stage in sorted(stage_learners.items()):
            if p != pathway:
                continue
            if shown is None:
                value, reason = None, "protects"
            else:
                value, reason = suppression.publish_part(len(at_stage), [whole], threshold)
            stages.append(Figure(_("Stage %(n)d") % {"n": stage}, value, reason, str(stage)))
        counts.progress.append((head, stages))
    return counts


def shown(figure: Figure) -> str:
    return "" if figure.value is None else str(figure.value)


def export_rows(counts: Counts) -> list[list[Any]]:
    """One row per figure: table, key, label, count ("" when hidden), why hidden."""
    rows: list[list[Any]] = [
        ["total", "", counts.total.label, shown(counts.total), counts.total.why]
    ]
    for table, figures in (
        ("pathway", counts.by_pathway),
        ("achievement", counts.by_achievement),
        ("program", counts.by_program),
    ):
        rows += [[table, f.key, f.label, shown(f), f.why] for f in figures]
    for head, stages in counts.progress:
        rows.append(["pathway_learners", head.key, head.label, shown(head), head.why])
        rows += [
            [
                "pathway_stage_learners",
                f"{head.key}:{f.key}",
                f"{head.label}: {f.label}",
                shown(f),
                f.why,
            ]
            for f in stages
        ]
    return rows


EXPORT_HEADERS = ("table", "key", "label", "count", "hidden_because")


def as_data(counts: Counts) -> dict[str, Any]:
    def one(f: Figure) -> dict[str, Any]:
        return {"key": f.key, "label": f.label, "count": f.value, "hidden_because": f.why}

    return {
        "threshold": counts.threshold,
        "total": one(counts.total),
        "by_pathway": [one(f) for f in counts.by_pathway],
        "by_achievement": [one(f) for f in counts.by_achievement],
        "by_program": [one(f) for f in counts.by_program],
        "pathway_progress": [
            {**one(head), "stages": [one(f) for f in stages]} for head, stages in counts.progress
        ],
    }
