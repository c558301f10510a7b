"""The crosswalk pages: backbone staff list, add, change and delete (after confirming) what a
partner's own codes mean, download them and read a CSV of them back in, all rows or none."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecotone.measures.models import CodeCrosswalk
from ecotone.measures.services import crosswalk
from tests.measures.test_submissions import GOOD, check

pytestmark = pytest.mark.django_db

PAGES = "/e/alpha/measures/crosswalk"


def test_an_entry_added_on_the_page_lets_a_file_read_the_partners_code(setup: Any) -> None:
    text = GOOD.replace(",Female,", ",Girl,")
    assert [p["code"] for p in check(setup, text).report["problems"]] == ["unknown_code"]
    staff = setup.client("staff")
    response = staff.post(
        f"{PAGES}/new/",
        {
            "organization": setup.org_a.pk,
            "dimension": "sex",
            "local_code": "Girl",
            "code": "Female",
        },
    )
    assert response.status_code == 302
    assert check(setup, text).status == "checked"
    assert "Girl" in staff.get(f"{PAGES}/").content.decode()


def test_a_wrong_common_code_is_refused_with_the_services_message(setup: Any) -> None:
    response = setup.client("staff").post(
        f"{PAGES}/new/", {"dimension": "sex", "local_code": "G", "code": "Girl"}
    )
    assert "is no code of" in response.content.decode()
    assert not CodeCrosswalk.objects.exists()


def test_an_entry_is_changed_and_deleted_after_confirming(setup: Any) -> None:
    entry = crosswalk.save_entry(
        setup.alpha, setup.users["staff"], dimension="sex", local_code="G", code="Female"
    )
    staff = setup.client("staff")
    staff.post(
        f"{PAGES}/{entry.pk}/edit/",
        {"dimension": "sex", "local_code": "G", "code": "Male", "note": "boys"},
    )
    entry.refresh_from_db()
    assert (entry.code, entry.note) == ("Male", "boys")
    assert "Delete “G”?" in staff.get(f"{PAGES}/{entry.pk}/delete/").content.decode()
    assert CodeCrosswalk.objects.exists()
    staff.post(f"{PAGES}/{entry.pk}/delete/")
    assert not CodeCrosswalk.objects.exists()


def test_the_csv_download_reads_back_in(setup: Any) -> None:
    crosswalk.save_entry(
        setup.alpha,
        setup.users["staff"],
        dimension="sex",
        local_code="G",
        code="Female",
        organization=setup.org_a,
    )
    staff = setup.client("staff")
    response = staff.get(f"{PAGES}/?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines() == [
        "partner,dimension,local_code,code,note",
        f"{setup.org_a.slug},sex,G,Female,",
    ]
    CodeCrosswalk.objects.all().delete()
    staff.post(f"{PAGES}/import/", {"file": SimpleUploadedFile("c.csv", text.encode())})
    assert list(CodeCrosswalk.objects.values_list("organization", "local_code", "code")) == [
        (setup.org_a.pk, "G", "Female")
    ]


def test_an_import_with_a_mistake_saves_nothing_and_names_the_row(setup: Any) -> None:
    text = (
        "partner,dimension,local_code,code,note\n"
        ",sex,G,Female,\n,race,Xx,Martian,\nnobody,sex,B,Male,\n"
    )
    response = setup.client("staff").post(
        f"{PAGES}/import/", {"file": SimpleUploadedFile("c.csv", text.encode())}
    )
    page = response.content.decode()
    assert response.status_code == 400
    assert "Row 3" in page
    assert "Row 4" in page
    assert "Row 2" not in page
    assert not CodeCrosswalk.objects.exists()


def test_partners_cannot_reach_the_crosswalk(setup: Any) -> None:
    assert setup.client("partner_a").get(f"{PAGES}/").status_code == 403
