"""Running a call: the backbone writes it (title, description, deadline entered in the
ecosystem's time zone), its criteria (weights, a descriptor per level of the scale, or the
seeds' four as a template), eligibility questions, the application form's questions (settings
checked per kind by `answers.settings_problems`) and rounds; then opens and closes it.

Every operation checks `challenges.manage_calls`, runs in one transaction naming the actor
(`acting`) and raises `DomainError` with a sentence a person can read. A call opens only with
criteria and rounds; its questions are not removed once an application answered them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext as translated  # marked with gettext_noop
from django.utils.translation import gettext_noop

from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import answers
from ..models import (
    Application,
    ApplicationStatus,
    Call,
    CallStatus,
    Criterion,
    EligibilityQuestion,
    Question,
    QuestionKind,
    Round,
    RoundKind,
)

MANAGE = "challenges.manage_calls"


def require(actor: Any, ecosystem: Ecosystem) -> None:
    if not (actor is not None and actor.has_perm(MANAGE, ecosystem)):
        raise DomainError(_("Only the backbone's staff run a call."))


# --- time zone -------------------------------------------------------------------------------


def zone(ecosystem: Ecosystem) -> ZoneInfo:
    return ZoneInfo(ecosystem.timezone)


def from_local(ecosystem: Ecosystem, moment: datetime) -> datetime:
    """A time as entered in the ecosystem's zone (naive) or already aware, in UTC."""
    if timezone.is_naive(moment):
        moment = moment.replace(tzinfo=zone(ecosystem))
    return moment.astimezone(ZoneInfo("UTC"))


def to_local(ecosystem: Ecosystem, moment: datetime) -> datetime:
    return moment.astimezone(zone(ecosystem))


# --- the call --------------------------------------------------------------------------------

CALL_FIELDS = (
    "title",
    "summary",
    "description",
    "deadline",
    "opens_at",
    "scale_min",
    "scale_max",
    "total_funds",
    "contact_email",
    "disagreement_threshold",
)


def _free_slug(ecosystem: Ecosystem, title: str) -> str:
    base = slugify(title)[:70] or "call"
    taken = set(
        Call.objects.filter(ecosystem=ecosystem, slug__startswith=base).values_list(
            "slug", flat=True
        )
    )
    taken.add("new")  # calls/new/ is the page that creates one
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def _check_scale(scale_min: int, scale_max: int) -> None:
    if not 0 <= scale_min < scale_max <= 10:
        raise DomainError(_("The scale runs from a lower to a higher score, between 0 and 10."))


def create_call(actor: Any, ecosystem: Ecosystem, **fields: Any) -> Call:
    """A draft call; `deadline` and `opens_at` are in the ecosystem's time zone when naive."""
    require(actor, ecosystem)
    values = {k: v for k, v in fields.items() if k in CALL_FIELDS}
    for name in ("deadline", "opens_at"):
        if values.get(name) is not None:
            values[name] = from_local(ecosystem, values[name])
    if values.get("deadline") is None:
        raise DomainError(_("A call needs a deadline."))
    _check_scale(values.get("scale_min", 1), values.get("scale_max", 5))
    with acting(actor):
        return Call.objects.create(
            ecosystem=ecosystem,
            slug=_free_slug(ecosystem, values.get("title", "")),
            created_by=actor,
            **values,
        )


def update_call(actor: Any, call: Call, **fields: Any) -> Call:
    require(actor, call.ecosystem)
    values = {k: v for k, v in fields.items() if k in CALL_FIELDS}
    for name in ("deadline", "opens_at"):
        if values.get(name) is not None:
            values[name] = from_local(call.ecosystem, values[name])
    scale = (values.get("scale_min", call.scale_min), values.get("scale_max", call.scale_max))
    _check_scale(*scale)
    if scale != (call.scale_min, call.scale_max) and call.criteria.exists():
        raise DomainError(
            _(
                "The criteria describe each level of the current scale: remove them before "
                "changing the scale."
            )
        )
    with acting(actor):
        for name, value in values.items():
            setattr(call, name, value)
        call.save()
    return call


