"""Operations on a person's own account."""

from __future__ import annotations

from django.db import transaction
from django.db.models import F
from rest_framework.authtoken.models import Token

from .models import User


def sign_out_everywhere(user: User) -> None:
    """End every session of `user` (on every device) and revoke their API token."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(session_generation=F("session_generation") + 1)
        Token.objects.filter(user=user).delete()
    user.refresh_from_db(fields=["session_generation"])
