"""Read replicas: which reads may go to a streaming replica, and read-your-writes.

Nothing is read from a replica unless it asks to: a view marked with `@read_replica` (a class
view or API view with `read_replica = True`) reads from one replica for a safe request (GET,
HEAD, OPTIONS), template rendering and streamed bodies included; any other code can use
`with replica():`. Writes always go to the primary (`default`), and so does every read after
one in the same request or block, and every read inside a transaction.

Read-your-writes across requests: a replica lags the primary (usually well under a second).
A request with an unsafe method (POST, PUT, PATCH, DELETE), or one that wrote anything, sets
the cookie `ecotone_primary` to the time `DATABASE_REPLICA_PIN_SECONDS` later; until then that
client's requests read from the primary only, so a person sees what they just changed. Without
`DATABASE_REPLICA_URLS`, settings.py installs neither the router nor the middleware.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.http import HttpRequest
from django.http.response import HttpResponseBase

PIN_COOKIE = "ecotone_primary"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

View = TypeVar("View", bound=Callable[..., Any])


@dataclass
class Routing:
    """Where the reads of one request (or one `replica()` block) go."""

    replica: str | None = None  # the alias of the replica chosen, if reads may go there
    pinned: bool = False  # this client wrote a moment ago: the primary only
    wrote: bool = False  # something was written here: the primary from now on

    def read_alias(self) -> str | None:
        if self.replica is None or self.pinned or self.wrote:
            return None
        return self.replica


_routing: ContextVar[Routing | None] = ContextVar("ecotone_routing", default=None)


def replica_aliases() -> list[str]:
    """The database aliases of the configured replicas (settings.py names them)."""
    return list(getattr(settings, "DATABASE_REPLICAS", ()))


def choose_replica() -> str | None:
    aliases = replica_aliases()
    return random.choice(aliases) if aliases else None  # noqa: S311 (load spreading)


@contextmanager
def replica() -> Iterator[None]:
    """Reads in this block go to one replica (unless pinned to the primary or after a write)."""
    current = _routing.get()
    state = Routing(
        replica=choose_replica(),
        pinned=bool(current and (current.pinned or current.wrote)),
    )
    token = _routing.set(state)
    try:
        yield
    finally:
        _routing.reset(token)
        if current is not None and state.wrote:
            current.wrote = True


@contextmanager
def primary() -> Iterator[None]:
    """Reads in this block go to the primary: checks that must see the latest state (an API
    token revoked a moment ago). A write in it (the token's last use) pins nothing."""
    token = _routing.set(Routing(pinned=True))
    try:
        yield
    finally:
        _routing.reset(token)


def read_replica(view: View) -> View:
    """Marks a view whose safe requests read from a replica (dashboards, exports, the finder,
    the API's reads); ReplicaMiddleware acts on the mark."""
    view.read_replica = True  # type: ignore[attr-defined]
    return view


def reads_from_replica(view_func: Callable[..., Any]) -> bool:
    for candidate in (
        view_func,
        getattr(view_func, "cls", None),  # DRF
        getattr(view_func, "view_class", None),  # Django class-based views
    ):
        if getattr(candidate, "read_replica", False):
            return True
    return False


class ReplicaRouter:
    """Reads go to the replica the current request or block chose, if any; the rest to
    `default`. Migrations run on `default` only (a replica copies the primary)."""

    def db_for_read(self, model: type, **hints: Any) -> str | None:
        state = _routing.get()
        alias = state.read_alias() if state else None
        if alias is None or connections[DEFAULT_DB_ALIAS].in_atomic_block:
            return None
        return alias

    def db_for_write(self, model: type, **hints: Any) -> str:
        state = _routing.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool:
        return True  # a replica holds the primary's rows

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool:
        return db == DEFAULT_DB_ALIAS


def pinned_until(request: HttpRequest) -> float:
    try:
        return float(request.COOKIES.get(PIN_COOKIE, "0"))
    except ValueError:
        return 0.0


def _iterate_within(state: Routing, content: Iterable[Any]) -> Iterator[Any]:
    """A streamed body is produced after the view returned: each piece reads as it would have."""
    iterator = iter(content)
    while True:
        token = _routing.set(state)
        try:
            chunk = next(iterator)
        except StopIteration:
            return
        finally:
            _routing.reset(token)
        yield chunk


class ReplicaMiddleware:
    """Routes a marked view's safe request to a replica, and pins a client that wrote to the
    primary for `DATABASE_REPLICA_PIN_SECONDS`."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        state = Routing(pinned=pinned_until(request) > time.time())
        token = _routing.set(state)
        try:
            response = self.get_response(request)
        finally:
            _routing.reset(token)
        if response.streaming and state.read_alias():
            response.streaming_content = _iterate_within(  # type: ignore[attr-defined]
                state,
                response.streaming_content,  # type: ignore[attr-defined]
            )
        if request.method not in SAFE_METHODS or state.wrote:
            seconds = settings.DATABASE_REPLICA_PIN_SECONDS
            response.set_cookie(
                PIN_COOKIE,
                f"{time.time() + seconds:.3f}",
                max_age=seconds,
                httponly=True,
                samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )
        return response

    def process_view(
        self,
        request: HttpRequest,
        view_func: Callable[..., Any],
        view_args: tuple[Any, ...],
        view_kwargs: dict[str, Any],
    ) -> None:
        state = _routing.get()
        if state is not None and request.method in SAFE_METHODS and reads_from_replica(view_func):
            state.replica = choose_replica()
