"""The member home (members near you with the same interests), the opt-in directory (never an
address), the backbone's member list (filters, sort, export), the resource library (share,
find, recommend once, the sharer edits and removes), the import (a dry run naming row and
column, all or nothing, nobody mailed unless asked) and the API beside the lists."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecotone.network.models import Member, MemberImport, MemberSource, Resource
from ecotone.network.services import members as member_services
from ecotone.network.services import roll
from tests.conftest import World, make_user
from tests.network.builders import make_member

pytestmark = pytest.mark.django_db

NETWORK = "/e/alpha/network"
API = "/api/v1/ecosystems/alpha/network"


def _on_roll(world: World, email: str, **fields: Any) -> Any:
    user = make_user(email)
    member = make_member(world.alpha, email, user=user, **fields)
    member_services._place(member)
    member.save()
    roll.activate(member, user)
    client = Client()
    client.force_login(user)
    return member, client


@pytest.fixture
def people(world: World) -> dict[str, Any]:
    me, client = _on_roll(
        world, "me@example.org", name="Me", interests=("math", "data"), postal_code="43215"
    )
    near, _ = _on_roll(
        world,
        "near@example.org",
        name="Near",
        interests=("math",),
        postal_code="43215",
        in_directory=True,
        organization_name="Library",
        sector="library",
        region="Franklin",
    )
    far, _ = _on_roll(
        world,
        "far@example.org",
        name="Far",
        interests=("math", "data"),
        postal_code="44101",
        in_directory=True,
        region="Cuyahoga",
    )
    hidden, _ = _on_roll(world, "hidden@example.org", name="Hidden", interests=("math",))
    _other, _ = _on_roll(
        world, "other@example.org", name="Other", interests=("policy",), in_directory=True
    )
    return {"me": me, "client": client, "near": near, "far": far, "hidden": hidden}


def test_home_shows_listed_members_near_you_sharing_an_interest(
    world: World, people: dict[str, Any]
) -> None:
    page = people["client"].get(f"{NETWORK}/")
    near = page.context["near"]
    assert [n.member.name for n in near] == ["Near", "Far"]  # nearest first, only the listed
    assert near[0].miles == 0.0
    assert near[1].shared == ["data", "math"]
    assert b"near@example.org" not in page.content


def test_visitors_see_what_the_network_is_and_the_join_button(world: World) -> None:
    page = Client().get(f"{NETWORK}/")
    assert b"/e/alpha/network/join/" in page.content


def test_the_directory_lists_only_opted_in_members_and_never_an_address(
    world: World, people: dict[str, Any]
) -> None:
    client = people["client"]
    page = client.get(f"{NETWORK}/directory/")
    names = [m.name for m in page.context["page"].object_list]
    assert names == ["Far", "Near", "Other"]
    for email in (b"far@example.org", b"near@example.org", b"other@example.org"):
        assert email not in page.content
    filtered = client.get(f"{NETWORK}/directory/?interest=data&region=cuyahoga")
    assert [m.name for m in filtered.context["page"].object_list] == ["Far"]
    assert (
        client.get(f"{NETWORK}/directory/?q=Nea&sector=library").context["page"][0].name == "Near"
    )
    # nonsense filters are dropped, not a 500
    assert client.get(f"{NETWORK}/directory/?sector=nope&q=" + "x" * 500).status_code == 200


def test_the_backbone_lists_filters_sorts_and_exports_the_roll(
    world: World, people: dict[str, Any]
) -> None:
    staff = world.client("staff")
    page = staff.get(f"{NETWORK}/members/?q=example.org&sort=-joined&interest=math")
    assert page.status_code == 200
    assert page.context["total"] == 4
    export = staff.get(f"{NETWORK}/members/?format=csv&sector=library")
    text = b"".join(export.streaming_content).decode()
    assert "near@example.org" in text
    assert "far@example.org" not in text
    assert staff.get(f"{NETWORK}/members/?format=xlsx").status_code == 200
    detail = staff.get(f"{NETWORK}/members/{people['near'].pk}/")
    assert b"near@example.org" in detail.content


def test_resources_are_shared_found_and_recommended_once(
    world: World, people: dict[str, Any]
) -> None:
    client = people["client"]
    shared = client.post(
        f"{NETWORK}/resources/share/",
        {
            "title": "Fractions kit",
            "kind": "lesson",
            "url": "https://example.org/kit",
            "topics": ["math"],
            "grade_bands": ["3-5"],
        },
    )
    assert shared.status_code == 302
    resource = Resource.objects.get(title="Fractions kit")
    assert resource.shared_by == people["me"]
    a_file = SimpleUploadedFile("notes.txt", b"plain notes\n", content_type="text/plain")
    client.post(f"{NETWORK}/resources/share/", {"title": "Notes", "kind": "guide", "file": a_file})
    nothing = client.post(f"{NETWORK}/resources/share/", {"title": "Empty", "kind": "guide"})
    assert nothing.status_code == 200
    assert not Resource.objects.filter(title="Empty").exists()
    other = Client()
    other.force_login(people["near"].user)
    other.post(f"{NETWORK}/resources/{resource.pk}/recommend/")
    page = other.get(f"{NETWORK}/resources/?sort=recommended&topic=math")
    assert [r.title for r in page.context["page"].object_list] == ["Fractions kit"]
    assert page.context["page"][0].recommendation_count == 1
    other.post(f"{NETWORK}/resources/{resource.pk}/recommend/")  # a toggle: taken back
    resource.refresh_from_db()
    assert resource.recommendation_count == 0
    assert other.get(f"{NETWORK}/resources/{resource.pk}/edit/").status_code == 404
    assert client.get(f"{NETWORK}/resources/{resource.pk}/remove/").status_code == 200
    client.post(f"{NETWORK}/resources/{resource.pk}/remove/")
    assert not Resource.objects.filter(pk=resource.pk).exists()
    notes = Resource.objects.get(title="Notes")
    download = other.get(f"{NETWORK}/resources/{notes.pk}/file/")
    assert b"".join(download.streaming_content) == b"plain notes\n"


CSV = (
    "email,name,organization,sector,role,region,zip,interests,language,consent,directory\n"
    "ana@example.org,Ana Ruiz,Library,library,educator,Franklin,43215,"
    "math; Family engagement,es,yes,no\n"
    "lee@example.org,Lee Park,,,,,,,en,no,yes\n"
    "me@example.org,Me Again,,,,,,,,no,no\n"
)


def _upload(client: Client, text: str, notify: bool = False) -> MemberImport:
    data: dict[str, Any] = {"file": SimpleUploadedFile("list.csv", text.encode())}
    if notify:
        data["notify"] = "on"
    response = client.post(f"{NETWORK}/members/imports/", data)
    assert response.status_code == 302, response.content
    return MemberImport.objects.latest("pk")


def test_an_import_is_checked_then_applied_whole_mailing_only_the_consented_when_asked(
    world: World, people: dict[str, Any], smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = world.client("staff")
    run = _upload(staff, CSV, notify=True)
    assert run.status == "checked"
    assert run.report["counts"] == {"members": 2, "consented": 1, "on_roll": 1}
    assert not Member.objects.filter(email="ana@example.org").exists()  # a dry run
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"{NETWORK}/members/imports/{run.pk}/apply/", {"confirm": "yes"})
    run.refresh_from_db()
    assert run.status == "applied"
    assert not run.file
    ana = Member.objects.get(email="ana@example.org")
    assert (ana.status, ana.source, ana.user) == ("active", MemberSource.IMPORT, None)
    assert sorted(ana.interests.values_list("code", flat=True)) == ["family", "math"]
    assert ana.latitude is not None
    assert len(smtp.to("ana@example.org")) == 1
    assert smtp.to("lee@example.org") == []  # no consent: never mailed


def test_an_import_is_silent_unless_asked(
    world: World, smtp: Any, django_capture_on_commit_callbacks: Any
) -> None:
    staff = world.client("staff")
    run = _upload(staff, CSV)
    with django_capture_on_commit_callbacks(execute=True):
        staff.post(f"{NETWORK}/members/imports/{run.pk}/apply/", {"confirm": "yes"})
    assert Member.objects.filter(source=MemberSource.IMPORT).count() == 3
    assert smtp.received == []


def test_an_import_with_problems_names_row_and_column_and_adds_nobody(world: World) -> None:
    staff = world.client("staff")
    bad = (
        "email,name,sector,zip,interests,consent\n"
        "ok@example.org,Ok,library,43215,math,yes\n"
        "nope,No,spaceships,abc,knitting,maybe\n"
        "ok@example.org,Twice,,,,no\n"
    )
    run = _upload(staff, bad)
    assert run.status == "has_problems"
    where = {(p.where, p.field) for p in run.problems}
    assert {
        ("row 3", "email"),
        ("row 3", "sector"),
        ("row 3", "zip"),
        ("row 3", "interests"),
        ("row 3", "consent"),
        ("row 4", "email"),
    } <= where
    page = staff.get(f"{NETWORK}/members/imports/{run.pk}/")
    assert b"row 3" in page.content
    assert (
        staff.post(f"{NETWORK}/members/imports/{run.pk}/apply/", {"confirm": "yes"}).status_code
        == 302
    )
    assert not Member.objects.filter(email="ok@example.org").exists()
    missing = _upload(staff, "mail,name\nx@example.org,X\n")
    assert ("row 1", "email") in {(p.where, p.field) for p in missing.problems}


def test_the_api_beside_each_list(world: World, people: dict[str, Any]) -> None:
    client = people["client"]
    directory = client.get(f"{API}/member-directory/?interest=data").json()
    assert [m["name"] for m in directory["results"]] == ["Far"]
    assert "email" not in directory["results"][0]
    assert client.get(f"{API}/member-directory/?sector=nope").status_code == 400
    assert client.get(f"{API}/members/").status_code == 403
    staff = world.client("staff")
    roll_ = staff.get(f"{API}/members/?interest=math&sort=name").json()
    assert [m["email"] for m in roll_["results"]] == [
        "far@example.org",
        "hidden@example.org",
        "me@example.org",
        "near@example.org",
    ]
    assert client.get(f"{API}/resources/").status_code == 200


def test_the_lists_take_as_many_queries_for_many_rows_as_for_few(
    world: World, people: dict[str, Any]
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client, staff = people["client"], world.client("staff")
    pages = (
        (client, f"{NETWORK}/directory/"),
        (client, f"{NETWORK}/resources/"),
        (client, f"{NETWORK}/"),
        (staff, f"{NETWORK}/members/"),
        (client, f"{API}/member-directory/"),
    )

    def counts() -> list[int]:
        found = []
        for who, url in pages:
            with CaptureQueriesContext(connection) as queries:
                assert who.get(url).status_code == 200
            found.append(len(queries))
        return found

    Resource.objects.create(ecosystem=world.alpha, title="One", kind="tool", url="https://a.b")
    few = counts()
    for n in range(8):
        make_member(world.alpha, f"many{n}@example.org", interests=("math",), in_directory=True)
        Resource.objects.create(
            ecosystem=world.alpha,
            shared_by=people["near"],
            title=f"R{n}",
            kind="tool",
            url="https://a.b",
            topics=["math"],
        )
    assert counts() == few
