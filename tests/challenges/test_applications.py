"""Applying, through the pages and services: screening out with the reason shown, a partial
draft kept with each problem beside its field, a file of the wrong type refused naming the
question, the deadline enforced in the ecosystem's time zone, submission freezing a version in
the first round, co-applicants invited by email (received over SMTP) who then see and edit
while another signed-in person gets 404, revising with the earlier version kept and the diff
shown, feedback without reviewers' names or panel comments, and withdrawing."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from ecotone.challenges.models import (
    Application,
    ApplicationStatus,
    Assignment,
    Review,
    ReviewerProfile,
)
from ecotone.challenges.services import applications as services
from ecotone.errors import DomainError
from tests.conftest import make_user

from .builders_calls import GOOD, PDF, draft, invite_to_revise, open_call, submitted

BASE = "/e/alpha/challenges"


@pytest.fixture
def call(world: Any) -> Any:
    return open_call(world)


def form_data(application: Application, **answers: Any) -> dict[str, Any]:
    data = {"title": application.title, "summary": ""}
    data.update({f"a_{key}": value for key, value in answers.items()})
    return data


def test_an_applicant_starts_from_the_call_and_is_screened_out_with_the_reason(
    world: Any, call: Any
) -> None:
    client = world.client("outsider")  # any signed-in person may apply
    start = client.post(
        f"{BASE}/calls/{call.slug}/apply/",
        {
            "title": "Beta Bots",
            "organization_name": "Beta Makers",
            "organization_sector": "youth_nonprofit",
        },
    )
    application = Application.objects.get(title="Beta Bots")
    assert start.status_code == 302
    assert start["Location"].endswith(f"/applications/{application.pk}/eligibility/")
    assert application.organization is None
    assert application.organization_name == "Beta Makers"
    yes, no = call.eligibility.order_by("position")
    client.post(start["Location"], {f"q{yes.pk}": "yes", f"q{no.pk}": "yes"})
    application.refresh_from_db()
    assert application.status == ApplicationStatus.INELIGIBLE
    page = client.get(f"{BASE}/applications/{application.pk}/").content.decode()
    assert "For-profit companies may partner but not lead." in page
    assert "The call funds work in the region only." not in page
    with pytest.raises(DomainError):
        services.submit(world.users["outsider"], application)
    # anonymous visitors are asked to sign in
    assert world.client("anonymous").get(f"{BASE}/calls/{call.slug}/apply/").status_code == 302


def test_a_draft_keeps_partial_answers_and_shows_each_problem_beside_its_field(
    world: Any, call: Any
) -> None:
    application = draft(world, call)
    client = world.client("partner_a")
    url = f"{BASE}/applications/{application.pk}/edit/"
    data = form_data(
        application,
        **{
            "project-plan": "word " * 25,
            "young-people-served": "lots",
            "budget_0_category": "Staff",
            "budget_0_amount": "-3",
        },
    )
    response = client.post(url, data)
    assert response.status_code == 400
    page = response.content.decode()
    assert "25 words: the limit is 20." in page
    assert "Write a number." in page
    assert "Row 1: the amount cannot be negative." in page
    application.refresh_from_db()
    assert application.answers["young-people-served"] == "lots"  # kept as typed
    assert application.answers["budget"] == [
        {"category": "Staff", "description": "", "amount": "-3"}
    ]
    # the submission page counts what still needs attention, and refuses
    assert (
        "answers need attention"
        in client.get(f"{BASE}/applications/{application.pk}/submit/").content.decode()
    )
    assert client.post(f"{BASE}/applications/{application.pk}/submit/").status_code == 400


def test_a_file_of_the_wrong_type_is_refused_naming_the_question(world: Any, call: Any) -> None:
    application = draft(world, call)
    client = world.client("partner_a")
    url = f"{BASE}/applications/{application.pk}/edit/"
    png = SimpleUploadedFile("letter.png", b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png")
    response = client.post(url, {**form_data(application), "a_letter-of-support": png})
    assert response.status_code == 400
    assert (
        "Letter of support: “letter.png” is not of an accepted type (pdf)."
        in response.content.decode()
    )
    exe = SimpleUploadedFile("letter.pdf", b"MZ\x90\x00" + b"\0" * 64, "application/pdf")
    refused = client.post(url, {**form_data(application), "a_letter-of-support": exe})
    assert "Letter of support:" in refused.content.decode()
    assert not application.files.exists()
    good = SimpleUploadedFile("letter.pdf", PDF, "application/pdf")
    client.post(url, {**form_data(application, **GOOD), "a_letter-of-support": good})
    application.refresh_from_db()
    [kept] = application.files.all()
    assert application.answers["letter-of-support"] == kept.pk
    download = client.get(f"{BASE}/applications/{application.pk}/files/{kept.pk}/")
    assert download.status_code == 200
    assert download["X-Content-Type-Options"] == "nosniff"
    assert (
        world.client("partner_b")
        .get(f"{BASE}/applications/{application.pk}/files/{kept.pk}/")
        .status_code
        == 404
    )


def test_submitting_freezes_a_version_in_the_first_round(world: Any, call: Any) -> None:
    application = draft(world, call)
    client = world.client("partner_a")
    client.post(
        f"{BASE}/applications/{application.pk}/edit/",
        {**form_data(application, **GOOD), "a_partners": [world.org_b.pk]},
    )
    response = client.post(f"{BASE}/applications/{application.pk}/submit/")
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == ApplicationStatus.SUBMITTED
    assert application.round == call.rounds.get(kind="review")
    [version] = application.revisions.all()
    assert version.number == 1
    assert version.answers["main-field"] == "Robotics"
    assert list(application.partners.all()) == [world.org_b]
    # no longer editable
    assert client.get(f"{BASE}/applications/{application.pk}/edit/").status_code == 302
    with pytest.raises(DomainError, match="no longer be changed"):
        services.save_draft(world.users["partner_a"], application, answers_given=GOOD)


def test_the_deadline_is_enforced_in_the_ecosystems_time_zone(world: Any) -> None:
    world.alpha.timezone = "America/Los_Angeles"
    world.alpha.save()
    call = open_call(world, deadline=datetime(2030, 6, 30, 23, 59))  # 23:59 in Los Angeles
    assert call.deadline == datetime(2030, 7, 1, 6, 59, tzinfo=ZoneInfo("UTC"))
    application = draft(world, call)
    services.save_draft(world.users["partner_a"], application, answers_given=GOOD)
    late = datetime(2030, 7, 1, 0, 5, tzinfo=ZoneInfo("America/Los_Angeles"))
    with (
        mock.patch("django.utils.timezone.now", return_value=late),
        pytest.raises(DomainError, match="deadline has passed"),
    ):
        services.submit(world.users["partner_a"], application)
    # 23:50 in Los Angeles is already 1 July in UTC, and still in time
    in_time = datetime(2030, 6, 30, 23, 50, tzinfo=ZoneInfo("America/Los_Angeles"))
    with mock.patch("django.utils.timezone.now", return_value=in_time):
        services.submit(world.users["partner_a"], application)
    assert application.status == ApplicationStatus.SUBMITTED


def test_a_co_applicant_is_invited_by_email_then_sees_and_edits(
    world: Any, call: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    application = draft(world, call)
    lead = world.client("partner_a")
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(
            f"{BASE}/applications/{application.pk}/co-applicants/",
            {"email": "Ana@Partner.test", "organization_name": "Eastside Library"},
        )
    assert response.status_code == 302
    [mail] = smtp.to("ana@partner.test")
    assert "Robots in Riverton" in mail.message["Subject"]
    invitation = application.co_applicants.get()
    accept_url = f"{BASE}/invitations/{invitation.token}/"
    assert accept_url in mail.text()
    assert accept_url in mail.html()
    ana = make_user("ana@partner.test")
    other = make_user("someone@else.test")
    assert world.client("outsider").get(f"{BASE}/applications/{application.pk}/").status_code == 404
    from django.test import Client

    stranger = Client()
    stranger.force_login(other)
    assert stranger.post(accept_url).status_code == 400  # not the invited address
    assert stranger.get(f"{BASE}/applications/{application.pk}/edit/").status_code == 404
    client = Client()
    client.force_login(ana)
    assert client.post(accept_url).status_code == 302
    assert "Robots in Riverton" in client.get(f"{BASE}/applications/").content.decode()
    assert client.get(f"{BASE}/applications/{application.pk}/").status_code == 200
    client.post(f"{BASE}/applications/{application.pk}/edit/", form_data(application, **GOOD))
    application.refresh_from_db()
    assert application.answers["main-field"] == "Robotics"
    assert stranger.get(f"{BASE}/applications/{application.pk}/").status_code == 404


def test_revising_keeps_the_previous_version_and_shows_the_diff(world: Any, call: Any) -> None:
    application = submitted(world, call)
    invite_to_revise(application)
    client = world.client("partner_a")
    page = client.get(f"{BASE}/applications/{application.pk}/").content.decode()
    assert "invited to revise" in page
    changed = {
        **GOOD,
        "project-plan": "We teach robotics to girls and boys in the valley",
        "young-people-served": "150",
    }
    client.post(f"{BASE}/applications/{application.pk}/edit/", form_data(application, **changed))
    assert client.post(f"{BASE}/applications/{application.pk}/submit/").status_code == 302
    first, second = application.revisions.order_by("number")
    assert first.answers["project-plan"] == GOOD["project-plan"]
    assert second.answers["project-plan"] == changed["project-plan"]
    assert second.round.kind == "revision"
    diff = client.get(f"{BASE}/applications/{application.pk}/versions/").content.decode()
    assert "2 answers changed." in diff
    assert "<ins>and boys</ins>" in diff
    assert "<del>120</del> → <ins>150</ins>" in diff


def test_revising_after_the_round_is_due_is_refused(world: Any, call: Any) -> None:
    application = submitted(world, call)
    invite_to_revise(application, due=timezone.now() - timedelta(minutes=1))
    with pytest.raises(DomainError, match="deadline has passed"):
        services.submit(world.users["partner_a"], application)


def test_feedback_shows_released_comments_without_names_or_panel_comments(
    world: Any, call: Any
) -> None:
    application = submitted(world, call)
    review_round = call.rounds.get(kind="review")
    reviewer = world.users["reviewer"]
    reviewer.name = "Rosa Quintero"
    reviewer.save()
    profile = ReviewerProfile.objects.create(ecosystem=world.alpha, user=reviewer, sector="school")
    assignment = Assignment.objects.create(
        round=review_round, reviewer=profile, application=application
    )
    Review.objects.create(
        assignment=assignment,
        status="submitted",
        comment_to_applicant="Strong partnerships; say more about sustainability.",
        comment_to_panel="Panel only: borderline.",
    )
    application.feedback = "Thank you for applying."
    application.save()
    client = world.client("partner_a")
    before = client.get(f"{BASE}/applications/{application.pk}/").content.decode()
    assert "Thank you for applying." in before
    assert "Strong partnerships" not in before
    review_round.feedback_released_at = timezone.now()
    review_round.save()
    after = client.get(f"{BASE}/applications/{application.pk}/").content.decode()
    assert "Strong partnerships; say more about sustainability." in after
    assert "Panel only" not in after
    assert reviewer.name not in after
    assert reviewer.email not in after


def test_withdrawing_after_a_confirmation(world: Any, call: Any) -> None:
    application = submitted(world, call)
    client = world.client("partner_a")
    assert (
        "cannot be submitted again"
        in client.get(f"{BASE}/applications/{application.pk}/withdraw/").content.decode()
    )
    client.post(f"{BASE}/applications/{application.pk}/withdraw/")
    application.refresh_from_db()
    assert application.status == ApplicationStatus.WITHDRAWN
    assert application.round is None
    assert client.post(f"{BASE}/applications/{application.pk}/withdraw/").status_code == 400


def test_the_form_renders_every_kind_of_question_without_javascript(world: Any, call: Any) -> None:
    application = draft(world, call)
    page = world.client("partner_a").get(f"{BASE}/applications/{application.pk}/edit/")
    text = page.content.decode()
    assert page.status_code == 200
    assert '<textarea name="a_project-plan"' in text
    assert 'type="radio" name="a_main-field" value="Robotics"' in text
    assert 'name="a_young-people-served"' in text
    assert 'name="a_budget_2_amount"' in text  # three empty rows to fill
    assert 'type="file" name="a_letter-of-support"' in text
    assert '<select name="a_partners"' in text
    assert "Eastside Library" in text
    assert 'enctype="multipart/form-data"' in text
    assert "At most 20 words." in text


def test_the_services_refuse_anyone_but_the_applicants(world: Any, call: Any) -> None:
    application = draft(world, call)
    for persona in ("partner_b", "staff", "reviewer"):
        who = world.users[persona]
        with pytest.raises(DomainError, match="Only the application's applicants"):
            services.save_draft(who, application, answers_given=GOOD)
        with pytest.raises(DomainError, match="Only the application's applicants"):
            services.submit(who, application)
        with pytest.raises(DomainError, match="Only the application's applicants"):
            services.invite_co_applicant(who, application, email="x@y.test")
    assert application.answers == {}
