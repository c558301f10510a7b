"""Records of the survey tests: a survey with one question of each kind, members to ask, and
their answers given through the service (as a respondent's link would)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ecotone.ecosystems.models import Ecosystem
from ecotone.network.models import Member, Question, QuestionKind, Section, Survey
from ecotone.network.services import surveys
from tests.network.builders import make_member


def make_survey(ecosystem: Ecosystem, *, anonymous: bool = True, **fields: Any) -> Survey:
    """A draft with a section of five questions: likert (required), single (required: Yes/No),
    multiple (A/B/C), number (0-100) and text."""
    survey = Survey.objects.create(
        ecosystem=ecosystem,
        title="Network check",
        title_es="Revisión",
        anonymous=anonymous,
        **fields,
    )
    section = Section.objects.create(survey=survey, title="About us", title_es="Sobre nosotros")
    rows = [
        (QuestionKind.LIKERT, "We share a vision", "Compartimos una visión", "", "", True),
        (QuestionKind.SINGLE, "In a workgroup?", "¿En un grupo?", "Yes\nNo", "Sí\nNo", True),
        (QuestionKind.MULTIPLE, "Support wanted", "Apoyo deseado", "A\nB\nC", "", False),
        (QuestionKind.NUMBER, "Hours a month", "Horas al mes", "", "", False),
        (QuestionKind.TEXT, "One change", "Un cambio", "", "", False),
    ]
    for order, (kind, text, text_es, options, options_es, required) in enumerate(rows, 1):
        Question.objects.create(
            survey=survey,
            section=section,
            kind=kind,
            text=text,
            text_es=text_es,
            options=options,
            options_es=options_es,
            required=required,
            order=order,
            min_value=Decimal(0) if kind == QuestionKind.NUMBER else None,
            max_value=Decimal(100) if kind == QuestionKind.NUMBER else None,
        )
    return survey


def make_members(
    ecosystem: Ecosystem, count: int, prefix: str = "m", **fields: Any
) -> list[Member]:
    return [
        make_member(ecosystem, f"{prefix}{i}@example.org", email_consent=True, **fields)
        for i in range(count)
    ]


def questions(survey: Survey) -> dict[str, Question]:
    return {q.kind: q for q in survey.questions.all()}


def answer(survey: Survey, member: Member, **values: Any) -> None:
    """`member` answers through their invitation: values by kind (likert=4, single=1, ...)."""
    by_kind = questions(survey)
    invitation = survey.invitations.get(member=member)
    surveys.submit(invitation, {by_kind[kind].pk: value for kind, value in values.items()})
