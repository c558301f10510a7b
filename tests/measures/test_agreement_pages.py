"""The data sharing agreement pages: backbone staff record a partner's agreement; partner staff
read their own organization's."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from ecotone.measures.models import DataSharingAgreement

pytestmark = pytest.mark.django_db

PAGES = "/e/alpha/measures/agreements"


def test_backbone_records_an_agreement_with_its_signed_file(setup: Any) -> None:
    response = setup.client("staff").post(
        f"{PAGES}/new/",
        {
            "organization": setup.org_a.pk,
            "indicators": ["share-girls"],
            "signatories": "Ana Ruiz, director\nLee Chan, data lead",
            "starts_on": "2025-07-01",
            "ends_on": "2026-06-30",
            "file": SimpleUploadedFile("dsa.pdf", b"%PDF-1.4"),
        },
    )
    assert response.status_code == 302
    agreement = DataSharingAgreement.objects.latest("pk")
    assert [i.key for i in agreement.indicators.all()] == ["share-girls"]
    assert agreement.signatories == "Ana Ruiz, director\nLee Chan, data lead"
    assert agreement.file.read() == b"%PDF-1.4"


def test_an_agreement_ending_before_it_starts_is_refused_on_the_page(setup: Any) -> None:
    response = setup.client("staff").post(
        f"{PAGES}/new/",
        {
            "organization": setup.org_a.pk,
            "indicators": ["share-girls"],
            "signatories": "Ana Ruiz",
            "starts_on": "2025-07-01",
            "ends_on": "2025-01-01",
        },
    )
    assert "cannot end before it starts" in response.content.decode()


def test_partner_staff_read_only_their_own_organizations_agreements(setup: Any) -> None:
    page = setup.client("partner_a").get(f"{PAGES}/").content.decode()
    assert setup.org_a.name in page
    assert setup.org_b.name not in page
    assert "Record an agreement" not in page
    assert setup.org_b.name in setup.client("staff").get(f"{PAGES}/").content.decode()


def _agreement(world: Any, org: Any = None) -> DataSharingAgreement:
    return DataSharingAgreement.objects.get(organization=org or world.org_a)


def test_backbone_changes_an_agreements_scope_and_keeps_its_partner(setup: Any) -> None:
    agreement = _agreement(setup)
    staff = setup.client("staff")
    assert "Ana Ruiz" in staff.get(f"{PAGES}/{agreement.pk}/edit/").content.decode()
    response = staff.post(
        f"{PAGES}/{agreement.pk}/edit/",
        {
            "organization": setup.org_b.pk,  # not offered: the partner stays
            "indicators": ["share-girls"],
            "signatories": "Ana Ruiz, director",
            "starts_on": "2024-07-01",
        },
    )
    assert response.status_code == 200  # the partner is not a choice
    staff.post(
        f"{PAGES}/{agreement.pk}/edit/",
        {
            "organization": setup.org_a.pk,
            "indicators": ["share-girls"],
            "signatories": "Ana Ruiz, director",
            "starts_on": "2024-07-01",
        },
    )
    assert set(agreement.indicators.values_list("key", flat=True)) == {"share-girls"}


def test_ending_an_agreement_asks_for_the_day_and_then_files_are_refused(setup: Any) -> None:
    from django.utils import timezone

    from ecotone.measures.services import agreements
    from tests.measures.test_submissions import GOOD, check

    agreement = _agreement(setup)
    staff = setup.client("staff")
    page = staff.get(f"{PAGES}/{agreement.pk}/end/").content.decode()
    assert "End the agreement" in page
    yesterday = timezone.localdate() - __import__("datetime").timedelta(days=1)
    staff.post(f"{PAGES}/{agreement.pk}/end/", {"ends_on": yesterday.isoformat()})
    agreement.refresh_from_db()
    assert agreement.ends_on == yesterday
    assert agreements.covered(setup.org_a) == set()
    # the rule that refuses a file outside a current agreement is the check's, unchanged
    assert [p["code"] for p in check(setup, GOOD).report["problems"]] == ["outside_agreement"]


def test_an_agreement_cannot_end_before_it_starts(setup: Any) -> None:
    agreement = _agreement(setup)
    response = setup.client("staff").post(f"{PAGES}/{agreement.pk}/end/", {"ends_on": "2020-01-01"})
    assert "cannot end before it starts" in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.ends_on is None


def test_partners_cannot_change_or_end_an_agreement(setup: Any) -> None:
    agreement = _agreement(setup)
    partner = setup.client("partner_a")
    assert partner.get(f"{PAGES}/{agreement.pk}/edit/").status_code == 403
    assert (
        partner.post(f"{PAGES}/{agreement.pk}/end/", {"ends_on": "2030-01-01"}).status_code == 403
    )
    agreement.refresh_from_db()
    assert agreement.ends_on is None
