"""The newsletter pages through the client: the backbone composes from sections, its own items,
members' suggestions and the directory's programs, previews in both languages, counts an
audience, sends with a confirmation and sees the progress; the archive reads in the reader's
language; members suggest items; bad input is a clear error, never a 500."""

from __future__ import annotations

from typing import Any

from ecotone.directory.models import Program
from ecotone.network.models import (
    Item,
    ItemKind,
    Newsletter,
    NewsletterStatus,
    Suggestion,
    SuggestionStatus,
)
from ecotone.network.services import roll
from tests.network.builders import make_member

MANAGE = "/e/alpha/network/newsletters/manage"


def test_compose_preview_audience_and_send(
    world: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    make_member(world.alpha, "ana@example.org", email_consent=True, language="es")
    make_member(world.alpha, "bob@example.org", email_consent=True, language="en", sector="library")
    program = Program.objects.create(
        ecosystem=world.alpha, organization=world.org_a, name="Robotics Club", slug="robotics-club"
    )
    suggestion = Suggestion.objects.create(
        ecosystem=world.alpha, kind="resource", title="Coding guide", link="https://example.org/g"
    )
    staff = world.client("staff")

    response = staff.post(
        f"{MANAGE}/new/", {"subject": "May news", "subject_es": "Noticias de mayo"}
    )
    newsletter = Newsletter.objects.get(subject="May news")
    assert response["Location"] == f"{MANAGE}/{newsletter.pk}/"
    url = f"{MANAGE}/{newsletter.pk}"
    staff.post(f"{url}/sections/", {"section-title": "Programs", "section-title_es": "Programas"})
    section = newsletter.sections.get()
    staff.post(
        f"{url}/items/",
        {
            "item-section": section.pk,
            "item-kind": "news",
            "item-title": "Fair",
            "item-title_es": "Feria",
            "item-link": "example.org/fair",
        },
    )
    staff.post(f"{url}/pick/", {"pick-section": section.pk, "pick-source": f"program:{program.pk}"})
    staff.post(
        f"{url}/pick/", {"pick-section": section.pk, "pick-source": f"suggestion:{suggestion.pk}"}
    )
    items = list(Item.objects.filter(section=section).order_by("position"))
    assert [(i.kind, i.title) for i in items] == [
        (ItemKind.NEWS, "Fair"),
        (ItemKind.PROGRAM, "Robotics Club"),
        (ItemKind.RESOURCE, "Coding guide"),
    ]
    assert items[0].link == "https://example.org/fair"
    assert items[1].link.endswith("/e/alpha/programs/robotics-club/")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.PICKED

    # a bad link is named, not a 500
    bad = staff.post(
        f"{url}/items/",
        {
            "item-section": section.pk,
            "item-kind": "news",
            "item-title": "X",
            "item-link": "no spaces",
        },
    )
    assert bad.status_code == 400
    assert "valid URL" in bad.content.decode()

    assert "Feria" in staff.get(f"{url}/preview/es/").content.decode()
    assert "Feria" not in staff.get(f"{url}/preview/en/").content.decode()

    counted = staff.get(
        f"{url}/audience/", {"count": "1", "languages": "es"}, HTTP_HX_REQUEST="true"
    )
    assert "1 recipient" in counted.content.decode()
    staff.post(f"{url}/audience/", {"sectors": ["library"]})
    newsletter.refresh_from_db()
    assert newsletter.segment["sectors"] == ["library"]
    assert "1 member" in staff.get(f"{url}/send/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        assert staff.post(f"{url}/send/").status_code == 302
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.SENT
    assert [r.recipients for r in smtp.received] == [["bob@example.org"]]
    assert "Sent 1 of 1" in staff.get(f"{url}/progress/").content.decode()

    # sent: no more changes
    staff.post(f"{url}/sections/", {"section-title": "Late"})
    assert newsletter.sections.count() == 1


def test_test_send_goes_to_the_editor_in_the_chosen_language(world: Any, smtp: Any) -> None:
    staff = world.client("staff")
    staff.post(f"{MANAGE}/new/", {"subject": "June", "subject_es": "Junio", "intro": "Hi"})
    newsletter = Newsletter.objects.get(subject="June")
    staff.post(f"{MANAGE}/{newsletter.pk}/test/", {"test-language": "es"})
    (received,) = smtp.to("staff@alpha.test")
    assert received.message["Subject"] == "[Prueba] Junio"
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.DRAFT


def test_sending_to_nobody_is_refused_with_a_message(world: Any) -> None:
    staff = world.client("staff")
    staff.post(f"{MANAGE}/new/", {"subject": "Empty", "intro": "Hi"})
    newsletter = Newsletter.objects.get(subject="Empty")
    response = staff.post(f"{MANAGE}/{newsletter.pk}/send/", follow=True)
    assert "Nobody in this audience may be mailed" in response.content.decode()
    newsletter.refresh_from_db()
    assert newsletter.status == NewsletterStatus.DRAFT


def test_list_searches_sorts_and_exports(world: Any) -> None:
    staff = world.client("staff")
    for subject in ("Alpha news", "Beta news", "Gamma"):
        staff.post(f"{MANAGE}/new/", {"subject": subject})
    page = staff.get(f"{MANAGE}/", {"q": "news", "sort": "subject"}).content.decode()
    assert page.index("Alpha news") < page.index("Beta news")
    assert "Gamma" not in page
    export = staff.get(f"{MANAGE}/", {"format": "csv"})
    assert export["Content-Type"].startswith("text/csv")


def test_archive_in_the_readers_language_and_member_suggestions(
    world: Any, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    member_user = world.users["member"]
    member = make_member(world.alpha, member_user.email, email_consent=True, language="es")
    roll.activate(member, member_user)
    staff = world.client("staff")
    staff.post(f"{MANAGE}/new/", {"subject": "July", "subject_es": "Julio", "intro": "Hello"})
    newsletter = Newsletter.objects.get(subject="July")
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"{MANAGE}/{newsletter.pk}/send/")

    anonymous = world.client("anonymous")
    archive = anonymous.get("/e/alpha/network/newsletters/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Julio" in archive.content.decode()
    detail = anonymous.get(
        f"/e/alpha/network/newsletters/{newsletter.pk}/", HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()
    assert "Julio" in detail
    assert member.email not in detail
    assert member.unsubscribe_token not in detail

    client = world.client("member")
    response = client.post(
        "/e/alpha/network/newsletters/suggest/",
        {"kind": "opportunity", "title": "Summer internships", "text": "", "link": ""},
    )
    assert response.status_code == 302
    suggestion = Suggestion.objects.get(title="Summer internships")
    assert suggestion.member == member
    assert "Summer internships" in staff.get(f"{MANAGE}/suggestions/").content.decode()
    listed = staff.get("/api/v1/ecosystems/alpha/network/newsletter-suggestions/").json()
    assert [s["title"] for s in listed["results"]] == ["Summer internships"]
    assert "member" not in listed["results"][0]
    export = b"".join(staff.get(f"{MANAGE}/suggestions/", {"format": "csv"}).streaming_content)
    assert "Summer internships" in export.decode()
    staff.post(f"{MANAGE}/suggestions/{suggestion.pk}/decline/")
    suggestion.refresh_from_db()
    assert suggestion.status == SuggestionStatus.DECLINED


def test_engagement_page_and_api(world: Any) -> None:
    staff = world.client("staff")
    assert "No newsletter has been sent yet" in staff.get(f"{MANAGE}/engagement/").content.decode()
    engagement = staff.get("/api/v1/ecosystems/alpha/network/newsletter-engagement/").json()
    assert engagement == {"results": []}
    make_member(world.alpha, "a@example.org", email_consent=True, language="es", region="North")
    make_member(world.alpha, "b@example.org", email_consent=True, region="South")
    counted = staff.get(
        "/api/v1/ecosystems/alpha/network/segment-count/",
        {"languages": "es,en", "regions": "North"},
    ).json()
    assert counted["count"] == 1
    bad = staff.get("/api/v1/ecosystems/alpha/network/segment-count/", {"workgroups": "x"})
    assert bad.status_code == 400
