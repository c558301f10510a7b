"""Session renewal without a write on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse

RENEWED_AT = "_renewed_at"


class SessionRenewalMiddleware:
    """Renews a live session (its expiry and cookie) at most once an hour.

    A session ends SESSION_HOURS after the last activity. Saving it on every request
    (SESSION_SAVE_EVERY_REQUEST) kept that exact, but made every page view a database write,
    which queued behind any long writer and stalled page views and sign-ins.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.interval = min(3600, settings.SESSION_COOKIE_AGE // 2)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = request.session
        if session.session_key and not session.is_empty():
            now = int(time.time())
            if now - session.get(RENEWED_AT, 0) >= self.interval:
                session[RENEWED_AT] = now
        return response


@receiver(user_logged_in)
def stamp_new_session(sender: object, request: HttpRequest | None, **kwargs: object) -> None:
    """A session starts renewed: signing in saves it anyway, so the first page after sign-in
    need not write it again."""
    if request is not None and hasattr(request, "session"):
        request.session[RENEWED_AT] = int(time.time())
