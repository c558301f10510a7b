"""The lists the mentoring home links to for work that needs attention: matches at risk,
check-ins flagged for follow-up, opportunities still needing mentors."""

from __future__ import annotations

from typing import Any

from ecotone.mentoring.services import matches
from tests.mentoring.builders import expire_overnight
from tests.mentoring.life_builders import active, cleared_mentor, offered, opportunity_of

MATCHES = "/e/alpha/mentoring/matches/"


def listed(response: Any) -> set[int]:
    return {m.pk for m in response.context["page"].object_list}


def test_matches_at_risk_lists_only_those_whose_screening_lapsed(world: Any) -> None:
    safe = offered(world, cleared_mentor(world), opportunity_of(world.org_a))
    lapsing = cleared_mentor(world, None, "grace@mentor.test")
    risky = offered(world, lapsing, opportunity_of(world.org_a, "Coding Club"))
    expire_overnight(lapsing, kind="background_check")
    client = world.client("staff")
    assert listed(client.get(MATCHES)) == {safe.pk, risky.pk}
    assert listed(client.get(MATCHES, {"at_risk": "on"})) == {risky.pk}


def test_flagged_check_ins_filter(world: Any) -> None:
    quiet = active(world, cleared_mentor(world), opportunity_of(world.org_a), started_days_ago=20)
    loud_mentor = cleared_mentor(world, None, "grace@mentor.test")
    loud = active(
        world, loud_mentor, opportunity_of(world.org_a, "Coding Club"), started_days_ago=20
    )
    check_in = loud.check_ins.order_by("due_on").first()
    assert check_in is not None
    matches.record_check_in(
        check_in, world.users["staff"], rating=2, meeting_as_agreed=False, needs_attention=True
    )
    response = world.client("staff").get(MATCHES, {"flagged": "on"})
    assert listed(response) == {loud.pk}
    assert quiet.pk not in listed(response)


def test_opportunities_still_needing_mentors(world: Any) -> None:
    full = opportunity_of(world.org_a)
    offered(world, cleared_mentor(world), full)
    open_ = opportunity_of(world.org_a, "Coding Club")
    response = world.client("staff").get("/e/alpha/mentoring/opportunities/", {"room": "on"})
    shown = {o.pk for o in response.context["page"].object_list}
    assert shown == {open_.pk}
