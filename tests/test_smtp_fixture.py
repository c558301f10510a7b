"""The real SMTP server the mail tests use (tests/smtp.py) receives what Django sends."""

from typing import Any

from django.core.mail import send_mail


def test_mail_sent_by_django_arrives_at_the_smtp_server(smtp: Any) -> None:
    send_mail("Hello", "Plain body", "a@example.org", ["b@example.org"], html_message="<p>Hi</p>")
    [got] = smtp.to("b@example.org")
    assert got.message["Subject"] == "Hello"
    assert "Plain body" in got.text()
    assert "<p>Hi</p>" in got.html()
