"""The surveys' and the health dashboard's rows of the permission table
(tests/test_permissions.py) and their records (`records`): a draft, an open named survey with
a section and a question, and an invitation's token. Every builder page and endpoint is the
backbone's; the respondent's page is anyone's who holds the link."""

from __future__ import annotations

from typing import Any

from ecotone.network.models import Invitation, Question, Section, Survey, SurveyStatus
from tests.conftest import World
from tests.network.builders import make_member
from tests.permission_rows import ALL_200, BACKBONE, Row, members_only

NETWORK = "/e/alpha/network"
SURVEYS = f"{NETWORK}/surveys"
OPEN = f"{SURVEYS}/{{survey_open}}"
DRAFT = f"{SURVEYS}/{{survey_draft}}"
API = "/api/v1/ecosystems/alpha/network"


def _backbone(ok: int = 200) -> dict[str, int]:
    return members_only(BACKBONE, ok)


ROWS = [
    Row("surveys", "get", f"{SURVEYS}/", _backbone()),
    Row("surveys csv", "get", f"{SURVEYS}/?format=csv", _backbone()),
    Row("survey from the template", "post", f"{SURVEYS}/template/", _backbone(302)),
    Row("new survey", "get", f"{SURVEYS}/new/", _backbone()),
    Row("survey", "get", f"{DRAFT}/", _backbone()),
    Row("open survey's page", "get", f"{OPEN}/", _backbone()),
    Row("survey settings", "get", f"{DRAFT}/edit/", _backbone()),
    Row("delete survey", "get", f"{DRAFT}/delete/", _backbone()),
    Row("survey preview", "get", f"{DRAFT}/preview/?lang=es", _backbone()),
    Row("open a survey", "get", f"{DRAFT}/open/", _backbone()),
    Row("close a survey", "get", f"{OPEN}/close/", _backbone()),
    Row("survey results", "get", f"{OPEN}/results/?by=sector", _backbone()),
    Row("survey results csv", "get", f"{OPEN}/results/?format=csv", _backbone()),
    # a named survey with fewer answers than the threshold: back to the results, no file
    Row("survey responses", "get", f"{OPEN}/responses/", _backbone(302)),
    Row("new section", "get", f"{DRAFT}/sections/new/", _backbone()),
    Row("edit section", "get", f"{DRAFT}/sections/{{survey_section}}/", _backbone()),
    Row("new question", "get", f"{DRAFT}/questions/new/", _backbone()),
    Row("edit question", "get", f"{DRAFT}/questions/{{survey_question}}/", _backbone()),
    Row(
        "move question",
        "post",
        f"{DRAFT}/questions/{{survey_question}}/move/",
        _backbone(302),
        {"direction": "down"},
    ),
    Row(
        "delete question",
        "get",
        f"{DRAFT}/questions/{{survey_question}}/delete/",
        _backbone(),
    ),
    Row("answer a survey", "get", f"{SURVEYS}/answer/{{survey_token}}/", ALL_200),
    Row("network health", "get", f"{NETWORK}/health/", _backbone()),
    Row(
        "network health csv",
        "get",
        f"{NETWORK}/health/?section=members&format=csv",
        _backbone(),
    ),
    Row("api surveys", "get", f"{API}/surveys/", members_only(BACKBONE, api=True)),
    Row("api survey", "get", f"{API}/surveys/{{survey_open}}/", members_only(BACKBONE, api=True)),
    Row(
        "api survey results",
        "get",
        f"{API}/surveys/{{survey_open}}/results/",
        members_only(BACKBONE, api=True),
    ),
    Row("api network health", "get", f"{API}/health/", members_only(BACKBONE, api=True)),
]

FAKE: dict[str, Any] = {
    "survey_open": "1",
    "survey_draft": "1",
    "survey_section": "1",
    "survey_question": "1",
    "survey_token": "x",
}


def records(world: World) -> dict[str, Any]:
    draft = Survey.objects.create(ecosystem=world.alpha, title="Draft survey")
    section = Section.objects.create(survey=draft, title="Part one")
    first = Question.objects.create(
        survey=draft, section=section, kind="likert", text="We share a vision", order=1
    )
    Question.objects.create(survey=draft, section=section, kind="text", text="Why?", order=2)
    named = Survey.objects.create(
        ecosystem=world.alpha, title="Open survey", anonymous=False, status=SurveyStatus.OPEN
    )
    Question.objects.create(survey=named, kind="single", text="Yes?", options="Yes\nNo", order=1)
    respondent = make_member(world.alpha, "respondent@example.org", email_consent=True)
    invitation = Invitation.objects.create(survey=named, member=respondent)
    return {
        "survey_draft": draft.pk,
        "survey_open": named.pk,
        "survey_section": section.pk,
        "survey_question": first.pk,
        "survey_token": invitation.token,
    }
