"""Applying to a call: a signed-in person starts a draft on behalf of an organization (a
partner of the directory, or one they name with its sector), answers the eligibility
questions (a non-eligible answer screens the application out with the questions' reasons),
saves partial answers as often as they like (problems shown, nothing lost), attaches files,
invites co-applicants by email, and submits before the deadline; a submission freezes a
`Revision` and puts the application in the call's first round. Invited to revise (status
REVISING, in a revision round), they edit and resubmit before the round's due time: a new
`Revision`, the earlier one kept, and `diff` shows what changed.

The lead applicant and the co-applicants who accepted are the application's editors
(`access.own_applications`); anyone else is refused. Answers are checked by the Django-free
`answers` module; every change runs in one transaction naming the actor and raises
`DomainError` with a sentence a person can read.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import IO, Any

from django.core.files import File
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext as translated  # marked with gettext_noop
from django.utils.translation import gettext_noop

from ecotone.attachments import BINARY, CSV, TEXT, check_attachment
from ecotone.ecosystems.models import Organization, Sector
from ecotone.ecosystems.services import acting
from ecotone.errors import DomainError

from .. import access, answers, notifications
from ..models import (
    AnswerFile,
    Application,
    ApplicationStatus,
    Call,
    CoApplicant,
    Question,
    QuestionKind,
    Revision,
    Round,
    RoundKind,
)
from . import calls as call_services

EDITABLE = (ApplicationStatus.DRAFT, ApplicationStatus.REVISING)
CLOSED = (
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.DECLINED,
    ApplicationStatus.AWARDED,
    ApplicationStatus.INELIGIBLE,
)

# What each problem of `answers.check` says, with its params.
PROBLEM_MESSAGES = {
    "required": gettext_noop("This question needs an answer before you submit."),
    "not_text": gettext_noop("Write the answer as text."),
    "too_many_words": gettext_noop("%(count)s words: the limit is %(limit)s."),
    "not_an_option": gettext_noop("Choose from the options given."),
    "not_a_number": gettext_noop("Write a number."),
    "below_min": gettext_noop("The lowest accepted is %(min)s."),
    "above_max": gettext_noop("The highest accepted is %(max)s."),
    "bad_budget": gettext_noop("The budget is a table of at most %(most)s rows."),
    "bad_budget_row": gettext_noop("Row %(row)s of the budget cannot be read."),
    "budget_category": gettext_noop("Row %(row)s: choose one of the budget's categories."),
    "budget_amount": gettext_noop("Row %(row)s: the amount is a number."),
    "budget_negative": gettext_noop("Row %(row)s: the amount cannot be negative."),
    "budget_over_total": gettext_noop("The budget totals %(total)s: the most is %(max_total)s."),
    "no_such_file": gettext_noop("Upload the file again."),
    "unknown_partner": gettext_noop("Choose partners from the directory, each once."),
    "too_many_partners": gettext_noop("%(count)s partners: the most is %(max)s."),
    "unknown_kind": gettext_noop("This question cannot be answered."),
}


def message(problem: answers.Problem) -> str:
    return translated(PROBLEM_MESSAGES[problem.code]) % problem.params


def by_question(problems: Sequence[answers.Problem]) -> dict[str, list[str]]:
    """The problems' sentences, per question key (what a form shows beside each field)."""
    found: dict[str, list[str]] = {}
    for problem in problems:
        found.setdefault(problem.key, []).append(message(problem))
    return found


# --- who may do what -------------------------------------------------------------------------


def is_editor(user: Any, application: Application) -> bool:
    return access.own_applications(user, application.ecosystem).filter(pk=application.pk).exists()


def require_editor(actor: Any, application: Application) -> None:
    if not is_editor(actor, application):
        raise DomainError(_("Only the application's applicants change it."))


def _locked(application: Application) -> Application:
    # of=("self",): PostgreSQL refuses to lock the nullable side of the join to the round
    return (
        Application.objects.select_for_update(of=("self",))
        .select_related("call", "round")
        .get(pk=application.pk)
    )


