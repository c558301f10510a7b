"""Curating pathways: the backbone writes any pathway, a partner's staff their organization's.

A pathway is stages of steps: the steps of one stage are alternatives (the pathway branches
there), the next stage follows. A step is one published program of the directory, or a kind
of program (activity types, STEM fields, grade bands: at least one code). Stages are kept
numbered 1, 2, 3... without gaps, and steps ordered within their stage, after every change.

The rule of publication (docs/pathways.md): a published pathway has at least two stages (a
pathway leads from one place to the next; a single stage is a list, which the directory's
search already gives), and every program-step names a program still published in the
directory. An archived pathway leaves the families' pages and the map's filter; restoring it
makes it a draft again.

Every operation checks the permission, runs in one transaction naming the actor (`acting`)
and raises `DomainError` with a sentence a person can read.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify
from django.utils.translation import gettext as _

from ecotone.directory import stem_profile
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Ecosystem, Organization
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import access
from ..models import HomeResource, Pathway, PathwayStatus, Step

MANAGE = "pathways.manage_pathways"
CHANGE = "pathways.change_pathway"
MIN_STAGES = 2
LAST_POSITION = 30_000
# Addresses under /e/<slug>/pathways/ that are pages, not pathways.
RESERVED_SLUGS = frozenset({"manage", "new"})
PATHWAY_FIELDS = ("name", "name_es", "summary", "summary_es", "stem_field", "grade_bands")
RESOURCE_FIELDS = ("title", "title_es", "url", "description", "description_es")
KIND_FACETS = (
    ("activity_types", stem_profile.ACTIVITY_TYPES),
    ("stem_fields", stem_profile.STEM_FIELDS),
    ("grade_bands", stem_profile.GRADE_BANDS),
)


# --- who --------------------------------------------------------------------------------------


def _require_change(actor: Any, pathway: Pathway) -> None:
    if not (actor is not None and actor.has_perm(CHANGE, pathway)):
        raise DomainError(_("Only the backbone or the partner that curates it change a pathway."))


# --- checks -------------------------------------------------------------------------------------


def _codes(values: Sequence[str] | None, facet: stem_profile.Facet) -> list[str]:
    known = [code for code, _label in facet.terms]
    chosen = set(values or ())
    unknown = chosen - set(known)
    if unknown:
        raise DomainError(
            _("Unknown %(facet)s: %(codes)s.")
            % {"facet": str(facet.label).lower(), "codes": ", ".join(sorted(unknown))}
        )
    return [code for code in known if code in chosen]  # in the profile's order


def _clean_pathway(fields: Mapping[str, Any]) -> dict[str, Any]:
    data = {name: fields.get(name, "") for name in PATHWAY_FIELDS}
    data["name"] = str(data["name"]).strip()
    data["summary"] = str(data["summary"]).strip()
    if not data["name"]:
        raise DomainError(_("Give the pathway a name."))
    if not data["summary"]:
        raise DomainError(_("Say in a sentence or two where the pathway leads."))
    if data["stem_field"] not in dict(stem_profile.STEM_FIELDS.terms):
        raise DomainError(_("Choose the pathway's STEM field."))
    data["grade_bands"] = _codes(fields.get("grade_bands"), stem_profile.GRADE_BANDS)
    return data


def _free_slug(ecosystem: Ecosystem, name: str) -> str:
    base = slugify(name)[:70] or "pathway"
    taken = (
        set(Pathway.objects.filter(ecosystem=ecosystem).values_list("slug", flat=True))
        | RESERVED_SLUGS
    )
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def step_problems(step: Step) -> list[str]:
    """Why this step cannot be published (a step saved earlier may have lost its program)."""
    if step.program_id is not None:
        program = step.program
        if program is None or not Program.objects.filter(pk=program.pk).listed().exists():
            return [
                _("Stage %(stage)s: “%(title)s” names a program no longer in the directory.")
                % {"stage": step.stage, "title": step.title}
            ]
        return []
    if not (step.activity_types or step.stem_fields or step.grade_bands):
        return [
            _("Stage %(stage)s: “%(title)s” needs a program or at least one kind, field or grade.")
            % {"stage": step.stage, "title": step.title}
        ]
    return []


def publish_problems(pathway: Pathway) -> list[str]:
    """Why this pathway cannot be published yet; none when it can."""
    steps = list(pathway.steps.select_related("program"))
    problems = []
    stages = {step.stage for step in steps}
    if len(stages) < MIN_STAGES:
        problems.append(
            _("A published pathway needs at least %(n)s stages: add a step after the first.")
            % {"n": MIN_STAGES}
        )
    for step in steps:
        problems.extend(step_problems(step))
    return problems


# --- pathways -----------------------------------------------------------------------------------


def create_pathway(
    actor: Any, ecosystem: Ecosystem, fields: Mapping[str, Any], organization: Organization | None
) -> Pathway:
    """A new draft. The backbone's own pathways have no organization; a partner's staff name
    one of their organizations."""
    if not (actor is not None and actor.has_perm(MANAGE, ecosystem)):
        raise DomainError(_("Only the backbone and partners' staff curate pathways."))
    if organization is not None and organization.ecosystem_id != ecosystem.pk:
        raise DomainError(_("Choose a partner of this ecosystem."))
    if organization is None and not access.sees_every_partner(actor, ecosystem):
        organizations = list(access.partners_of(actor, ecosystem))
        if len(organizations) != 1:
            raise DomainError(_("Choose the partner that curates the pathway."))
        organization = organizations[0]
    data = _clean_pathway(fields)
    pathway = Pathway(ecosystem=ecosystem, organization=organization, created_by=actor, **data)
    _require_change(actor, pathway)
    with acting(actor):
        pathway.slug = _free_slug(ecosystem, data["name"])
        pathway.save()
    return pathway


def update_pathway(actor: Any, pathway: Pathway, fields: Mapping[str, Any]) -> Pathway:
    _require_change(actor, pathway)
    data = _clean_pathway(fields)
    with acting(actor):
        for name, value in data.items():
            setattr(pathway, name, value)
        pathway.save()  # the slug stays: printed pages and links keep working
    return pathway


def publish(actor: Any, pathway: Pathway) -> Pathway:
    _require_change(actor, pathway)
    if problems := publish_problems(pathway):
        raise DomainError(" ".join(problems))
    return _set_status(actor, pathway, PathwayStatus.PUBLISHED)


def archive(actor: Any, pathway: Pathway) -> Pathway:
    _require_change(actor, pathway)
    return _set_status(actor, pathway, PathwayStatus.ARCHIVED)


def restore(actor: Any, pathway: Pathway) -> Pathway:
    """An archived pathway back as a draft, to check before publishing it again."""
    _require_change(actor, pathway)
    return _set_status(actor, pathway, PathwayStatus.DRAFT)


def unpublish(actor: Any, pathway: Pathway) -> Pathway:
    _require_change(actor, pathway)
    return _set_status(actor, pathway, PathwayStatus.DRAFT)


def _set_status(actor: Any, pathway: Pathway, status: str) -> Pathway:
    with acting(actor):
        pathway.status = status
        pathway.save(update_fields=["status", "updated_at"])
    return pathway


# --- steps --------------------------------------------------------------------------------------


def stages(pathway: Pathway) -> list[list[Step]]:
    """The pathway's steps by stage, in order (stages are numbered without gaps)."""
    grouped: dict[int, list[Step]] = {}
    for step in pathway.steps.select_related("program__organization").order_by(
        "stage", "position", "pk"
    ):
        grouped.setdefault(step.stage, []).append(step)
    return [grouped[stage] for stage in sorted(grouped)]


