"""The submission pages: a partner downloads its template, uploads a file with mistakes, reads
which row and why, fixes it and submits; the backbone lists, exports, approves or returns."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import load_workbook

from ecotone.measures import checks
from ecotone.measures.models import Review, Submission, Value
from tests.measures.test_submissions import GOOD

pytestmark = pytest.mark.django_db

PAGES = "/e/alpha/measures/submissions"


def _text(response: Any) -> str:
    return b"".join(response.streaming_content).decode("utf-8-sig")


def post_file(client: Any, org: Any, text: str) -> Any:
    return client.post(
        f"{PAGES}/new/",
        {"organization": org.pk, "file": SimpleUploadedFile("values.csv", text.encode())},
    )


def test_a_partner_fixes_a_file_submits_it_and_the_backbone_approves(setup: Any) -> None:
    partner = setup.client("partner_a")
    response = post_file(partner, setup.org_a, GOOD.replace(",M,", ",Q,"))
    run = Submission.objects.get()
    assert response.url == f"{PAGES}/{run.pk}/"
    page = partner.get(response.url).content.decode()
    assert "<code>unknown_code</code>" in page
    assert "row 4" in page
    assert "Submit to the backbone" not in page

    post_file(partner, setup.org_a, GOOD)
    fixed = Submission.objects.latest("pk")
    partner.post(f"{PAGES}/{fixed.pk}/submit/", {"confirm": "yes"})
    fixed.refresh_from_db()
    assert fixed.review == Review.SUBMITTED

    staff = setup.client("staff")
    listing = staff.get(f"{PAGES}/?review=submitted").content.decode()
    assert fixed.get_absolute_url() in listing
    assert run.get_absolute_url() not in listing
    assert "Approve" in staff.get(fixed.get_absolute_url()).content.decode()
    staff.post(f"{PAGES}/{fixed.pk}/approve/", {"confirm": "yes"})
    fixed.refresh_from_db()
    assert fixed.review == Review.APPROVED
    assert Value.objects.filter(submission=fixed).count() == 4


def test_the_backbone_returns_a_file_with_comments_the_partner_reads(setup: Any) -> None:
    post_file(setup.client("partner_a"), setup.org_a, GOOD)
    run = Submission.objects.get()
    setup.client("partner_a").post(f"{PAGES}/{run.pk}/submit/", {"confirm": "yes"})
    setup.client("staff").post(f"{PAGES}/{run.pk}/return/", {"comment": "Girls look low."})
    run.refresh_from_db()
    assert run.review == Review.RETURNED
    page = setup.client("partner_a").get(run.get_absolute_url()).content.decode()
    assert "Girls look low." in page
    assert "Returned with comments" in page


def test_a_partner_cannot_submit_for_another_organization(setup: Any) -> None:
    response = post_file(setup.client("partner_a"), setup.org_b, GOOD)
    assert response.status_code == 200  # not a choice offered: the form says so
    assert not Submission.objects.exists()


def test_a_partner_sees_only_its_own_organizations_submissions(setup: Any) -> None:
    post_file(setup.client("partner_b"), setup.org_b, GOOD)
    run = Submission.objects.get()
    assert setup.client("partner_a").get(run.get_absolute_url()).status_code == 404
    assert run.get_absolute_url() not in setup.client("partner_a").get(f"{PAGES}/").content.decode()


def test_the_backbone_exports_the_list_as_csv(setup: Any) -> None:
    post_file(setup.client("partner_a"), setup.org_a, GOOD)
    text = _text(setup.client("staff").get(f"{PAGES}/?format=csv"))
    assert text.splitlines()[0].startswith("Partner,File,Uploaded")
    assert "Robotics For All,values.csv" in text


def test_the_template_lists_the_rows_to_fill_and_reads_back_without_problems(
    setup: Any,
) -> None:
    partner = setup.client("partner_a")
    text = _text(partner.get(f"{PAGES}/template/?format=csv"))
    lines = text.splitlines()
    assert lines[0] == ",".join(checks.COLUMNS)
    assert lines[0].startswith("indicator,period,sex,race,")
    assert "young-people-served,2025–26,Female" + "," * (len(checks.COLUMNS) - 3) in lines
    workbook = load_workbook(
        io.BytesIO(partner.get(f"{PAGES}/template/?format=xlsx").content), read_only=True
    )
    rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    assert len(rows) == len(lines)


def test_the_submit_page_offers_the_templates(setup: Any) -> None:
    page = setup.client("partner_a").get(f"{PAGES}/new/").content.decode()
    assert f"?organization={setup.org_a.slug}&amp;format=xlsx" in page
    assert setup.org_b.name not in page