def revision_round(application: Application) -> Round | None:
    """The revision round the application is invited to revise in, if any."""
    if application.status != ApplicationStatus.REVISING or application.round is None:
        return None
    return application.round if application.round.kind == RoundKind.REVISION else None


def can_edit_now(application: Application, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if application.status == ApplicationStatus.DRAFT:
        return call_services.is_taking_applications(application.call, now)
    found = revision_round(application)
    return found is not None and (found.due_at is None or now <= found.due_at)


def _require_editable(application: Application) -> None:
    if application.status not in EDITABLE:
        raise DomainError(
            _("This application is %(status)s: it can no longer be changed.")
            % {"status": application.get_status_display().lower()}
        )
    if not can_edit_now(application):
        raise DomainError(_("The deadline has passed: the application can no longer be changed."))


# --- starting and saving ---------------------------------------------------------------------


def start_application(
    actor: Any,
    call: Call,
    *,
    title: str,
    organization: Organization | None = None,
    organization_name: str = "",
    organization_sector: str = "",
) -> Application:
    """A draft on behalf of `organization` (a partner of the call's ecosystem) or of the
    organization the applicant names, with its sector."""
    if not getattr(actor, "is_authenticated", False):
        raise DomainError(_("Sign in to apply."))
    if not call_services.is_taking_applications(call):
        raise DomainError(_("This call is not taking applications."))
    if organization is not None:
        if organization.ecosystem_id != call.ecosystem_id or organization.archived_at:
            raise DomainError(_("Choose a partner of this ecosystem."))
        organization_name, organization_sector = organization.name, organization.sector
    organization_name = " ".join(organization_name.split())
    if not organization_name:
        raise DomainError(_("Choose a partner from the directory, or name your organization."))
    if organization_sector not in Sector.values:
        raise DomainError(_("Choose your organization's sector."))
    if not title.strip():
        raise DomainError(_("Give the project a title."))
    with acting(actor):
        return Application.objects.create(
            ecosystem=call.ecosystem,
            call=call,
            lead=actor,
            organization=organization,
            organization_name=organization_name,
            organization_sector=organization_sector,
            title=title.strip(),
        )


def questions_of(call: Call) -> list[answers.Question]:
    return [
        answers.Question(q.key, q.kind, q.required, q.settings)
        for q in call.questions.order_by("position", "pk")
    ]


def problems(application: Application, *, complete: bool) -> list[answers.Problem]:
    """The problems of the application's current answers (all of them, to submit)."""
    return answers.check(
        questions_of(application.call),
        application.answers,
        complete=complete,
        file_ids=application.files.values_list("pk", flat=True),
        partner_ids=application.ecosystem.organizations.filter(
            archived_at__isnull=True
        ).values_list("pk", flat=True),
    )


def save_draft(
    actor: Any,
    application: Application,
    *,
    answers_given: Mapping[str, Any],
    title: str | None = None,
    summary: str | None = None,
) -> list[answers.Problem]:
    """Keep the answers given (others as they were), even with problems, and return the
    problems so the page shows them; an answer left empty is removed."""
    require_editor(actor, application)
    keys = set(application.call.questions.values_list("key", flat=True))
    with acting(actor):
        locked = _locked(application)
        _require_editable(locked)
        kept = dict(locked.answers)
        for key, value in answers_given.items():
            if key not in keys:
                continue
            if answers.is_empty(value):
                kept.pop(key, None)
            else:
                kept[key] = value
        locked.answers = kept
        if title is not None and title.strip():
            locked.title = title.strip()[:200]
        if summary is not None:
            locked.summary = summary.strip()
        locked.save(update_fields=["answers", "title", "summary", "updated_at"])
    application.answers, application.title, application.summary = (
        locked.answers,
        locked.title,
        locked.summary,
    )
    return problems(locked, complete=False)


# --- eligibility -----------------------------------------------------------------------------


def screen(actor: Any, application: Application, given: Mapping[int, bool]) -> list[str]:
    """Record the answers to the call's eligibility questions (question id -> yes/no).
    Any answer other than the eligible one screens the application out (status INELIGIBLE);
    the returned reasons are what the applicant is told."""
    require_editor(actor, application)
    questions = list(application.call.eligibility.order_by("position", "pk"))
    if any(q.pk not in given for q in questions):
        raise DomainError(_("Answer every eligibility question."))
    reasons = [q.reason for q in questions if given[q.pk] != q.eligible_answer]
    with acting(actor):
        locked = _locked(application)
        if locked.status != ApplicationStatus.DRAFT:
            raise DomainError(_("Eligibility is answered once, while the application is a draft."))
        locked.eligibility_answers = {str(q.pk): given[q.pk] for q in questions}
        locked.ineligible_reasons = reasons
        if reasons:
            locked.status = ApplicationStatus.INELIGIBLE
        locked.save(
            update_fields=["eligibility_answers", "ineligible_reasons", "status", "updated_at"]
        )
    application.refresh_from_db()
    return reasons


def is_screened(application: Application) -> bool:
    wanted = {str(pk) for pk in application.call.eligibility.values_list("pk", flat=True)}
    return wanted <= set(application.eligibility_answers)


# --- files -----------------------------------------------------------------------------------

EXTENSIONS = {**BINARY, TEXT: "txt", CSV: "csv"}


def attach_file(
    actor: Any, application: Application, question: Question, file: IO[bytes] | File[Any]
) -> AnswerFile:
    """Keep `file` as the answer to a file question: checked as every attachment is
    (`ecotone.attachments`), then against the question's own types and size; a refusal
    names the question."""
    require_editor(actor, application)
    if question.call_id != application.call_id or question.kind != QuestionKind.FILE:
        raise DomainError(_("That question takes no file."))
    try:
        checked = check_attachment(file)
    except DomainError as error:
        raise DomainError(f"{question.label}: {error}") from error
    types = question.settings.get("types")
    kind = EXTENSIONS.get(checked.content_type, "")
    if types and kind not in types:
        raise DomainError(
            _("%(question)s: “%(name)s” is not of an accepted type (%(types)s).")
            % {"question": question.label, "name": checked.name, "types": ", ".join(types)}
        )
    max_mb = question.settings.get("max_mb")
    if max_mb and checked.size > max_mb * 1024 * 1024:
        raise DomainError(
            _("%(question)s: “%(name)s” is %(size)s; the most is %(limit)s.")
            % {
                "question": question.label,
                "name": checked.name,
                "size": filesizeformat(checked.size),
                "limit": filesizeformat(max_mb * 1024 * 1024),
            }
        )
    with acting(actor):
        locked = _locked(application)
        _require_editable(locked)
        record = AnswerFile(
            application=locked,
            question=question,
            original_name=checked.name,
            content_type=checked.content_type,
            size=checked.size,
            uploaded_by=actor,
        )
        record.file.save(checked.name, file if isinstance(file, File) else File(file), save=False)
        record.save()
        locked.answers = {**locked.answers, question.key: record.pk}
        locked.save(update_fields=["answers", "updated_at"])
    application.answers = locked.answers
    return record


# --- co-applicants ---------------------------------------------------------------------------


def invite_co_applicant(
    actor: Any, application: Application, *, email: str, organization_name: str = ""
) -> CoApplicant:
    """Invite a person by email onto the application; they accept signed in with that
    address (`accept_invitation`), then edit it and see its status."""
    require_editor(actor, application)
    email = email.strip().lower()
    if "@" not in email:
        raise DomainError(_("Write the person's email address."))
    if application.status in CLOSED:
        raise DomainError(_("This application is closed."))
    if email == application.lead.email.lower():
        raise DomainError(_("That is the lead applicant's address."))
    if application.co_applicants.filter(email=email).exists():
        raise DomainError(_("%(email)s is already invited.") % {"email": email})
    with acting(actor):
        invited = CoApplicant.objects.create(
            application=application,
            email=email,
            organization_name=" ".join(organization_name.split()),
            token=secrets.token_urlsafe(32),
            invited_by=actor,
        )
        notifications.co_applicant_invited(invited)
    return invited


def accept_invitation(user: Any, invitation: CoApplicant) -> CoApplicant:
    from allauth.account.models import EmailAddress

    if invitation.accepted_at is not None:
        if invitation.user_id == getattr(user, "pk", None):
            return invitation
        raise DomainError(_("This invitation was already accepted."))
    verified = EmailAddress.objects.filter(
        user=user, email__iexact=invitation.email, verified=True
    ).exists()
    if not verified:
        raise DomainError(
            _("This invitation was sent to %(email)s. Sign in with that address to accept it.")
            % {"email": invitation.email}
        )
    with acting(user):
        invitation.user = user
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["user", "accepted_at", "updated_at"])
    return invitation


