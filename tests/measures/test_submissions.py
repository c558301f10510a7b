"""Partners' submissions through their services: stored as received, checked with coded
problems, submitted, approved (values written whole) or returned, superseded by a later one."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from ecotone.errors import DomainError
from ecotone.measures.models import Indicator, Review, Submission, Value
from ecotone.measures.services import agreements, crosswalk, submissions

pytestmark = pytest.mark.django_db

HEADER = "indicator,period,sex,race,value,numerator,denominator\n"
GOOD = (
    HEADER
    + "young-people-served,2024–25,,,30,,\n"
    + "young-people-served,2024–25,Female,,16,,\n"
    + "young-people-served,2024–25,M,,14,,\n"
    + "share-girls,2024–25,,Asian,,3,5\n"
)


def upload(text: str, name: str = "values.csv") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, text.encode("utf-8"))


def check(world: Any, text: str, org: Any = None, **kwargs: Any) -> Submission:
    return submissions.check_submission_file(
        org or world.org_a, upload(text, **kwargs), user=world.users["partner_a"]
    )


def approve(world: Any, run: Submission) -> Submission:
    submissions.submit_submission(run, user=world.users["partner_a"])
    submissions.approve_submission(run, user=world.users["staff"])
    run.refresh_from_db()
    return run


def test_a_good_file_is_checked_and_stored_as_received(setup: Any) -> None:
    run = check(setup, GOOD)
    assert run.status == "checked"
    assert run.review == Review.DRAFT
    assert run.report["counts"] == {"rows": 4, "indicators": 2, "periods": 1}
    assert run.file.read().decode() == GOOD
    assert not Value.objects.exists()


def test_problems_are_coded_by_row_and_field_in_the_persons_language(setup: Any) -> None:
    from django.utils import translation

    text = HEADER + "young-people-served,2024–25,Q,,3,,\nnope,2024–25,,,1,,\n"
    with translation.override("es"):
        run = check(setup, text)
    assert run.status == "has_problems"
    assert [(p["code"], p["where"], p["field"]) for p in run.report["problems"]] == [
        ("unknown_code", "fila 2", "sex"),
        ("unknown_indicator", "fila 3", "indicator"),
    ]
    assert "no es un código" in run.report["problems"][0]["message"]


def test_a_file_with_its_header_and_no_rows_is_refused_not_submitted_as_nothing(
    setup: Any,
) -> None:
    run = check(setup, HEADER)
    assert run.status == "has_problems"
    assert [p["code"] for p in run.report["problems"]] == ["no_rows"]


def test_an_xlsx_file_is_read_like_a_csv(setup: Any) -> None:
    book = Workbook()
    sheet = book.active
    for line in GOOD.splitlines():
        sheet.append([cell or None for cell in line.split(",")])
    buffer = io.BytesIO()
    book.save(buffer)
    run = submissions.check_submission_file(
        setup.org_a,
        SimpleUploadedFile("values.xlsx", buffer.getvalue()),
        user=setup.users["partner_a"],
    )
    assert run.report["problems"] == []
    assert run.report["counts"]["rows"] == 4


def test_the_partners_crosswalk_reads_its_own_codes(setup: Any) -> None:
    text = GOOD.replace(",Female,", ",Girl,")
    assert check(setup, text).status == "has_problems"
    crosswalk.save_entry(
        setup.alpha,
        setup.users["staff"],
        dimension="sex",
        local_code="Girl",
        code="Female",
        organization=setup.org_a,
    )
    assert check(setup, text).status == "checked"
    assert check(setup, text, org=setup.org_b).status == "has_problems"


def test_a_file_with_problems_cannot_be_submitted(setup: Any) -> None:
    run = check(setup, GOOD.replace(",16,", ",-16,"))
    with pytest.raises(DomainError, match="Fix the problems"):
        submissions.submit_submission(run, user=setup.users["partner_a"])


def test_approving_writes_every_value_once(setup: Any) -> None:
    run = approve(setup, check(setup, GOOD))
    assert (run.status, run.review) == ("applied", Review.APPROVED)
    assert run.reviewed_by == setup.users["staff"]
    assert run.values.count() == 4
    share = Value.objects.get(indicator__key="share-girls")
    assert (share.numerator, share.denominator, share.value) == (
        Decimal(3),
        Decimal(5),
        Decimal(60),
    )
    assert share.combo.parts == {"race": "Asian"}
    assert share.indicator_version == 1


def test_only_a_submitted_file_can_be_approved_or_returned(setup: Any) -> None:
    run = check(setup, GOOD)
    with pytest.raises(DomainError, match="waiting for review"):
        submissions.approve_submission(run, user=setup.users["staff"])
    with pytest.raises(DomainError, match="waiting for review"):
        submissions.return_submission(run, user=setup.users["staff"], comment="No")


def test_approval_checks_again_and_writes_nothing_when_it_finds_a_problem(setup: Any) -> None:
    run = check(setup, GOOD)
    submissions.submit_submission(run, user=setup.users["partner_a"])
    Indicator.objects.filter(key="share-girls").update(is_published=False)
    submissions.approve_submission(run, user=setup.users["staff"])
    run.refresh_from_db()
    assert run.status == "has_problems"
    assert run.review == Review.SUBMITTED
    assert not Value.objects.exists()


def test_returning_keeps_the_comment_and_writes_nothing(setup: Any) -> None:
    run = check(setup, GOOD)
    submissions.submit_submission(run, user=setup.users["partner_a"])
    with pytest.raises(DomainError, match="should change"):
        submissions.return_submission(run, user=setup.users["staff"], comment=" ")
    submissions.return_submission(run, user=setup.users["staff"], comment="Girls look low.")
    run.refresh_from_db()
    assert (run.review, run.review_comment) == (Review.RETURNED, "Girls look low.")
    assert not Value.objects.exists()


def test_a_resubmission_supersedes_the_earlier_one_and_keeps_its_record(setup: Any) -> None:
    first = approve(setup, check(setup, GOOD))
    second = approve(setup, check(setup, GOOD.replace(",3,5", ",4,5")))
    first.refresh_from_db()
    assert first.review == Review.SUPERSEDED
    assert first.superseded_by == second
    assert first.report["counts"]["written"] == 4  # the record of what it held
    assert first.file.read().decode() == GOOD
    assert second.report["counts"]["replaced"] == 4
    assert Value.objects.count() == 4
    assert Value.objects.get(indicator__key="share-girls").numerator == Decimal(4)


def test_another_partners_values_are_left_alone(setup: Any) -> None:
    approve(setup, check(setup, GOOD))
    other = check(setup, GOOD, org=setup.org_b)
    submissions.submit_submission(other, user=setup.users["partner_b"])
    submissions.approve_submission(other, user=setup.users["staff"])
    assert Value.objects.filter(organization=setup.org_a).count() == 4
    assert Value.objects.filter(organization=setup.org_b).count() == 4


def test_rows_outside_the_partners_current_agreement_are_refused(setup: Any) -> None:
    agreement = setup.org_a.data_sharing_agreements.get()
    agreements.save_agreement(
        setup.org_a,
        setup.users["staff"],
        indicators=["share-girls"],
        signatories="Ana Ruiz, director",
        starts_on=agreement.starts_on,
        agreement=agreement,
    )
    run = check(setup, GOOD)
    assert [(p["code"], p["where"]) for p in run.report["problems"]] == [
        ("outside_agreement", "row 2"),
        ("outside_agreement", "row 3"),
        ("outside_agreement", "row 4"),
    ]
    assert "young-people-served" not in "".join(
        r[0] for r in submissions.template_rows(setup.alpha, setup.org_a)
    )


def test_an_expired_agreement_covers_nothing(setup: Any) -> None:
    import datetime

    setup.org_a.data_sharing_agreements.update(ends_on=datetime.date(2025, 6, 30))
    run = check(setup, GOOD)
    assert [(p["code"], p["where"]) for p in run.report["problems"]] == [("outside_agreement", "")]
    assert check(setup, GOOD, org=setup.org_b).status == "checked"


def test_an_agreement_names_known_indicators_signatories_and_ordered_dates(setup: Any) -> None:
    import datetime

    staff = setup.users["staff"]
    start = datetime.date(2025, 7, 1)
    with pytest.raises(DomainError, match="Unknown indicators: nope"):
        agreements.save_agreement(
            setup.org_a, staff, indicators=["nope"], signatories="A", starts_on=start
        )
    with pytest.raises(DomainError, match="who signed"):
        agreements.save_agreement(
            setup.org_a, staff, indicators=["share-girls"], signatories=" ", starts_on=start
        )
    with pytest.raises(DomainError, match="end before"):
        agreements.save_agreement(
            setup.org_a,
            staff,
            indicators=["share-girls"],
            signatories="A",
            starts_on=start,
            ends_on=datetime.date(2025, 1, 1),
        )


def test_a_failure_while_values_are_staged_rolls_back_and_leaves_the_connection_usable(
    setup: Any,
) -> None:
    """An approval that fails while its values stream into the temporary table (by COPY on
    PostgreSQL) ends the COPY, so that its transaction rolls back and the upload can be
    marked failed."""
    from django.db import transaction

    from ecotone.measures.services import facts

    def fail_while_staging() -> None:
        with transaction.atomic(), facts.staging() as stage:
            stage.add(1, 1, 1, {}, Decimal(3), None, None)
            raise RuntimeError("the check failed")

    with pytest.raises(RuntimeError):
        fail_while_staging()
    assert not Value.objects.exists()
