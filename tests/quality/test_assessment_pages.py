"""The assessment pages through the test client: the list with its filters, export and empty
state; starting one; the detail with the agreement; "My ratings" without JavaScript (a section
saved at once) and one attribute at a time as the script posts it; the consensus with evidence
files (checked, served only through the access-checked view) and completing it. A refusal is
shown beside what it refuses, never a 500."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecotone.directory.models import Program
from ecotone.quality.models import Assessment, AssessmentStatus, Evidence, Rating, Review
from ecotone.quality.services import assessments as services

from .test_assessments import colleague, started, version_of

BASE = "/e/alpha/quality/assessments"
PDF = b"%PDF-1.7\n1 0 obj\n"


@pytest.fixture
def rated(world: Any) -> Assessment:
    """Org A's assessment, rated by two colleagues who differ on one attribute."""
    assessment = started(world)
    services.save_rating(world.users["partner_a"], assessment, "outreach", "mid")
    services.save_rating(world.users["partner_a"], assessment, "cost", "high")
    other = colleague(world, "bea")
    services.save_rating(other, assessment, "outreach", "low")
    services.save_rating(other, assessment, "cost", "high")
    return assessment


def test_the_list_shows_only_what_the_person_sees_and_filters(world: Any, rated: Any) -> None:
    services.start_assessment(world.users["partner_b"], world.org_b, version_of(world), title="B")
    page = world.client("partner_a").get(f"{BASE}/").content.decode()
    assert "Spring" in page
    assert ">B<" not in page
    everything = world.client("staff").get(f"{BASE}/?status=rating&q=robot").content.decode()
    assert "Spring" in everything
    assert ">B<" not in everything  # a draft of another organization
    assert "1 assessment" in everything


def test_the_empty_list_says_what_to_do(world: Any) -> None:
    page = world.client("partner_a").get(f"{BASE}/").content.decode()
    assert "No assessments yet" in page
    assert f'href="{BASE}/start/"' in page
    reviewer = world.client("reviewer").get(f"{BASE}/").content.decode()
    assert "appears here" in reviewer
    assert f"{BASE}/start/" not in reviewer


def test_the_list_exports_csv_and_xlsx(world: Any, rated: Any) -> None:
    client = world.client("staff")
    csv = b"".join(client.get(f"{BASE}/?format=csv").streaming_content).decode()
    assert csv.splitlines()[1].startswith("Spring,Robotics For All,,Two,1,Rating,")
    assert csv.splitlines()[1].endswith(",2,0")
    xlsx = client.get(f"{BASE}/?format=xlsx")
    assert xlsx["Content-Type"].endswith("spreadsheetml.sheet")


def test_the_list_stays_within_its_queries(
    world: Any, rated: Any, django_assert_max_num_queries: Any
) -> None:
    for _n in range(30):
        started(world)
    client = world.client("partner_a")
    client.get(f"{BASE}/")
    with django_assert_max_num_queries(12):
        client.get(f"{BASE}/?page=2")


def test_partner_staff_start_an_assessment_of_their_program(world: Any) -> None:
    version = version_of(world)
    program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robots", slug="robots"
    )
    Program.objects.create(ecosystem=world.alpha, organization=world.org_b, name="Books", slug="b")
    client = world.client("partner_a")
    form = client.get(f"{BASE}/start/").content.decode()
    assert "Robots" in form
    assert "Books" not in form  # another organization's program
    assert 'type="hidden" name="organization"' in form  # their only organization, fixed
    response = client.post(
        f"{BASE}/start/",
        {"organization": world.org_a.pk, "program": program.pk, "version": version.pk},
    )
    assessment = Assessment.objects.get()
    assert response["Location"] == f"{BASE}/{assessment.pk}/rate/"
    assert (assessment.program, assessment.title) == (program, "Two")


def test_starting_refuses_what_is_not_offered_without_an_error_page(world: Any) -> None:
    version = version_of(world)
    response = world.client("partner_a").post(
        f"{BASE}/start/", {"organization": world.org_b.pk, "version": version.pk}
    )
    assert response.status_code == 200
    assert "Select a valid choice" in response.content.decode()
    assert not Assessment.objects.exists()


def test_the_start_page_is_refused_to_who_may_start_nothing(world: Any) -> None:
    assert world.client("reviewer").get(f"{BASE}/start/").status_code == 403


