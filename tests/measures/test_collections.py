"""Data collections: the backbone opens one (indicators x periods x partners, due date,
reminders), follows the status grid, and partners answer it with the collection's template, a
file or the web form; rows outside the collection are flagged; reminders go once per stage."""

from __future__ import annotations

import datetime
import io
from typing import Any

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from openpyxl import load_workbook

from ecotone.errors import DomainError
from ecotone.measures import checks
from ecotone.measures.models import CollectionReminder, DataCollection, Review, Submission
from ecotone.measures.services import collections, facts, submissions
from tests.measures.test_submissions import GOOD, HEADER

pytestmark = pytest.mark.django_db

PAGES = "/e/alpha/measures/collections"


def open_collection(world: Any, **kwargs: Any) -> DataCollection:
    values = {
        "name": "Fall 2024 counts",
        "indicators": ["young-people-served"],
        "periods": [facts.school_year(world.alpha, 2024).pk],
        "organizations": [world.org_a.pk, world.org_b.pk],
        "due_on": timezone.localdate() + datetime.timedelta(days=20),
        "remind_days_before": 7,
    }
    values.update(kwargs)
    return collections.save_collection(world.alpha, world.users["staff"], **values)


def upload(world: Any, text: str, collection: DataCollection | None, org: Any = None) -> Submission:
    return submissions.check_submission_file(
        org or world.org_a,
        SimpleUploadedFile("values.csv", text.encode()),
        user=world.users["partner_a" if org in (None, world.org_a) else "partner_b"],
        collection=collection,
    )


YOUNG_PEOPLE = HEADER + "young-people-served,2024–25,,,30,,\n"


# --- services ----------------------------------------------------------------------------------


def test_a_collection_asks_only_published_indicators_and_periods_of_their_type(
    setup: Any,
) -> None:
    with pytest.raises(DomainError, match="Not published"):
        open_collection(setup, indicators=["mentor-hours"])
    quarter = facts.Period.objects.create(
        ecosystem=setup.alpha,
        type="quarter",
        start=datetime.date(2024, 7, 1),
        end=datetime.date(2024, 9, 30),
        label="2024 Q3",
    )
    with pytest.raises(DomainError, match="counted by school year"):
        open_collection(setup, periods=[quarter.pk])
    with pytest.raises(DomainError, match="partners"):
        open_collection(setup, organizations=[])


def test_rows_outside_the_collection_are_flagged_with_a_coded_problem(setup: Any) -> None:
    collection = open_collection(setup)
    run = upload(setup, GOOD, collection)
    assert run.status == "has_problems"
    assert [(p["code"], p["where"], p["field"]) for p in run.report["problems"]] == [
        ("outside_collection", "row 5", "indicator")
    ]
    other_year = HEADER + "young-people-served,2025–26,,,30,,\n"
    run = upload(setup, other_year, collection)
    assert [(p["code"], p["field"]) for p in run.report["problems"]] == [
        ("outside_collection", "period")
    ]
    # the same file without the collection passes: the rule is the collection's alone
    assert upload(setup, GOOD, None).status == "checked"


def test_a_closed_collection_or_one_not_asking_the_partner_takes_no_file(setup: Any) -> None:
    collection = open_collection(setup, organizations=[setup.org_b.pk])
    with pytest.raises(DomainError, match="does not ask this partner"):
        upload(setup, YOUNG_PEOPLE, collection)
    collections.close_collection(collection, setup.users["staff"])
    with pytest.raises(DomainError, match="closed"):
        upload(setup, YOUNG_PEOPLE, collection, org=setup.org_b)


def test_the_grid_says_who_submitted_was_approved_returned_or_is_missing(setup: Any) -> None:
    collection = open_collection(setup)
    share = open_collection(
        setup, name="Shares", indicators=["share-girls"], organizations=[setup.org_a.pk]
    )
    run = upload(setup, YOUNG_PEOPLE, collection)
    submissions.submit_submission(run, user=setup.users["partner_a"])

    def statuses(day: Any = None) -> dict[Any, list[str]]:
        grid = collections.progress(collection, day)
        return {r.organization: [c.status for c in r.cells] for r in grid.rows}

    assert statuses() == {setup.org_a: ["submitted"], setup.org_b: ["missing"]}
    submissions.return_submission(run, user=setup.users["staff"], comment="Too low.")
    assert statuses()[setup.org_a] == ["returned"]
    again = upload(setup, YOUNG_PEOPLE, collection)
    submissions.submit_submission(again, user=setup.users["partner_a"])
    submissions.approve_submission(again, user=setup.users["staff"])
    after_due = collection.due_on + datetime.timedelta(days=1)
    assert statuses(after_due) == {setup.org_a: ["approved"], setup.org_b: ["overdue"]}
    totals = collections.progress(collection, after_due).totals
    assert totals["approved"] == 1
    assert totals["overdue"] == 1
    assert [c.status for c in collections.progress(share).rows[0].cells] == ["missing"]


