"""A call as the calls-and-applicants tests use it, built through the services: open, with the
template's criteria, two eligibility questions, a question of every kind and two rounds (full
review, then finalists' revision); and an application submitted to it."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from ecotone.challenges.models import Application, Call, Round
from ecotone.challenges.services import applications as applying
from ecotone.challenges.services import calls as services
from tests.conftest import World

PDF = b"%PDF-1.7\n1 0 obj\n"


def open_call(
    world: World, *, title: str = "Spark Grants", deadline: datetime | None = None
) -> Call:
    staff = world.users["staff"]
    call = services.create_call(
        staff,
        world.alpha,
        title=title,
        summary="Mini-grants for coalitions",
        description="Grants for STEM coalitions.",
        deadline=deadline or (timezone.now() + timedelta(days=30)),
    )
    services.use_template(staff, call)
    services.save_eligibility(
        staff,
        call,
        text="Do you serve young people in the region?",
        eligible_answer=True,
        reason="The call funds work in the region only.",
    )
    services.save_eligibility(
        staff,
        call,
        text="Is this a for-profit company?",
        eligible_answer=False,
        reason="For-profit companies may partner but not lead.",
    )
    for kind, label, settings, required in (
        ("text", "Project plan", {"word_limit": 20}, True),
        ("choice", "Main field", {"options": ["Robotics", "Coding"]}, True),
        ("number", "Young people served", {"min": 1, "max": 5000}, True),
        ("budget", "Budget", {"categories": ["Staff", "Materials"], "max_total": 10000}, False),
        ("file", "Letter of support", {"types": ["pdf"], "max_mb": 1}, False),
        ("partners", "Partners", {"max": 2}, False),
    ):
        services.save_question(
            staff, call, kind=kind, label=label, settings=settings, required=required
        )
    services.save_round(staff, call, name="Full review", kind="review", max_load=10)
    services.save_round(staff, call, name="Finalists' revision", kind="revision")
    return services.open_call(staff, call)


GOOD = {
    "project-plan": "We teach robotics to girls in the valley",
    "main-field": "Robotics",
    "young-people-served": "120",
}


def draft(
    world: World, call: Call, persona: str = "partner_a", title: str = "Robots in Riverton"
) -> Application:
    application = applying.start_application(
        world.users[persona], call, title=title, organization=world.org_a
    )
    yes, no = call.eligibility.order_by("position")
    applying.screen(world.users[persona], application, {yes.pk: True, no.pk: False})
    return application


def submitted(world: World, call: Call, persona: str = "partner_a") -> Application:
    application = draft(world, call, persona)
    applying.save_draft(world.users[persona], application, answers_given=GOOD)
    applying.submit(world.users[persona], application)
    return application


def invite_to_revise(application: Application, due: datetime | None = None) -> Round:
    """What the ranking helper's decision does: the application moves into the revision round."""
    revision = application.call.rounds.get(kind="revision")
    revision.due_at = due or (timezone.now() + timedelta(days=7))
    revision.save()
    application.status = "revising"
    application.round = revision
    application.save()
    return revision
