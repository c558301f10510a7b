"""The survey pages and API through the client: the builder, the respondent's page (errors
kept with what was entered, one response), results and exports, the health dashboard, and the
invitations as a real SMTP server receives them."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client

from ecotone.ecosystems.models import Sector
from ecotone.network.models import Question, Survey, SurveyStatus
from ecotone.network.services import surveys
from tests.conftest import World, build_world
from tests.network.builders_surveys import answer, make_members, make_survey, questions

SURVEYS = "/e/alpha/network/surveys"


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    with django_db_blocker.unblock(), transaction.atomic():
        world = build_world()
        make_members(world.alpha, 10, "school", sector=Sector.SCHOOL, region="North")
        make_members(world.alpha, 2, "biblio", sector=Sector.LIBRARY, language="es")
        yield world
        transaction.set_rollback(True)


@pytest.fixture
def w(built: World, db: None) -> World:
    return built


@pytest.fixture
def staff(w: World) -> Client:
    return w.client("staff")


def _answered(w: World, *, anonymous: bool) -> Survey:
    survey = make_survey(w.alpha, anonymous=anonymous)
    surveys.open_survey(w.users["staff"], survey)
    for member in w.alpha.members.filter(email_consent=True):
        library = member.sector == Sector.LIBRARY
        answer(survey, member, likert=2 if library else 4, single=2 if library else 1)
    return survey


def test_the_backbone_builds_a_survey(w: World, staff: Client) -> None:
    response = staff.post(
        f"{SURVEYS}/new/",
        {"title": "Meeting follow-up", "title_es": "Seguimiento", "audience": "members"},
    )
    survey = Survey.objects.get(title="Meeting follow-up")
    assert response.status_code == 302
    assert survey.is_draft
    base = f"{SURVEYS}/{survey.pk}"
    staff.post(f"{base}/sections/new/", {"title": "Logistics", "title_es": "Logística"})
    section = survey.sections.get()
    refused = staff.post(
        f"{base}/questions/new/",
        {"section": section.pk, "kind": "single", "text": "Which room?", "options": "Only one"},
    )
    assert refused.status_code == 200
    assert "Give at least two choices" in refused.content.decode()
    assert 'value="Which room?"' in refused.content.decode()  # what was entered is kept
    for text, kind, options in (("Room?", "single", "Red\nBlue"), ("Useful?", "likert", "")):
        staff.post(
            f"{base}/questions/new/",
            {
                "section": section.pk,
                "kind": kind,
                "text": text,
                "text_es": text + " (es)",
                "options": options,
                "required": "on",
            },
        )
    room, useful = survey.questions.order_by("order")
    staff.post(f"{base}/questions/{useful.pk}/move/", {"direction": "up"})
    assert list(survey.questions.order_by("order").values_list("text", flat=True)) == [
        "Useful?",
        "Room?",
    ]
    preview = staff.get(f"{base}/preview/?lang=es").content.decode()
    assert "Useful? (es)" in preview
    assert "Logística" in preview
    assert "<legend>" in preview  # choice questions are fieldsets with a legend
    confirm = staff.get(f"{base}/open/").content.decode()
    assert "12 people receive an invitation" in confirm
    staff.post(f"{base}/open/")
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.OPEN
    assert survey.invitations.count() == 12
    # opened: the questions no longer change
    staff.post(f"{base}/questions/{room.pk}/", {"kind": "text", "text": "Changed"})
    assert Question.objects.get(pk=room.pk).text == "Room?"
    staff.post(f"{base}/close/")
    assert Survey.objects.get(pk=survey.pk).status == SurveyStatus.CLOSED


def test_the_list_searches_sorts_pages_and_starts_from_the_template(
    w: World, staff: Client
) -> None:
    staff.post(f"{SURVEYS}/template/")
    make_survey(w.alpha)
    page = staff.get(f"{SURVEYS}/?q=network&sort=title").content.decode()
    assert "How is our network working together?" in page
    assert "Network check" in page
    assert "No survey matches" in staff.get(f"{SURVEYS}/?q=zzz").content.decode()
    rows = list(csv.reader(io.StringIO(staff.get(f"{SURVEYS}/?format=csv").getvalue().decode())))
    assert len(rows) == 3
    assert staff.get(f"{SURVEYS}/?page=99").status_code == 200


def test_the_respondent_page_checks_each_answer_and_keeps_what_was_entered(w: World) -> None:
    survey = make_survey(w.alpha)
    surveys.open_survey(w.users["staff"], survey)
    invitation = survey.invitations.select_related("member").first()
    assert invitation is not None
    url = f"{SURVEYS}/answer/{invitation.token}/"
    visitor = Client()
    page = visitor.get(url).content.decode()
    assert "We share a vision" in page
    assert "<legend>" in page
    by_kind = questions(survey)
    bad = visitor.post(
        url, {f"q{by_kind['number'].pk}": "150", f"q{by_kind['text'].pk}": "Keep this"}
    )
    text = bad.content.decode()
    assert bad.status_code == 200
    assert text.count("Please answer this question.") >= 2  # the two required questions
    assert "Write a number of at most 100" in text
    assert "Keep this" in text
    assert 'value="150"' in text
    good = visitor.post(
        url,
        {
            f"q{by_kind['likert'].pk}": "5",
            f"q{by_kind['single'].pk}": "1",
            f"q{by_kind['multiple'].pk}": ["1", "2"],
            f"q{by_kind['number'].pk}": "8",
        },
    )
    assert "your answers were received" in good.content.decode()
    assert "already answered" in visitor.get(url).content.decode()
    assert survey.responses.count() == 1
    assert Client().get(f"{SURVEYS}/answer/not-a-token/").status_code == 404


def test_results_charts_tables_and_exports_are_suppressed(w: World, staff: Client) -> None:
    survey = _answered(w, anonymous=False)
    base = f"{SURVEYS}/{survey.pk}"
    page = staff.get(f"{base}/results/?by=sector").content.decode()
    assert "The numbers as a table" in page  # the chart's table beside it
    assert "fewer than 10" in page
    exported = staff.get(f"{base}/results/?format=csv&by=sector").getvalue().decode()
    assert "small" in exported
    assert "@example.org" not in exported
    raw = staff.get(f"{base}/responses/?format=csv")
    assert raw.status_code == 200
    assert "school0@example.org" in raw.getvalue().decode()
    xlsx = staff.get(f"{base}/results/?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_an_anonymous_survey_never_downloads_raw_answers(w: World, staff: Client) -> None:
    survey = _answered(w, anonymous=True)
    base = f"{SURVEYS}/{survey.pk}"
    assert "once it is closed" in staff.get(f"{base}/results/").content.decode()
    surveys.close_survey(w.users["staff"], survey)
    refused = staff.get(f"{base}/responses/?format=csv", follow=True)
    assert "never downloaded" in refused.content.decode()
    data = staff.get(f"/api/v1/ecosystems/alpha/network/surveys/{survey.pk}/results/").json()
    likert = data["questions"][0]
    counts = {o["key"]: o["count"] for o in likert["options"]}
    assert counts["2"] is None
    assert likert["options"][1]["hidden_because"] == "small"
    assert counts["4"] is None  # its complement: 12 - 10 would give the 2 back


def test_the_health_dashboard_its_exports_and_api(w: World, staff: Client) -> None:
    _answered(w, anonymous=False)
    page = staff.get("/e/alpha/network/health/").content.decode()
    for title in ("Members over time", "Workgroup participation", "Response rate by survey"):
        assert title in page
    rows = list(
        csv.reader(
            io.StringIO(
                staff.get("/e/alpha/network/health/?section=members&format=csv").getvalue().decode()
            )
        )
    )
    assert rows[0][1:] == ["Group", "Month", "Members"]
    schools = [r[3] for r in rows if r[:2] == ["sector", "School or district"]]
    assert len(schools) == 12  # a year of month ends
    assert schools[0] == "0"  # nobody a year ago
    assert schools[-1] == "10"
    assert staff.get("/e/alpha/network/health/?section=nope&format=csv").status_code == 404
    data = staff.get("/api/v1/ecosystems/alpha/network/health/").json()
    assert set(data) == {"members", "welcomes", "events", "workgroups", "newsletters", "surveys"}
    assert "Welcome speed" in page
    assert "Newsletter delivery and clicks" in page


def test_invitations_arrive_in_each_members_language_with_a_working_link(
    w: World, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    survey = make_survey(w.alpha)
    with django_capture_on_commit_callbacks(execute=True):
        surveys.open_survey(w.users["staff"], survey)
    english = smtp.to("school0@example.org")
    spanish = smtp.to("biblio0@example.org")
    assert len(english) == 1
    assert len(spanish) == 1
    assert english[0].message["Subject"] == "Survey: Network check"
    assert spanish[0].message["Subject"] == "Encuesta: Revisión"
    assert "anonymous" in english[0].text()
    assert "anónimas" in spanish[0].text()
    link = re.search(r"http://testserver(/\S+)", spanish[0].text())
    assert link is not None
    page = Client().get(link.group(1)).content.decode()
    assert "Compartimos una visión" in page
    # a second run of the task sends nothing more
    from ecotone.network.notifications_surveys import send_invitations

    assert send_invitations.call(survey.pk) == 0
    assert len(smtp.to("school0@example.org")) == 1


def test_health_counts_attendance_and_workgroup_participation(w: World) -> None:
    import datetime

    from django.utils import timezone

    from ecotone.network.models import Event, Registration, Workgroup, WorkgroupMembership
    from ecotone.network.services import health

    people = list(w.alpha.members.order_by("pk"))
    start = timezone.now() - datetime.timedelta(days=3)
    event = Event.objects.create(
        ecosystem=w.alpha,
        kind="network_meeting",
        title="Quarterly",
        starts_at=start,
        ends_at=start + datetime.timedelta(hours=1),
    )
    for i, member in enumerate(people[:4]):
        Registration.objects.create(
            event=event, member=member, attended_at=start if i < 3 else None
        )
    Registration.objects.create(event=event, member=people[4], status="cancelled")
    group = Workgroup.objects.create(ecosystem=w.alpha, slug="data", name="Data")
    WorkgroupMembership.objects.bulk_create(
        WorkgroupMembership(workgroup=group, member=m) for m in people[:3]
    )
    events = health.events(w.alpha, timezone.now())
    assert events.rows == [["Quarterly", events.rows[0][1], 4, 3, "75 %"]]
    groups = health.workgroups(w.alpha, timezone.now())
    assert dict(groups.summary)["In at least one workgroup"] == "3"
    assert dict(groups.summary)["Share"] == "25 %"  # 3 of 12 active members
    assert groups.rows == [["Data", 3]]


def test_the_api_lists_surveys_with_counts_and_never_who_answered(w: World, staff: Client) -> None:
    survey = _answered(w, anonymous=True)
    data = staff.get("/api/v1/ecosystems/alpha/network/surveys/").json()
    found = next(s for s in data["results"] if s["id"] == survey.pk)
    assert (found["invited"], found["answered"]) == (12, 12)
    assert len(found["questions"]) == 5
    assert "@" not in str(found)


def test_a_spanish_member_answers_in_spanish_errors_included(w: World) -> None:
    survey = make_survey(w.alpha)
    surveys.open_survey(w.users["staff"], survey)
    invitation = survey.invitations.get(member__email="biblio0@example.org")
    page = Client().post(f"{SURVEYS}/answer/{invitation.token}/", {"nothing": ""})
    text = page.content.decode()
    assert 'lang="es"' in text
    assert "Compartimos una visión" in text
    assert "Por favor, responda esta pregunta." in text


def test_health_reads_welcome_speed_and_newsletter_delivery_and_clicks(w: World) -> None:
    import datetime

    from django.utils import timezone

    from ecotone.network.models import Delivery, LinkClick, Newsletter, Welcome
    from ecotone.network.services import health

    now = timezone.now()
    people = list(w.alpha.members.order_by("pk"))
    for member, hours in zip(people[:3], (2, 4, 30), strict=True):
        assigned = now - datetime.timedelta(days=2)
        Welcome.objects.create(
            ecosystem=w.alpha,
            newcomer=member,
            assigned_at=assigned,
            sent_at=assigned + datetime.timedelta(hours=hours),
        )
    Welcome.objects.create(ecosystem=w.alpha, newcomer=people[3], assigned_at=now)
    welcomes = health.welcomes(w.alpha, now)
    assert dict(welcomes.summary)["Median time to a welcome"] == "4.0 hours"
    assert dict(welcomes.summary)["Waiting for a welcome"] == "1"
    assert welcomes.rows[-1][1:] == [3, 4.0, 1]

    letter = Newsletter.objects.create(
        ecosystem=w.alpha, subject="March news", status="sent", sent_at=now
    )
    Delivery.objects.bulk_create(
        Delivery(newsletter=letter, member=m, status="bounced" if i == 0 else "sent", sent_at=now)
        for i, m in enumerate(people[:10])
    )
    LinkClick.objects.create(newsletter=letter, index=0, count=3)
    section = health.newsletters(w.alpha, now)
    assert section.rows == [["March news", 10, 9, 1, 3]]
    summary = dict(section.summary)
    assert (summary["Delivered"], summary["Bounced"]) == ("90 %", "10 %")
    assert summary["Clicks per 100 delivered"] == "33.3"
