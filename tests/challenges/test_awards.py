"""Awards (services.awards, views.awards): the budget, milestones, the agreement, the
announcement by email, and the public winners page that shows nothing private."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from ecotone.challenges.models import ApplicationStatus, Award, Decision, Outcome, RoundKind
from ecotone.challenges.services import awards
from ecotone.errors import DomainError
from tests.challenges.builders_ranking import add_co_applicant, build_round

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def _final(world: Any, funds: Decimal | None = Decimal("100000")) -> Any:
    """A call with one round, a final panel: its applications may be awarded."""
    return build_round(
        world.alpha,
        qualities=[4.0, 3.5, 3.0],
        leniencies=[0.0, 0.3, -0.2],
        kinds=(RoundKind.PANEL,),
        total_funds=funds,
    )


def _url(name: str, built: Any, *extra: Any) -> str:
    return reverse(f"challenges:{name}", args=["alpha", built.call.slug, *extra])


def test_an_award_records_the_decision_and_the_grant(world: Any) -> None:
    built = _final(world)
    staff = world.users["staff"]
    granted = awards.award(
        built.applications[0], by=staff, amount=Decimal("60000"), citation="Bold and local"
    )
    decision = Decision.objects.get(application=built.applications[0])
    assert decision.outcome == Outcome.AWARD
    assert decision.decided_by == staff
    assert decision.adjusted_rank == 1
    built.applications[0].refresh_from_db()
    assert built.applications[0].status == ApplicationStatus.AWARDED
    assert awards.funds(built.call).left == Decimal("40000")
    with pytest.raises(DomainError, match="already decided"):
        awards.award(built.applications[0], by=staff, amount=Decimal("1"))
    assert granted.citation == "Bold and local"


def test_going_over_the_call_funds_is_refused(world: Any) -> None:
    built = _final(world)
    staff = world.users["staff"]
    awards.award(built.applications[0], by=staff, amount=Decimal("60000"))
    with pytest.raises(DomainError, match=r"\$40,000.00 left"):
        awards.award(built.applications[1], by=staff, amount=Decimal("50000"))
    assert Award.objects.count() == 1
    # Through the page: the error is shown, nothing recorded.
    response = world.client("staff").post(
        _url("awards", built), {"application": built.applications[1].pk, "amount": "40000.01"}
    )
    assert response.status_code == 200
    assert "over the call" in response.content.decode()
    assert Award.objects.count() == 1
    granted = Award.objects.get()
    with pytest.raises(DomainError, match="over the call"):
        awards.update_award(granted, by=staff, amount=Decimal("100001"), in_kind="", citation="")
    awards.update_award(granted, by=staff, amount=Decimal("100000"), in_kind="", citation="")


def test_milestones_and_payments_due(world: Any) -> None:
    built = _final(world)
    staff = world.users["staff"]
    granted = awards.award(built.applications[0], by=staff, amount=Decimal("50000"))
    today = timezone.localdate()
    soon = awards.add_milestone(
        granted,
        by=staff,
        kind="payment",
        title="First half",
        due_on=today + datetime.timedelta(days=5),
        amount=Decimal("25000"),
    )
    awards.add_milestone(
        granted,
        by=staff,
        kind="payment",
        title="Second half",
        due_on=today + datetime.timedelta(days=200),
        amount=Decimal("25000"),
    )
    with pytest.raises(DomainError, match="more than the grant"):
        awards.add_milestone(
            granted, by=staff, kind="payment", title="Extra", due_on=today, amount=Decimal("1")
        )
    assert list(awards.payments_due(world.alpha)) == [soon]
    page = world.client("staff").get(reverse("challenges:payments_due", args=["alpha"]))
    assert "First half" in page.content.decode()
    assert "Second half" not in page.content.decode()
    response = world.client("staff").post(_url("milestone_done", built, granted.pk, soon.pk))
    assert response.status_code == 302
    assert list(awards.payments_due(world.alpha)) == []


def test_the_agreement_is_checked_when_uploaded(world: Any) -> None:
    built = _final(world)
    granted = awards.award(built.applications[0], by=world.users["staff"], amount=Decimal("10"))
    client = world.client("staff")
    url = _url("award_agreement", built, granted.pk)
    bad = SimpleUploadedFile("agreement.html", b"<html><script>x</script></html>")
    response = client.post(url, {"file": bad})
    assert response.status_code == 200
    assert "only" in response.content.decode()
    granted.refresh_from_db()
    assert not granted.agreement
    good = SimpleUploadedFile("agreement.pdf", PDF)
    assert client.post(url, {"file": good, "signed_on": "2026-11-02"}).status_code == 302
    granted.refresh_from_db()
    assert granted.agreement_signed_at == datetime.date(2026, 11, 2)
    download = client.get(url)
    assert b"".join(download.streaming_content) == PDF
    assert world.client("partner_a").get(url).status_code == 403


def test_winners_hear_by_email_once(
    world: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    built = _final(world)
    staff = world.users["staff"]
    add_co_applicant(built.applications[0], "partner@coalition.test")
    awards.award(built.applications[0], by=staff, amount=Decimal("25000"), in_kind="Staff coaching")
    client = world.client("staff")
    confirm = client.get(_url("announce_awards", built))
    assert "Project 000" in confirm.content.decode()
    assert not smtp.to("lead0@coalition.test")
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_url("announce_awards", built)).status_code == 302
    for address in ("lead0@coalition.test", "partner@coalition.test"):
        [mail] = smtp.to(address)
        assert "Project 000" in mail.message["Subject"]
        assert "25000" in mail.text()
        assert "Staff coaching" in mail.html()
    assert not smtp.to("lead1@coalition.test")
    assert Award.objects.get().announced_at is not None
    with pytest.raises(DomainError, match="announced already"):
        awards.announce(built.call, by=staff)


def test_the_winners_page_shows_nothing_private(world: Any) -> None:
    built = _final(world)
    staff = world.users["staff"]
    winner = built.applications[0]
    winner.requested_amount = Decimal("98765")
    winner.summary = "Private summary of the plan"
    winner.save()
    awards.award(winner, by=staff, amount=Decimal("25000"), citation="A model for the region")
    url = _url("winners", built)
    anonymous = world.client("anonymous")
    assert anonymous.get(url).status_code == 404
    with pytest.raises(DomainError, match="Announce"):
        awards.publish_winners(built.call, by=staff)
    awards.announce(built.call, by=staff)
    assert world.client("staff").post(_url("publish_winners", built)).status_code == 302
    page = anonymous.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Project 000" in text
    assert "Organization 0" in text
    assert "A model for the region" in text
    assert "25,000.00" in text
    for private in (
        "lead0@coalition.test",
        "Lead 0",
        "98765",
        "Private summary",
        "Panel note",
        "Advice to project",
        "Reviewer",
        "Project 001",
    ):
        assert private not in text


def test_the_rest_of_the_last_round_is_declined_with_a_confirmation(
    world: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    built = _final(world)
    awards.award(built.applications[0], by=world.users["staff"], amount=Decimal("10"))
    client = world.client("staff")
    confirm = client.get(_url("decline_rest", built)).content.decode()
    assert "Project 001" in confirm
    assert "Project 000" not in confirm
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(_url("decline_rest", built)).status_code == 302
    declined = Decision.objects.filter(outcome=Outcome.DECLINE)
    assert {d.application.title for d in declined} == {"Project 001", "Project 002"}
    assert {d.decided_by for d in declined} == {world.users["staff"]}
    assert len(smtp.to("lead1@coalition.test")) == 1
    assert not smtp.to("lead0@coalition.test")


def test_the_awards_list_counts_milestones_done(world: Any) -> None:
    built = _final(world)
    staff = world.users["staff"]
    granted = awards.award(built.applications[0], by=staff, amount=Decimal("100"))
    today = timezone.localdate()
    done = awards.add_milestone(granted, by=staff, kind="report", title="Report", due_on=today)
    awards.add_milestone(granted, by=staff, kind="report", title="Final", due_on=today)
    awards.mark_done(done, by=staff)
    page = world.client("staff").get(_url("awards", built)).content.decode()
    assert "1 / 2" in page
    assert "$99,900.00 left" in page