def test_the_detail_shows_agreement_and_where_views_differ(world: Any, rated: Any) -> None:
    reviewer = world.users["reviewer"]
    Review.objects.create(assessment=rated, reviewer=reviewer, assigned_by=world.users["staff"])
    services.save_rating(reviewer, rated, "outreach", "high")
    page = world.client("partner_a").get(f"{BASE}/{rated.pk}/").content.decode()
    assert "50%" in page  # they agree on cost only
    assert "Krippendorff" in page
    assert 'class="differs"' in page
    assert "Reviewer" in page
    only = world.client("partner_a").get(f"{BASE}/{rated.pk}/?differ=1").content.decode()
    assert "Outreach" in only
    assert "Cost" not in only.split("Attribute by attribute")[1]


def test_the_detail_says_why_alpha_is_missing(world: Any) -> None:
    assessment = started(world)
    page = world.client("partner_a").get(f"{BASE}/{assessment.pk}/").content.decode()
    assert "at least two raters" in page


def test_without_javascript_a_section_is_saved_at_once(world: Any) -> None:
    assessment = started(world)
    client = world.client("partner_a")
    page = client.get(f"{BASE}/{assessment.pk}/rate/").content.decode()
    assert "outreach at high" in page  # each stage with its descriptor
    response = client.post(
        f"{BASE}/{assessment.pk}/rate/",
        {
            "section": "access",
            "stage-outreach": "high",
            "note-outreach": "Flyers",
            "stage-cost": "",
        },
    )
    assert response.status_code == 302
    saved = {r.attribute: (r.stage, r.note) for r in Rating.objects.all()}
    assert saved == {"outreach": ("high", "Flyers"), "cost": ("", "")}
    again = client.get(response["Location"]).content.decode()
    assert 'value="high" checked' in again


def test_the_script_saves_one_attribute_and_hears_why_not(world: Any) -> None:
    assessment = started(world)
    client = world.client("partner_a")
    url = f"{BASE}/{assessment.pk}/rate/"
    headers = {"Accept": "application/json"}
    saved = client.post(url, {"attribute": "cost", "stage-cost": "mid"}, headers=headers)
    assert saved.json() == {"saved": True, "message": "Saved"}
    assert Rating.objects.get().stage == "mid"
    refused = client.post(url, {"attribute": "cost", "stage-cost": "gold"}, headers=headers)
    assert refused.status_code == 400
    assert "no stage “gold”" in refused.json()["error"]


def test_a_refused_rating_is_shown_beside_its_attribute(world: Any) -> None:
    assessment = started(world)
    response = world.client("partner_a").post(
        f"{BASE}/{assessment.pk}/rate/",
        {"section": "access", "stage-outreach": "gold", "note-cost": "x" * 4001},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="error-outreach"' in page
    assert 'id="error-cost"' in page
    assert "longer than 4000" in page


def test_an_expired_session_loses_nothing_on_the_server_side(world: Any) -> None:
    assessment = started(world)
    response = world.client("anonymous").post(
        f"{BASE}/{assessment.pk}/rate/",
        {"attribute": "cost", "stage-cost": "mid"},
        headers={"Accept": "application/json"},
    )
    # the sign-in page, never a JSON "saved": the script keeps the answer on the device
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_consensus_is_saved_per_attribute_with_links(world: Any, rated: Any) -> None:
    client = world.client("partner_a")
    page = client.get(f"{BASE}/{rated.pk}/consensus/").content.decode()
    assert "Views differ" in page
    response = client.post(
        f"{BASE}/{rated.pk}/consensus/",
        {
            "action": "save",
            "section": "access",
            "attribute": "outreach",
            "outreach-stage": "mid",
            "outreach-note": "Agreed at the meeting",
            "outreach-links": "https://example.org/a\n\nhttps://example.org/b",
        },
    )
    assert response.status_code == 302
    agreed = rated.consensus.get()
    assert (agreed.stage, agreed.links) == (
        "mid",
        ["https://example.org/a", "https://example.org/b"],
    )
    bad = client.post(
        f"{BASE}/{rated.pk}/consensus/",
        {"action": "save", "attribute": "cost", "cost-stage": "high", "cost-links": "ftp://x"},
    )
    assert bad.status_code == 400
    assert "is not a web link" in bad.content.decode()


def test_evidence_files_are_checked_served_privately_and_removed(world: Any, rated: Any) -> None:
    client = world.client("partner_a")
    url = f"{BASE}/{rated.pk}/consensus/"
    refused = client.post(
        url,
        {
            "action": "upload",
            "attribute": "cost",
            "file-cost-file": SimpleUploadedFile("run.pdf", b"MZ\x90\x00" + b"\x00" * 64),
        },
    )
    assert refused.status_code == 400
    assert "“run.pdf” seems to be a program (application/x-msdownload)" in refused.content.decode()
    client.post(
        url,
        {
            "action": "upload",
            "attribute": "cost",
            "file-cost-file": SimpleUploadedFile("fees.pdf", PDF),
        },
    )
    evidence = Evidence.objects.get()
    assert (evidence.name, evidence.content_type, evidence.size) == (
        "fees.pdf",
        "application/pdf",
        len(PDF),
    )
    download = client.get(f"{BASE}/{rated.pk}/evidence/{evidence.pk}/")
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Disposition"].startswith("attachment")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert (
        world.client("partner_b").get(f"{BASE}/{rated.pk}/evidence/{evidence.pk}/").status_code
        == 404
    )
    page = client.get(url).content.decode()
    assert "/media/" not in page
    client.post(url, {"action": "remove", "evidence": evidence.pk})
    assert not Evidence.objects.exists()
    assert client.post(url, {"action": "remove", "evidence": "x"}).status_code == 404