def open_call(actor: Any, call: Call) -> Call:
    """Open a call to applications. Refused without criteria (reviewers would have nothing
    to score) or rounds (applications would have nowhere to go)."""
    require(actor, call.ecosystem)
    no_criteria, no_rounds = not call.criteria.exists(), not call.rounds.exists()
    if no_criteria and no_rounds:
        raise DomainError(_("The call cannot open without criteria and rounds: add them first."))
    if no_criteria:
        raise DomainError(_("The call cannot open without criteria: add them first."))
    if no_rounds:
        raise DomainError(_("The call cannot open without rounds: add them first."))
    if call.status not in (CallStatus.DRAFT, CallStatus.REVIEWING):
        raise DomainError(_("Only a draft or closed call can be opened."))
    with acting(actor):
        call.status = CallStatus.OPEN
        if call.opens_at is None:
            call.opens_at = timezone.now()
        call.save(update_fields=["status", "opens_at", "updated_at"])
    return call


def close_call(actor: Any, call: Call) -> Call:
    """Stop taking applications: the call moves on to review."""
    require(actor, call.ecosystem)
    if call.status != CallStatus.OPEN:
        raise DomainError(_("Only an open call can be closed."))
    with acting(actor):
        call.status = CallStatus.REVIEWING
        call.save(update_fields=["status", "updated_at"])
    return call


