"""Read replicas against a real primary and a real streaming replica (docs/scaling.md).

The test starts its own two PostgreSQL servers (`initdb`, then `pg_basebackup -R` for the hot
standby), points Django's `default` at the primary and `replica_1` at the standby for its
duration, and drives the real views. Replay on the standby is paused with
`pg_wal_replay_pause()` so that its lag is certain, not a race. Marked `replication`: it runs
once per `make test`, in the PostgreSQL phase (the SQLite phase deselects it).
"""

from __future__ import annotations

import contextlib
import copy
import shutil
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.contrib.contenttypes.management import create_contenttypes
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import CaptureQueriesContext

from ecotone.directory.taxonomy import ensure_stem_taxonomy
from ecotone.ecosystems.models import Organization
from ecotone.replicas import PIN_COOKIE
from tests import pgcluster
from tests.conftest import World, build_world

pytestmark = pytest.mark.replication

BINARIES = pgcluster.bin_dir()


@pytest.fixture
def streaming(django_db_blocker: Any, settings: Any) -> Iterator[tuple[Any, Any]]:
    """Django's `default` on a new primary and `replica_1` on its streaming standby, with the
    replica router and middleware on; everything as it was afterwards."""
    if BINARIES is None:
        pytest.skip("the PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) are absent")
    # Not under pytest's temporary directory: its parents are closed to the `postgres` account.
    workdir = Path(tempfile.mkdtemp(prefix="ecotone-replication-"))
    try:
        primary, standby = pgcluster.primary_and_replica(workdir, BINARIES)
    except Exception:
        shutil.rmtree(workdir, ignore_errors=True)
        raise
    saved_settings = connections.settings["default"]
    saved_connection = connections["default"]  # kept open: SQLite's in-memory test database
    base = copy.deepcopy(saved_settings)
    new = {"default": primary.settings(base), "replica_1": standby.settings(base)}
    try:
        with django_db_blocker.unblock():
            for alias, settings_dict in new.items():
                connections.settings[alias] = settings_dict
                backend = load_backend(settings_dict["ENGINE"])
                connections[alias] = backend.DatabaseWrapper(settings_dict, alias)
            settings.DATABASE_REPLICAS = ["replica_1"]
            settings.DATABASE_ROUTERS = ["ecotone.replicas.ReplicaRouter"]
            middleware = list(settings.MIDDLEWARE)
            before = middleware.index("ecotone.ecosystems.middleware.EcosystemMiddleware")
            middleware.insert(before, "ecotone.replicas.ReplicaMiddleware")
            settings.MIDDLEWARE = middleware
            ContentType.objects.clear_cache()
            _create_schema()
            yield connections["default"], connections["replica_1"]
    finally:
        with contextlib.suppress(AttributeError, KeyError):  # a set-up that failed halfway
            for alias in new:
                connections[alias].close()
            del connections["replica_1"]
            del connections.settings["replica_1"]
        connections.settings["default"] = saved_settings
        connections["default"] = saved_connection
        ContentType.objects.clear_cache()
        standby.stop()
        primary.stop()
        shutil.rmtree(workdir, ignore_errors=True)


def _create_schema() -> None:
    """Every model's table, straight from the models (migrating takes 10 to 20 s), plus the
    rows the migrations make that the pages need."""
    connection = connections["default"]
    with connection.schema_editor() as editor:
        for model in apps.get_models():
            if model._meta.managed and not model._meta.proxy:
                editor.create_model(model)
    for app_config in apps.get_app_configs():
        create_contenttypes(app_config, verbosity=0)
    ensure_stem_taxonomy()


def _names(response: Any) -> set[str]:
    assert response.status_code == 200, response.content[:500]
    return {row["name"] for row in response.json()["results"]}


ORGANIZATIONS = "/api/v1/ecosystems/alpha/organizations/"


@pytest.mark.skipif(BINARIES is None, reason="the PostgreSQL server binaries are absent")
def test_replica_serves_marked_reads_and_a_writer_reads_its_writes_from_the_primary(
    streaming: tuple[Any, Any], settings: Any
) -> None:
    primary, standby = streaming
    world: World = build_world()
    staff = world.client("staff")  # its session, written now, reaches the standby below
    visitor = Client()
    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery()")
        assert cursor.fetchone() == (True,)
    with primary.cursor() as on_primary, standby.cursor() as on_standby:
        pgcluster.wait_for_replay(on_primary, on_standby)

    # The public finder and the API's reads run on the standby; nothing of them on the primary.
    with (
        CaptureQueriesContext(primary) as on_primary,
        CaptureQueriesContext(standby) as on_standby,
    ):
        assert visitor.get("/e/alpha/programs/").status_code == 200
        assert _names(visitor.get(ORGANIZATIONS)) == {"Robotics For All", "Eastside Library"}
    assert any("directory_program" in query["sql"] for query in on_standby.captured_queries)
    assert any("ecosystems_organization" in query["sql"] for query in on_standby.captured_queries)
    assert on_primary.captured_queries == []

    with standby.cursor() as cursor:
        cursor.execute("SELECT pg_wal_replay_pause()")
    try:
        settings.DATABASE_REPLICA_PIN_SECONDS = 1
        response = staff.post(
            ORGANIZATIONS,
            {"name": "Harbor Makerspace", "sector": "youth_nonprofit"},
            content_type="application/json",
        )
        assert response.status_code == 201, response.content
        assert PIN_COOKIE in response.cookies
        assert Organization.objects.filter(name="Harbor Makerspace").exists()  # on the primary

        # The writer reads its write; anyone else reads the standby, which has not replayed it.
        assert "Harbor Makerspace" in _names(staff.get(ORGANIZATIONS))
        assert "Harbor Makerspace" not in _names(visitor.get(ORGANIZATIONS))

        # Once the pin lapses, the writer's reads go back to the standby.
        time.sleep(1.1)
        assert "Harbor Makerspace" not in _names(staff.get(ORGANIZATIONS))
    finally:
        with standby.cursor() as cursor:
            cursor.execute("SELECT pg_wal_replay_resume()")
    with primary.cursor() as on_primary, standby.cursor() as on_standby:
        pgcluster.wait_for_replay(on_primary, on_standby)
    assert "Harbor Makerspace" in _names(visitor.get(ORGANIZATIONS))