def test_an_attribute_keeps_at_most_ten_files(world: Any, rated: Any) -> None:
    for _n in range(services.MAX_EVIDENCE_FILES):
        services.add_evidence(world.users["partner_a"], rated, "cost", io.BytesIO(PDF))
    with pytest.raises(services.DomainError, match="at most 10 files"):
        services.add_evidence(world.users["partner_a"], rated, "cost", io.BytesIO(PDF))
    with pytest.raises(services.DomainError, match="no attribute"):
        services.add_evidence(world.users["partner_a"], rated, "nope", io.BytesIO(PDF))
    with pytest.raises(services.DomainError, match="partner staff"):
        services.add_evidence(world.users["reviewer"], rated, "cost", io.BytesIO(PDF))


def test_completing_asks_first_and_says_what_is_missing(world: Any, rated: Any) -> None:
    client = world.client("partner_a")
    url = f"{BASE}/{rated.pk}/complete/"
    assert "Complete “Spring”?" in client.get(url).content.decode()
    missing = client.post(url)
    assert missing.status_code == 400
    assert "still missing: Outreach, Cost" in missing.content.decode()
    for attribute in ("outreach", "cost"):
        services.save_consensus(world.users["partner_a"], rated, attribute, "high")
    assert client.post(url)["Location"] == f"{BASE}/{rated.pk}/"
    rated.refresh_from_db()
    assert rated.status == AssessmentStatus.COMPLETE


def test_crafted_input_is_refused_without_an_error_page(world: Any, rated: Any) -> None:
    client = world.client("partner_a")
    consensus = f"{BASE}/{rated.pk}/consensus/"
    assert client.post(consensus, {"action": "save", "attribute": "nope"}).status_code == 404
    assert client.post(consensus, {"action": "upload", "attribute": "cost"}).status_code == 400
    rate = f"{BASE}/{rated.pk}/rate/"
    assert client.post(rate, {"attribute": "nope", "stage-nope": "low"}).status_code == 404
    assert world.client("reviewer").get(consensus).status_code == 404  # not assigned to it


def test_an_assigned_reviewer_rates_but_does_not_agree_the_consensus(
    world: Any, rated: Any
) -> None:
    Review.objects.create(assessment=rated, reviewer=world.users["reviewer"])
    client = world.client("reviewer")
    assert "Spring" in client.get(f"{BASE}/").content.decode()
    saved = client.post(f"{BASE}/{rated.pk}/rate/", {"section": "access", "stage-cost": "low"})
    assert saved.status_code == 302
    assert Rating.objects.get(rater=world.users["reviewer"], attribute="cost").stage == "low"
    assert client.get(f"{BASE}/{rated.pk}/consensus/").status_code == 403
    assert client.get(f"{BASE}/{rated.pk}/complete/").status_code == 403


def test_a_removed_file_leaves_storage_once_the_removal_is_committed(
    world: Any, rated: Any, django_capture_on_commit_callbacks: Any
) -> None:
    evidence = services.add_evidence(world.users["partner_a"], rated, "cost", io.BytesIO(PDF))
    storage, name = evidence.file.storage, evidence.file.name
    assert storage.exists(name)
    with django_capture_on_commit_callbacks(execute=True):
        services.remove_evidence(world.users["partner_a"], evidence)
    assert not storage.exists(name)
    assert not Evidence.objects.exists()
