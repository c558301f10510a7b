"""Self-assessment: partner staff start an assessment of their organization or one of its
programs against a published rubric version; colleagues rate each attribute independently,
one attribute at a time so nothing is lost when a session ends; `agreement` shows where they
differ; they agree a consensus per attribute with a note and evidence, then complete it.

The status moves on by itself: draft when started, rating with the first rating, consensus
with the first consensus rating, complete when every attribute has one (`complete_assessment`);
a complete assessment takes no more ratings. Each operation checks its permission
(`quality.start_assessment`, `quality.rate_assessment`, `quality.agree_consensus`), runs in
one transaction naming the actor, and raises `DomainError` with a message a person can read.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Organization
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import ratings, rubrics
from ..models import (
    Assessment,
    AssessmentStatus,
    ConsensusRating,
    Rating,
    RubricVersion,
)

MAX_LINKS = 20
TEXT_LENGTH = 4000  # a note or the evidence, as the models hold them


def require(actor: Any, permission: str, obj: Any) -> None:
    if not (actor is not None and actor.has_perm(permission, obj)):
        raise DomainError(
            _("Only the organization's partner staff and the backbone's staff assess it.")
        )


def content(version: RubricVersion) -> rubrics.Rubric:
    """The rubric a published version holds (checked when it was published)."""
    return rubrics.from_json(version.content)


def start_assessment(
    actor: Any,
    organization: Organization,
    version: RubricVersion,
    *,
    program: Program | None = None,
    title: str = "",
) -> Assessment:
    """A new draft assessment of the organization (or of its `program`) against `version`,
    which must be a published version of one of the ecosystem's rubrics; the title is the
    rubric's when none is given."""
    require(actor, "quality.start_assessment", organization)
    if version.rubric.ecosystem_id != organization.ecosystem_id:
        raise DomainError(_("That rubric belongs to another ecosystem."))
    if not version.is_published:
        raise DomainError(
            _("Version %(number)s of “%(title)s” is a draft: an assessment uses a published one.")
            % {"number": version.number, "title": version.rubric.title}
        )
    if version.rubric.archived_at is not None:
        raise DomainError(
            _("The rubric “%(title)s” is archived: choose another.")
            % {"title": version.rubric.title}
        )
    if program is not None and program.organization_id != organization.pk:
        raise DomainError(
            _("“%(program)s” is not a program of %(organization)s.")
            % {"program": program.name, "organization": organization.name}
        )
    title = title.strip() or version.rubric.title
    if len(title) > 200:
        raise DomainError(_("The title is longer than 200 characters."))
    with acting(actor):
        return Assessment.objects.create(
            ecosystem_id=organization.ecosystem_id,
            organization=organization,
            program=program,
            version=version,
            title=title,
            status=AssessmentStatus.DRAFT,
            created_by=actor,
        )


def _locked(assessment: Assessment) -> Assessment:
    """The assessment's row, locked for the caller's transaction, still open to changes."""
    locked = Assessment.objects.select_for_update().select_related("version").get(pk=assessment.pk)
    if locked.status == AssessmentStatus.COMPLETE:
        raise DomainError(
            _("“%(title)s” is complete: it takes no more ratings.") % {"title": locked.title}
        )
    return locked


def _check(rubric: rubrics.Rubric, attribute: str, stage: str) -> None:
    if attribute not in {a.key for a in rubric.attributes()}:
        raise DomainError(
            _("The rubric “%(rubric)s” has no attribute “%(attribute)s”.")
            % {"rubric": rubric.title, "attribute": attribute}
        )
    if stage and stage not in {s.key for s in rubric.stages}:
        raise DomainError(
            _("The rubric “%(rubric)s” has no stage “%(stage)s”.")
            % {"rubric": rubric.title, "stage": stage}
        )


def _text(value: str, too_long: str) -> str:
    value = value.strip()
    if len(value) > TEXT_LENGTH:
        raise DomainError(too_long % {"limit": TEXT_LENGTH})
    return value


