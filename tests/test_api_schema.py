"""The API answers as its schema says: schemathesis over every operation of /api/schema/.

Backbone staff (with a token, as integrations call the API) send a few generated requests to
every operation, valid ones and, where a parameter or body can be made invalid, invalid ones.
Any 5xx, a status code the schema does not list, a content type it does not list, or a body
that does not match its schema fails the test. Derandomized, so a run is the same each time.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from rest_framework.authtoken.models import Token
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.atlas.builders import make_area
from tests.challenges.builders_api import build_records
from tests.conftest import World

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
# Three generated requests an operation, in each mode: the test grew past 30 s a phase with the
# network's endpoints at five (docs/testing.md).
EXAMPLES_PER_OPERATION = 3


def _records(world: World) -> None:
    """One of each record the API lists: an offered match (no frequency or closure yet), an
    opportunity, its program, a screened mentor, a population area."""
    from ecotone.mentoring.services import matches
    from tests.mentoring.builders import clear, make_mentor, make_opportunity, make_program

    mentor = make_mentor(world.alpha, user=world.users["mentor"])
    clear(mentor, world.users["admin"])
    opportunity = make_opportunity(make_program(world.org_a, "Mentoring Lab"))
    matches.invite(opportunity, mentor, world.users["partner_a"])
    make_area(world.alpha, "390001", 1.0, youth=300, locale="rural")
    # challenges (area api): a call of each status, applications, reviews, a decision, awards
    build_records(world)


def _can_be_invalid(raw: dict[str, Any]) -> bool:
    """Whether schemathesis can make an invalid request: a free-text path parameter alone
    cannot be made invalid."""
    return "requestBody" in raw or any(
        parameter.get("in") == "query" or parameter.get("schema", {}).get("type") != "string"
        for parameter in raw.get("parameters", [])
    )


@pytest.fixture
def connection_kept() -> Iterator[None]:
    """The test's transaction must outlive each request: the WSGI handler would close the
    connection after every one (Django's test client does the same)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def test_every_operation_answers_as_the_schema_says(world: World, connection_kept: None) -> None:
    _records(world)
    token = Token.objects.create(user=world.users["staff"])
    headers = {"Authorization": f"Token {token.key}"}
    schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    failures: list[str] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        raw = schema.raw_schema["paths"][operation.path][operation.method.lower()]
        modes = [GenerationMode.POSITIVE]
        if _can_be_invalid(raw):
            modes.append(GenerationMode.NEGATIVE)
        for mode in modes:

            @settings(
                max_examples=EXAMPLES_PER_OPERATION,
                derandomize=True,
                deadline=None,
                database=None,
                phases=[Phase.explicit, Phase.generate],
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode))
            def check(case: Any) -> None:
                if "ecosystem_slug" in (case.path_parameters or {}):
                    case.path_parameters["ecosystem_slug"] = "alpha"
                response = case.call(headers=headers)
                case.validate_response(response, checks=CHECKS, headers=headers)

            try:
                check()
            except Unsatisfiable:
                pass  # nothing invalid to send after all
            except (Exception, BaseExceptionGroup) as error:
                failures.append(f"{operation.label} ({mode.value}): {error}")
    assert not failures, "\n\n".join(failures)


def test_per_page_outside_its_documented_range_is_refused_with_the_parameter_named(
    world: World,
) -> None:
    client = world.client("staff")
    url = "/api/v1/ecosystems/alpha/organizations/"
    for value in ("null", "0", "-1", "501", "ten"):
        response = client.get(url, {"per_page": value})
        assert response.status_code == 400, value
        assert "per_page" in response.json()
    assert len(client.get(url, {"per_page": "1"}).json()["results"]) == 1
    assert client.get(url, {"per_page": "500"}).status_code == 200


def test_an_unknown_filter_value_is_refused_with_the_parameter_named(world: World) -> None:
    _records(world)
    client = world.client("staff")
    base = "/api/v1/ecosystems/alpha"
    for path, name in (
        ("organizations", "sector"),
        ("memberships", "role"),
        ("mentors", "status"),
        ("matches", "status"),
        ("matches", "mentor"),
        ("population-areas", "kind"),
        ("programs", "delivery"),
        ("programs", "day"),
    ):
        response = client.get(f"{base}/{path}/", {name: "bogus"})
        assert response.status_code == 400, (path, name)
        assert name in response.json(), (path, name)
    libraries = client.get(f"{base}/organizations/", {"sector": "library"}).json()["results"]
    assert [o["name"] for o in libraries] == ["Eastside Library"]
    assert client.get(f"{base}/matches/", {"status": "offered"}).json()["count"] == 1


def test_an_unknown_api_address_answers_json_not_found(world: World) -> None:
    response = world.client("staff").get("/api/v1/ecosystems/alpha/matches/1.5/")
    assert response.status_code == 404
    assert response.json() == {"detail": "Not found."}
    assert "<html" in world.client("staff").get("/e/alpha/nowhere/").content.decode()
