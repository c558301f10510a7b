"""Issue 18's "done when", through the pages as people use them: the backbone imports a rubric
(JSON that round-trips unchanged) and publishes it; partner staff rate a program with two
colleagues, agree, get a reviewer's comments, write a plan, and a year later see what improved;
the backbone sees the coalition's weakest practices at a glance."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from ecotone.directory.models import Program
from ecotone.ecosystems.models import Membership, Role
from ecotone.quality.models import Assessment, AssessmentStatus, Review
from tests.conftest import make_user
from tests.quality.cycle_builders import ATTRIBUTES, document

QUALITY = "/e/alpha/quality"


def _colleague(world: Any, name: str) -> Client:
    user = make_user(f"{name}@alpha.test", name=name.title())
    membership = Membership.objects.create(
        user=user, ecosystem=world.alpha, role=Role.PARTNER_STAFF
    )
    membership.organizations.add(world.org_a)
    client = Client()
    client.force_login(user)
    return client


def _rate(client: Client, assessment: Assessment, stages: dict[str, str]) -> None:
    for section, keys in (("access", ATTRIBUTES[:3]), ("climate", ATTRIBUTES[3:])):
        data = {"section": section, **{f"stage-{k}": stages[k] for k in keys}}
        response = client.post(f"{QUALITY}/assessments/{assessment.pk}/rate/", data)
        assert response.status_code == 302, response.content.decode()[:2000]


def _agree(client: Client, assessment: Assessment, stages: dict[str, str]) -> None:
    for attribute, stage in stages.items():
        response = client.post(
            f"{QUALITY}/assessments/{assessment.pk}/consensus/",
            {
                "action": "save",
                "section": "access" if attribute in ATTRIBUTES[:3] else "climate",
                "attribute": attribute,
                f"{attribute}-stage": stage,
                f"{attribute}-note": "Agreed at the team meeting.",
            },
        )
        assert response.status_code == 302, response.content.decode()[:2000]
    response = client.post(f"{QUALITY}/assessments/{assessment.pk}/complete/")
    assert response.status_code == 302, response.content.decode()[:2000]


def test_a_program_is_assessed_reviewed_planned_and_improves_a_year_later(world: Any) -> None:
    staff, partner, reviewer = (world.client(p) for p in ("staff", "partner_a", "reviewer"))

    # The backbone imports its own rubric and publishes it; its JSON comes back unchanged.
    given = document()
    upload = SimpleUploadedFile("five.json", json.dumps(given).encode(), "application/json")
    assert staff.post(f"{QUALITY}/rubrics/import/", {"file": upload}).status_code == 302
    assert staff.post(f"{QUALITY}/rubrics/five/versions/1/publish/").status_code == 302
    download = staff.get(f"{QUALITY}/rubrics/five/versions/1/download/json/")
    assert json.loads(download.content) == given

    # Partner staff start an assessment of their program and rate it with two colleagues.
    program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics Club", slug="robotics"
    )
    version = world.alpha.rubrics.get(key="five").versions.get()
    started = partner.post(
        f"{QUALITY}/assessments/start/",
        {"organization": world.org_a.pk, "program": program.pk, "version": version.pk},
    )
    assert started.status_code == 302
    first = Assessment.objects.get()
    low = {"outreach": "undeveloped", "cost": "developing", "transport": "established"}
    low |= {"belonging": "accomplished", "data": "undeveloped"}
    _rate(partner, first, low)
    _rate(_colleague(world, "ana"), first, low | {"cost": "established"})
    _rate(_colleague(world, "ben"), first, low | {"outreach": "developing"})
    detail = partner.get(f"{QUALITY}/assessments/{first.pk}/").content.decode()
    assert "Krippendorff" in detail
    assert "Ana" in detail  # each rater's stages side by side
    assert "Ben" in detail

    # The backbone assigns a reviewer, who rates, comments and submits.
    assert (
        staff.post(
            f"{QUALITY}/assessments/{first.pk}/reviewers/", {"reviewer": world.users["reviewer"].pk}
        ).status_code
        == 302
    )
    _rate(reviewer, first, low | {"belonging": "established"})
    comment = "Belonging is strong, but I would rate it a stage lower until families see it."
    submitted = reviewer.post(
        f"{QUALITY}/assessments/{first.pk}/review/submit/", {"comment": comment, "confirm": "on"}
    )
    assert submitted.status_code == 302
    assert Review.objects.get().submitted_at is not None
    assert comment in partner.get(f"{QUALITY}/assessments/{first.pk}/").content.decode()

    # They agree a consensus, complete it and write a plan on the lowest-rated attributes.
    _agree(partner, first, low)
    first.refresh_from_db()
    assert first.status == AssessmentStatus.COMPLETE
    assert partner.post(f"{QUALITY}/assessments/{first.pk}/plan/", {"goals": 2}).status_code == 302
    goals = list(first.plan.goals.values_list("attribute", "target_stage"))
    assert goals == [("outreach", "developing"), ("data", "developing")]

    # A year later: the next assessment follows the plan, and the progress shows what improved.
    Assessment.objects.filter(pk=first.pk).update(completed_at=timezone.now() - timedelta(days=365))
    assert partner.post(f"{QUALITY}/assessments/{first.pk}/next/", {}).status_code == 302
    second = Assessment.objects.get(follows=first)
    better = low | {"outreach": "established", "data": "developing"}
    _rate(partner, second, better)
    _agree(partner, second, better)
    progress = partner.get(f"{QUALITY}/programs/robotics/").content.decode()
    assert "Outreach" in progress
    assert "improved" in progress.lower()

    # The backbone sees the coalition's weakest practices at a glance (exact, first on the page).
    rollup = staff.get(f"{QUALITY}/rollup/", {"rubric": "five"}).content.decode()
    assert "Where the coalition should invest" in rollup
    assert rollup.index("Cost") < rollup.index("Belonging")