def _move_on(assessment: Assessment, status: str) -> None:
    """Forward only: a later rating never takes an assessment back from consensus."""
    order = list(AssessmentStatus.values)
    if order.index(status) > order.index(assessment.status):
        assessment.status = status
        assessment.save(update_fields=["status", "updated_at"])


def save_rating(
    actor: Any, assessment: Assessment, attribute: str, stage: str, *, note: str = ""
) -> Rating:
    """The actor's own rating of one attribute (a blank stage: not decided yet), replacing
    what they saved before for it."""
    require(actor, "quality.rate_assessment", assessment)
    note = _text(note, _("The note is longer than %(limit)s characters."))
    with acting(actor):
        locked = _locked(assessment)
        _check(content(locked.version), attribute, stage)
        rating, _created = Rating.objects.update_or_create(
            assessment=locked,
            rater=actor,
            attribute=attribute,
            defaults={"stage": stage, "note": note},
        )
        _move_on(locked, AssessmentStatus.RATING)
    return rating


def agreement(assessment: Assessment) -> ratings.Agreement:
    """How far the raters agree (`ratings.agreement`); raters are keyed by their user id."""
    rubric = content(assessment.version)
    given: dict[str, dict[str, str]] = {}
    for rater, attribute, stage in assessment.ratings.values_list("rater", "attribute", "stage"):
        given.setdefault(str(rater), {})[attribute] = stage
    return ratings.agreement(
        [s.key for s in rubric.stages], [a.key for a in rubric.attributes()], given
    )


def _links(links: Sequence[str]) -> list[str]:
    cleaned = [link.strip() for link in links if link.strip()]
    if len(cleaned) > MAX_LINKS:
        raise DomainError(_("At most %(count)s links.") % {"count": MAX_LINKS})
    valid = URLValidator(schemes=["http", "https"])
    for link in cleaned:
        try:
            valid(link)
        except ValidationError:
            raise DomainError(
                _("“%(link)s” is not a web link (http or https).") % {"link": link}
            ) from None
    return cleaned


def save_consensus(
    actor: Any,
    assessment: Assessment,
    attribute: str,
    stage: str,
    *,
    note: str = "",
    evidence: str = "",
    links: Sequence[str] = (),
) -> ConsensusRating:
    """The stage the raters agreed for one attribute, with a note and the evidence (a text and
    web links), replacing what was agreed for it before."""
    require(actor, "quality.agree_consensus", assessment)
    if not stage:
        raise DomainError(_("A consensus rating needs a stage."))
    values = {
        "stage": stage,
        "note": _text(note, _("The note is longer than %(limit)s characters.")),
        "evidence": _text(evidence, _("The evidence is longer than %(limit)s characters.")),
        "links": _links(links),
    }
    with acting(actor):
        locked = _locked(assessment)
        _check(content(locked.version), attribute, stage)
        consensus, _created = ConsensusRating.objects.update_or_create(
            assessment=locked, attribute=attribute, defaults=values
        )
        _move_on(locked, AssessmentStatus.CONSENSUS)
    return consensus


def complete_assessment(actor: Any, assessment: Assessment) -> Assessment:
    """Complete the assessment once every attribute of its rubric has a consensus rating."""
    require(actor, "quality.agree_consensus", assessment)
    with acting(actor):
        locked = _locked(assessment)
        agreed = set(locked.consensus.values_list("attribute", flat=True))
        missing = [a.title for a in content(locked.version).attributes() if a.key not in agreed]
        if missing:
            raise DomainError(
                _("Agree a consensus rating for every attribute first; still missing: %(list)s.")
                % {"list": ", ".join(missing)}
            )
        locked.status = AssessmentStatus.COMPLETE
        locked.completed_at = timezone.now()
        locked.save(update_fields=["status", "completed_at", "updated_at"])
    return locked
