"""Personal API tokens (DRF's `Token`, one per person): how long they last, when last used."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from rest_framework.authtoken.models import Token

from .models import TokenUse

USE_RECORDED_EVERY = timedelta(minutes=1)


def expires_at(token: Token) -> datetime:
    return token.created + timedelta(days=settings.API_TOKEN_MAX_AGE_DAYS)


def has_expired(token: Token) -> bool:
    return timezone.now() >= expires_at(token)


def record_use(token: Token) -> None:
    """Note that `token` was used now; written at most once a minute, so API calls stay reads."""
    marker = "api-token-used:" + hashlib.sha256(token.key.encode()).hexdigest()
    if cache.add(marker, True, timeout=int(USE_RECORDED_EVERY.total_seconds())):
        TokenUse.objects.update_or_create(token=token, defaults={"last_used_at": timezone.now()})


def last_used_at(token: Token) -> datetime | None:
    use = TokenUse.objects.filter(token=token).first()
    return use.last_used_at if use else None
