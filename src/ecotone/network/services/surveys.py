"""Surveys: who receives one, opening it (invitations), answering by a link, reminders,
closing, and starting from the shipped template. docs/network-surveys.md.

Each state change runs in `acting(actor)` (one transaction, audit entries naming the actor)
and raises `DomainError` with a message the backbone can read. Mail leaves after commit
(`notifications_surveys`).
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import F, Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from ecotone.ecosystems.models import Ecosystem
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import notifications_surveys as notifications
from ..models import (
    Answer,
    Invitation,
    Member,
    MemberStatus,
    Question,
    QuestionKind,
    Response,
    Section,
    Survey,
    SurveyAudience,
    SurveyStatus,
)
from ..models.surveys import lines
from .segments import Segment, mailable_in

TEMPLATE = Path(__file__).resolve().parent.parent / "data" / "collective_impact_survey.json"
INVITATION_BATCH = 500


# --- recipients ---------------------------------------------------------------------------------


def recipients(survey: Survey) -> QuerySet[Member]:
    """Who the survey goes to. Everyone and segments: the members who may be mailed (consent,
    no bounce: `segments.mailable_in`). An event's attendees and a workgroup's members asked to
    take part, so they are asked without the newsletter's consent, but never at a bounced
    address nor once they have left."""
    ecosystem = survey.ecosystem
    if survey.audience == SurveyAudience.MEMBERS:
        return mailable_in(ecosystem, Segment())
    if survey.audience == SurveyAudience.SEGMENT:
        return mailable_in(ecosystem, Segment.from_dict(survey.segment))
    reachable = Member.objects.filter(
        ecosystem=ecosystem, status=MemberStatus.ACTIVE, email_bounced_at__isnull=True
    )
    if survey.audience == SurveyAudience.EVENT:
        if survey.event_id is None:
            return reachable.none()
        return reachable.filter(
            registrations__event_id=survey.event_id, registrations__attended_at__isnull=False
        )
    if survey.workgroup_id is None:
        return reachable.none()
    return reachable.filter(workgroups__workgroup_id=survey.workgroup_id)


# --- the builder ---------------------------------------------------------------------------------


def _editable(survey: Survey) -> None:
    if not survey.is_draft:
        raise DomainError(_("This survey was opened: its questions can no longer change."))


def save_survey(actor: Any, survey: Survey) -> Survey:
    """A new survey or its changed settings (the form checked the fields)."""
    with acting(actor):
        if survey.pk is None and getattr(actor, "pk", None):
            survey.created_by = actor
        survey.save()
        return survey


def save_section(actor: Any, section: Section) -> Section:
    """A new section (last) or a changed one, of a draft."""
    _editable(section.survey)
    with acting(actor):
        if section.pk is None:
            section.order = int(section.survey.sections.aggregate(n=Max("order"))["n"] or 0) + 1
        section.save()
        return section


def next_order(survey: Survey) -> int:
    return int(survey.questions.aggregate(n=Max("order"))["n"] or 0) + 1


def save_question(actor: Any, question: Question) -> Question:
    """A new or changed question of a draft (its order last when new)."""
    _editable(question.survey)
    with acting(actor):
        if question.pk is None:
            question.order = next_order(question.survey)
        question.save()
        return question


def delete_part(actor: Any, survey: Survey, record: Question | Section) -> None:
    _editable(survey)
    with acting(actor):
        record.delete()


def move_question(actor: Any, question: Question, step: int) -> None:
    """Swap the question with its neighbour before (step -1) or after (+1) in its section."""
    survey = question.survey
    _editable(survey)
    with acting(actor):
        ordered = list(survey.questions.filter(section=question.section).order_by("order", "pk"))
        at = next(i for i, q in enumerate(ordered) if q.pk == question.pk)
        other = at + step
        if not 0 <= other < len(ordered):
            return
        ordered[at], ordered[other] = ordered[other], ordered[at]
        for position, item in enumerate(ordered, start=1):
            if item.order != position:
                item.order = position
                item.save(update_fields=["order"])


def delete_survey(actor: Any, survey: Survey) -> None:
    if not survey.is_draft:
        raise DomainError(_("Only a draft can be deleted; close an open survey instead."))
    with acting(actor):
        survey.delete()


def from_template(actor: Any, ecosystem: Ecosystem) -> Survey:
    """A draft copied from the shipped collective-impact survey (network/data/, en and es)."""
    data = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    with acting(actor):
        survey = Survey.objects.create(
            ecosystem=ecosystem,
            title=data["title"]["en"],
            title_es=data["title"]["es"],
            intro=data["intro"]["en"],
            intro_es=data["intro"]["es"],
            anonymous=True,
            reminder_days=[7],
            created_by=actor if getattr(actor, "pk", None) else None,
        )
        order = 0
        for s_order, part in enumerate(data["sections"], start=1):
            section = Section.objects.create(
                survey=survey,
                title=part["title"]["en"],
                title_es=part["title"]["es"],
                order=s_order,
            )
            for item in part["questions"]:
                order += 1
                Question.objects.create(
                    survey=survey,
                    section=section,
                    kind=item["kind"],
                    text=item["text"]["en"],
                    text_es=item["text"]["es"],
                    options="\n".join(item.get("options", {}).get("en", [])),
                    options_es="\n".join(item.get("options", {}).get("es", [])),
                    required=bool(item.get("required", False)),
                    min_value=item.get("min"),
                    max_value=item.get("max"),
                    order=order,
                )
    return survey


# --- opening, reminders, closing ------------------------------------------------------------------


def open_survey(actor: Any, survey: Survey) -> int:
    """Open a draft: an invitation for each recipient, mailed after commit in batches (each in
    its member's language). Returns how many are invited."""
    if not survey.is_draft:
        raise DomainError(_("Only a draft survey can be opened."))
    if not survey.questions.exists():
        raise DomainError(_("Add at least one question before opening the survey."))
    if survey.audience == SurveyAudience.EVENT and survey.event_id is None:
        raise DomainError(_("Choose the event whose attendees are asked."))
    if survey.audience == SurveyAudience.WORKGROUP and survey.workgroup_id is None:
        raise DomainError(_("Choose the workgroup whose members are asked."))
    with acting(actor):
        locked = Survey.objects.select_for_update().get(pk=survey.pk)
        if not locked.is_draft:
            raise DomainError(_("Only a draft survey can be opened."))
        people = recipients(locked).values_list("pk", "language").order_by("pk")
        batch: list[Invitation] = []
        invited = 0
        for pk, language in people.iterator(chunk_size=INVITATION_BATCH):
            batch.append(Invitation(survey=locked, member_id=pk, language=language or "en"))
            if len(batch) == INVITATION_BATCH:
                Invitation.objects.bulk_create(batch)
                invited += len(batch)
                batch = []
        Invitation.objects.bulk_create(batch)
        invited += len(batch)
        if not invited:
            raise DomainError(_("Nobody would receive this survey: change who it goes to."))
        locked.status = SurveyStatus.OPEN
        locked.opened_at = timezone.now()
        if locked.opens_on is None:
            locked.opens_on = timezone.localdate()
        locked.save()
        notifications.invitations_ready(locked)
    survey.refresh_from_db()
    return invited


def close_survey(actor: Any, survey: Survey) -> None:
    if not survey.is_open:
        raise DomainError(_("Only an open survey can be closed."))
    with acting(actor):
        survey.status = SurveyStatus.CLOSED
        survey.closed_at = timezone.now()
        survey.save()
        if survey.anonymous:
            # How many reminders each invitation had would split the responses into "before"
            # and "after" each reminder by the order they were written in: forgotten on
            # closing, when the results are first shown (docs/network-surveys.md).
            survey.invitations.update(reminders_sent=0)


def reminder_days(survey: Survey) -> list[int]:
    return sorted({int(d) for d in survey.reminder_days or () if int(d) > 0})


def send_reminders(today: datetime.date | None = None, *, ecosystem: Any = None) -> int:
    """The day's work for open surveys: close those past their closing day, then remind who
    has not answered, once per reminder day that has come (an invitation's `reminders_sent`
    counts them; claimed by a conditional update, so two runs at once remind once). Returns
    how many reminders were queued."""
    today = today or timezone.localdate()
    surveys = Survey.objects.filter(status=SurveyStatus.OPEN).select_related("ecosystem")
    if ecosystem is not None:
        surveys = surveys.filter(ecosystem=ecosystem)
    queued = 0
    for survey in surveys:
        if survey.closes_on and survey.closes_on < today:
            close_survey(None, survey)
            continue
        if survey.opened_at is None:
            continue
        opened = timezone.localdate(survey.opened_at)
        due = [d for d in reminder_days(survey) if opened + datetime.timedelta(days=d) <= today]
        if not due:
            continue
        # the latest due reminder only: one missed run does not send two reminders at once
        number = len(due)
        with transaction.atomic():
            pending = Invitation.objects.filter(
                survey=survey,
                responded=False,
                reminders_sent__lt=number,
                member__status=MemberStatus.ACTIVE,
                member__email_bounced_at__isnull=True,
            )
            ids = list(pending.values_list("pk", flat=True))
            if ids:
                Invitation.objects.filter(pk__in=ids, reminders_sent__lt=number).update(
                    reminders_sent=number
                )
                notifications.reminders_ready(survey, ids)
                queued += len(ids)
    return queued


@task()
def remind_surveys() -> int:
    """The surveys' daily run in every ecosystem (`send_reminders`)."""
    return send_reminders()


# --- answering ---------------------------------------------------------------------------------


def forget_member(member: Member) -> None:
    """What leaving the network erases of a member's surveys (for the members area's leave
    service to call): their invitations go (no link works any more, no reminder is sent), and
    their named responses keep the answers without the member, the invitation or the day."""
    Response.objects.filter(member=member).update(member=None, invitation=None, submitted_on=None)
    Invitation.objects.filter(member=member).delete()


def invitation_for(token: str) -> Invitation | None:
    return (
        Invitation.objects.select_related("survey__ecosystem", "member").filter(token=token).first()
    )


def submit(invitation: Invitation, answers: Mapping[int, Any]) -> None:
    """Store one person's answers (validated by the form: {question id: value}; a list for a
    multiple-choice question) once per invitation.

    Anonymous: two separate transactions. First the invitation is marked answered (a
    conditional update, so a second submission is refused); then the response is stored with
    a random key and no member, invitation or time. Nothing in either row, nor the database's
    transaction ids, ties one to the other (docs/network-surveys.md)."""
    survey = invitation.survey
    if survey.status != SurveyStatus.OPEN or invitation.member.status != MemberStatus.ACTIVE:
        raise DomainError(_("This survey is closed."))
    with transaction.atomic():
        claimed = Invitation.objects.filter(pk=invitation.pk, responded=False).update(
            responded=True
        )
        if not claimed:
            raise DomainError(_("You have already answered this survey. Thank you!"))
        if not survey.anonymous:
            _store(survey, answers, invitation=invitation)
            return
        # Every answered invitation is written again by this transaction, so none carries the
        # id of "its" transaction (PostgreSQL's xmin), which the response's would follow.
        Invitation.objects.filter(survey=survey, responded=True).update(responded=True)
    _store(survey, answers, invitation=None)


def _store(survey: Survey, answers: Mapping[int, Any], *, invitation: Invitation | None) -> None:
    with transaction.atomic():
        if invitation is None:
            response = Response.objects.create(survey=survey)
        else:
            response = Response.objects.create(
                survey=survey,
                member_id=invitation.member_id,
                invitation=invitation,
                submitted_on=timezone.localdate(),
            )
        rows: list[Answer] = []
        kinds = dict(survey.questions.values_list("pk", "kind"))
        for question_id, value in answers.items():
            kind = kinds.get(question_id)
            if kind is None or value in (None, "", []):
                continue
            if kind == QuestionKind.MULTIPLE:
                rows += [
                    Answer(response=response, question_id=question_id, choice=int(v))
                    for v in sorted({int(v) for v in value})
                ]
            elif kind in (QuestionKind.LIKERT, QuestionKind.SINGLE):
                rows.append(Answer(response=response, question_id=question_id, choice=int(value)))
            elif kind == QuestionKind.NUMBER:
                rows.append(
                    Answer(response=response, question_id=question_id, number=Decimal(value))
                )
            else:
                rows.append(Answer(response=response, question_id=question_id, text=str(value)))
        Answer.objects.bulk_create(rows)


def check_question(question: Question) -> list[str]:
    """What is wrong with a question's definition (empty: nothing)."""
    problems: list[str] = []
    english = lines(question.options)
    spanish = lines(question.options_es)
    if question.kind in (QuestionKind.SINGLE, QuestionKind.MULTIPLE) and len(english) < 2:
        problems.append(_("Give at least two choices, one a line."))
    if question.kind == QuestionKind.LIKERT and english and len(english) != 5:
        problems.append(_("Give the five labels of agreement, one a line, or leave it empty."))
    if spanish and len(spanish) != len(english):
        problems.append(_("Give as many Spanish choices as English ones, in the same order."))
    if (
        question.kind == QuestionKind.NUMBER
        and question.min_value is not None
        and question.max_value is not None
        and question.min_value > question.max_value
    ):
        problems.append(_("The least number is greater than the greatest."))
    return problems


def response_counts(surveys: QuerySet[Survey]) -> QuerySet[Any]:
    """Surveys with `invited` and `answered` counted (the list, the API, the health page)."""
    from django.db.models import Count, Q

    return surveys.annotate(
        invited=Count("invitations", distinct=True),
        answered=Count("invitations", filter=Q(invitations__responded=True), distinct=True),
    )


def ordered_questions(survey: Survey) -> Sequence[Question]:
    return list(
        survey.questions.select_related("section").order_by(
            F("section__order").asc(nulls_first=True), "order", "pk"
        )
    )
