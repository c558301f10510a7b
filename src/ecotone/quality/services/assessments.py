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
from dataclasses import dataclass
from typing import IO, Any

from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecotone.attachments import check_attachment
from ecotone.directory.models import Program
from ecotone.ecosystems.models import Organization
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import ratings, rubrics
from ..models import (
    Assessment,
    AssessmentStatus,
    ConsensusRating,
    Evidence,
    Rating,
    RubricVersion,
)

MAX_LINKS = 20
MAX_EVIDENCE_FILES = 10  # per attribute
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
    for rating in assessment.ratings.all():  # prefetched by the API's list
        given.setdefault(str(rating.rater_id), {})[rating.attribute] = rating.stage
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


def add_evidence(
    actor: Any, assessment: Assessment, attribute: str, file: IO[bytes] | File[Any]
) -> Evidence:
    """Keep `file` as evidence for one attribute of the assessment: at most
    `MAX_EVIDENCE_FILES` per attribute, each checked as every attachment is (size and type
    from its content, `ecotone.attachments`)."""
    require(actor, "quality.agree_consensus", assessment)
    checked = check_attachment(file)
    with acting(actor):
        locked = _locked(assessment)
        _check(content(locked.version), attribute, "")
        if locked.evidence.filter(attribute=attribute).count() >= MAX_EVIDENCE_FILES:
            raise DomainError(
                _("An attribute keeps at most %(count)s files: remove one before adding another.")
                % {"count": MAX_EVIDENCE_FILES}
            )
        evidence = Evidence(
            assessment=locked,
            attribute=attribute,
            name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=actor,
        )
        evidence.file.save(checked.name, file if isinstance(file, File) else File(file), save=False)
        evidence.save()
    return evidence


def remove_evidence(actor: Any, evidence: Evidence) -> None:
    """Remove an evidence file: its row now, the stored file once the removal is committed."""
    require(actor, "quality.agree_consensus", evidence.assessment)
    with acting(actor):
        _locked(evidence.assessment)
        storage, name = evidence.file.storage, evidence.file.name
        evidence.delete()
        transaction.on_commit(lambda: storage.delete(name))


@dataclass(frozen=True)
class RaterProgress:
    """One rater: how many of the rubric's attributes they have rated, and whether they rate
    as the assessment's reviewer."""

    rater: Any
    rated: int
    total: int
    reviewer: bool


@dataclass(frozen=True)
class RaterStage:
    rater: Any
    stage: rubrics.Stage | None  # None: not rated (yet)
    note: str
    reviewer: bool


@dataclass(frozen=True)
class AttributeSummary:
    """One attribute of an assessment: each rater's stage side by side (in the order of
    `Summary.raters`), whether their views differ, the suggested and the agreed stage, and
    the evidence files."""

    section: rubrics.Section
    attribute: rubrics.Attribute
    stages: tuple[RaterStage, ...]
    differs: bool  # at least two ratings, not all the same stage
    suggested: rubrics.Stage | None  # the raters' median stage
    consensus: ConsensusRating | None
    consensus_stage: rubrics.Stage | None
    evidence: tuple[Evidence, ...]


@dataclass(frozen=True)
class Summary:
    rubric: rubrics.Rubric
    raters: tuple[RaterProgress, ...]
    attributes: tuple[AttributeSummary, ...]
    agreement: ratings.Agreement
    agreed: int  # attributes with a consensus rating

    @property
    def total(self) -> int:
        return len(self.attributes)

    @property
    def differing(self) -> tuple[AttributeSummary, ...]:
        return tuple(a for a in self.attributes if a.differs)


def summary(assessment: Assessment) -> Summary:
    """Everything the assessment's pages show, attribute by attribute, in a few queries."""
    rubric = content(assessment.version)
    stages = {s.key: s for s in rubric.stages}
    reviewers = set(assessment.reviews.values_list("reviewer_id", flat=True))
    given: dict[int, dict[str, Rating]] = {}
    people: dict[int, Any] = {}
    for rating in assessment.ratings.select_related("rater").order_by("rater__name", "rater_id"):
        given.setdefault(rating.rater_id, {})[rating.attribute] = rating
        people[rating.rater_id] = rating.rater
    # the organization's raters first, reviewers after
    order = sorted(people, key=lambda pk: (pk in reviewers, list(people).index(pk)))
    keys = {a.key for a in rubric.attributes()}
    raters = tuple(
        RaterProgress(
            rater=people[pk],
            rated=sum(1 for k, r in given[pk].items() if r.stage and k in keys),
            total=len(keys),
            reviewer=pk in reviewers,
        )
        for pk in order
    )
    found = agreement(assessment)
    by_attribute = {row.attribute: row for row in found.attributes}
    consensus = {c.attribute: c for c in assessment.consensus.all()}
    files: dict[str, list[Evidence]] = {}
    for evidence in assessment.evidence.select_related("uploaded_by"):
        files.setdefault(evidence.attribute, []).append(evidence)
    rows = []
    for section in rubric.sections:
        for attribute in section.attributes:
            row = by_attribute[attribute.key]
            agreed = consensus.get(attribute.key)
            rows.append(
                AttributeSummary(
                    section=section,
                    attribute=attribute,
                    stages=tuple(
                        RaterStage(
                            rater=people[pk],
                            stage=stages.get(getattr(given[pk].get(attribute.key), "stage", "")),
                            note=getattr(given[pk].get(attribute.key), "note", ""),
                            reviewer=pk in reviewers,
                        )
                        for pk in order
                    ),
                    differs=len(row.ratings) >= 2 and not row.agree,
                    suggested=stages.get(row.consensus or ""),
                    consensus=agreed,
                    consensus_stage=stages.get(agreed.stage) if agreed else None,
                    evidence=tuple(files.get(attribute.key, ())),
                )
            )
    return Summary(
        rubric=rubric,
        raters=raters,
        attributes=tuple(rows),
        agreement=found,
        agreed=sum(1 for key in consensus if key in keys),
    )
