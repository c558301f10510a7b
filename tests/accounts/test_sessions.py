"""Sessions: a page view does not write the session; it is renewed at most once an hour, so a
session still ends SESSION_HOURS after the last activity (give or take that hour)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.conftest import World


def session_writes(client: Any, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return [
        q["sql"]
        for q in queries
        if "django_session" in q["sql"] and q["sql"].startswith(("UPDATE", "INSERT"))
    ]


def test_a_page_view_by_a_signed_in_person_does_not_write_the_session(world: World) -> None:
    client = world.client("partner_a")
    client.get("/e/alpha/")  # whatever the first request stores (e.g. the language)
    before = Session.objects.get()
    assert session_writes(client, "/e/alpha/") == []
    assert session_writes(client, "/e/alpha/partners/") == []
    after = Session.objects.get()
    assert (after.expire_date, after.session_data) == (before.expire_date, before.session_data)


def test_an_active_session_is_renewed_once_it_is_an_hour_old(world: World) -> None:
    client = world.client("partner_a")
    client.get("/e/alpha/")
    session = Session.objects.get()
    # As if the last renewal was two hours ago.
    stored = session.get_decoded()
    stored["_renewed_at"] = int((timezone.now() - timedelta(hours=2)).timestamp())
    Session.objects.filter(pk=session.pk).update(
        session_data=Session.objects.encode(stored),
        expire_date=timezone.now() + timedelta(hours=10),
    )
    assert session_writes(client, "/e/alpha/") != []
    renewed = Session.objects.get()
    assert renewed.expire_date > timezone.now() + timedelta(hours=11, minutes=59)
    assert session_writes(client, "/e/alpha/") == []
