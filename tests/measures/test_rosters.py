"""Participation rosters: what the browser sends is checked and stored all or nothing
(services.rosters), under the epoch whose secret encoded it (services.epochs)."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from ecotone.directory.models import Program
from ecotone.errors import DomainError
from ecotone.measures import linkage
from ecotone.measures.models import LinkageEpoch, Roster, RosterRow
from ecotone.measures.services import epochs, facts, rosters

SECRET = "7K2M-9QXH-4TRW-0ZCB-VN8D-3JFS-P6EA-Y1GH"
PEOPLE = [
    ("Maria", "Garcia-Lopez", "2011-03-07", "Lincoln Elementary", "F", "Hispanic or Latino", "07"),
    ("Bob", "Smith", "2010-11-30", "", "M", "White", "08"),
    (
        "Aiyana",
        "Begay",
        "2012-01-15",
        "Lincoln Elementary",
        "Female",
        "American Indian or Alaska Native",
        "06",
    ),
]


def payload(people: list[tuple[str, ...]] = PEOPLE) -> list[dict[str, Any]]:
    """Rows as the page sends them: the encoding and the dimension values as written."""
    encoded, refused = linkage.encode_roster([p[:4] for p in people], linkage.parse_secret(SECRET))
    assert not refused
    return [
        {
            "exact": e.exact_hash,
            "clk": base64.b64encode(e.clk).decode(),
            "block": e.block,
            "codes": {"sex": p[4], "race": p[5], "grade": p[6]},
        }
        for e, p in zip(encoded, people, strict=True)
        if e is not None
    ]


def rostering(world: Any) -> Any:
    """The world ready for rosters (the roster tests' one set-up): the 2025-26 school year, a
    program of each partner (org A's robotics club, org B's coding nights), epoch 1 from 2024
    under SECRET, and the encoded rows of PEOPLE."""
    world.period = facts.school_year(world.alpha, 2025)
    world.program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics club", slug="robotics"
    )
    world.program_b = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_b, name="Coding nights", slug="coding"
    )
    world.epoch = epochs.start_epoch(
        world.users["staff"],
        world.alpha,
        first_year=2024,
        check_value=linkage.check_value(linkage.parse_secret(SECRET)),
    )
    world.rows = payload()
    return world


@pytest.fixture
def ready(world: Any) -> Any:
    return rostering(world)


def submit(world: Any, rows: list[dict[str, Any]], **changes: Any) -> Roster:
    arguments: dict[str, Any] = {
        "program": world.program,
        "period": world.period,
        "check_value": world.epoch.check_value,
        "dimensions": ["sex", "race", "grade"],
        "rows": rows,
    } | changes
    return rosters.submit_roster(world.users["partner_a"], **arguments)


def test_a_roster_is_stored_as_hashes_and_common_codes(ready: Any) -> None:
    roster = submit(ready, payload())
    assert roster.row_count == 3
    assert roster.epoch == ready.epoch
    stored = list(RosterRow.objects.filter(roster=roster).order_by("pk"))
    assert [bytes(r.exact).hex() for r in stored] == [row["exact"] for row in payload()]
    assert {len(bytes(r.clk)) for r in stored} == {128}
    assert stored[0].combo.parts == {"grade": "07", "race": "HispanicOrLatino", "sex": "Female"}


def test_a_new_roster_for_the_same_program_and_period_replaces_the_old(ready: Any) -> None:
    first = submit(ready, payload())
    second = submit(ready, payload(PEOPLE[:2]))
    assert not Roster.objects.filter(pk=first.pk).exists()
    assert RosterRow.objects.filter(roster__program=ready.program).count() == 2
    assert second.row_count == 2


def test_every_problem_is_named_by_row_and_field_and_nothing_is_stored(ready: Any) -> None:
    rows = payload()
    rows[0]["exact"] = "maria"
    rows[1]["clk"] = base64.b64encode(b"short").decode()
    rows[2]["codes"]["race"] = "Martian"
    with pytest.raises(rosters.RosterRefusedError) as refused:
        submit(ready, rows)
    assert [(p.row, p.field) for p in refused.value.problems] == [
        (1, "exact"),
        (2, "clk"),
        (3, "race"),
    ]
    assert not Roster.objects.exists()


def test_a_wrong_secret_is_refused(ready: Any) -> None:
    other = linkage.check_value(linkage.parse_secret("0" * 32))
    with pytest.raises(DomainError, match="not the ecosystem"):
        submit(ready, payload(), check_value=other)


def test_rotation_starts_after_the_years_already_encoded(ready: Any) -> None:
    submit(ready, payload())
    check = linkage.check_value(linkage.parse_secret(linkage.generate_secret()))
    with pytest.raises(DomainError, match="2025"):
        epochs.start_epoch(ready.users["staff"], ready.alpha, first_year=2025, check_value=check)
    second = epochs.start_epoch(
        ready.users["staff"], ready.alpha, first_year=2026, check_value=check
    )
    assert second.number == 2
    assert rosters.epoch_of(ready.alpha, facts.school_year(ready.alpha, 2026)) == second
    assert rosters.epoch_of(ready.alpha, ready.period) == ready.epoch
    assert LinkageEpoch.objects.filter(ecosystem=ready.alpha).count() == 2


def test_a_year_before_the_first_secret_is_refused_as_never_linked(ready: Any) -> None:
    # The steward cannot start a secret before the first one's year: asking them would not help.
    earlier = facts.school_year(ready.alpha, 2023)
    with pytest.raises(DomainError, match="cannot be linked"):
        submit(ready, payload(), period=earlier)
    assert not Roster.objects.exists()
