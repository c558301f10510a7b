"""Partner organization pages: list (search, filter, sort, pages, export), edit, archive."""

from __future__ import annotations

import csv
import io
import zipfile
from typing import Any

import pytest
from openpyxl import load_workbook

from ecotone import concurrency
from ecotone.ecosystems.models import Organization, Sector
from tests.conftest import World, make_organization
from tests.html_forms import browser_form


def test_list_searches_filters_and_sorts(world: World) -> None:
    make_organization(world.alpha, "Zephyr Makers Guild", sector=Sector.MAKERSPACE, city="Riverton")
    client = world.client("anonymous")
    names = lambda response: [o.name for o in response.context["page"].object_list]  # noqa: E731

    assert names(client.get("/e/alpha/partners/?q=riverton")) == [
        "Robotics For All",
        "Zephyr Makers Guild",
    ]
    assert names(client.get("/e/alpha/partners/?sector=library")) == ["Eastside Library"]
    assert names(client.get("/e/alpha/partners/?sort=-name"))[0] == "Zephyr Makers Guild"
    # Another ecosystem's partners never appear.
    assert "Beta Science Center" not in names(client.get("/e/alpha/partners/?q=science"))


def test_list_paginates_and_keeps_the_filters_in_page_links(world: World) -> None:
    for i in range(30):
        make_organization(world.alpha, f"Library {i:02d}", sector=Sector.LIBRARY)
    response = world.client("anonymous").get("/e/alpha/partners/?sector=library")
    assert response.context["page"].paginator.count == 31
    assert len(response.context["page"].object_list) == 25
    assert 'href="?sector=library&amp;page=2"' in response.content.decode()
    second = world.client("anonymous").get("/e/alpha/partners/?sector=library&page=2")
    assert len(second.context["page"].object_list) == 6


def test_empty_result_says_so(world: World) -> None:
    response = world.client("anonymous").get("/e/alpha/partners/?q=nothing-matches-this")
    assert "No partner matches these filters." in response.content.decode()


def test_bad_filter_values_do_not_break_the_page(world: World) -> None:
    response = world.client("anonymous").get("/e/alpha/partners/?sector=bogus&sort=hack&page=x")
    assert response.status_code == 200


