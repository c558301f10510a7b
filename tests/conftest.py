"""Shared fixtures: two ecosystems and one persona per role (style.md, section 5).

Personas of ecosystem "alpha":
  admin (backbone admin), staff (backbone staff), partner_a / partner_b (partner staff of
  org_a / org_b), mentor, reviewer, member; plus outsider (a member of "beta" only), operator
  (network operator over both) and anonymous.
Backbone personas have TOTP set up, as the MFA rule requires.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from allauth.account.models import EmailAddress
from allauth.mfa.totp.internal.auth import TOTP
from django.core.cache import cache
from django.core.management import call_command
from django.db import connections, transaction
from django.test import Client, TransactionTestCase, override_settings
from django.utils import translation
from hypothesis import settings as hypothesis_settings
from pytest_django.plugin import blocking_manager_key

from ecotone.accounts.models import User
from ecotone.directory.taxonomy import ensure_stem_taxonomy
from ecotone.ecosystems.models import (
    Ecosystem,
    Membership,
    Network,
    NetworkOperator,
    Organization,
    Role,
    Sector,
)
from tests.replay import Replay, forget_all

# Property tests check behaviour, not speed: a per-example deadline (Hypothesis's default is
# 200 ms) fails at random on a busy machine, where one example can wait for the CPU. Budgets
# live in benchmarks/.
hypothesis_settings.register_profile("ecotone", deadline=None)
hypothesis_settings.load_profile("ecotone")

TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "correct-horse-battery"

PERSONAS = (
    "anonymous",
    "outsider",
    "operator",
    "member",
    "mentor",
    "reviewer",
    "partner_a",
    "partner_b",
    "staff",
    "admin",
)


# What the data migrations create, as idempotent functions. A transactional test (the browser
# tests, `django_db(transaction=True)`) ends by emptying the tables the migrations left empty
# (`_empty_what_the_test_wrote` below). When it changed the row count of a table the migrations
# filled, Django's flush empties every table instead, post_migrate recreates content types and
# permissions, and these put back the rest, so that the next test on the same worker sees a
# migrated database whatever order the tests run in.
MIGRATION_DATA = (ensure_stem_taxonomy,)
# database alias -> table -> its row count right after the migrations, for every table
_migrated_rows: dict[str, dict[str, int]] = {}
_flushed_whole: list[bool] = []  # set by a transactional test's teardown that flushed all


def _table_counts(alias: str, tables: Iterable[str]) -> dict[str, int]:
    """The row count of each table, in one query."""
    tables = list(tables)
    if not tables:
        return {}
    connection = connections[alias]
    quote = connection.ops.quote_name
    # Table names from Django's introspection, quoted.
    sql = " UNION ALL ".join(f"SELECT %s, COUNT(*) FROM {quote(table)}" for table in tables)  # noqa: S608
    with connection.cursor() as cursor:
        cursor.execute(sql, tables)
        return dict(cursor.fetchall())


def _databases() -> list[str]:
    return [
        alias for alias in connections if not connections[alias].settings_dict["TEST"]["MIRROR"]
    ]


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest, django_db_setup: None, django_db_blocker: Any
) -> None:
    """The migrated test database, with the rows its migrations made counted once.

    A database kept from an earlier run (`--reuse-db` without `--create-db`: `make test`'s
    browser phase reuses the PostgreSQL phase's) holds what that run's module fixtures left
    behind (the demo's seeding leaves dimension combinations and log entries when the demo is
    deleted); it is brought back to what the migrations made first, as a transactional test's
    whole flush is (`pytest_runtest_teardown` below)."""
    reused = request.config.getvalue("reuse_db") and not request.config.getvalue("create_db")
    with django_db_blocker.unblock():
        if reused:
            for alias in _databases():
                call_command("flush", database=alias, interactive=False, verbosity=0)
            forget_all()
            for restore in MIGRATION_DATA:
                restore()
        for alias in _databases():
            tables = connections[alias].introspection.django_table_names(
                only_existing=True, include_views=False
            )
            _migrated_rows[alias] = _table_counts(alias, tables)


_flush_everything = TransactionTestCase._fixture_teardown


def _empty_what_the_test_wrote(self: TransactionTestCase) -> None:
    """A transactional test's teardown: delete the rows of every table the migrations left
    empty, and keep the rows they made (content types, permissions, the STEM taxonomy) when the
    test left those tables' counts as they were. Django's flush truncates every table instead
    and recreates the content types and permissions with new keys, after which the taxonomy is
    put back and the replayed `world` built again through the ORM: 0.2 s more of each browser
    test's teardown and 0.17 s more of its set-up on PostgreSQL (medians, measured). A test that
    changed a migrated table's count gets the whole flush; `pytest_runtest_teardown` below
    checks every table's count either way."""
    plans = {}
    for alias in self._databases_names(include_mirrors=False):
        migrated = _migrated_rows.get(alias)
        if migrated is None:
            break
        filled = {table: rows for table, rows in migrated.items() if rows}
        if _table_counts(alias, filled) != filled:
            break
        plans[alias] = [table for table, rows in migrated.items() if not rows]
    else:
        for alias, tables in plans.items():
            connection = connections[alias]
            written = [table for table, rows in _table_counts(alias, tables).items() if rows]
            # Foreign keys are checked at the commit, so the order of the tables is free.
            with transaction.atomic(using=alias), connection.cursor() as cursor:
                for table in written:
                    cursor.execute(f"DELETE FROM {connection.ops.quote_name(table)}")  # noqa: S608
        return
    _flushed_whole.append(True)
    _flush_everything(self)


TransactionTestCase._fixture_teardown = _empty_what_the_test_wrote  # type: ignore[method-assign]


def _is_transactional(item: pytest.Item) -> bool:
    fixtures = getattr(item, "fixturenames", ())
    marker = item.get_closest_marker("django_db")
    return (
        "transactional_db" in fixtures
        or "live_server" in fixtures
        or bool(marker and marker.kwargs.get("transaction"))
    )


DATABASE_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "live_server"}