def is_taking_applications(call: Call, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    started = call.opens_at is None or call.opens_at <= now
    return call.status == CallStatus.OPEN and started and now <= call.deadline


# --- criteria --------------------------------------------------------------------------------


def levels(call: Call) -> list[int]:
    return list(range(call.scale_min, call.scale_max + 1))


def _clean_descriptors(call: Call, descriptors: Sequence[str]) -> list[str]:
    cleaned = [" ".join(str(d).split()) for d in descriptors]
    if len(cleaned) != len(levels(call)) or not all(cleaned):
        raise DomainError(
            _("Write one descriptor for each level of the scale, %(low)s to %(high)s.")
            % {"low": call.scale_min, "high": call.scale_max}
        )
    return cleaned


def _free_key(existing: set[str], name: str) -> str:
    base = slugify(name)[:34] or "item"
    key, n = base, 2
    while key in existing:
        key, n = f"{base}-{n}", n + 1
    return key


def save_criterion(
    actor: Any,
    call: Call,
    *,
    name: str,
    weight: Decimal,
    descriptors: Sequence[str],
    description: str = "",
    criterion: Criterion | None = None,
) -> Criterion:
    require(actor, call.ecosystem)
    cleaned = _clean_descriptors(call, descriptors)
    if weight <= 0:
        raise DomainError(_("A criterion's weight is more than zero."))
    with acting(actor):
        if criterion is None:
            keys = set(call.criteria.values_list("key", flat=True))
            position = (call.criteria.aggregate(m=Max("position"))["m"] or 0) + 1
            criterion = Criterion(call=call, key=_free_key(keys, name), position=position)
        criterion.name = name
        criterion.weight = weight
        criterion.description = description
        criterion.descriptors = cleaned
        criterion.save()
    return criterion


def remove_criterion(actor: Any, criterion: Criterion) -> None:
    require(actor, criterion.call.ecosystem)
    with acting(actor):
        criterion.delete()


# The seeds' four criteria, in our own words: a descriptor for each of five levels, lowest
# first. A call on another scale takes, for each of its levels, the nearest of the five.
TEMPLATE: tuple[tuple[str, str, tuple[str, str, str, str, str]], ...] = (
    (
        gettext_noop("Impact"),
        gettext_noop(
            "How many young people the project reaches, who they are, and what changes for them."
        ),
        (
            gettext_noop("Who is served and what changes for them is unclear."),
            gettext_noop("Names who is served, but the change hoped for is vague."),
            gettext_noop(
                "A clear group of young people and a plausible change, modestly measured."
            ),
            gettext_noop(
                "Reaches young people with the least access, with a clear change and a way to "
                "measure it."
            ),
            gettext_noop(
                "Reaches young people with the least access at scale, with a lasting change it "
                "measures and reports."
            ),
        ),
    ),
    (
        gettext_noop("Effective Partnerships"),
        gettext_noop(
            "Whether partners across sectors share the work, the decisions and the credit."
        ),
        (
            gettext_noop("One organization acting alone."),
            gettext_noop("Partners are named but their part is unclear."),
            gettext_noop("Partners have defined roles in the work."),
            gettext_noop("Partners from several sectors share planning, work and resources."),
            gettext_noop(
                "A coalition across sectors that decides together and builds on each other's "
                "strengths."
            ),
        ),
    ),
    (
        gettext_noop("Creative Engagement"),
        gettext_noop("How the project invites young people in and keeps them coming back."),
        (
            gettext_noop("Activities are passive or generic."),
            gettext_noop("Some hands-on activity, with little room for young people's own ideas."),
            gettext_noop("Hands-on, relevant activities that keep young people engaged."),
            gettext_noop("Young people shape the work, with activities rooted in their community."),
            gettext_noop("A fresh approach young people help lead, which others could learn from."),
        ),
    ),
    (
        gettext_noop("Sustainability"),
        gettext_noop("Whether the work can last beyond the grant."),
        (
            gettext_noop("Ends when the grant ends."),
            gettext_noop("Hopes to continue, without a plan."),
            gettext_noop("A plan to continue, with some funding or partners in view."),
            gettext_noop("Committed partners and funding beyond the grant."),
            gettext_noop("Built into partners' budgets and practice, so it lasts and grows."),
        ),
    ),
)


def _nearest(anchors: Sequence[str], count: int) -> list[str]:
    if count == 1:
        return [anchors[-1]]
    last = len(anchors) - 1
    return [anchors[round(i * last / (count - 1))] for i in range(count)]


def use_template(actor: Any, call: Call) -> list[Criterion]:
    """Add the seeds' four criteria (Impact, Effective Partnerships, Creative Engagement,
    Sustainability), weighted equally, with a descriptor per level of the call's scale."""
    require(actor, call.ecosystem)
    existing = set(call.criteria.values_list("name", flat=True))
    added = []
    with acting(actor):
        for name, description, anchors in TEMPLATE:
            if translated(name) in existing:
                continue
            added.append(
                save_criterion(
                    actor,
                    call,
                    name=translated(name),
                    weight=Decimal(1),
                    description=translated(description),
                    descriptors=[translated(a) for a in _nearest(anchors, len(levels(call)))],
                )
            )
    return added


# --- eligibility -----------------------------------------------------------------------------


def save_eligibility(
    actor: Any,
    call: Call,
    *,
    text: str,
    eligible_answer: bool,
    reason: str,
    question: EligibilityQuestion | None = None,
) -> EligibilityQuestion:
    require(actor, call.ecosystem)
    if not reason.strip():
        raise DomainError(_("Say why an applicant who answers otherwise is not eligible."))
    with acting(actor):
        if question is None:
            position = (call.eligibility.aggregate(m=Max("position"))["m"] or 0) + 1
            question = EligibilityQuestion(call=call, position=position)
        question.text = text
        question.eligible_answer = eligible_answer
        question.reason = reason
        question.save()
    return question


def remove_eligibility(actor: Any, question: EligibilityQuestion) -> None:
    require(actor, question.call.ecosystem)
    with acting(actor):
        question.delete()


# --- form questions --------------------------------------------------------------------------

SETTING_MESSAGES = {
    "unknown_kind": gettext_noop("Choose a kind of question."),
    "bad_word_limit": gettext_noop("The word limit is a whole number from 1 to %(most)s."),
    "bad_options": gettext_noop("List the options, one per line, each different."),
    "bad_bounds": gettext_noop(
        "The lowest and highest numbers are numbers, the lowest not above the highest."
    ),
    "bad_categories": gettext_noop("List the budget categories, one per line, each different."),
    "bad_max_total": gettext_noop("The largest total is a number of zero or more."),
    "bad_types": gettext_noop("Accepted types are chosen from: %(types)s."),
    "bad_max_mb": gettext_noop("The largest size is a whole number of MB from 1 to 100."),
    "bad_max_partners": gettext_noop("The most partners is a whole number from 1 to 100."),
}


def check_settings(kind: str, settings: Mapping[str, Any]) -> None:
    problems = answers.settings_problems(kind, settings)
    if problems:
        raise DomainError(
            " ".join(translated(SETTING_MESSAGES[code]) % params for code, params in problems)
        )


def save_question(
    actor: Any,
    call: Call,
    *,
    kind: str,
    label: str,
    help_text: str = "",
    required: bool = True,
    settings: Mapping[str, Any] | None = None,
    question: Question | None = None,
) -> Question:
    require(actor, call.ecosystem)
    settings = dict(settings or {})
    if kind not in QuestionKind.values:
        raise DomainError(translated(SETTING_MESSAGES["unknown_kind"]))
    check_settings(kind, settings)
    with acting(actor):
        if question is None:
            keys = set(call.questions.values_list("key", flat=True))
            position = (call.questions.aggregate(m=Max("position"))["m"] or 0) + 1
            question = Question(call=call, key=_free_key(keys, label), position=position)
        elif question.kind != kind and _answered(question):
            raise DomainError(
                _("Applicants have answered this question: its kind can no longer change.")
            )
        question.kind = kind
        question.label = label
        question.help_text = help_text
        question.required = required
        question.settings = settings
        question.save()
    return question


def _answered(question: Question) -> bool:
    return Application.objects.filter(
        call_id=question.call_id, answers__has_key=question.key
    ).exists()


def move_question(actor: Any, question: Question, step: int) -> None:
    """Move a question up (-1) or down (+1) the form."""
    require(actor, question.call.ecosystem)
    with acting(actor), transaction.atomic():
        ordered = list(question.call.questions.order_by("position", "pk"))
        at = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
        to = max(0, min(len(ordered) - 1, at + step))
        ordered.insert(to, ordered.pop(at))
        for i, q in enumerate(ordered, start=1):
            if q.position != i:
                q.position = i
                q.save(update_fields=["position"])


def remove_question(actor: Any, question: Question) -> None:
    require(actor, question.call.ecosystem)
    submitted = Application.objects.filter(call_id=question.call_id).exclude(
        status__in=[ApplicationStatus.DRAFT, ApplicationStatus.INELIGIBLE]
    )
    if submitted.filter(answers__has_key=question.key).exists():
        raise DomainError(
            _("Submitted applications answer this question: it can no longer be removed.")
        )
    with acting(actor):
        question.delete()


# --- rounds ----------------------------------------------------------------------------------


def save_round(
    actor: Any,
    call: Call,
    *,
    name: str,
    kind: str,
    reviews_per_application: int = 3,
    min_load: int = 0,
    max_load: int = 15,
    due_at: datetime | None = None,
    exclude_not_willing: bool = False,
    round_: Round | None = None,
) -> Round:
    require(actor, call.ecosystem)
    if kind not in RoundKind.values:
        raise DomainError(_("Choose the kind of round."))
    if kind != RoundKind.REVISION and not 1 <= reviews_per_application <= 20:
        raise DomainError(_("A reviewed round has from 1 to 20 reviews per application."))
    if not 0 <= min_load <= max_load or max_load < 1:
        raise DomainError(
            _("A reviewer's fewest applications cannot be more than their most (at least 1).")
        )
    with acting(actor):
        if round_ is None:
            position = (call.rounds.aggregate(m=Max("position"))["m"] or 0) + 1
            round_ = Round(call=call, position=position)
        round_.name = name
        round_.kind = kind
        round_.reviews_per_application = reviews_per_application
        round_.min_load = min_load
        round_.max_load = max_load
        round_.exclude_not_willing = exclude_not_willing
        round_.due_at = from_local(call.ecosystem, due_at) if due_at else None
        round_.save()
    return round_


def remove_round(actor: Any, round_: Round) -> None:
    require(actor, round_.call.ecosystem)
    if round_.applications.exists() or round_.assignments.exists():
        raise DomainError(_("Applications are in this round: it can no longer be removed."))
    with acting(actor):
        round_.delete()


def first_round(call: Call) -> Round | None:
    return call.rounds.order_by("position").first()
