"""The data steward sets up the linkage secret in a browser: the secret is drawn and shown
there, and no request the page sends carries it; the server keeps the check value the
browser computed, the same as `linkage.check_value` of the secret shown."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qs

import pytest
from playwright.sync_api import Request, expect

from ecotone.measures import linkage
from ecotone.measures.models import LinkageEpoch

from .conftest import Site

pytestmark = pytest.mark.browser

SECRET_SHAPE = re.compile(r"([0-9A-HJKMNP-TV-Z]{4}-){7}[0-9A-HJKMNP-TV-Z]{4}")


def test_the_secret_is_shown_once_and_only_its_check_value_is_sent(site: Site) -> None:
    page = site.new_page()
    site.sign_in(page, "staff")
    sent: list[Any] = []

    def watch(request: Request) -> None:
        sent.append((request.method, request.url, request.post_data or ""))

    page.on("request", watch)
    page.goto("/e/alpha/measures/linkage/secret/")
    save = page.get_by_role("button", name="Save the check value")
    expect(save).to_be_hidden()
    page.get_by_role("button", name="Generate the secret").click()
    shown = page.locator("output[data-secret]")
    expect(shown).to_have_text(SECRET_SHAPE)
    secret = shown.inner_text()
    page.get_by_label("I have copied the secret").check()
    save.click()
    page.wait_for_url(re.compile(r"/measures/linkage/$"))
    expect(page.get_by_text("is set up from")).to_be_visible()

    epoch = LinkageEpoch.objects.get(ecosystem=site.world.alpha)
    assert epoch.check_value == linkage.check_value(linkage.parse_secret(secret))
    written = {secret, secret.replace("-", ""), secret.lower(), secret.replace("-", "").lower()}
    for _method, url, body in sent:
        assert not any(form in url or form in body for form in written)
    posts = [parse_qs(body) for method, _url, body in sent if method == "POST"]
    assert len(posts) == 1
    assert set(posts[0]) == {"csrfmiddlewaretoken", "check_value", "first_year", "kept"}
    assert posts[0]["check_value"] == [epoch.check_value]
