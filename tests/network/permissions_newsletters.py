"""The newsletters' rows of the permission table (tests/test_permissions.py): the editor's
pages and posts (the backbone), the archive and what a mail's reader reaches without signing in
(everyone), the suggestion form (the roll and the backbone), and the API."""

from __future__ import annotations

from typing import Any

from ecotone.network.models import ItemKind, Member
from ecotone.network.services import newsletters as service
from ecotone.network.services import sending
from tests.conftest import World
from tests.permission_rows import ALL_200, BACKBONE, Row, members_only, statuses

NETWORK = "/e/alpha/network"
MANAGE = f"{NETWORK}/newsletters/manage"
API = "/api/v1/ecosystems/alpha/network"
EDITORS = members_only(BACKBONE)
EDITORS_POST = members_only(BACKBONE, ok=302)
SUGGESTERS = members_only(("member", *BACKBONE))

ROWS = [
    Row("newsletter archive", "get", f"{NETWORK}/newsletters/", ALL_200),
    Row("newsletter in archive", "get", f"{NETWORK}/newsletters/{{nl_sent}}/", ALL_200),
    Row(
        "draft not in archive",
        "get",
        f"{NETWORK}/newsletters/{{nl_draft}}/",
        statuses(404),
    ),
    Row("suggest item form", "get", f"{NETWORK}/newsletters/suggest/", SUGGESTERS),
    Row(
        "suggest item",
        "post",
        f"{NETWORK}/newsletters/suggest/",
        members_only(("member", *BACKBONE), ok=302),
        {"kind": "news", "title": "Open house", "text": "", "link": ""},
    ),
    Row("newsletters list", "get", f"{MANAGE}/", EDITORS),
    Row("newsletters export", "get", f"{MANAGE}/?format=csv", EDITORS),
    Row("newsletter new form", "get", f"{MANAGE}/new/", EDITORS),
    Row("newsletter create", "post", f"{MANAGE}/new/", EDITORS_POST, {"subject": "April"}),
    Row("newsletter suggestions", "get", f"{MANAGE}/suggestions/", EDITORS),
    Row(
        "newsletter suggestion decline",
        "post",
        f"{MANAGE}/suggestions/{{nl_suggestion}}/decline/",
        EDITORS_POST,
    ),
    Row("newsletter engagement", "get", f"{MANAGE}/engagement/", EDITORS),
    Row("newsletter engagement xlsx", "get", f"{MANAGE}/engagement/?format=xlsx", EDITORS),
    Row("newsletter compose", "get", f"{MANAGE}/{{nl_draft}}/", EDITORS),
    Row(
        "newsletter save",
        "post",
        f"{MANAGE}/{{nl_draft}}/",
        EDITORS_POST,
        {"subject": "March", "subject_es": "", "intro": "", "intro_es": ""},
    ),
    Row("newsletter progress", "get", f"{MANAGE}/{{nl_sent}}/progress/", EDITORS),
    Row(
        "newsletter section add",
        "post",
        f"{MANAGE}/{{nl_draft}}/sections/",
        EDITORS_POST,
        {"section-title": "Events"},
    ),
    Row(
        "newsletter section remove",
        "post",
        f"{MANAGE}/{{nl_draft}}/sections/{{nl_section}}/remove/",
        EDITORS_POST,
    ),
    Row(
        "newsletter item add",
        "post",
        f"{MANAGE}/{{nl_draft}}/items/",
        EDITORS_POST,
        {"item-section": "{nl_section}", "item-kind": "news", "item-title": "Fair"},
    ),
    Row(
        "newsletter item pick",
        "post",
        f"{MANAGE}/{{nl_draft}}/pick/",
        EDITORS_POST,
        {"pick-section": "{nl_section}", "pick-source": "suggestion:{nl_suggestion}"},
    ),
    Row(
        "newsletter item remove",
        "post",
        f"{MANAGE}/{{nl_draft}}/items/{{nl_item}}/remove/",
        EDITORS_POST,
    ),
    Row("newsletter preview es", "get", f"{MANAGE}/{{nl_draft}}/preview/es/", EDITORS),
    Row("newsletter audience", "get", f"{MANAGE}/{{nl_draft}}/audience/", EDITORS),
    Row(
        "newsletter audience count",
        "get",
        f"{MANAGE}/{{nl_draft}}/audience/?count=1&languages=es",
        EDITORS,
    ),
    Row(
        "newsletter audience save",
        "post",
        f"{MANAGE}/{{nl_draft}}/audience/",
        EDITORS_POST,
        {"languages": ["es"]},
    ),
    Row(
        "newsletter test send",
        "post",
        f"{MANAGE}/{{nl_draft}}/test/",
        EDITORS_POST,
        {"test-language": "es"},
    ),
    Row("newsletter send confirm", "get", f"{MANAGE}/{{nl_draft}}/send/", EDITORS),
    Row("newsletter send", "post", f"{MANAGE}/{{nl_draft}}/send/", EDITORS_POST),
    Row("newsletter click", "get", "{nl_click}", statuses(302)),
    Row("newsletter open pixel", "get", "{nl_pixel}", ALL_200),
    Row("unsubscribe page", "get", f"{NETWORK}/unsubscribe/{{nl_token}}/", ALL_200),
    Row("unsubscribe one click", "post", f"{NETWORK}/unsubscribe/{{nl_token}}/", ALL_200),
    Row("unsubscribe unknown token", "get", f"{NETWORK}/unsubscribe/nope/", statuses(404)),
    # no secret configured: refused to everyone (tests/network/test_newsletters_sending.py)
    Row("bounce webhook", "post", f"{NETWORK}/bounces/", statuses(403)),
    Row("api newsletters", "get", f"{API}/newsletters/", ALL_200),
    Row("api newsletter sent", "get", f"{API}/newsletters/{{nl_sent}}/", ALL_200),
    Row(
        "api newsletter draft",
        "get",
        f"{API}/newsletters/{{nl_draft}}/",
        statuses(404, staff=200, admin=200),
    ),
    Row(
        "api newsletter engagement",
        "get",
        f"{API}/newsletter-engagement/",
        members_only(BACKBONE, api=True),
    ),
    Row(
        "api newsletter suggestions",
        "get",
        f"{API}/newsletter-suggestions/?status=pending",
        members_only(BACKBONE, api=True),
    ),
    Row("newsletter suggestions csv", "get", f"{MANAGE}/suggestions/?format=csv", EDITORS),
    Row(
        "api segment count",
        "get",
        f"{API}/segment-count/?languages=es",
        members_only(BACKBONE, api=True),
    ),
]

