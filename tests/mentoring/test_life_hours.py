"""Hours: the rules of logging (who, when, how much), approving and rejecting in bulk (all or
nothing, each log checked against the reviewer), the review page's scope and filters, the
CSV/XLSX export's content and scope, and mentors seeing their own hours."""

from __future__ import annotations

import datetime
import io
from decimal import Decimal
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecotone.errors import DomainError
from ecotone.mentoring.models import HourLog, HourStatus, Match
from ecotone.mentoring.services import hours, matches
from tests.mentoring.life_builders import accepted, active, cleared_mentor, opportunity_of

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def days_ago(n: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(n)


@pytest.fixture
def life(world: Any) -> Any:
    """The mentor active on an org_a opportunity (started 30 days ago); Grace active on an
    org_b one."""
    world.mentor = cleared_mentor(world)
    world.match_a = active(world, world.mentor, opportunity_of(world.org_a), started_days_ago=30)
    world.grace = cleared_mentor(world, None, "grace@mentor.test")
    world.match_b = active(
        world, world.grace, opportunity_of(world.org_b, "Library Makers"), started_days_ago=30
    )
    return world


def log(world: Any, match: Match, day: int = 1, amount: str = "1.5", what: str = "Club") -> HourLog:
    return hours.log_hours(
        match, match.mentor.user, date=days_ago(day), hours=Decimal(amount), activity=what
    )


# Logging -------------------------------------------------------------------------------------


def test_the_mentor_logs_hours_pending_approval(life: Any) -> None:
    entry = log(life, life.match_a, amount="2.25", what="Built a robot arm")
    assert (entry.status, entry.hours, entry.mentor, entry.ecosystem) == (
        HourStatus.PENDING,
        Decimal("2.25"),
        life.mentor,
        life.alpha,
    )


@pytest.mark.parametrize("persona", ["partner_a", "staff", "member"])
def test_only_the_matchs_mentor_logs(life: Any, persona: str) -> None:
    with pytest.raises(DomainError, match="Only the match's mentor"):
        hours.log_hours(life.match_a, life.users[persona], date=days_ago(1), hours=1)


def test_hours_only_on_active_or_closed_matches(life: Any) -> None:
    waiting = accepted(
        life, cleared_mentor(life, None, "ada@m.test"), opportunity_of(life.org_a, "Coders")
    )
    with pytest.raises(DomainError, match="active or closed"):
        hours.log_hours(waiting, waiting.mentor.user, date=TODAY(), hours=1)
    matches.close(life.match_a, life.users["staff"], kind="planned", closed_on=days_ago(5))
    log(life, life.match_a, day=6)  # closed: still loggable, within the match


@pytest.mark.parametrize(
    ("day", "message"),
    [(-1, "today or an earlier day"), (31, "started on"), (0, "closed on")],
)
def test_dates_stay_within_the_match_and_not_in_the_future(
    life: Any, day: int, message: str
) -> None:
    if message == "closed on":
        matches.close(life.match_a, life.users["staff"], kind="planned", closed_on=days_ago(2))
    with pytest.raises(DomainError, match=message):
        log(life, life.match_a, day=day)


@pytest.mark.parametrize("amount", ["0", "0.2", "0.3", "1.1", "24.25", "-1", "nan"])
def test_hours_are_quarter_hours_from_a_quarter_to_24(life: Any, amount: str) -> None:
    with pytest.raises(DomainError):
        hours.log_hours(life.match_a, life.users["mentor"], date=days_ago(1), hours=amount)
    assert not HourLog.objects.exists()


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(amount=st.decimals(min_value=0, max_value=30, places=2))
def test_an_amount_is_accepted_exactly_when_it_is_quarter_hours_up_to_24(
    life: Any, amount: Decimal
) -> None:
    HourLog.objects.all().delete()  # the fixture is shared between examples; each day starts empty
    valid = Decimal("0.25") <= amount <= 24 and amount % Decimal("0.25") == 0
    try:
        entry = log(life, life.match_a, amount=str(amount))
    except DomainError:
        assert not valid
    else:
        assert valid
        assert entry.hours == amount


def test_a_days_total_across_matches_is_at_most_24(life: Any) -> None:
    life.mentor.max_matches = 2
    life.mentor.save()
    second = active(
        life, life.mentor, opportunity_of(life.org_b, "Eastside Coding"), started_days_ago=10
    )
    log(life, life.match_a, day=1, amount="20")
    with pytest.raises(DomainError, match="already logged 20 hours"):
        log(life, second, day=1, amount="4.25")
    log(life, second, day=1, amount="4")
    # Rejected hours do not count toward the day.
    hours.reject(HourLog.objects.filter(match=second), life.users["staff"], "Wrong day")
    log(life, second, day=1, amount="4")


def test_mentor_logs_on_the_match_page(life: Any) -> None:
    address = reverse("mentoring:match_log_hours", args=["alpha", life.match_a.pk])
    response = life.client("mentor").post(
        address, {"date": days_ago(2).isoformat(), "hours": "1.75", "activity": "Practice"}
    )
    assert response.status_code == 302
    assert HourLog.objects.get().hours == Decimal("1.75")
    refused = life.client("mentor").post(
        address, {"date": days_ago(-3).isoformat(), "hours": "1", "activity": ""}
    )
    assert refused.status_code == 400
    assert "today or an earlier day" in refused.content.decode()
    assert HourLog.objects.count() == 1


def test_nobody_else_logs_through_the_page(life: Any) -> None:
    address = reverse("mentoring:match_log_hours", args=["alpha", life.match_a.pk])
    data = {"date": days_ago(2).isoformat(), "hours": "1"}
    assert life.client("partner_a").post(address, data).status_code == 403
    # Grace's match is not the mentor's: outside their reach.
    other = reverse("mentoring:match_log_hours", args=["alpha", life.match_b.pk])
    assert life.client("mentor").post(other, data).status_code == 404
    assert not HourLog.objects.exists()


# Approving and rejecting ---------------------------------------------------------------------


def test_bulk_approve_marks_every_log(life: Any) -> None:
    logs = [log(life, life.match_a, day=d) for d in (1, 2, 3)]
    done = hours.approve(logs, life.users["partner_a"], "Thanks")
    assert len(done) == 3
    for entry in HourLog.objects.all():
        assert (entry.status, entry.reviewed_by, entry.review_note) == (
            HourStatus.APPROVED,
            life.users["partner_a"],
            "Thanks",
        )


def test_bulk_approve_is_all_or_nothing_and_names_the_offending_log(life: Any) -> None:
    mine = log(life, life.match_a, day=1)
    theirs = log(life, life.match_b, day=2, amount="3")
    with pytest.raises(DomainError, match="Grace's 3 hours"):
        hours.approve([mine, theirs], life.users["partner_a"])
    assert set(HourLog.objects.values_list("status", flat=True)) == {HourStatus.PENDING}


def test_partner_b_cannot_approve_org_a_hours(life: Any) -> None:
    entry = log(life, life.match_a)
    with pytest.raises(DomainError, match="may not review"):
        hours.approve([entry], life.users["partner_b"])
    entry.refresh_from_db()
    assert entry.status == HourStatus.PENDING


def test_reviewed_hours_cannot_be_reviewed_again(life: Any) -> None:
    first, second = log(life, life.match_a, day=1), log(life, life.match_a, day=2)
    hours.approve([first], life.users["staff"])
    with pytest.raises(DomainError, match="already reviewed"):
        hours.reject([first, second], life.users["staff"], "No")
    second.refresh_from_db()
    assert second.status == HourStatus.PENDING


def test_rejecting_needs_a_note(life: Any) -> None:
    entry = log(life, life.match_a)
    with pytest.raises(DomainError, match="Say why"):
        hours.reject([entry], life.users["staff"], " ")
    hours.reject([entry], life.users["staff"], "Not a session of this match")
    entry.refresh_from_db()
    assert entry.status == HourStatus.REJECTED


def test_summary_totals_by_status(life: Any) -> None:
    a, b = log(life, life.match_a, day=1, amount="1"), log(life, life.match_a, day=2, amount="2")
    log(life, life.match_a, day=3, amount="4")
    hours.approve([a], life.users["staff"])
    hours.reject([b], life.users["staff"], "No")
    figures = hours.summary(HourLog.objects.all())
    assert (figures.logs, figures.total, figures.approved, figures.pending, figures.rejected) == (
        3,
        Decimal(5),
        Decimal(1),
        Decimal(4),
        Decimal(2),
    )


# The review page -----------------------------------------------------------------------------


def hours_url(**query: str) -> str:
    base = reverse("mentoring:hours", args=["alpha"])
    return base + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def test_review_list_is_scoped_and_opens_on_pending(life: Any) -> None:
    a = log(life, life.match_a, day=1)
    b = log(life, life.match_b, day=1)
    approved = log(life, life.match_a, day=2)
    hours.approve([approved], life.users["staff"])

    def shown(persona: str, **query: str) -> set[int]:
        response = life.client(persona).get(hours_url(**query))
        assert response.status_code == 200
        return {entry.pk for entry in response.context["page"].object_list}

    assert shown("staff") == {a.pk, b.pk}
    assert shown("staff", status="") == {a.pk, b.pk, approved.pk}
    assert shown("partner_a") == {a.pk}
    assert shown("partner_b") == {b.pk}
    for persona in ("mentor", "member"):
        assert life.client(persona).get(hours_url()).status_code == 403


def test_review_list_filters(life: Any) -> None:
    a = log(life, life.match_a, day=1)
    old = log(life, life.match_a, day=20)
    b = log(life, life.match_b, day=1)
    staff = life.client("staff")

    def shown(**query: str) -> set[int]:
        return {e.pk for e in staff.get(hours_url(**query)).context["page"].object_list}

    assert shown(program=str(life.match_b.opportunity.program_id)) == {b.pk}
    assert shown(date_from=days_ago(5).isoformat()) == {a.pk, b.pk}
    assert shown(date_to=days_ago(5).isoformat()) == {old.pk}
    assert shown(q="grace") == {b.pk}
    life.grace.employer = life.org_b
    life.grace.save()
    assert shown(employer=str(life.org_b.pk)) == {b.pk}


def test_bulk_approve_on_the_page(life: Any) -> None:
    logs = [log(life, life.match_a, day=d) for d in (1, 2)]
    response = life.client("partner_a").post(
        hours_url(), {"action": "approve", "logs": [e.pk for e in logs]}
    )
    assert response.status_code == 302
    assert set(HourLog.objects.values_list("status", flat=True)) == {HourStatus.APPROVED}


def test_page_bulk_with_another_orgs_log_changes_nothing(life: Any) -> None:
    mine = log(life, life.match_a, day=1)
    theirs = log(life, life.match_b, day=1)
    client = life.client("partner_b")
    response = client.post(hours_url(), {"action": "approve", "logs": [mine.pk, theirs.pk]})
    assert response.status_code == 302
    assert set(HourLog.objects.values_list("status", flat=True)) == {HourStatus.PENDING}
    page = client.get(response["Location"]).content.decode()
    assert "nothing was changed" in page


def test_page_reject_without_a_note_is_refused(life: Any) -> None:
    entry = log(life, life.match_a)
    response = life.client("partner_a").post(hours_url(), {"action": "reject", "logs": [entry.pk]})
    follow = life.client("partner_a").get(response["Location"])
    entry.refresh_from_db()
    assert entry.status == HourStatus.PENDING
    assert follow.status_code == 200


# Export --------------------------------------------------------------------------------------


def export(persona: str, world: Any, fmt: str = "csv", **query: str) -> Any:
    address = reverse("mentoring:hours_export", args=["alpha", fmt])
    if query:
        address += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return world.client(persona).get(address)


def csv_text(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def test_export_has_the_columns_employers_need(life: Any) -> None:
    life.mentor.employer_name = "Acme Robotics"
    life.mentor.save()
    entry = log(life, life.match_a, day=3, amount="2.5", what="Judged the robot fair")
    hours.approve([entry], life.users["staff"])
    response = export("staff", life)
    assert response.status_code == 200
    lines = csv_text(response).splitlines()
    assert lines[0] == "Mentor,Employer,Program,Organization,Opportunity,Date,Hours,Activity,Status"
    assert lines[1] == (
        f"Mentor,Acme Robotics,Girls Who Build,Robotics For All,Girls Who Build mentor,"
        f"{days_ago(3).isoformat()},2.5,Judged the robot fair,Approved"
    )


def test_export_is_scoped_to_the_partners_organizations(life: Any) -> None:
    log(life, life.match_a, what="Org A session")
    log(life, life.match_b, what="Org B session")
    text_b = csv_text(export("partner_b", life))
    assert "Org B session" in text_b
    assert "Org A session" not in text_b
    text_staff = csv_text(export("staff", life))
    assert "Org A session" in text_staff
    assert "Org B session" in text_staff
    assert export("mentor", life).status_code == 403
    assert export("staff", life, fmt="pdf").status_code == 404


def test_export_follows_the_filters(life: Any) -> None:
    approved = log(life, life.match_a, day=1, what="Approved one")
    log(life, life.match_a, day=2, what="Pending one")
    hours.approve([approved], life.users["staff"])
    text = csv_text(export("staff", life, status="approved"))
    assert "Approved one" in text
    assert "Pending one" not in text


def test_xlsx_export_holds_numbers(life: Any) -> None:
    from openpyxl import load_workbook

    log(life, life.match_a, amount="1.25")
    response = export("partner_a", life, fmt="xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][6] == "Hours"
    assert rows[1][6] == 1.25


# Mentors see their own -----------------------------------------------------------------------


def test_mentor_sees_own_hours_on_their_matches_page(life: Any) -> None:
    log(life, life.match_a, amount="1.5", what="Soldering practice")
    log(life, life.match_b, amount="2", what="Grace's session")
    page = life.client("mentor").get(reverse("mentoring:matches", args=["alpha"]))
    content = page.content.decode()
    assert "My hours" in content
    assert "Soldering practice" in content
    assert "Grace&#x27;s session" not in content
    assert "Grace's session" not in content


def test_review_list_queries_do_not_grow_with_the_logs(life: Any) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert life.client("staff").get(hours_url()).status_code == 200
        return len(captured)

    log(life, life.match_a, day=1)
    few = queries()
    for day in (2, 3, 4):
        log(life, life.match_a, day=day)
        log(life, life.match_b, day=day)
    assert queries() == few
