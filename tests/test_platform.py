"""Platform plumbing: health check, deploy checks, the OpenAPI schema, error pages, tasks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from django.core.management import call_command
from django.db.utils import OperationalError
from django.test import Client
from django.utils import translation

ROOT = Path(__file__).resolve().parent.parent


def test_healthz_answers_ok_when_the_database_answers(db: Any) -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    assert response.content == b"ok\n"


def test_healthz_answers_503_when_the_database_does_not(db: Any) -> None:
    with mock.patch("ecotone.health.connection.cursor", side_effect=OperationalError("down")):
        response = Client().get("/healthz")
    assert response.status_code == 503
    assert b"down" not in response.content  # says nothing about the failure


def _check_deploy(extra_env: dict[str, str], *tags: str) -> subprocess.CompletedProcess[str]:
    """`manage.py check --deploy` with production-like settings; `tags` narrow it to the checks
    a test is about (the whole run also builds the API schema: about 3 s a process)."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env.update(
        {
            "ALLOWED_HOSTS": "stem.example.org",
            "DATABASE_URL": "postgres://ecotone@db.invalid/ecotone",
            "HTTPS": "true",
            "SECRET_KEY": "x7$Qm2!vL9rT4wZ8pN1cK6hF3jB5dS0gY-aE_uI+oP=zXcVbNmQwErTyUi",
            "TASKS_BACKEND": "database",
            "CACHE_URL": "dbcache://ecotone_cache",
        }
    )
    env.update(extra_env)
    return subprocess.run(  # noqa: S603 (our own manage.py, fixed arguments and check tags)
        [
            sys.executable,
            "manage.py",
            "check",
            "--deploy",
            "--fail-level",
            "WARNING",
            *(f"--tag={tag}" for tag in tags),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


def test_check_deploy_is_clean_with_production_settings() -> None:
    result = _check_deploy({})
    assert result.returncode == 0, result.stdout + result.stderr


def test_check_deploy_refuses_the_public_demo_secret() -> None:
    from ecotone.settings import DEMO_SECRET_KEY

    result = _check_deploy({"SECRET_KEY": DEMO_SECRET_KEY}, "security")
    assert result.returncode != 0
    assert "ecotone.E001" in result.stdout + result.stderr


def test_check_deploy_wants_a_shared_cache() -> None:
    result = _check_deploy({"CACHE_URL": "locmemcache://"}, "caches")
    assert result.returncode != 0
    assert "ecotone.W001" in result.stdout + result.stderr


def test_check_deploy_flags_plain_http() -> None:
    result = _check_deploy({"HTTPS": "false"}, "security")
    assert result.returncode != 0
    assert "security.W008" in result.stdout + result.stderr  # SECURE_SSL_REDIRECT


def test_openapi_schema_is_valid_openapi_3(db: Any, tmp_path: Path) -> None:
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert "/api/v1/ecosystems/{ecosystem_slug}/organizations/" in schema["paths"]


def test_schema_endpoint_and_docs_need_no_cdn(db: Any) -> None:
    client = Client()
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/").content.decode()
    assert "/static/drf_spectacular_sidecar/" in docs
    assert "cdn" not in docs.lower()


def test_the_schema_is_generated_once_per_language(
    db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    from drf_spectacular.generators import SchemaGenerator

    from ecotone.api.schema_view import SchemaView

    monkeypatch.setattr(SchemaView, "_generated", {})
    generated: list[str | None] = []
    generate = SchemaGenerator.get_schema

    def counted(self: SchemaGenerator, *args: Any, **kwargs: Any) -> Any:
        generated.append(translation.get_language())
        return generate(self, *args, **kwargs)

    monkeypatch.setattr(SchemaGenerator, "get_schema", counted)
    client = Client()
    first = client.get("/api/schema/?format=json")
    assert client.get("/api/schema/?format=json").content == first.content
    spanish = client.get("/api/schema/?format=json&lang=es").content.decode()
    assert generated == ["en", "es"]
    assert "Organizaciones" in spanish or "organización" in spanish.lower()


def test_security_headers_are_sent(db: Any) -> None:
    response = Client().get("/")
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"


def test_404_page_leaks_nothing(db: Any) -> None:
    response = Client().get("/e/no-such-ecosystem/")
    assert response.status_code == 404
    body = response.content.decode()
    assert "Page not found" in body
    assert "Traceback" not in body
    assert "urlpatterns" not in body


def test_500_page_leaks_nothing(db: Any, settings: Any) -> None:
    settings.DEBUG = False
    client = Client(raise_request_exception=False)
    with mock.patch("ecotone.ecosystems.views.render", side_effect=RuntimeError("secret detail")):
        response = client.get("/")
    assert response.status_code == 500
    assert b"secret detail" not in response.content
    assert b"Something went wrong" in response.content


@pytest.mark.django_db(transaction=True)
def test_database_task_backend_queues_for_the_worker(settings: Any) -> None:
    """With TASKS_BACKEND=database, work waits in the database until `db_worker` runs it."""
    from django.core import mail
    from django_tasks_db.models import DBTaskResult

    from ecotone.ecosystems.models import Invitation
    from ecotone.ecosystems.tasks import send_invitation
    from tests.conftest import make_ecosystem

    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    ecosystem = make_ecosystem("queue", "Queue Valley")
    invitation = Invitation.objects.create(
        ecosystem=ecosystem, email="q@example.org", role="mentor"
    )
    send_invitation.enqueue(invitation.pk)
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    assert mail.outbox == []
    call_command("db_worker", "--batch", "--interval", "0")
    assert DBTaskResult.objects.get().status == "SUCCESSFUL"
    assert [m.to for m in mail.outbox] == [["q@example.org"]]


def _patch_nested(world: Any, depth: int) -> Any:
    """PATCH a partner with its name `depth` lists deep (plus the object around them)."""
    client = world.client("staff")
    client.raise_request_exception = False
    return client.patch(
        f"/api/v1/ecosystems/alpha/organizations/{world.org_a.slug}/",
        '{"name": ' + "[" * depth + "]" * depth + "}",
        content_type="application/json",
    )


@pytest.mark.parametrize("depth", [100_000, 32])
def test_deeply_nested_json_is_a_400_not_a_500(world: Any, depth: int) -> None:
    response = _patch_nested(world, depth)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"detail": "The request body is nested too deeply to read."}


def test_json_nested_as_deep_as_the_limit_reaches_validation(world: Any) -> None:
    response = _patch_nested(world, 31)
    assert response.status_code == 400
    assert "name" in response.json()


def test_a_disallowed_host_is_a_400_not_a_500(db: Any, settings: Any) -> None:
    settings.DEBUG = False
    client = Client(HTTP_HOST="evil.example", raise_request_exception=False)
    for path in ("/", "/e/alpha/partners/", "/api/v1/me/"):
        response = client.get(path)
        assert response.status_code == 400, path


def _policy(response: Any) -> dict[str, list[str]]:
    directives = (d.split() for d in response["Content-Security-Policy"].split(";") if d.strip())
    return {name: sources for name, *sources in directives}


@pytest.mark.parametrize("path", ["/api/docs/", "/api/redoc/"])
def test_api_docs_pages_run_only_scripts_and_styles_the_policy_allows(db: Any, path: str) -> None:
    from html.parser import HTMLParser

    class Tags(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.tags: list[tuple[str, dict[str, str | None]]] = []

        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            if tag in ("script", "style", "link"):
                self.tags.append((tag, dict(attrs)))

    response = Client().get(path)
    assert response.status_code == 200
    policy = _policy(response)
    assert "'unsafe-inline'" not in policy["script-src"] + policy["style-src"]
    parser = Tags()
    parser.feed(response.content.decode())
    scripts = [attrs for tag, attrs in parser.tags if tag == "script"]
    assert scripts
    same_origin = lambda url: str(url).startswith("/") and not str(url).startswith("//")  # noqa: E731
    for tag, attrs in parser.tags:
        if tag == "link":
            assert attrs.get("rel") != "stylesheet" or same_origin(attrs["href"]), attrs
        elif attrs.get("src"):
            assert same_origin(attrs["src"]), attrs
            if attrs["src"].startswith("/api/"):  # Swagger UI's start-up script, as a file
                script = Client().get(attrs["src"])
                assert script["Content-Type"].startswith("application/javascript")
                assert b"SwaggerUIBundle(" in script.content
        else:
            sources = policy["script-src" if tag == "script" else "style-src"]
            assert f"'nonce-{attrs.get('nonce')}'" in sources, (tag, attrs, sources)
    # Redoc adds its styles at run time with the nonce its start-up script carries.
    for nonce in {attrs["nonce"] for _tag, attrs in parser.tags if attrs.get("nonce")}:
        assert f"'nonce-{nonce}'" in policy["style-src"]
