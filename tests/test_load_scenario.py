"""The load test's journeys (benchmarks/load.py) request only URLs this site has, with the
demo's slugs: a renamed route or demo constant fails here, not silently in a load run."""

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import resolve

from ecotone.demo import builder

BENCHMARK = Path(__file__).resolve().parent.parent / "benchmarks" / "load.py"

# Every journey, and the views (namespace:name) its requests may land on.
EXPECTED = {
    "family_search": {"directory:programs"},
    "family_program": {"directory:program"},
    "family_map": {"directory:map_geojson"},
    "family_home": {"ecosystems:home"},
    "partner_browse": {
        "listings:program_edit",
        "listings:mine",
        "mentoring:home",
        "mentoring:hours",
    },
    "partner_save": {"listings:program_edit"},
    "mentor_browse": {
        "mentoring:home",
        "mentoring:opportunities",
        "mentoring:opportunity",
        "mentoring:profile",
        "mentoring:matches",
    },
    "staff_dashboards": {
        "ecosystems:home",
        "ecosystems:organizations",
        "ecosystems:members",
        "listings:moderation",
        "mentoring:home",
        "mentoring:dashboard",
        "mentoring:mentors",
        "mentoring:rounds",
        "atlas:home",
    },
    "api_client": {
        "api:program-list",
        "api:location-list",
        "api:organization-list",
        "api:ecosystem-detail",
        "api:ecosystem-list",
        "hsds:services",
        "hsds:service",
        "hsds:organizations",
        "hsds:service_at_locations",
        "hsds:taxonomy_terms",
    },
}


@pytest.fixture(scope="module")
def load() -> ModuleType:
    # Loaded from its file: benchmarks/ is not a package, and locust (which patches the
    # standard library with gevent on import) is imported only when a run starts.
    spec = importlib.util.spec_from_file_location("load_scenario", BENCHMARK)
    assert spec
    assert spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


class _Page:
    status_code = 200
    text = (
        '<form method="post" action="/accounts/logout/"><input name="next" value="/"></form>'
        '<form method="post" novalidate>'
        '<input type="hidden" name="csrfmiddlewaretoken" value="t">'
        '<input name="name" value="Robotics club"><textarea name="description">\nBuild.</textarea>'
        '<select name="delivery"><option value="in_person" selected>In person</option></select>'
        '<input type="checkbox" name="free" value="1" checked><button>Save</button></form>'
    )


class Recorder:
    def __init__(self) -> None:
        self.requests: list[tuple[str, str, dict[str, Any]]] = []

    def get(self, path: str, **kwargs: Any) -> _Page:
        self.requests.append(("GET", path, kwargs))
        return _Page()

    def post(self, path: str, **kwargs: Any) -> _Page:
        self.requests.append(("POST", path, kwargs))
        return _Page()


def _demo(load: ModuleType) -> Any:
    return load.Demo(
        zips=["60601", "60614"],
        programs=["robotics-club"],
        partner_programs=["coding-camp"],
        organizations=["lakeview-makers"],
        opportunities=[7],
        hsds_services=["0b7c4a4e-5f2b-4e36-9a0f-1d2c3b4a5e6f"],
        bboxes=["-88.0000,41.6000,-87.4000,42.0000"],
        tokens=["0" * 40],
    )


def test_the_scenario_speaks_as_the_demo_does(load: ModuleType) -> None:
    assert load.MAIN_SLUG == builder.MAIN_SLUG
    assert load.SECOND_SLUG == builder.SECOND_SLUG
    assert load.PASSWORD == builder.DEMO_PASSWORD
    assert load.TOTP_SECRET == builder.DEMO_TOTP_SECRET
    assert load.DOMAIN == builder.DEMO_DOMAIN
    accounts = {account.email.split("@")[0] for account in builder.DEMO_ACCOUNTS}
    assert {"partner", "mentor", "staff", "reviewer", "member", "operator", "admin"} <= accounts
    assert sum(persona.weight for persona in load.PERSONAS) == 100


def test_every_journey_requests_only_urls_that_resolve_to_its_views(load: ModuleType) -> None:
    demo = _demo(load)
    journeys = {journey for persona in load.PERSONAS for journey, _weight in persona.journeys}
    assert {journey.__name__ for journey in journeys} == set(EXPECTED)
    for journey in journeys:
        seen: set[str] = set()
        for seed in range(200):  # enough draws to take every branch of every journey
            client = Recorder()
            journey(client, demo, random.Random(seed), {})
            assert client.requests, journey.__name__
            for _method, url, kwargs in client.requests:
                match = resolve(urlsplit(url).path)
                seen.add(match.view_name)
                assert kwargs.get("name"), f"{url} is not counted in a group"
                if "ecosystem_slug" in match.kwargs:
                    assert match.kwargs["ecosystem_slug"] == builder.MAIN_SLUG
        assert seen == EXPECTED[journey.__name__], journey.__name__


def test_a_partner_save_sends_the_form_back_as_a_browser_would(load: ModuleType) -> None:
    client = Recorder()
    load.partner_save(client, _demo(load), random.Random(1), {})
    method, path, kwargs = client.requests[-1]
    assert (method, path) == ("POST", "/e/confluence/listings/programs/coding-camp/edit/")
    # the body as the server reads it (a dict handed to locust went out as "['t']")
    data = parse_qs(kwargs["data"], keep_blank_values=True)
    assert data["csrfmiddlewaretoken"] == ["t"]
    assert data["name"] == ["Robotics club"]
    assert data["delivery"] == ["in_person"]
    assert data["free"] == ["1"]
    assert data["description"][0].startswith("Build. [load ")