def _uses_database(item: pytest.Item) -> bool:
    fixtures = set(getattr(item, "fixturenames", ()))
    return bool(item.get_closest_marker("django_db")) or bool(fixtures & DATABASE_FIXTURES)


def _runs_once(item: pytest.Item) -> bool:
    return not _uses_database(item) or bool(item.get_closest_marker("dialect_free"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """On PostgreSQL, leave out the tests that never touch a database (the Django-free
    algorithms, parsers and property tests): pytest-django refuses them any query, so they
    prove nothing there that the SQLite phase of `make test` has not, and they were a tenth of
    the PostgreSQL phase's time. Leave out too the tests marked `dialect_free`: the permission
    table asks thousands of requests what the rules and access helpers say, which no SQL
    dialect changes (the queries behind them run on both databases in the services' and pages'
    own tests), and the medium demo's content is that of the demo `make demo` loads into SQLite
    (the small demo's tests run the same seeding on both). `make test-postgres` says how many
    it left out."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return
    once = [item for item in items if _runs_once(item)]
    if once:
        config.hook.pytest_deselected(items=once)
        items[:] = [item for item in items if not _runs_once(item)]


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> Iterator[None]:
    """After a transactional test's teardown, restore what the migrations made if it was
    flushed, and prove it."""
    result = yield
    # After the last test the test database is gone already, and no test needs it.
    if nextitem is not None and _migrated_rows and _is_transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            if _flushed_whole:
                _flushed_whole.clear()
                # The flush renumbers content types, which recorded rows (the audit log)
                # point to.
                forget_all()
                for restore in MIGRATION_DATA:
                    restore()
            differ = {
                f"{alias}.{table}": (migrated[table], now)
                for alias, migrated in _migrated_rows.items()
                for table, now in _table_counts(alias, migrated).items()
                if now != migrated[table]
            }
        if differ:
            pytest.fail(
                f"After {item.nodeid}, tables differ from the migrated database "
                f"(table: (migrated, now)): {differ}. A data migration makes rows that "
                "MIGRATION_DATA in tests/conftest.py does not restore.",
                pytrace=False,
            )
    return result


@pytest.fixture(scope="session", autouse=True)
def _test_settings() -> Iterator[None]:
    """What every test runs with, set once for the session: each override of a setting is a
    signal to its receivers on the way in and again on the way out, and making them for every
    test, with a media folder each, was 8 % of a permission-table cell's time in a profile."""
    from django.conf import settings

    with override_settings(
        PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"],
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
        TASKS={"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}},
        WHITENOISE_AUTOREFRESH=True,
        SITE_URL="http://testserver",
        # With DATABASE_REPLICA_URLS set, each replica's test database mirrors `default` through
        # another connection, which cannot see a test's own transaction: tests read from
        # `default`.
        DATABASE_REPLICAS=[],
    ):
        yield


_media_folders = itertools.count()


@pytest.fixture(autouse=True)
def _fast_and_isolated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    # Uploads (import files) stay out of var/, in a folder of the test's own. Storage makes the
    # folder when a file is first saved, so the tests that save none (most) make none.
    media = tmp_path_factory.getbasetemp() / "media" / str(next(_media_folders))
    with override_settings(MEDIA_ROOT=str(media)):
        cache.clear()  # rate limits and used TOTP codes live in the cache
        translation.activate("en")  # a request in Spanish must not leak into the next test
        yield


def make_user(email: str, *, name: str = "", password: str = PASSWORD, totp: bool = False) -> User:
    user = User.objects.create_user(email=email, password=password, name=name)
    EmailAddress.objects.create(user=user, email=email, verified=True, primary=True)
    if totp:
        TOTP.activate(user, TOTP_SECRET)
    return user


def make_ecosystem(slug: str, name: str) -> Ecosystem:
    return Ecosystem.objects.create(
        slug=slug,
        name=name,
        region_south=39.0,
        region_west=-84.0,
        region_north=41.0,
        region_east=-82.0,
    )


def make_organization(ecosystem: Ecosystem, name: str, **fields: Any) -> Organization:
    from django.utils.text import slugify

    fields.setdefault("sector", Sector.YOUTH_NONPROFIT)
    return Organization.objects.create(ecosystem=ecosystem, name=name, slug=slugify(name), **fields)


@dataclass
class World:
    alpha: Ecosystem
    beta: Ecosystem
    network: Network
    org_a: Organization
    org_b: Organization
    org_beta: Organization
    users: dict[str, User | None]
    memberships: dict[str, Membership]

    def client(self, persona: str) -> Client:
        client = Client()
        user = self.users[persona]
        if user is not None:
            client.force_login(user)
        return client


@pytest.fixture
def world(db: Any) -> World:
    return _world()


def build_world() -> World:
    alpha = make_ecosystem("alpha", "Alpha Valley STEM Alliance")
    beta = make_ecosystem("beta", "Beta Bay STEM Hub")
    network = Network.objects.create(slug="state", name="State STEM Network")
    network.ecosystems.add(alpha, beta)
    org_a = make_organization(alpha, "Robotics For All", city="Riverton")
    org_b = make_organization(alpha, "Eastside Library", sector=Sector.LIBRARY, city="Eastgate")
    org_beta = make_organization(beta, "Beta Science Center", sector=Sector.MUSEUM)

    users: dict[str, User | None] = {"anonymous": None}
    memberships: dict[str, Membership] = {}
    plan = {
        "admin": (Role.BACKBONE_ADMIN, [], True),
        "staff": (Role.BACKBONE_STAFF, [], True),
        "partner_a": (Role.PARTNER_STAFF, [org_a], False),
        "partner_b": (Role.PARTNER_STAFF, [org_b], False),
        "mentor": (Role.MENTOR, [], False),
        "reviewer": (Role.REVIEWER, [], False),
        "member": (Role.MEMBER, [], False),
    }
    for persona, (role, orgs, totp) in plan.items():
        user = make_user(f"{persona}@alpha.test", name=persona.replace("_", " ").title(), totp=totp)
        membership = Membership.objects.create(user=user, ecosystem=alpha, role=role)
        membership.organizations.set(orgs)
        users[persona] = user
        memberships[persona] = membership
    outsider = make_user("outsider@beta.test", name="Outsider")
    memberships["outsider"] = Membership.objects.create(
        user=outsider, ecosystem=beta, role=Role.PARTNER_STAFF
    )
    memberships["outsider"].organizations.add(org_beta)
    users["outsider"] = outsider
    operator = make_user("operator@state.test", name="Operator")
    NetworkOperator.objects.create(user=operator, network=network)
    users["operator"] = operator
    return World(alpha, beta, network, org_a, org_b, org_beta, users, memberships)


_world = Replay(build_world)


@pytest.fixture
def smtp() -> Iterator[Any]:
    """A real SMTP server (tests/smtp.py) that Django's mail goes to for the test; the fixture
    is its mailbox: `smtp.received`, `smtp.to(address)`."""
    from tests.smtp import smtp_server

    with smtp_server() as mailbox:
        yield mailbox
