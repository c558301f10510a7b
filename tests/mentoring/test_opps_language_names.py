"""Languages on opportunity pages are named, not coded: the posting form offers them by name,
the page shows their names, and a code saved through the API that the lists lack is kept."""

from __future__ import annotations

from typing import Any

import pytest

from ecotone.mentoring.models import Opportunity
from tests.mentoring.test_opps_pages import post_data, setup, url  # noqa: F401 (fixture)

pytestmark = pytest.mark.django_db


def test_the_form_offers_languages_by_name_and_the_page_shows_names(setup: Any) -> None:  # noqa: F811
    client = setup.client("partner_a")
    form = client.get(url(suffix="new/")).content.decode()
    assert "Vietnamese" in form
    assert "language code" not in form
    response = client.post(
        url(suffix="new/"),
        post_data(program=setup.program.pk, language_required="es", languages=["es", "vi"]),
    )
    assert response.status_code == 302
    created = Opportunity.objects.get(title="Coding club coach")
    assert (created.language_required, created.languages) == ("es", ["es", "vi"])
    page = client.get(url(created)).content.decode()
    assert "<dd>Spanish</dd>" in page
    assert "<dd>Spanish, Vietnamese</dd>" in page


def test_a_language_the_lists_lack_stays_offered_and_kept_on_edit(setup: Any) -> None:  # noqa: F811
    opportunity = setup.opportunity
    opportunity.languages = ["en", "ja"]
    opportunity.language_required = "ja"
    opportunity.save()
    client = setup.client("partner_a")
    form = client.get(url(opportunity, "edit/")).content.decode()
    assert 'value="ja"' in form
    data = post_data(language_required="ja", languages=["en", "ja"])
    assert client.post(url(opportunity, "edit/"), data).status_code == 302
    opportunity.refresh_from_db()
    assert (opportunity.language_required, opportunity.languages) == ("ja", ["en", "ja"])
