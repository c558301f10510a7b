"""Roster retention (services.retention): a roster whose school year ended longer ago than the
ecosystem keeps rosters is deleted with its rows by the daily run, and the audit log says the
retention did it; rosters within the retention, in the same epoch or not, are untouched."""

from __future__ import annotations

import datetime
from io import StringIO
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.core.management import call_command

from ecotone.directory.models import Program
from ecotone.ecosystems.audit import log_for
from ecotone.measures import linkage
from ecotone.measures.models import LinkageRun, LinkageStatus, Roster, RosterRow
from ecotone.measures.services import epochs, facts, retention, rosters
from tests.measures.test_rosters import PEOPLE, SECRET, payload

CHECK = linkage.check_value(linkage.parse_secret(SECRET))


def moment(day: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(f"{day}T12:00:00+00:00")


@pytest.fixture
def kept(world: Any) -> Any:
    """Epoch 1 from 2020; a robotics roster for 2020-21 (ended 30 June 2021) and 2024-25, a
    library roster for 2020-21 (another partner, the same epoch)."""
    epochs.start_epoch(world.users["staff"], world.alpha, first_year=2020, check_value=CHECK)
    robotics = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics club", slug="robotics"
    )
    library = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_b, name="Coding at the library", slug="coding"
    )

    def submit(program: Program, year: int, people: list[tuple[str, ...]]) -> Roster:
        return rosters.submit_roster(
            world.users["partner_a" if program == robotics else "partner_b"],
            program=program,
            period=facts.school_year(world.alpha, year),
            check_value=CHECK,
            dimensions=["sex", "race", "grade"],
            rows=payload(people),
        )

    world.old = submit(robotics, 2020, PEOPLE)
    world.recent = submit(robotics, 2024, PEOPLE[:2])
    world.other_old = submit(library, 2020, PEOPLE[1:])
    return world


def test_a_roster_past_retention_is_deleted_with_an_audit_entry_of_the_retention(
    kept: Any,
) -> None:
    kept.alpha.roster_retention_years = 5
    kept.alpha.save()
    # 2020-21 ended on 30 June 2021: five years later it is still kept, the day after it is not
    assert retention.delete_expired_rosters(moment("2026-06-30")) == 0
    assert retention.delete_expired_rosters(moment("2026-07-01")) == 2
    assert set(Roster.objects.values_list("pk", flat=True)) == {kept.recent.pk}
    assert not RosterRow.objects.filter(roster__in=[kept.old.pk, kept.other_old.pk]).exists()
    assert RosterRow.objects.filter(roster=kept.recent).count() == 2

    entries = log_for(kept.alpha).filter(action=LogEntry.Action.DELETE)
    assert {int(e.object_pk) for e in entries} == {kept.old.pk, kept.other_old.pk}
    for entry in entries:
        assert entry.actor is None
        assert entry.additional_data == {
            "ecosystem_id": kept.alpha.pk,
            "process": retention.RETENTION,
        }
    page = kept.client("admin").get("/e/alpha/audit/?kind=roster").content.decode()
    assert "system (roster retention)" in page


def test_a_withdrawal_is_not_taken_for_the_retention(kept: Any) -> None:
    rosters.withdraw_roster(kept.recent, kept.users["partner_a"])
    entry = log_for(kept.alpha).get(action=LogEntry.Action.DELETE)
    assert entry.actor == kept.users["partner_a"]
    assert "process" not in entry.additional_data


def test_rosters_within_the_retention_are_kept(kept: Any) -> None:
    kept.alpha.roster_retention_years = 6
    kept.alpha.save()
    assert retention.delete_expired_rosters(moment("2026-07-01")) == 0
    assert Roster.objects.count() == 3
    assert RosterRow.objects.count() == 3 + 2 + 2
    assert not log_for(kept.alpha).filter(action=LogEntry.Action.DELETE).exists()


def test_each_ecosystem_keeps_rosters_for_its_own_years(kept: Any) -> None:
    kept.beta.roster_retention_years = 1  # nothing of beta's: alpha's five years still hold
    kept.beta.save()
    assert retention.delete_expired_rosters(moment("2024-07-01")) == 0


def test_the_daily_command_deletes_what_is_past_retention(kept: Any) -> None:
    kept.alpha.roster_retention_years = 1
    kept.alpha.save()
    out = StringIO()
    call_command("measures_reminders", stdout=out)
    # today is past 30 June 2022, and 2024-25 ended a year before 30 June 2026 at the earliest
    assert not Roster.objects.filter(pk__in=[kept.old.pk, kept.other_old.pk]).exists()
    deleted = 2 + (not Roster.objects.filter(pk=kept.recent.pk).exists())
    assert f"{deleted} participation roster(s) past retention deleted" in out.getvalue()


def test_the_retention_is_refused_outside_one_to_twenty_years(kept: Any) -> None:
    from ecotone.errors import DomainError

    with pytest.raises(DomainError):
        retention.set_retention_years(kept.alpha, kept.users["staff"], 21)
    kept.alpha.refresh_from_db()
    assert kept.alpha.roster_retention_years == 5


def test_the_years_before_a_leap_day() -> None:
    assert retention.years_before(datetime.date(2028, 2, 29), 1) == datetime.date(2027, 2, 28)
    assert retention.years_before(datetime.date(2026, 7, 1), 5) == datetime.date(2021, 7, 1)


def test_the_reach_figures_follow_the_rosters_the_retention_deleted(
    kept: Any, django_capture_on_commit_callbacks: Any
) -> None:
    kept.alpha.roster_retention_years = 5
    kept.alpha.save()
    with django_capture_on_commit_callbacks(execute=True):
        retention.delete_expired_rosters(moment("2026-07-01"))
    run = LinkageRun.objects.get(epoch__ecosystem=kept.alpha)
    assert run.status == LinkageStatus.DONE
    # only the 2024-25 roster is left: its two young people are the epoch's
    assert run.figures["people"] == 2
    assert set(RosterRow.objects.values_list("person", flat=True)) == {0, 1}
