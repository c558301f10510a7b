"""Awarding: one at a time, in bulk from a CSV through the upload lifecycle (dry run by row and
column, all or nothing), the awarded list without addresses, and revocation."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from ecotone.pathways.models import Award, AwardImport, AwardStatus
from ecotone.uploads import UploadStatus
from tests.conftest import build_world
from tests.pathways.builders_bissue import Badges, give, make_badges

pytestmark = pytest.mark.django_db
BADGES = "/e/alpha/badges"
API = "/api/v1/ecosystems/alpha/badges"
HEADER = "email,achievement,under_13,guardian_email,guardian_consent,program,language\n"


@pytest.fixture(scope="module")
def built(django_db_setup: None, django_db_blocker: Any) -> Iterator[Badges]:
    with django_db_blocker.unblock(), transaction.atomic():
        yield make_badges(build_world())
        transaction.set_rollback(True)


@pytest.fixture
def b(built: Badges, db: None, settings: Any, tmp_path: Any) -> Badges:
    settings.MEDIA_ROOT = str(tmp_path)
    return built


def test_award_one_to_a_child_needs_a_guardian_and_consent(
    b: Badges, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    client = b.world.client("partner_a")
    url = f"{BADGES}/achievements/{b.robots.pk}/award/"
    data = {"email": "kid@example.org", "under_13": "on", "guardian_email": "mum@example.org"}
    refused = client.post(url, data)
    assert refused.status_code == 200
    assert "consent" in refused.content.decode()
    assert not Award.objects.filter(achievement=b.robots).exists()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(url, {**data, "guardian_consent": "on", "program": b.program.pk})
    assert done.status_code == 302
    award = Award.objects.get(achievement=b.robots)
    assert award.sent_to_guardian
    assert award.program == b.program
    assert smtp.to("kid@example.org") == []
    assert len(smtp.to("mum@example.org")) == 1


def test_another_partner_cannot_award_it(b: Badges) -> None:
    response = b.world.client("partner_b").get(f"{BADGES}/achievements/{b.robots.pk}/award/")
    assert response.status_code == 404


def _upload(b: Badges, text: str, persona: str = "partner_a") -> AwardImport:
    client = b.world.client(persona)
    response = client.post(
        f"{BADGES}/imports/",
        {
            "organization": b.world.org_a.pk,
            "file": SimpleUploadedFile("r.csv", text.encode(), content_type="text/csv"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    return AwardImport.objects.latest("pk")


def test_the_dry_run_names_each_problem_by_row_and_column(
    b: Badges, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        run = _upload(
            b,
            HEADER
            + "ana@example.org,Robot Builder,no,,,,\n"
            + "not-an-address,Robot Builder,no,,,,\n"
            + "kid@example.org,robot builder,yes,,no,,\n"
            + "bo@example.org,Bookworm,maybe,,,Nowhere,fr\n",
        )
    run.refresh_from_db()
    assert not run.file  # never applied: its addresses are not kept
    assert run.status == UploadStatus.HAS_PROBLEMS
    found = {(p.where, p.field) for p in run.problems}
    assert ("row 3", "email") in found
    assert ("row 4", "guardian_email") in found
    assert ("row 4", "guardian_consent") in found
    assert {("row 5", "achievement"), ("row 5", "under_13"), ("row 5", "program")} <= found
    assert ("row 5", "language") in found
    assert not any(p.where == "row 2" for p in run.problems)
    page = b.world.client("partner_a").get(f"{BADGES}/imports/{run.pk}/").content.decode()
    assert "row 5" in page
    assert "guardian_consent" in page
    assert Award.objects.count() == 0


def test_a_checked_file_applies_all_or_nothing(
    b: Badges, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    good = HEADER + "ana@example.org,Robot Builder,no,,,Saturday Bots,es\n"
    good += f"ben@example.org,{b.coder.pk},,,,,\n"
    run = _upload(b, good)
    assert run.status == UploadStatus.CHECKED, run.report
    assert run.report["counts"]["awards"] == 2
    # the file changes after the check: a row no longer fits, so nothing is awarded
    b.coder.archived_at = b.coder.created_at
    b.coder.save()
    client = b.world.client("partner_a")
    client.post(f"{BADGES}/imports/{run.pk}/apply/", {"confirm": "yes"})
    run.refresh_from_db()
    assert run.status == UploadStatus.HAS_PROBLEMS
    assert Award.objects.count() == 0
    b.coder.archived_at = None
    b.coder.save()
    run = _upload(b, good)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"{BADGES}/imports/{run.pk}/apply/", {"confirm": "yes"})
    run.refresh_from_db()
    assert run.status == UploadStatus.APPLIED
    assert Award.objects.filter(status=AwardStatus.AWARDED).count() == 2
    assert not run.file  # the addresses are gone with the file
    assert len(smtp.to("ana@example.org")) == 1


def test_a_failure_while_applying_awards_nothing(b: Badges, monkeypatch: Any) -> None:
    from ecotone.pathways import openbadges

    run = _upload(
        b, HEADER + "ana@example.org,Robot Builder,,,,,\nben@example.org,Young Coder,,,,,\n"
    )
    real = openbadges.sign
    calls = []

    def second_fails(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("the signing key vanished")
        return real(*args, **kwargs)

    monkeypatch.setattr(openbadges, "sign", second_fails)
    b.world.client("partner_a").post(f"{BADGES}/imports/{run.pk}/apply/", {"confirm": "yes"})
    run.refresh_from_db()
    assert run.status == UploadStatus.FAILED
    assert Award.objects.count() == 0


def test_template_and_other_partners_imports(b: Badges) -> None:
    template = b.world.client("partner_b").get(f"{BADGES}/imports/template.csv")
    text = b"".join(template.streaming_content).decode("utf-8-sig")
    assert text.startswith(HEADER.strip())
    run = _upload(b, HEADER + "ana@example.org,Robot Builder,,,,,\n")
    assert b.world.client("partner_b").get(f"{BADGES}/imports/{run.pk}/").status_code == 404


def test_the_awarded_list_exports_no_address_and_filters(b: Badges) -> None:
    give(b.robots, "ana@example.org")
    give(b.reader, "ben@example.org")
    client = b.world.client("partner_a")
    page = client.get(f"{BADGES}/awarded/").content.decode()
    assert "Robot Builder" in page
    assert "Bookworm" not in page
    csv = b"".join(client.get(f"{BADGES}/awarded/?format=csv").streaming_content).decode()
    assert "Robot Builder" in csv
    assert "@" not in csv
    assert "Robot Builder" not in client.get(f"{BADGES}/awarded/?status=revoked").content.decode()
    none = client.get(f"{BADGES}/awarded/?since=2999-01-01").content.decode()
    assert "No badge matches" in none


def test_revoking_asks_first_and_keeps_the_reason(b: Badges) -> None:
    award = give(b.robots, "ana@example.org")
    client = b.world.client("partner_a")
    url = f"{BADGES}/awarded/{award.pk}/revoke/"
    assert client.get(url).status_code == 200
    client.post(url, {"reason": "Awarded by mistake"})
    award.refresh_from_db()
    assert award.status == AwardStatus.AWARDED
    client.post(url, {"reason": "Awarded by mistake", "confirm": "on"})
    award.refresh_from_db()
    assert award.status == AwardStatus.REVOKED
    assert award.revocation_reason == "Awarded by mistake"
    assert b.world.client("partner_b").get(url).status_code == 404


def test_api_awards_lists_and_revokes(b: Badges) -> None:
    client = b.world.client("partner_a")
    made = client.post(
        f"{API}/awards/",
        {"achievement": b.robots.pk, "email": "cy@example.org", "program": b.program.pk},
        content_type="application/json",
    )
    assert made.status_code == 201, made.content
    assert "cy@example.org" not in made.content.decode()
    child = client.post(
        f"{API}/awards/",
        {"achievement": b.robots.pk, "email": "kid@example.org", "under_13": True},
        content_type="application/json",
    )
    assert child.status_code == 400
    assert "guardian_email" in child.json()
    foreign = b.world.client("partner_b").post(
        f"{API}/awards/",
        {"achievement": b.robots.pk, "email": "cy@example.org"},
        content_type="application/json",
    )
    assert foreign.status_code == 400
    listed = client.get(f"{API}/awards/?achievement={b.robots.pk}").json()
    assert len(listed["results"]) == 1
    pk = made.json()["id"]
    revoked = client.post(
        f"{API}/awards/{pk}/revoke/", {"reason": "Wrong person"}, content_type="application/json"
    )
    assert revoked.status_code == 200
    assert revoked.json()["status"] == "revoked"
    assert b.world.client("partner_b").get(f"{API}/awards/{pk}/").status_code == 404
