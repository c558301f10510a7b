"""Running a call through its pages and services: writing it with the deadline in the
ecosystem's time zone, the criteria template and its descriptors per level, settings checked
per kind, reordering, refusing to open without criteria or rounds; the public list (open calls
first, search, empty state) and call page; the backbone's list of applications with filters
and export."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from ecotone.challenges.models import Call, CallStatus
from ecotone.challenges.services import calls as services
from ecotone.errors import DomainError

from .builders_calls import open_call, submitted

BASE = "/e/alpha/challenges"


def test_a_call_is_written_through_its_pages_with_the_deadline_in_the_ecosystems_zone(
    world: Any,
) -> None:
    world.alpha.timezone = "America/Los_Angeles"
    world.alpha.save()
    client = world.client("staff")
    response = client.post(
        f"{BASE}/calls/new/",
        {"title": "Valley Awards", "deadline": "2030-03-01T17:00", "scale_min": 1, "scale_max": 4},
    )
    call = Call.objects.get(title="Valley Awards")
    assert response.status_code == 302
    assert call.status == CallStatus.DRAFT
    assert call.deadline == datetime(2030, 3, 2, 1, 0, tzinfo=ZoneInfo("UTC"))
    # the edit page shows it back as entered, and the zone is named
    page = client.get(f"{BASE}/calls/{call.slug}/edit/").content.decode()
    assert 'value="2030-03-01T17:00"' in page
    assert "America/Los_Angeles" in page
    # refused to open without criteria and rounds, with the reason
    refused = client.post(f"{BASE}/calls/{call.slug}/status/")
    assert refused.status_code == 400
    assert "cannot open without criteria and rounds" in refused.content.decode()
    # the template's four criteria, a descriptor for each of the four levels
    client.post(f"{BASE}/calls/{call.slug}/criteria/", {"template": "1"})
    names = list(call.criteria.values_list("name", flat=True))
    assert names == ["Impact", "Effective Partnerships", "Creative Engagement", "Sustainability"]
    assert all(len(c.descriptors) == 4 for c in call.criteria.all())
    assert (
        "cannot open without rounds"
        in client.post(f"{BASE}/calls/{call.slug}/status/").content.decode()
    )
    client.post(
        f"{BASE}/calls/{call.slug}/rounds/",
        {
            "name": "Review",
            "kind": "review",
            "reviews_per_application": 3,
            "min_load": 0,
            "max_load": 10,
        },
    )
    assert client.post(f"{BASE}/calls/{call.slug}/status/").status_code == 302
    call.refresh_from_db()
    assert call.status == CallStatus.OPEN
    public = world.client("anonymous").get(f"{BASE}/calls/{call.slug}/").content.decode()
    assert "(America/Los_Angeles)" in public
    assert "Effective Partnerships" in public
    assert "Sign in to apply" in public


def test_descriptors_one_per_level_and_weights(world: Any) -> None:
    call = services.create_call(
        world.users["staff"],
        world.alpha,
        title="Small",
        deadline=timezone.now() + timedelta(days=3),
    )
    client = world.client("staff")
    response = client.post(
        f"{BASE}/calls/{call.slug}/criteria/",
        {"name": "Reach", "weight": "2", "descriptors": "low\nsome\nmid\nhigh"},
    )
    assert response.status_code == 400
    assert "one descriptor for each level of the scale, 1 to 5" in response.content.decode()
    client.post(
        f"{BASE}/calls/{call.slug}/criteria/",
        {"name": "Reach", "weight": "2", "descriptors": "a\nb\nc\nd\ne"},
    )
    assert call.criteria.get().weight == Decimal("2")
    with pytest.raises(DomainError, match="remove them before changing the scale"):
        services.update_call(world.users["staff"], call, scale_max=3)
    with pytest.raises(DomainError, match="Only the backbone"):
        services.save_criterion(
            world.users["partner_a"], call, name="X", weight=Decimal(1), descriptors=list("abcde")
        )


def test_question_settings_are_checked_by_kind_and_questions_reorder(world: Any) -> None:
    call = services.create_call(
        world.users["staff"], world.alpha, title="Form", deadline=timezone.now() + timedelta(days=3)
    )
    client = world.client("staff")
    url = f"{BASE}/calls/{call.slug}/questions/"
    refused = client.post(
        url, {"kind": "choice", "label": "Pick", "options": "A\nA", "required": "on"}
    )
    assert refused.status_code == 400
    assert "each different" in refused.content.decode()
    client.post(url, {"kind": "choice", "label": "Pick", "options": "A\nB", "required": "on"})
    client.post(url, {"kind": "number", "label": "Count", "minimum": "0", "maximum": "9"})
    pick, count = call.questions.order_by("position")
    assert pick.settings == {"options": ["A", "B"]}
    assert count.settings == {"min": 0, "max": 9}
    assert not count.required
    client.post(url, {"move": "up", "question": count.pk})
    assert list(call.questions.order_by("position").values_list("label", flat=True)) == [
        "Count",
        "Pick",
    ]
    client.post(f"{url}{pick.pk}/", {"remove": "1"})
    assert list(call.questions.values_list("label", flat=True)) == ["Count"]


def test_rounds_check_their_loads(world: Any) -> None:
    call = services.create_call(
        world.users["staff"], world.alpha, title="R", deadline=timezone.now() + timedelta(days=3)
    )
    response = world.client("staff").post(
        f"{BASE}/calls/{call.slug}/rounds/",
        {
            "name": "Review",
            "kind": "review",
            "reviews_per_application": 3,
            "min_load": 9,
            "max_load": 2,
        },
    )
    assert response.status_code == 400
    assert not call.rounds.exists()


def test_the_public_list_puts_open_calls_first_searches_and_hides_drafts(world: Any) -> None:
    anonymous = world.client("anonymous")
    assert "No calls yet" in anonymous.get(f"{BASE}/").content.decode()
    past = services.create_call(
        world.users["staff"],
        world.alpha,
        title="Old Awards",
        deadline=timezone.now() + timedelta(days=1),
    )
    past.status = CallStatus.DECIDED
    past.save()
    services.create_call(
        world.users["staff"],
        world.alpha,
        title="Secret Draft",
        deadline=timezone.now() + timedelta(days=90),
    )
    open_call(world, title="Spark Grants")
    page = anonymous.get(f"{BASE}/").content.decode()
    assert page.index("Spark Grants") < page.index("Old Awards")
    assert "Secret Draft" not in page
    assert anonymous.get(f"{BASE}/calls/secret-draft/").status_code == 404
    found = anonymous.get(f"{BASE}/?q=old").content.decode()
    assert "Old Awards" in found
    assert "Spark Grants" not in found
    assert "Secret Draft" in world.client("staff").get(f"{BASE}/").content.decode()


def test_the_call_applications_list_filters_and_exports(world: Any) -> None:
    call = open_call(world)
    submitted(world, call)
    client = world.client("staff")
    url = f"{BASE}/calls/{call.slug}/applications/"
    page = client.get(url).content.decode()
    assert "Robots in Riverton" in page
    assert "1 application" in page
    review = call.rounds.get(kind="review")
    assert (
        "Robots in Riverton"
        in client.get(f"{url}?round={review.pk}&status=submitted").content.decode()
    )
    assert "No application matches" in client.get(f"{url}?status=awarded").content.decode()
    csv = b"".join(client.get(f"{url}?format=csv").streaming_content).decode()
    assert csv.splitlines()[1].startswith("Robots in Riverton,Robotics For All,")
    assert client.get(f"{url}?format=xlsx")["Content-Type"].endswith("spreadsheetml.sheet")
    assert world.client("partner_a").get(url).status_code == 403


def test_the_call_page_speaks_spanish(world: Any) -> None:
    call = open_call(world)
    page = world.client("anonymous").get(f"{BASE}/calls/{call.slug}/", HTTP_ACCEPT_LANGUAGE="es")
    text = page.content.decode()
    assert "Cómo se puntúan las solicitudes" in text
    assert "Inicie sesión para presentar una solicitud." in text


def test_the_lists_stay_within_their_queries(
    world: Any, django_assert_max_num_queries: Any
) -> None:
    from ecotone.challenges.models import Application

    call = open_call(world)
    review = call.rounds.get(kind="review")
    Application.objects.bulk_create(
        Application(
            ecosystem=world.alpha,
            call=call,
            round=review,
            lead=world.users["partner_a"],
            organization_name=f"Org {n}",
            organization_sector="school",
            title=f"Project {n}",
            status="submitted",
            submitted_at=timezone.now(),
        )
        for n in range(40)
    )
    staff = world.client("staff")
    staff.get(f"{BASE}/")  # the session and the person's roles, read once
    with django_assert_max_num_queries(14):
        page = staff.get(f"{BASE}/calls/{call.slug}/applications/")
    assert "40 applications" in page.content.decode()
    lead = world.client("partner_a")
    lead.get(f"{BASE}/")
    with django_assert_max_num_queries(12):
        mine = lead.get(f"{BASE}/applications/")
    assert mine.content.decode().count("Project ") == 25
    with django_assert_max_num_queries(12):
        staff.get(f"{BASE}/")


def test_the_call_page_shows_the_deadline_in_the_ecosystems_time_zone(world: Any) -> None:
    """A deadline stored as 21:00 UTC in May reads 17:00 in New York, on the public page and
    the backbone's list alike, never the UTC hour."""
    from zoneinfo import ZoneInfo

    from django.urls import reverse

    from tests.challenges.builders_calls import open_call

    world.alpha.timezone = "America/New_York"
    world.alpha.save(update_fields=["timezone"])
    deadline = datetime(2027, 5, 9, 21, 0, tzinfo=UTC)
    call = open_call(world, deadline=deadline)
    assert deadline.astimezone(ZoneInfo("America/New_York")).hour == 17
    for page in (
        world.client("member").get(reverse("challenges:call", args=["alpha", call.slug])),
        world.client("staff").get(reverse("challenges:call_list", args=["alpha"])),
    ):
        text = page.content.decode()
        assert "17:00" in text or "5 p.m." in text or "5:00 p.m." in text
        assert "21:00" not in text
        assert "9 p.m." not in text
