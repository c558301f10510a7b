"""Background work of the directory (django-tasks): emails about listings. (Applying an
import is a task beside its service: `imports.runs.apply_import_run`.)"""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django_tasks import task

from ecotone.accounts.models import User
from ecotone.ecosystems.models import Ecosystem

from .models import ListingChange, Program


def _language(user: User | None, ecosystem: Ecosystem) -> str:
    return getattr(user, "preferred_language", "") or ecosystem.default_language


@task()
def send_listing_decision(change_id: int) -> bool:
    """Tell the person who submitted a change that it was approved or rejected."""
    change = (
        ListingChange.objects.select_related("ecosystem", "submitted_by", "program")
        .filter(pk=change_id)
        .first()
    )
    if change is None or change.submitted_by is None or change.is_pending:
        return False
    base_url = settings.SITE_URL.rstrip("/")
    with translation.override(_language(change.submitted_by, change.ecosystem)):
        context = {
            "change": change,
            "change_url": base_url + change.get_absolute_url(),
            "program_url": base_url + change.program.get_absolute_url()
            if change.program and change.status == "approved"
            else "",
        }
        subject = render_to_string("directory/email/decision_subject.txt", context).strip()
        body = render_to_string("directory/email/decision_body.txt", context)
    send_mail(subject, body, None, [change.submitted_by.email])
    return True


@task()
def send_verification_reminder(ecosystem_id: int, user_id: int, program_ids: list[int]) -> bool:
    """One email to one partner staff member listing their organizations' stale listings."""
    ecosystem = Ecosystem.objects.filter(pk=ecosystem_id).first()
    user = User.objects.filter(pk=user_id).first()
    if ecosystem is None or user is None:
        return False
    programs = list(Program.objects.filter(pk__in=program_ids, ecosystem=ecosystem).listed())
    if not programs:
        return False
    base_url = settings.SITE_URL.rstrip("/")
    with translation.override(_language(user, ecosystem)):
        context = {
            "ecosystem": ecosystem,
            "days": ecosystem.reverify_after_days,
            "programs": [(p, base_url + p.get_absolute_url()) for p in programs],
            "listings_url": base_url
            + reverse("listings:mine", kwargs={"ecosystem_slug": ecosystem.slug}),
        }
        subject = render_to_string("directory/email/reminder_subject.txt", context).strip()
        body = render_to_string("directory/email/reminder_body.txt", context)
    send_mail(subject, body, None, [user.email])
    return True
