"""Session renewal without a write on every request."""

from __future__ import annotations

import time
from collections.abc import Callable

from django.conf import settings
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