# --- reminders -----------------------------------------------------------------------------------


def test_reminders_go_to_partners_behind_once_per_stage(
    setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    collection = open_collection(setup)
    run = upload(setup, YOUNG_PEOPLE, collection, org=setup.org_b)
    submissions.submit_submission(run, user=setup.users["partner_b"])
    mail.outbox.clear()
    early = collection.due_on - datetime.timedelta(days=8)
    assert collections.send_reminders(setup.alpha, early) == 0

    soon = collection.due_on - datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert collections.send_reminders(setup.alpha, soon) == 1
    assert [m.to for m in mail.outbox] == [[setup.users["partner_a"].email]]
    message = mail.outbox[0]
    assert collection.name in message.subject
    assert "is due on" in message.body
    assert f"?collection={collection.pk}" in message.body
    html, kind = message.alternatives[0]
    assert kind == "text/html"
    assert collection.name in html
    with django_capture_on_commit_callbacks(execute=True):
        assert collections.send_reminders(setup.alpha, soon + datetime.timedelta(days=1)) == 0
    assert len(mail.outbox) == 1

    late = collection.due_on + datetime.timedelta(days=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert collections.send_reminders(setup.alpha, late) == 1
        assert collections.send_reminders(setup.alpha, late + datetime.timedelta(days=3)) == 0
    assert len(mail.outbox) == 2
    assert "was due on" in mail.outbox[1].body
    assert set(CollectionReminder.objects.values_list("stage", "organization", "recipients")) == {
        ("before_due", setup.org_a.pk, 1),
        ("overdue", setup.org_a.pk, 1),
    }


def test_a_partner_reminded_with_nobody_to_read_it_is_reminded_once_someone_can(
    setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    collection = open_collection(setup, organizations=[setup.org_b.pk])
    keeper = setup.users["partner_b"]
    keeper.is_active = False
    keeper.save()
    soon = collection.due_on - datetime.timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        collections.send_reminders(setup.alpha, soon)
    assert mail.outbox == []

    keeper.is_active = True
    keeper.save()
    with django_capture_on_commit_callbacks(execute=True):
        assert collections.send_reminders(setup.alpha, soon + datetime.timedelta(days=1)) == 1
        assert collections.send_reminders(setup.alpha, soon + datetime.timedelta(days=2)) == 0
    assert [m.to for m in mail.outbox] == [[keeper.email]]
    assert list(CollectionReminder.objects.values_list("stage", "recipients")) == [
        ("before_due", 1)
    ]


def test_a_closed_collection_sends_no_reminder(setup: Any) -> None:
    collection = open_collection(setup)
    collections.close_collection(collection, setup.users["staff"])
    late = collection.due_on + datetime.timedelta(days=1)
    assert collections.send_reminders(setup.alpha, late) == 0


def test_the_reminders_command_runs_for_every_active_ecosystem(setup: Any) -> None:
    from django.core.management import call_command

    open_collection(setup, due_on=timezone.localdate() - datetime.timedelta(days=1))
    out = io.StringIO()
    call_command("measures_reminders", "--ecosystem", "alpha", stdout=out)
    assert "alpha: 2 partner(s) reminded" in out.getvalue()


# --- pages ---------------------------------------------------------------------------------------


def test_backbone_staff_open_a_collection_with_the_form(setup: Any) -> None:
    staff = setup.client("staff")
    assert staff.get(f"{PAGES}/new/").status_code == 200
    year = facts.school_year(setup.alpha, 2024)
    response = staff.post(
        f"{PAGES}/new/",
        {
            "name": "Spring counts",
            "indicators": ["young-people-served"],
            "periods": [str(year.pk)],
            "organizations": [str(setup.org_a.pk)],
            "due_on": "2030-05-01",
            "remind_days_before": "5",
            "remind_when_overdue": "on",
        },
    )
    collection = DataCollection.objects.get()
    assert response.url == collection.get_absolute_url()
    assert (collection.name, collection.due_on, collection.remind_days_before) == (
        "Spring counts",
        datetime.date(2030, 5, 1),
        5,
    )
    response = staff.post(
        f"{PAGES}/{collection.pk}/edit/",
        {
            "name": "Spring counts",
            "indicators": ["young-people-served", "share-girls"],
            "periods": [str(year.pk)],
            "organizations": [str(setup.org_a.pk), str(setup.org_b.pk)],
            "due_on": "2030-05-08",
            "remind_days_before": "0",
        },
    )
    assert response.status_code == 302
    collection.refresh_from_db()
    assert collection.organizations.count() == 2
    assert (collection.remind_days_before, collection.remind_when_overdue) == (0, False)


def test_closing_a_collection_asks_for_confirmation(setup: Any) -> None:
    collection = open_collection(setup)
    staff = setup.client("staff")
    assert "Close" in staff.get(f"{PAGES}/{collection.pk}/close/").content.decode()
    staff.post(f"{PAGES}/{collection.pk}/close/", {})
    collection.refresh_from_db()
    assert collection.is_open
    staff.post(f"{PAGES}/{collection.pk}/close/", {"confirm": "yes"})
    collection.refresh_from_db()
    assert not collection.is_open


def test_the_list_searches_sorts_pages_and_exports(setup: Any) -> None:
    open_collection(setup, name="Fall counts")
    open_collection(setup, name="Winter counts", due_on=datetime.date(2031, 1, 1))
    staff = setup.client("staff")
    page = staff.get(f"{PAGES}/?q=winter").content.decode()
    assert "Winter counts" in page
    assert "Fall counts" not in page
    page = staff.get(f"{PAGES}/?sort=due_on").content.decode()
    assert page.index("Fall counts") < page.index("Winter counts")
    response = staff.get(f"{PAGES}/?format=csv&sort=name")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert text.splitlines()[1].startswith("Fall counts,")
    book = load_workbook(io.BytesIO(staff.get(f"{PAGES}/?format=xlsx").content))
    assert book.active.max_row == 3


def test_the_list_query_count_does_not_grow_with_collections(
    setup: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(26):
        open_collection(setup, name=f"Round {n}")
    staff = setup.client("staff")
    staff.get(f"{PAGES}/")
    with django_assert_max_num_queries(14):
        staff.get(f"{PAGES}/?page=2")


def test_partners_see_only_the_collections_that_ask_them(setup: Any) -> None:
    mine = open_collection(setup, name="Ours", organizations=[setup.org_a.pk])
    theirs = open_collection(setup, name="Theirs", organizations=[setup.org_b.pk])
    partner = setup.client("partner_a")
    page = partner.get(f"{PAGES}/").content.decode()
    assert "My collections" in page
    assert "Ours" in page
    assert "Theirs" not in page
    assert partner.get(theirs.get_absolute_url()).status_code == 404
    detail = partner.get(mine.get_absolute_url()).content.decode()
    assert "Template (CSV)" in detail
    assert "Enter values in a form" in detail
    assert partner.get(f"{PAGES}/{mine.pk}/edit/").status_code == 403


def test_a_partner_sees_its_own_row_of_the_grid_and_the_backbone_every_row(setup: Any) -> None:
    collection = open_collection(setup)
    partner_page = setup.client("partner_a").get(collection.get_absolute_url()).content.decode()
    assert setup.org_a.name in partner_page
    assert setup.org_b.name not in partner_page
    staff_page = setup.client("staff").get(collection.get_absolute_url()).content.decode()
    assert setup.org_a.name in staff_page
    assert setup.org_b.name in staff_page
    assert "Missing" in staff_page


def test_the_collection_template_holds_its_indicators_and_periods_only(setup: Any) -> None:
    facts.school_year(setup.alpha, 2025)
    collection = open_collection(setup)
    response = setup.client("partner_a").get(f"{PAGES}/{collection.pk}/template/?format=csv")
    lines = b"".join(response.streaming_content).decode("utf-8-sig").splitlines()
    assert lines[0] == ",".join(checks.COLUMNS)
    assert {tuple(line.split(",")[:2]) for line in lines[1:]} == {
        ("young-people-served", "2024–25")
    }
    # the general template (latest period, every indicator in scope) is a different file
    assert submissions.template_rows(setup.alpha, setup.org_a) != submissions.template_rows(
        setup.alpha, setup.org_a, collection
    )


def test_the_upload_page_names_the_collection_and_the_check_applies_it(setup: Any) -> None:
    collection = open_collection(setup)
    partner = setup.client("partner_a")
    page = partner.get(f"/e/alpha/measures/submissions/new/?collection={collection.pk}")
    assert f'<option value="{collection.pk}" selected' in page.content.decode()
    partner.post(
        "/e/alpha/measures/submissions/new/",
        {
            "organization": setup.org_a.pk,
            "collection": collection.pk,
            "file": SimpleUploadedFile("v.csv", GOOD.encode()),
        },
    )
    run = Submission.objects.get()
    assert run.collection == collection
    assert "outside_collection" in partner.get(run.get_absolute_url()).content.decode()


def test_the_web_form_becomes_a_submission_checked_by_the_same_rules(setup: Any) -> None:
    collection = open_collection(setup)
    partner = setup.client("partner_a")
    url = f"{PAGES}/{collection.pk}/form/"
    choose = partner.get(url).content.decode()
    assert "Young people served" in choose
    year = facts.school_year(setup.alpha, 2024)
    form = partner.get(f"{url}?indicator=young-people-served&period={year.pk}").content.decode()
    assert "Total" in form
    assert "Female" in form
    fields = {"indicator": "young-people-served", "period": year.pk}
    # row 0 is the total, 1..3 the sexes (Female, Male, not selected): they do not add up
    partner.post(url, {**fields, "value_0": "30", "value_1": "16", "value_2": "10"})
    run = Submission.objects.get()
    assert run.collection == collection
    assert run.original_filename == "web-form-young-people-served.csv"
    assert [p["code"] for p in run.report["problems"]] == ["breakdown_does_not_add_up"]
    response = partner.post(url, {**fields, "value_0": "30", "value_1": "16", "value_2": "14"})
    fixed = Submission.objects.latest("pk")
    assert response.url == fixed.get_absolute_url()
    assert fixed.status == "checked"
    assert fixed.review == Review.DRAFT
    partner.post(f"/e/alpha/measures/submissions/{fixed.pk}/submit/", {"confirm": "yes"})
    fixed.refresh_from_db()
    assert fixed.review == Review.SUBMITTED


def test_the_web_form_starts_from_the_partners_approved_numbers(setup: Any) -> None:
    collection = open_collection(setup)
    by_sex = YOUNG_PEOPLE + "young-people-served,2024–25,Female,,16,,\n"
    run = upload(setup, by_sex + "young-people-served,2024–25,Male,,14,,\n", collection)
    submissions.submit_submission(run, user=setup.users["partner_a"])
    submissions.approve_submission(run, user=setup.users["staff"])
    year = facts.school_year(setup.alpha, 2024)
    page = setup.client("partner_a").get(
        f"{PAGES}/{collection.pk}/form/?indicator=young-people-served&period={year.pk}"
    )
    form = page.context["form"]
    assert (form["value_0"].value(), form["value_1"].value(), form["value_2"].value()) == (
        "30",
        "16",
        "14",
    )


def test_the_web_form_leaves_reading_the_numbers_to_the_check(setup: Any) -> None:
    collection = open_collection(setup)
    year = facts.school_year(setup.alpha, 2024)
    fields = {"indicator": "young-people-served", "period": year.pk}
    setup.client("partner_a").post(
        f"{PAGES}/{collection.pk}/form/", {**fields, "value_0": "many", "value_1": "-2"}
    )
    run = Submission.objects.get()
    assert [(p["code"], p["where"]) for p in run.report["problems"]] == [
        ("not_a_number", "row 2"),
        ("value_out_of_range", "row 3"),
    ]


def test_the_web_form_refuses_an_empty_form_and_another_partner(setup: Any) -> None:
    collection = open_collection(setup, organizations=[setup.org_a.pk])
    year = facts.school_year(setup.alpha, 2024)
    url = f"{PAGES}/{collection.pk}/form/"
    fields = {"indicator": "young-people-served", "period": year.pk}
    page = setup.client("partner_a").post(url, fields)
    assert "Enter at least one number." in page.content.decode()
    assert setup.client("partner_b").post(url, {**fields, "value_0": "3"}).status_code == 404
    assert not Submission.objects.exists()
