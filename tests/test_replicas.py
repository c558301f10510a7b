"""Where reads go when replicas are configured (ecotone/replicas.py), without a server: the
router's answers and the middleware's pin. tests/test_replication.py proves the same against a
real primary and streaming replica."""

from __future__ import annotations

import runpy
import time
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.db import router, transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.test import RequestFactory

from ecotone import replicas
from ecotone.ecosystems.models import Organization

SETTINGS_FILE = Path(replicas.__file__).with_name("settings.py")


@pytest.fixture
def one_replica(settings: Any) -> None:
    settings.DATABASE_REPLICAS = ["replica_1"]
    settings.DATABASE_ROUTERS = ["ecotone.replicas.ReplicaRouter"]
    settings.DATABASE_REPLICA_PIN_SECONDS = 15


def test_without_replicas_neither_router_nor_middleware_is_installed(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("DATABASE_REPLICA_URLS", raising=False)
    loaded = runpy.run_path(str(SETTINGS_FILE))
    assert loaded["DATABASE_REPLICAS"] == []
    assert loaded["DATABASE_ROUTERS"] == []
    assert "ecotone.replicas.ReplicaMiddleware" not in loaded["MIDDLEWARE"]
    assert set(loaded["DATABASES"]) == {"default"}


def test_the_suite_reads_nothing_from_a_replica_mirror() -> None:
    # A mirror is another connection: it would not see what a test wrote in its transaction.
    assert django_settings.DATABASE_REPLICAS == []


def test_replica_urls_become_mirrored_aliases_with_router_and_middleware(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgres://ecotone@primary:5432/ecotone")
    monkeypatch.setenv(
        "DATABASE_REPLICA_URLS",
        "postgres://ecotone@replica-a:5432/ecotone,postgres://ecotone@replica-b:5432/ecotone",
    )
    loaded = runpy.run_path(str(SETTINGS_FILE))
    assert loaded["DATABASE_REPLICAS"] == ["replica_1", "replica_2"]
    replica = loaded["DATABASES"]["replica_2"]
    assert (replica["HOST"], replica["TEST"]) == ("replica-b", {"MIRROR": "default"})
    assert replica["OPTIONS"] == {"options": "-c jit=off"}
    assert loaded["DATABASE_ROUTERS"] == ["ecotone.replicas.ReplicaRouter"]
    middleware = loaded["MIDDLEWARE"]
    ecosystem = middleware.index("ecotone.ecosystems.middleware.EcosystemMiddleware")
    assert middleware[ecosystem - 1] == "ecotone.replicas.ReplicaMiddleware"


@pytest.mark.usefixtures("one_replica")
def test_reads_go_to_a_replica_only_inside_a_replica_block() -> None:
    assert router.db_for_read(Organization) == "default"
    with replicas.replica():
        assert router.db_for_read(Organization) == "replica_1"
        assert router.db_for_write(Organization) == "default"
        # After a write, this block reads its own writes from the primary.
        assert router.db_for_read(Organization) == "default"
    assert router.db_for_read(Organization) == "default"


@pytest.mark.usefixtures("one_replica")
def test_a_primary_block_reads_from_the_primary() -> None:
    with replicas.replica():
        with replicas.primary():
            assert router.db_for_read(Organization) == "default"
        assert router.db_for_read(Organization) == "replica_1"


@pytest.mark.django_db
@pytest.mark.usefixtures("one_replica")
def test_reads_inside_a_transaction_stay_on_the_primary() -> None:
    with replicas.replica(), transaction.atomic():
        assert router.db_for_read(Organization) == "default"


@pytest.mark.usefixtures("one_replica")
def test_migrations_run_on_the_primary_only() -> None:
    assert router.allow_migrate("default", "ecosystems")
    assert not router.allow_migrate("replica_1", "ecosystems")


@replicas.read_replica
def _marked(request: HttpRequest) -> HttpResponse:
    return HttpResponse(router.db_for_read(Organization))


def _unmarked(request: HttpRequest) -> HttpResponse:
    return HttpResponse(router.db_for_read(Organization))


def _writing(request: HttpRequest) -> HttpResponse:
    router.db_for_write(Organization)
    return HttpResponse(router.db_for_read(Organization))


def _serve(request: HttpRequest, view: Any) -> HttpResponse:
    """The middleware around `view`, process_view called as Django's handler calls it."""

    def handler(request: HttpRequest) -> HttpResponse:
        middleware.process_view(request, view, (), {})
        return view(request)

    middleware = replicas.ReplicaMiddleware(handler)
    return middleware(request)  # type: ignore[return-value]


@pytest.mark.usefixtures("one_replica")
def test_a_marked_view_reads_from_a_replica_for_safe_requests_only() -> None:
    factory = RequestFactory()
    assert _serve(factory.get("/"), _marked).content == b"replica_1"
    assert _serve(factory.head("/"), _marked).content == b"replica_1"
    assert _serve(factory.get("/"), _unmarked).content == b"default"
    assert _serve(factory.post("/"), _marked).content == b"default"


@pytest.mark.usefixtures("one_replica")
def test_a_write_pins_the_client_to_the_primary_for_the_window() -> None:
    factory = RequestFactory()
    before = time.time()
    response = _serve(factory.post("/"), _marked)
    deadline = float(response.cookies[replicas.PIN_COOKIE].value)
    assert before + 15 - 0.01 < deadline < time.time() + 15 + 0.01
    assert response.cookies[replicas.PIN_COOKIE]["max-age"] == 15
    assert replicas.PIN_COOKIE not in _serve(factory.get("/"), _marked).cookies

    pinned = factory.get("/")
    pinned.COOKIES[replicas.PIN_COOKIE] = str(deadline)
    assert _serve(pinned, _marked).content == b"default"
    lapsed = factory.get("/")
    lapsed.COOKIES[replicas.PIN_COOKIE] = str(time.time() - 1)
    assert _serve(lapsed, _marked).content == b"replica_1"


@pytest.mark.usefixtures("one_replica")
def test_a_safe_request_that_wrote_pins_the_client_too() -> None:
    response = _serve(RequestFactory().get("/"), replicas.read_replica(_writing))
    assert response.content == b"default"
    assert replicas.PIN_COOKIE in response.cookies


@pytest.mark.usefixtures("one_replica")
def test_a_streamed_body_reads_from_the_replica_of_its_request() -> None:
    @replicas.read_replica
    def streamed(request: HttpRequest) -> StreamingHttpResponse:
        return StreamingHttpResponse(router.db_for_read(Organization) for _ in range(2))

    response = _serve(RequestFactory().get("/"), streamed)
    assert b"".join(response.streaming_content) == b"replica_1replica_1"  # type: ignore[arg-type]
