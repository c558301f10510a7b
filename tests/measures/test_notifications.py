"""Email about submissions: partner staff hear that their file was approved or returned (with
the comment), backbone staff that a file waits for review; plain text and HTML, in the
recipient's language."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail

from ecotone.measures.services import submissions
from tests.measures.test_submissions import GOOD, check

pytestmark = pytest.mark.django_db


def _submit(setup: Any, capture: Any) -> Any:
    run = check(setup, GOOD)
    with capture(execute=True):
        submissions.submit_submission(run, user=setup.users["partner_a"])
    return run


def test_backbone_staff_hear_when_a_file_arrives(
    setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    _submit(setup, django_capture_on_commit_callbacks)
    assert sorted(m.to[0] for m in mail.outbox) == sorted(
        [setup.users["staff"].email, setup.users["admin"].email]
    )
    assert setup.org_a.name in mail.outbox[0].subject
    assert mail.outbox[0].alternatives[0][1] == "text/html"


def test_partner_staff_hear_the_return_with_its_comment(
    setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    run = _submit(setup, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submissions.return_submission(run, user=setup.users["staff"], comment="Girls look low.")
    assert [m.to for m in mail.outbox] == [[setup.users["partner_a"].email]]
    assert "returned" in mail.outbox[0].subject
    assert "Girls look low." in mail.outbox[0].body
    assert "Girls look low." in mail.outbox[0].alternatives[0][0]


def test_partner_staff_hear_the_approval_in_their_language(
    setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    partner = setup.users["partner_a"]
    partner.preferred_language = "es"
    partner.save(update_fields=["preferred_language"])
    run = _submit(setup, django_capture_on_commit_callbacks)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        submissions.approve_submission(run, user=setup.users["staff"])
    assert [m.to for m in mail.outbox] == [[partner.email]]
    assert "aprobados" in mail.outbox[0].subject
    assert '<html lang="es">' in mail.outbox[0].alternatives[0][0]


def test_names_arrive_as_typed_in_the_text_and_escaped_in_the_html(
    setup: Any, django_capture_on_commit_callbacks: Any
) -> None:
    setup.org_a.name = "Girls & Code <Lab>"
    setup.org_a.save()
    _submit(setup, django_capture_on_commit_callbacks)
    message = mail.outbox[0]
    assert "Girls & Code <Lab>" in message.subject
    assert "Girls & Code <Lab>" in message.body
    assert "Girls &amp; Code &lt;Lab&gt;" in message.alternatives[0][0]
