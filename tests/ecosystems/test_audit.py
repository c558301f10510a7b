"""The audit log records who changed what, and each ecosystem reads only its own."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from auditlog.models import LogEntry
from django.utils import formats, timezone

from ecotone.ecosystems import services
from ecotone.ecosystems.models import Contact, Organization
from tests.conftest import World
from tests.directory.test_search import add_program
from tests.mentoring.builders import make_mentor
from tests.test_i18n import spanish_client


def test_changes_are_logged_with_actor_and_diff(world: World) -> None:
    client = world.client("partner_a")
    client.post(
        f"/e/alpha/partners/{world.org_a.slug}/edit/",
        {"name": "Robotics For Everyone", "sector": "youth_nonprofit", "coalition_role": "partner"},
    )
    page = world.client("admin").get("/e/alpha/audit/")
    entry = page.context["page"].object_list[0]
    assert entry.actor == world.users["partner_a"]
    assert entry.changes_dict["name"] == ["Robotics For All", "Robotics For Everyone"]
    assert "Robotics For Everyone" in page.content.decode()


def test_each_ecosystem_reads_only_its_own_log(world: World) -> None:
    services.update_organization(world.org_beta, world.users["admin"], phone="555-0000")
    services.update_organization(world.org_a, world.users["admin"], phone="555-1111")
    entries = world.client("admin").get("/e/alpha/audit/").context["page"].object_list
    reprs = {e.object_repr for e in entries}
    assert "Robotics For All" in reprs
    assert "Beta Science Center" not in reprs
    assert not any("Beta Bay" in r for r in reprs)
    api = world.client("admin").get("/api/v1/ecosystems/alpha/audit-log/").json()["results"]
    assert api[0]["object_repr"] == "Robotics For All"
    assert api[0]["raw_changes"]["phone"] == ["", "555-1111"]
    assert "Beta Science Center" not in {e["object_repr"] for e in api}


def test_role_changes_are_logged(world: World) -> None:
    membership = world.memberships["mentor"]
    services.change_membership(membership, world.users["admin"], role="reviewer")
    entries = world.client("admin").get("/e/alpha/audit/?kind=membership").context["page"]
    assert entries.object_list[0].changes_dict["role"] == ["mentor", "reviewer"]


def test_changes_read_as_people_expect() -> None:
    from ecotone.ecosystems.templatetags.audit import describe_change

    assert describe_change(["", "555-1111"]) == "555-1111"
    assert describe_change(["mentor", "reviewer"]) == "mentor → reviewer"
    assert describe_change(["None", "x"]) == "x"
    m2m = {"type": "m2m", "operation": "add", "objects": ["Eastside Library"]}
    assert describe_change(m2m) == "added Eastside Library"
    assert describe_change({**m2m, "operation": "delete"}) == "removed Eastside Library"


def _readable(entry: Any) -> dict[str, str]:
    return dict(entry.readable)


def test_the_log_names_related_records_and_writes_values_as_people_read_them(
    world: World,
) -> None:
    admin = world.users["admin"]
    services.update_organization(world.org_a, admin, sector="library")
    services.archive_organization(world.org_b, admin)
    Contact.objects.create(organization=world.org_a, name="Maya Chen", is_primary=True)
    response = world.client("admin").get("/e/alpha/audit/")
    entries = response.context["page"].object_list
    contact = next(e for e in entries if e.content_type.model == "contact")
    assert _readable(contact) == {
        "Organization": "Robotics For All",  # the partner's name, not its id
        "Name": "Maya Chen",
        "Primary contact": "yes",
    }
    sector = next(e for e in entries if "sector" in e.changes_dict)
    assert _readable(sector) == {"Sector": "Afterschool or youth nonprofit → Library"}
    archived = next(e for e in entries if "archived_at" in e.changes_dict)
    org_b = Organization.objects.get(pk=world.org_b.pk)
    assert org_b.archived_at is not None
    assert org_b.archived_at.microsecond  # stored to the microsecond
    assert _readable(archived) == {
        "Archived": formats.date_format(timezone.localtime(org_b.archived_at), "DATETIME_FORMAT")
    }
    partner = world.memberships["partner_a"]
    created = next(
        e
        for e in entries
        if e.content_type.model == "membership"
        and e.object_pk == str(partner.pk)
        and e.action == LogEntry.Action.CREATE
    )
    assert _readable(created)["User"] == "Partner A"
    body = response.content.decode()
    assert "Maya Chen" in body
    assert "Afterschool or youth nonprofit → Library" in body


def test_records_pointing_at_a_tracked_one_are_not_logged_as_its_fields(world: World) -> None:
    add_program(world, "Robotics Club")
    response = world.client("admin").get("/e/alpha/audit/?kind=program")
    (entry,) = response.context["page"].object_list
    assert entry.object_repr == "Robotics Club"
    for reverse in ("funding", "languages", "program_locations", "attributes", "schedules"):
        assert reverse not in entry.changes_dict
    assert _readable(entry)["Organization"] == "Robotics For All"
    assert "Funding.None" not in response.content.decode()
    assert ".None" not in response.content.decode()


def test_the_record_type_filter_offers_every_tracked_kind(world: World) -> None:
    add_program(world, "Robotics Club")
    client = world.client("admin")
    response = client.get("/e/alpha/audit/")
    kinds = dict(response.context["kinds"])
    assert {
        "ecosystem",
        "organization",
        "contact",
        "membership",
        "invitation",
        "program",
        "location",
        "listingchange",
        "analysis",
        "scenario",
        "mentor",
        "screeningrecord",
        "opportunity",
        "matchinground",
        "match",
        "hourlog",
    } <= set(kinds)
    assert (kinds["program"], kinds["listingchange"]) == ("Program", "Listing change")
    assert '<option value="program">Program</option>' in response.content.decode()
    api = client.get("/api/v1/ecosystems/alpha/audit-log/?kind=program").json()["results"]
    assert [e["object_repr"] for e in api] == ["Robotics Club"]
    assert list(client.get("/e/alpha/audit/?kind=nonsense").context["page"].object_list) == []


def test_mentoring_changes_reach_the_ecosystem_log(world: World) -> None:
    make_mentor(world.alpha, "ada@mentor.test", name="Ada Lovelace", identity_tags=["woman"])
    entries = world.client("admin").get("/e/alpha/audit/?kind=mentor").context["page"]
    (entry,) = entries.object_list
    assert entry.object_repr == "Ada Lovelace"
    readable = _readable(entry)
    assert readable["User"] == "Ada Lovelace"
    assert "identity_tags" not in entry.changes_dict  # self-identification stays out of history
    beta = LogEntry.objects.filter(additional_data__ecosystem_id=world.beta.pk)
    assert not beta.filter(object_repr="Ada Lovelace").exists()


def test_the_audit_page_reads_related_names_in_a_few_queries(
    world: World, django_assert_max_num_queries: Any
) -> None:
    for i in range(40):
        Contact.objects.create(organization=world.org_a, name=f"Contact {i:02d}")
    client = world.client("admin")
    client.get("/e/alpha/audit/")
    with django_assert_max_num_queries(16):
        client.get("/e/alpha/audit/?page=2")
    client.get("/api/v1/ecosystems/alpha/audit-log/?per_page=10")
    with django_assert_max_num_queries(12):
        response = client.get("/api/v1/ecosystems/alpha/audit-log/?per_page=10&page=2")
    assert {c["label"] for e in response.json()["results"] for c in e["changes"]} >= {"Name"}


def test_the_audit_log_reads_in_spanish(world: World) -> None:
    Contact.objects.create(organization=world.org_a, name="Maya Chen", is_primary=True)
    client = spanish_client(world.client("admin"))
    body = client.get("/e/alpha/audit/").content.decode()
    assert "<b>Contacto principal</b>: sí" in body
    assert "<b>Organización</b>: Robotics For All" in body


def test_the_log_writes_its_times_out_in_english_and_spanish(world: World) -> None:
    Contact.objects.create(organization=world.org_a, name="Maya Chen")
    LogEntry.objects.filter(additional_data__ecosystem_id=world.alpha.pk).update(
        timestamp=datetime(2026, 12, 6, 14, 5, tzinfo=UTC)
    )
    english = world.client("admin").get("/e/alpha/audit/").content.decode()
    assert ">6 Dec 2026, 14:05</time>" in english
    spanish = spanish_client(world.client("admin")).get("/e/alpha/audit/").content.decode()
    assert ">6 dic 2026, 14:05</time>" in spanish


def test_the_api_reads_changes_as_the_page_does_and_keeps_the_stored_values(
    world: World,
) -> None:
    admin = world.users["admin"]
    services.update_organization(world.org_a, admin, sector="library")
    Contact.objects.create(organization=world.org_a, name="Maya Chen", is_primary=True)
    add_program(world, "Robotics Club")
    client = world.client("admin")
    api = client.get("/api/v1/ecosystems/alpha/audit-log/").json()["results"]
    contact = next(e for e in api if e["kind"] == "contact")
    assert contact["changes"] == [
        {"field": "organization", "label": "Organization", "change": "Robotics For All"},
        {"field": "name", "label": "Name", "change": "Maya Chen"},
        {"field": "is_primary", "label": "Primary contact", "change": "yes"},
    ]
    assert contact["raw_changes"]["organization"] == ["None", str(world.org_a.pk)]
    sector = next(e for e in api if "sector" in e["raw_changes"])
    assert sector["changes"] == [
        {"field": "sector", "label": "Sector", "change": "Afterschool or youth nonprofit → Library"}
    ]
    assert sector["raw_changes"]["sector"] == ["youth_nonprofit", "library"]
    program = client.get("/api/v1/ecosystems/alpha/audit-log/?kind=program").json()["results"]
    assert ".None" not in str(program[0]["changes"])
    spanish = spanish_client(world.client("admin"))
    api = spanish.get("/api/v1/ecosystems/alpha/audit-log/?kind=contact").json()["results"]
    assert {"field": "is_primary", "label": "Contacto principal", "change": "sí"} in api[0][
        "changes"
    ]


def test_nested_services_leave_no_audit_receiver_behind_and_keep_the_actor(world: World) -> None:
    """A service inside a service (and every service inside a request's audit context) once
    left one signal receiver connected per call, for the life of the process, and the outer
    context's later entries had no actor."""
    from django.db.models.signals import pre_save

    admin, staff = world.users["admin"], world.users["staff"]
    receivers = len(pre_save.receivers)
    for _ in range(5):
        with services.acting(admin):
            services.update_organization(world.org_b, staff, phone="555-0101")
            services.update_organization(world.org_a, admin, phone="555-2222")
    assert len(pre_save.receivers) == receivers

    entry = LogEntry.objects.get_for_object(world.org_a).latest("timestamp")
    assert entry.actor == admin
    assert LogEntry.objects.get_for_object(world.org_b).latest("timestamp").actor == staff


def test_a_request_that_calls_services_leaves_no_audit_receiver_behind(world: World) -> None:
    from django.db.models.signals import pre_save

    client = world.client("partner_a")
    url = f"/e/alpha/partners/{world.org_a.slug}/edit/"
    data = {"sector": "youth_nonprofit", "coalition_role": "partner"}
    client.post(url, {**data, "name": "Robotics For Everyone"})
    receivers = len(pre_save.receivers)
    for n in range(3):
        client.post(url, {**data, "name": f"Robotics For All {n}"})
    assert len(pre_save.receivers) == receivers