def test_list_query_count_does_not_grow_with_rows(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for i in range(40):
        make_organization(world.alpha, f"Org {i}")
    client = world.client("staff")
    client.get("/e/alpha/partners/")
    # 12, plus the navigation's count of listing changes waiting for backbone review.
    with django_assert_max_num_queries(13):
        client.get("/e/alpha/partners/?page=2")


def test_csv_export_has_every_matching_row_and_defuses_formulas(world: World) -> None:
    make_organization(world.alpha, "=HYPERLINK(evil)", sector=Sector.LIBRARY)
    response = world.client("staff").get("/e/alpha/partners/?format=csv&sector=library")
    assert response["Content-Disposition"] == 'attachment; filename="alpha-partners.csv"'
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert rows[0][:2] == ["Name", "Sector"]
    assert sorted(r[0] for r in rows[1:]) == ["'=HYPERLINK(evil)", "Eastside Library"]


def test_xlsx_export_opens_as_a_workbook(world: World) -> None:
    response = world.client("admin").get("/e/alpha/partners/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [row[0] for row in sheet.iter_rows(values_only=True)]
    assert values == ["Name", "Eastside Library", "Robotics For All"]


def test_xlsx_export_writes_a_formula_city_as_text(world: World) -> None:
    formula = '=HYPERLINK("https://evil.example","Open")'
    make_organization(world.alpha, "Harbor Lab", city=formula)
    response = world.client("staff").get("/e/alpha/partners/?format=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    header = [cell.value for cell in sheet[1]]
    row = next(r for r in sheet.iter_rows(min_row=2) if r[0].value == "Harbor Lab")
    city = row[header.index("City")]
    assert (city.value, city.data_type) == (formula, "s")
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        assert "<f>" not in archive.read("xl/worksheets/sheet1.xml").decode()


def test_partner_staff_edit_their_own_organization(world: World) -> None:
    client = world.client("partner_a")
    url = f"/e/alpha/partners/{world.org_a.slug}/edit/"
    response = client.post(
        url,
        {
            "name": "Robotics For All",
            "sector": "youth_nonprofit",
            "coalition_role": "direct_service",
            "website": "robotics.example.org",
            "phone": "555-0199",
        },
    )
    assert response.status_code == 302
    world.org_a.refresh_from_db()
    assert world.org_a.phone == "555-0199"
    assert world.org_a.website == "https://robotics.example.org"


def test_invalid_edit_shows_field_errors_and_changes_nothing(world: World) -> None:
    response = world.client("partner_a").post(
        f"/e/alpha/partners/{world.org_a.slug}/edit/",
        {"name": "", "sector": "nonsense", "coalition_role": "partner", "email": "not-an-email"},
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"name", "sector", "email"}
    world.org_a.refresh_from_db()
    assert world.org_a.name == "Robotics For All"


def test_backbone_adds_a_partner(world: World) -> None:
    response = world.client("staff").post(
        "/e/alpha/partners/new/",
        {"name": "Northbank Makers", "sector": "makerspace", "coalition_role": "partner"},
    )
    organization = Organization.objects.get(name="Northbank Makers")
    assert organization.ecosystem == world.alpha
    assert response["Location"] == organization.get_absolute_url()


def test_archive_asks_first_then_hides_from_the_public(world: World) -> None:
    url = f"/e/alpha/partners/{world.org_a.slug}/archive/"
    staff = world.client("staff")
    confirm = staff.get(url)
    assert "Archive Robotics For All?" in confirm.content.decode()
    world.org_a.refresh_from_db()
    assert world.org_a.archived_at is None  # nothing happens on GET

    staff.post(url)
    world.org_a.refresh_from_db()
    assert world.org_a.is_archived
    anonymous = world.client("anonymous")
    assert anonymous.get(world.org_a.get_absolute_url()).status_code == 404
    assert "Robotics For All" not in anonymous.get("/e/alpha/partners/").content.decode()
    # Backbone staff still find it, and can restore it.
    assert staff.get("/e/alpha/partners/?archived=on").context["page"].paginator.count == 2
    staff.post(url)
    world.org_a.refresh_from_db()
    assert not world.org_a.is_archived


def test_contacts_show_only_to_backbone_and_partner_staff(world: World) -> None:
    world.org_a.contacts.create(name="Pat Quinlan", email="pat@example.org")
    url = world.org_a.get_absolute_url()
    assert "pat@example.org" in world.client("partner_b").get(url).content.decode()
    assert "pat@example.org" in world.client("staff").get(url).content.decode()
    for persona in ("anonymous", "mentor", "member", "outsider"):
        assert "pat@example.org" not in world.client(persona).get(url).content.decode()


def contact_post(world: World, rows: list[dict[str, str]], initial: int) -> dict[str, str]:
    data = {
        "name": "Robotics For All",
        "sector": "youth_nonprofit",
        "coalition_role": "partner",
        "contacts-TOTAL_FORMS": str(len(rows)),
        "contacts-INITIAL_FORMS": str(initial),
        "contacts-MIN_NUM_FORMS": "0",
        "contacts-MAX_NUM_FORMS": "20",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"contacts-{i}-{key}"] = value
    return data


def test_partner_staff_keep_their_contacts(world: World) -> None:
    pat = world.org_a.contacts.create(name="Pat Quinlan", email="pat@example.org", is_primary=True)
    old = world.org_a.contacts.create(name="Old Contact")
    url = f"/e/alpha/partners/{world.org_a.slug}/edit/"
    rows = [
        {
            "id": str(pat.pk),
            "name": "Pat Quinlan",
            "email": "pat.q@example.org",
            "is_primary": "on",
        },
        {"id": str(old.pk), "name": "Old Contact", "DELETE": "on"},
        {"name": "Sam Ortega", "title": "Program Director"},
    ]
    response = world.client("partner_a").post(url, contact_post(world, rows, initial=2))
    assert response.status_code == 302
    contacts = list(world.org_a.contacts.values_list("name", "email", "is_primary"))
    assert contacts == [("Pat Quinlan", "pat.q@example.org", True), ("Sam Ortega", "", False)]


def test_two_primary_contacts_are_refused_and_nothing_changes(world: World) -> None:
    url = f"/e/alpha/partners/{world.org_a.slug}/edit/"
    rows = [
        {"name": "One", "is_primary": "on"},
        {"name": "Two", "is_primary": "on"},
    ]
    response = world.client("partner_a").post(url, contact_post(world, rows, initial=0))
    assert response.status_code == 200
    assert "Only one contact can be the primary contact." in response.content.decode()
    assert not world.org_a.contacts.exists()


def test_contact_of_another_organization_cannot_be_edited_through_this_one(world: World) -> None:
    theirs = world.org_b.contacts.create(name="Not Yours")
    response = world.client("partner_a").patch(
        f"/api/v1/ecosystems/alpha/organizations/{world.org_a.slug}/",
        {"contacts": [{"id": theirs.pk, "name": "Hijacked"}]},
        content_type="application/json",
    )
    assert response.status_code == 400
    theirs.refresh_from_db()
    assert theirs.name == "Not Yours"


def test_api_replaces_the_contact_list(world: World) -> None:
    world.org_a.contacts.create(name="Leaving")
    response = world.client("staff").patch(
        f"/api/v1/ecosystems/alpha/organizations/{world.org_a.slug}/",
        {"contacts": [{"name": "Arriving", "email": "arriving@example.org", "is_primary": True}]},
        content_type="application/json",
    )
    assert response.status_code == 200
    assert [c["name"] for c in response.json()["contacts"]] == ["Arriving"]
    invalid = world.client("staff").patch(
        f"/api/v1/ecosystems/alpha/organizations/{world.org_a.slug}/",
        {"contacts": [{"name": "", "email": "nope"}]},
        content_type="application/json",
    )
    assert invalid.status_code == 400
    assert "contacts" in invalid.json()


# Concurrent edits ------------------------------------------------------------------------------


def test_a_second_editor_of_a_partner_sees_the_conflict_and_keeps_their_input(
    world: World,
) -> None:
    url = f"/e/alpha/partners/{world.org_a.slug}/edit/"
    first, second = world.client("partner_a"), world.client("staff")
    first_form = browser_form(first.get(url).content.decode(), "contacts-TOTAL_FORMS")
    second_form = browser_form(second.get(url).content.decode(), "contacts-TOTAL_FORMS")

    assert first.post(url, {**first_form, "name": "Robotics For Everyone"}).status_code == 302
    response = second.post(url, {**second_form, "phone": "555-0199"})

    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this record after you opened it" in html
    assert response.context["conflict"].changes == [
        concurrency.FieldChange("Name", "Robotics For All", "Robotics For Everyone")
    ]
    assert 'value="555-0199"' in html  # their input is kept
    world.org_a.refresh_from_db()
    assert (world.org_a.name, world.org_a.phone) == ("Robotics For Everyone", "")

    # Saving again, having seen the other change, is their decision to make.
    again = browser_form(html, "contacts-TOTAL_FORMS")
    assert second.post(url, again).status_code == 302
    world.org_a.refresh_from_db()
    assert (world.org_a.name, world.org_a.phone) == ("Robotics For All", "555-0199")


def test_an_edit_without_the_loaded_version_is_saved_as_before(world: World) -> None:
    url = f"/e/alpha/partners/{world.org_a.slug}/edit/"
    form = browser_form(world.client("partner_a").get(url).content.decode(), "name")
    del form[concurrency.LOADED_FIELD]
    world.client("staff").post(url, {**form, "name": "Renamed"})
    assert world.client("partner_a").post(url, {**form, "phone": "555-0100"}).status_code == 302


def test_api_sends_an_etag_and_refuses_a_stale_if_match(world: World) -> None:
    url = f"/api/v1/ecosystems/alpha/organizations/{world.org_a.slug}/"
    client = world.client("staff")
    loaded = client.get(url)["ETag"]
    assert loaded

    renamed = client.patch(
        url, {"name": "Renamed"}, "application/json", headers={"If-Match": loaded}
    )
    assert renamed.status_code == 200
    current = renamed["ETag"]
    assert current != loaded
    assert client.get(url)["ETag"] == current

    stale = client.patch(
        url, {"phone": "555-0199"}, "application/json", headers={"If-Match": loaded}
    )
    assert stale.status_code == 412
    assert "Someone else changed this record" in stale.json()["detail"]
    world.org_a.refresh_from_db()
    assert world.org_a.phone == ""

    fresh = client.patch(
        url, {"phone": "555-0199"}, "application/json", headers={"If-Match": current}
    )
    assert fresh.status_code == 200
    unconditional = client.patch(url, {"phone": "555-0100"}, "application/json")
    assert unconditional.status_code == 200
    world.org_a.refresh_from_db()
    assert (world.org_a.name, world.org_a.phone) == ("Renamed", "555-0100")


def test_the_service_refuses_a_stale_version_inside_its_transaction(world: World) -> None:
    from ecotone.ecosystems import services

    loaded = concurrency.version_of(world.org_a)
    services.update_organization(
        Organization.objects.get(pk=world.org_a.pk), world.users["staff"], name="Renamed"
    )
    with pytest.raises(concurrency.EditConflictError):
        services.update_organization(
            world.org_a, world.users["partner_a"], expected_version=loaded, phone="555-0199"
        )


def test_a_partner_page_shown_again_for_a_mistake_still_catches_a_change_made_meanwhile(
    world: World,
) -> None:
    url = f"/e/alpha/partners/{world.org_a.slug}/edit/"
    first, second = world.client("partner_a"), world.client("staff")
    second_form = browser_form(second.get(url).content.decode(), "contacts-TOTAL_FORMS")
    first_form = browser_form(first.get(url).content.decode(), "contacts-TOTAL_FORMS")
    assert first.post(url, {**first_form, "name": "Robotics For Everyone"}).status_code == 302

    mistake = second.post(url, {**second_form, "name": ""})
    assert mistake.status_code == 200
    assert mistake.context["conflict"] is None
    corrected = browser_form(mistake.content.decode(), "contacts-TOTAL_FORMS")
    response = second.post(url, {**corrected, "name": "Robotics For All", "phone": "555-0199"})

    assert response.status_code == 200
    assert response.context["conflict"].changes[0].after == "Robotics For Everyone"
    world.org_a.refresh_from_db()
    assert (world.org_a.name, world.org_a.phone) == ("Robotics For Everyone", "")
