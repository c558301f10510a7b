"""Browser fixtures: Debian's Chromium, driven by Playwright, against pytest-django's live server.

The browser starts once per session; every test gets a fresh context (cookies, language) and
the `world` of tests/conftest.py in a transactional database, so the live server's thread sees
it. Chromium comes from the system package (`make chromium`), never from `playwright install`.
"""

from __future__ import annotations

import base64
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from allauth.mfa.totp.internal.auth import format_hotp_value, hotp_value
from django.conf import settings
from django.core.cache import cache
from django.core.servers.basehttp import WSGIServer
from django.test import Client
from django.test.testcases import LiveServerThread
from playwright.sync_api import Browser, BrowserContext, Page, expect, sync_playwright

from tests.conftest import PASSWORD, TOTP_SECRET, World


class _OneRequestAtATime(WSGIServer):
    """The live server without a thread per request, for SQLite's in-memory test database.

    Requests write to the database (a sign-in, a renewed session, a form), and a page's own
    requests overlap (the atlas page, its map's GeoJSON, a status poll). Django shares the one
    in-memory connection with the server's request threads, where two writes at once fail with
    "database table is locked" instead of waiting as a file database (WAL, a busy timeout) or
    PostgreSQL does. Served one at a time, as Django then closes each connection, they cannot
    overlap.
    """

    def __init__(self, *args: Any, connections_override: Any = None, **kwargs: Any) -> None:
        # LiveServerThread.run() already puts the shared connections in this thread.
        super().__init__(*args, **kwargs)


if settings.DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    LiveServerThread.server_class = _OneRequestAtATime  # type: ignore[assignment]

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# Long enough for a loaded CI machine (two workers, each with a browser and a live server, on two
# cores), short enough that a hang fails fast. Actions and `expect` assertions both wait for
# their condition up to this long, never for a fixed time.
TIMEOUT_MS = 20_000
expect.set_options(timeout=TIMEOUT_MS)
# Map tiles never come from the tile server in tests (no network, no third-party requests):
# every tile is this one grey pixel, unless a test makes the tile server fail.
TILE_REQUESTS = settings.TILE_URL.split("/{", 1)[0] + "/**"
BLANK_TILE = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAIAAACQd1PeAAAADElEQVR42mN49+kLAAWmAtXTVOTpAAAAAElFTkSuQmCC"
)


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing; `make chromium` installs Debian's Chromium.")
    # Playwright's sync API keeps an event loop running in this thread, which Django takes for
    # an async context. The database work here is synchronous, so lift the guard, but only
    # while the browser is up: the rest of the suite keeps Django's check.
    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Site:
    """The live server with its data, and a way to open browser tabs on it."""

    url: str
    world: World
    new_page: Callable[..., Page]

    def sign_in(self, page: Page, persona: str) -> None:
        """Start the page signed in as `persona`: a session made on the server, as the sign-in
        form leaves it, handed to the browser as its cookie. The form itself, with its
        two-factor step, is what `sign_in_with_form` and the smoke tests drive; the other tests
        are about the pages behind it, and save the two to four page loads of each sign-in."""
        user = self.world.users[persona]
        assert user is not None
        client = Client()
        client.force_login(user)
        cookie = client.cookies[settings.SESSION_COOKIE_NAME]
        page.context.add_cookies(
            [{"name": cookie.key, "value": cookie.value, "url": self.url, "httpOnly": True}]
        )

    def sign_in_with_form(self, page: Page, persona: str) -> None:
        """Sign in through the real form, with the two-factor step for backbone roles."""
        user = self.world.users[persona]
        assert user is not None
        page.goto(f"{self.url}/accounts/login/")
        page.fill("input[name=login]", user.email)
        page.fill("input[name=password]", PASSWORD)
        page.click("form[action='/accounts/login/'] button[type=submit]")
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        if "/accounts/2fa/authenticate/" in page.url:
            page.fill("input[name=code]", totp_code())
            page.click("form[action='/accounts/2fa/authenticate/'] button[type=submit]")
            page.wait_for_url(lambda url: "/accounts/2fa/" not in url)
        expect(page.locator("form[action='/accounts/logout/']").first).to_be_attached()


def totp_code() -> str:
    """The current authenticator code, taken away from a 30-second boundary."""
    if time.time() % 30 > 28:
        time.sleep(30 - time.time() % 30 + 0.1)
    return format_hotp_value(hotp_value(TOTP_SECRET, int(time.time()) // 30))


@pytest.fixture
def site(
    transactional_db: None, live_server: Any, world: World, browser: Browser
) -> Iterator[Site]:
    # Rate limits and used TOTP codes live in the cache; each test starts from a clean one.
    cache.clear()
    contexts: list[BrowserContext] = []

    def new_page(
        *,
        language: str = "en",
        viewport: dict[str, int] = DESKTOP,
        java_script_enabled: bool = True,
    ) -> Page:
        context = browser.new_context(
            base_url=live_server.url, viewport=viewport, java_script_enabled=java_script_enabled
        )
        context.set_default_timeout(TIMEOUT_MS)
        host = live_server.url.split("//", 1)[1].split(":")[0]
        context.add_cookies(
            [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
        )
        context.route(
            TILE_REQUESTS,
            lambda route: route.fulfill(body=BLANK_TILE, content_type="image/png"),
        )
        contexts.append(context)
        return context.new_page()

    yield Site(live_server.url, world, new_page)
    for context in contexts:
        context.close()