def _renumber(pathway: Pathway) -> None:
    """Stages 1..n without gaps, positions 0..k within each, keeping the order."""
    numbers: dict[int, int] = {}
    counts: dict[int, int] = {}
    for step in pathway.steps.order_by("stage", "position", "pk"):
        stage = numbers.setdefault(step.stage, len(numbers) + 1)
        position = counts.get(stage, 0)
        counts[stage] = position + 1
        if (step.stage, step.position) != (stage, position):
            step.stage, step.position = stage, position
            step.save(update_fields=["stage", "position", "updated_at"])


def save_step(
    actor: Any, pathway: Pathway, fields: Mapping[str, Any], step: Step | None = None
) -> Step:
    """Add a step (`step` None) or change one. `fields`: title(_es), gains(_es), stage (a
    number; one past the last opens a new stage), and either `program` (a Program) or the
    kind's code lists `activity_types`, `stem_fields`, `grade_bands`."""
    _require_change(actor, pathway)
    program = fields.get("program")
    if program is not None:
        if not (
            isinstance(program, Program)
            and program.ecosystem_id == pathway.ecosystem_id
            and Program.objects.filter(pk=program.pk).listed().exists()
        ):
            raise DomainError(_("Choose a program published in this ecosystem's directory."))
        codes: dict[str, list[str]] = {name: [] for name, _facet in KIND_FACETS}
    else:
        codes = {name: _codes(fields.get(name), facet) for name, facet in KIND_FACETS}
        if not any(codes.values()):
            raise DomainError(
                _(
                    "Choose a program, or describe the kind of program: at least one kind of "
                    "activity, STEM field or grade."
                )
            )
    title = str(fields.get("title") or "").strip() or (program.name if program else "")
    if not title:
        raise DomainError(_("Give the step a title, such as “Any robotics team, grades 6 to 8”."))
    gains = str(fields.get("gains") or "").strip()
    if not gains:
        raise DomainError(_("Say what a young person gains at this step."))
    last = pathway.steps.aggregate(last=Max("stage"))["last"] or 0
    try:
        stage = int(fields.get("stage") or (step.stage if step else max(last, 1)))
    except (TypeError, ValueError):
        stage = 0
    if not 1 <= stage <= last + 1:
        raise DomainError(_("Choose a stage from 1 to %(n)s.") % {"n": last + 1})
    with acting(actor), transaction.atomic():
        if step is None:
            step = Step(pathway=pathway)
        moved = step.pk is None or step.stage != stage
        step.title = title[:160]
        step.title_es = str(fields.get("title_es") or "").strip()[:160]
        step.gains = gains
        step.gains_es = str(fields.get("gains_es") or "").strip()
        step.program = program
        for name, values in codes.items():
            setattr(step, name, values)
        if moved:
            step.stage = stage
            step.position = LAST_POSITION  # at the end of its stage; renumbered just below
        step.save()
        _renumber(pathway)
        step.refresh_from_db()
    return step


