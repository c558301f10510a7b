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
