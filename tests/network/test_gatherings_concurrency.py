"""The waitlist rule under concurrency, on PostgreSQL (where `select_for_update` locks the
event's row; SQLite writes one at a time anyway): several members registering for the last
seats at once never take more seats than there are."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.conf import settings
from django.db import connection

from ecotone.network.models import RegistrationStatus
from ecotone.network.services import events
from tests.network.builders import make_member
from tests.network.builders_gatherings import make_event

# Left out of the collection on SQLite (not merely skipped): a skipped transactional test
# still has its teardown check the tables while another module's shared records are alive.
if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
    pytest.skip("row locks are PostgreSQL's; SQLite serialises writers", allow_module_level=True)

RACERS = 6


def test_racing_registrations_never_exceed_the_capacity(transactional_db: Any) -> None:
    from tests.conftest import make_ecosystem

    ecosystem = make_ecosystem("race", "Race")
    event = make_event(ecosystem, capacity=2)
    members = [make_member(ecosystem, f"r{i}@example.org") for i in range(RACERS)]
    start = threading.Barrier(RACERS)
    errors: list[BaseException] = []

    def race(member: Any) -> None:
        try:
            start.wait()
            events.register(member, event)
        except BaseException as error:  # reported by the assert below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=race, args=(m,)) for m in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    statuses = list(event.registrations.values_list("status", flat=True))
    assert statuses.count(RegistrationStatus.REGISTERED) == 2
    assert statuses.count(RegistrationStatus.WAITLISTED) == RACERS - 2