def move_step(actor: Any, step: Step, direction: str) -> Step:
    """Up or down within its stage (the order alternatives are listed in)."""
    pathway = step.pathway
    _require_change(actor, pathway)
    siblings = list(pathway.steps.filter(stage=step.stage).order_by("position", "pk"))
    index = next(i for i, other in enumerate(siblings) if other.pk == step.pk)
    target = index - 1 if direction == "up" else index + 1
    if not 0 <= target < len(siblings):
        return step
    siblings[index], siblings[target] = siblings[target], siblings[index]
    with acting(actor), transaction.atomic():
        for position, sibling in enumerate(siblings):
            if sibling.position != position:
                sibling.position = position
                sibling.save(update_fields=["position", "updated_at"])
    step.refresh_from_db()
    return step


def delete_step(actor: Any, step: Step) -> None:
    pathway = step.pathway
    _require_change(actor, pathway)
    with acting(actor), transaction.atomic():
        step.delete()
        _renumber(pathway)
        pathway.save(update_fields=["updated_at"])  # the map's filter changes with it


# --- resources for home ---------------------------------------------------------------------


def save_resource(
    actor: Any,
    pathway: Pathway,
    fields: Mapping[str, Any],
    resource: HomeResource | None = None,
) -> HomeResource:
    _require_change(actor, pathway)
    data = {name: str(fields.get(name) or "").strip() for name in RESOURCE_FIELDS}
    if not data["title"]:
        raise DomainError(_("Give the resource a title."))
    if not data["url"].startswith(("https://", "http://")):
        raise DomainError(_("Give the resource's web address, starting with https://."))
    with acting(actor):
        if resource is None:
            last = pathway.resources.aggregate(last=Max("position"))["last"]
            resource = HomeResource(pathway=pathway, position=0 if last is None else last + 1)
        for name, value in data.items():
            setattr(resource, name, value)
        resource.save()
    return resource


def delete_resource(actor: Any, resource: HomeResource) -> None:
    _require_change(actor, resource.pathway)
    with acting(actor):
        resource.delete()
