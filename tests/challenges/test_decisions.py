"""Shortlisting (services.decisions, views.ranking): who decided and the ranks kept, the
applications moved on or declined, once only, the emails, and the feedback released."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from ecotone.challenges.models import ApplicationStatus, Decision, Outcome, RoundKind
from ecotone.challenges.services import decisions
from ecotone.errors import DomainError
from tests.challenges.builders_ranking import build_round

pytestmark = pytest.mark.django_db

QUALITIES = [4.0, 3.6, 3.2, 2.8, 2.4, 2.0]
LENIENT = [0.0, 0.0, 1.5, 0.0]


def _built(world: Any, **options: Any) -> Any:
    return build_round(world.alpha, qualities=QUALITIES, leniencies=LENIENT, k=2, **options)


def _url(name: str, built: Any) -> str:
    return reverse(f"challenges:{name}", args=["alpha", built.call.slug, built.first.position])


def test_the_top_by_adjusted_rank_advance_and_the_rest_are_declined(world: Any) -> None:
    built = _built(world)
    staff = world.users["staff"]
    made = decisions.shortlist(built.first, by=staff, top=2, note="Strongest two")
    assert len(made) == 6
    assert {d.decided_by for d in made} == {staff}
    assert {d.note for d in made} == {"Strongest two"}
    by_title = {d.application.title: d for d in made}
    assert by_title["Project 000"].outcome == Outcome.ADVANCE
    assert by_title["Project 001"].outcome == Outcome.ADVANCE
    assert by_title["Project 005"].outcome == Outcome.DECLINE
    # The ranks shown when decided are kept: project 5 ranked above 4 raw, last adjusted.
    assert by_title["Project 005"].adjusted_rank == 6
    assert by_title["Project 005"].raw_rank < by_title["Project 004"].raw_rank
    revision = built.rounds[1]
    for application in built.applications:
        application.refresh_from_db()
    advanced = [a for a in built.applications if a.title in ("Project 000", "Project 001")]
    assert {(a.round, a.status) for a in advanced} == {(revision, ApplicationStatus.REVISING)}
    declined = [a for a in built.applications if a not in advanced]
    assert {a.status for a in declined} == {ApplicationStatus.DECLINED}


def test_advancing_into_a_review_round_puts_applications_in_review(world: Any) -> None:
    built = _built(world, kinds=(RoundKind.SCREENING, RoundKind.REVIEW))
    chosen = built.applications[3]
    decisions.shortlist(built.first, by=world.users["admin"], advance=[chosen.pk])
    chosen.refresh_from_db()
    assert chosen.round == built.rounds[1]
    assert chosen.status == ApplicationStatus.IN_REVIEW


def test_a_round_is_decided_once(world: Any) -> None:
    built = _built(world)
    decisions.shortlist(built.first, by=world.users["staff"], top=1)
    with pytest.raises(DomainError, match="already been decided"):
        decisions.shortlist(built.first, by=world.users["staff"], top=1)
    assert Decision.objects.filter(round=built.first).count() == 6


def test_the_last_round_is_not_shortlisted(world: Any) -> None:
    built = _built(world, kinds=(RoundKind.PANEL,))
    with pytest.raises(DomainError, match="last round"):
        decisions.shortlist(built.first, by=world.users["staff"], top=1)
    assert not Decision.objects.exists()


def test_only_applications_of_the_round_and_only_staff(world: Any) -> None:
    built = _built(world)
    with pytest.raises(DomainError, match="not waiting"):
        decisions.shortlist(built.first, by=world.users["staff"], advance=[999999])
    with pytest.raises(DomainError, match="at least one"):
        decisions.shortlist(built.first, by=world.users["staff"], advance=[])
    with pytest.raises(PermissionDenied):
        decisions.shortlist(built.first, by=world.users["reviewer"], top=1)
    assert not Decision.objects.exists()


def test_the_page_asks_for_confirmation_then_decides_and_emails(
    world: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    built = _built(world)
    client = world.client("staff")
    first = built.applications[0]
    data = {"mode": "chosen", "advance": [first.pk], "note": "Invited to revise"}
    response = client.post(_url("shortlist", built), data)
    assert response.status_code == 200
    assert "Check before deciding" in response.content.decode()
    assert not Decision.objects.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(_url("shortlist", built), {**data, "confirm": "on"})
    assert response.status_code == 302
    assert response["Location"] == _url("decisions", built)
    page = client.get(_url("decisions", built)).content.decode()
    assert "Staff" in page
    assert "Invited to revise" in page
    advanced = smtp.to("lead0@coalition.test")
    assert len(advanced) == 1
    assert "advances" in advanced[0].message["Subject"]
    declined = smtp.to("lead5@coalition.test")
    assert len(declined) == 1
    assert "not selected" in declined[0].text()


def test_a_form_error_is_shown_not_raised(world: Any) -> None:
    built = _built(world)
    response = world.client("staff").post(_url("shortlist", built), {"mode": "top", "top": ""})
    assert response.status_code == 200
    assert "Say how many applications advance." in response.content.decode()


def test_feedback_is_released_to_applicants_without_panel_notes(world: Any) -> None:
    built = _built(world)
    application = built.applications[0]
    assert decisions.feedback_for(application) == []
    response = world.client("staff").post(_url("release_feedback", built))
    assert response.status_code == 302
    [(round_, comments)] = decisions.feedback_for(application)
    assert round_ == built.first
    assert sorted(comments) == [
        "Advice to project 0 from reviewer 0",
        "Advice to project 0 from reviewer 1",
    ]
    with pytest.raises(DomainError, match="already released"):
        decisions.release_feedback(built.first, by=world.users["staff"])