FAKE: dict[str, Any] = {
    "nl_draft": "1",
    "nl_sent": "2",
    "nl_section": "1",
    "nl_item": "1",
    "nl_suggestion": "1",
    "nl_token": "x",
    "nl_click": f"{NETWORK}/r/2/0/",
    "nl_pixel": f"{NETWORK}/o/2/",
}


def records(world: World) -> dict[str, Any]:
    """A draft with a section, an item and a suggestion; a sent newsletter; a member's
    unsubscribe token. Built after permissions_core's records (the member persona)."""
    from django.core import mail
    from django.test import override_settings

    staff = world.users["staff"]
    reader = Member.objects.create(
        ecosystem=world.alpha,
        email="reader@example.org",
        name="Reader",
        status="active",
        email_consent=True,
        language="es",
    )
    draft = service.create_newsletter(world.alpha, staff, subject="March", intro="Hello")
    section = service.add_section(draft, "News")
    item = service.add_item(section, ItemKind.NEWS, title="Fair", link="https://example.org/a")
    suggestion = service.suggest(world.alpha, None, kind="news", title="Open house")
    sent = service.create_newsletter(world.alpha, staff, subject="February", intro="Hi")
    service.add_item(
        service.add_section(sent, "News"), ItemKind.NEWS, title="Lab", link="https://example.org/b"
    )
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        sending.request_send(sent, staff)
        sending.run_send(sent.pk)
        mail.outbox = []
    return {
        "nl_draft": draft.pk,
        "nl_sent": sent.pk,
        "nl_section": section.pk,
        "nl_item": item.pk,
        "nl_suggestion": suggestion.pk,
        "nl_token": reader.unsubscribe_token,
        "nl_click": service.click_url(sent, 0).removeprefix("http://testserver"),
        "nl_pixel": service.open_pixel_url(sent).removeprefix("http://testserver"),
    }