def remove_co_applicant(actor: Any, invitation: CoApplicant) -> None:
    require_editor(actor, invitation.application)
    with acting(actor):
        invitation.delete()


# --- submitting ------------------------------------------------------------------------------


def _sync_partners(application: Application) -> None:
    """The directory partners the answers name, kept on the application for the reviewers'
    conflicts and the pool report."""
    keys = application.call.questions.filter(kind=QuestionKind.PARTNERS).values_list(
        "key", flat=True
    )
    ids = {i for key in keys for i in application.answers.get(key) or [] if isinstance(i, int)}
    application.partners.set(
        application.ecosystem.organizations.filter(pk__in=ids, archived_at__isnull=True)
    )


def submit(actor: Any, application: Application) -> Revision:
    """Submit before the deadline (or, when revising, before the revision round's due time):
    every answer checked, the version frozen, the application put in the call's first round
    (or kept in its revision round)."""
    require_editor(actor, application)
    now = timezone.now()
    with acting(actor):
        locked = _locked(application)
        _require_editable(locked)
        revising = revision_round(locked)
        if revising is None:
            if not is_screened(locked):
                raise DomainError(_("Answer the eligibility questions before you submit."))
            target = call_services.first_round(locked.call)
            if target is None:
                raise DomainError(_("This call is not taking applications."))
        else:
            target = revising
        found = problems(locked, complete=True)
        if found:
            raise DomainError(
                _("%(count)s answers need attention before you submit.") % {"count": len(found)}
            )
        number = (
            locked.revisions.order_by("-number").values_list("number", flat=True).first() or 0
        ) + 1
        revision = Revision.objects.create(
            application=locked,
            round=target,
            number=number,
            title=locked.title,
            summary=locked.summary,
            answers=dict(locked.answers),
            submitted_at=now,
            submitted_by=actor,
        )
        locked.status = ApplicationStatus.SUBMITTED
        locked.round = target
        locked.submitted_at = now
        locked.save(update_fields=["status", "round", "submitted_at", "updated_at"])
        _sync_partners(locked)
    application.refresh_from_db()
    return revision


def withdraw(actor: Any, application: Application) -> Application:
    require_editor(actor, application)
    with acting(actor):
        locked = _locked(application)
        if locked.status in CLOSED:
            raise DomainError(
                _("This application is %(status)s: it cannot be withdrawn.")
                % {"status": locked.get_status_display().lower()}
            )
        locked.status = ApplicationStatus.WITHDRAWN
        locked.round = None
        locked.save(update_fields=["status", "round", "updated_at"])
    application.refresh_from_db()
    return application


# --- status, feedback and versions -----------------------------------------------------------


def diff(
    application: Application, old: Revision, new: Revision | None
) -> list[tuple[Question, answers.AnswerDiff]]:
    """Per question, how `new` (the working copy when None) differs from `old`."""
    questions = list(application.call.questions.order_by("position", "pk"))
    after = new.answers if new is not None else application.answers
    found = answers.diff_answers(old.answers, after, questions_of(application.call))
    return list(zip(questions, found, strict=True))
