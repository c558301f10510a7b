"""Background work of the ecosystems domain (django-tasks)."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import translation
from django_tasks import task

from .models import Invitation


@task()
def send_invitation(invitation_id: int) -> bool:
    """Email an invitation in the ecosystem's default language. False if it was withdrawn."""
    invitation = (
        Invitation.objects.select_related("ecosystem", "invited_by")
        .filter(pk=invitation_id)
        .first()
    )
    if invitation is None or invitation.status != "pending":
        return False
    base_url = settings.SITE_URL.rstrip("/")
    with translation.override(invitation.ecosystem.default_language):
        context = {
            "invitation": invitation,
            "accept_url": base_url + invitation.get_absolute_url(),
        }
        subject = render_to_string("ecosystems/email/invitation_subject.txt", context).strip()
        body = render_to_string("ecosystems/email/invitation_body.txt", context)
    send_mail(subject, body, None, [invitation.email])
    return True
