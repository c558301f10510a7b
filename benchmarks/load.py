"""Load test (issue 15 item 6): realistic mixed traffic against the production-like stack.

    .venv/bin/python benchmarks/load.py                      # starts `make serve-prod`'s stack
    .venv/bin/python benchmarks/load.py --host http://127.0.0.1:8000 --duration 60 --no-ramp

Families search the finder (keywords, ZIP codes of the demo's towns, filters), open programs and
load the map's GeoJSON; partners open their listings and edit pages and now and then save one;
mentors browse opportunities and their profile; backbone staff open dashboards and lists; API
clients read /api/v1/ and HSDS with personal tokens. Each simulated person makes requests at a
fixed rate (locust's `constant_throughput`), so the number of people sets the arrival rate.

The run holds --rps for --duration seconds (100 requests/s for 5 minutes by default), then
(unless --no-ramp) steps the rate up, 25, 50, 100, 150, 200, ... for --step seconds each, until
p95 passes 1 s: the knee. It prints ONE JSON line: `requests_per_second`, `p95_ms`, `p50_ms`,
`errors`, per-group p95s and `knee_rps`; budget: 100 requests/s, p95 < 300 ms, 0 errors.

Signing in: the backbone accounts need a two-factor code, and a TOTP code is accepted once, so
each persona's account signs in once through the real forms (password, then the code) before the
run, and every simulated person of that persona carries that session. API clients use tokens
created on the profile page of four accounts (DRF's throttle is per account: 600 a minute).

The journeys are plain functions of a small client interface (get/post) and import nothing of
locust, so tests/test_load_scenario.py resolves every URL they request without a server.
"""

from __future__ import annotations

import argparse
import html.parser
import json
import os
import random
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
MAIN_SLUG = "confluence"  # ecotone.demo.builder.MAIN_SLUG (not imported: no Django here)
SECOND_SLUG = "lakeshore"
PASSWORD = "ecotone-demo-2026"  # noqa: S105  builder.DEMO_PASSWORD, public demo data
TOTP_SECRET = "ECOTONEDEMOBACKBONETOTPSECRETQQQ"  # noqa: S105  builder.DEMO_TOTP_SECRET
DOMAIN = "demo.ecotone.example.org"
KEYWORDS = ["robotics", "coding", "science", "math", "engineering", "nature", "camp", "girls"]
FACETS = [
    "free=1",
    "after_school=1",
    "day=sat",
    "transportation=1",
    "language=es",
    "delivery=in_person",
    "sort=distance",
]
BUDGET_P95_MS = 300
CORES = os.cpu_count() or 1
KNEE_P95_MS = 1000


class Client(Protocol):
    def get(self, path: str, **kwargs: Any) -> Any: ...
    def post(self, path: str, **kwargs: Any) -> Any: ...


@dataclass
class Demo:
    """What the journeys pick from: found on the running site before the run."""

    slug: str = MAIN_SLUG
    zips: list[str] = field(default_factory=list)
    programs: list[str] = field(default_factory=list)  # program slugs
    partner_programs: list[str] = field(default_factory=list)  # the partner can edit these
    organizations: list[str] = field(default_factory=list)
    opportunities: list[int] = field(default_factory=list)
    hsds_services: list[str] = field(default_factory=list)
    bboxes: list[str] = field(default_factory=list)
    cookies: dict[str, str] = field(default_factory=dict)  # persona -> Cookie header
    tokens: list[str] = field(default_factory=list)


# --- the journeys: each a single request (a save is two: the form, then the POST) -------------


def _finder_query(demo: Demo, rng: random.Random) -> str:
    parts = []
    roll = rng.random()
    if roll < 0.5 and demo.zips:
        parts.append(f"near={rng.choice(demo.zips)}&radius={rng.choice([5, 10, 25])}")
    elif roll < 0.8:
        parts.append(f"q={rng.choice(KEYWORDS)}")
    if rng.random() < 0.4:
        parts.append(rng.choice(FACETS))
    return "&".join(parts)


def family_search(client: Client, demo: Demo, rng: random.Random, headers: dict) -> None:
    query = _finder_query(demo, rng)
    client.get(f"/e/{demo.slug}/programs/?{query}", name="family: search", headers=headers)


def family_program(client: Client, demo: Demo, rng: random.Random, headers: dict) -> None:
    slug = rng.choice(demo.programs)
    client.get(f"/e/{demo.slug}/programs/{slug}/", name="family: program", headers=headers)


def family_map(client: Client, demo: Demo, rng: random.Random, headers: dict) -> None:
    query = _finder_query(demo, rng)
    if demo.bboxes and rng.random() < 0.7:
        query = f"{query}&bbox={rng.choice(demo.bboxes)}"
    client.get(f"/e/{demo.slug}/programs/map.geojson?{query}", name="family: map", headers=headers)


def family_home(client: Client, demo: Demo, rng: random.Random, headers: dict) -> None:
    client.get(f"/e/{demo.slug}/", name="family: home", headers=headers)


PARTNER_PAGES = ["/e/{slug}/listings/", "/e/{slug}/mentoring/", "/e/{slug}/mentoring/hours/"]


def partner_browse(client: Client, demo: Demo, rng: random.Random, headers: dict) -> None:
    if rng.random() < 0.5:
        slug = rng.choice(demo.partner_programs)
        path = f"/e/{demo.slug}/listings/programs/{slug}/edit/"
    else:
        path = rng.choice(PARTNER_PAGES).format(slug=demo.slug)
    client.get(path, name="partner: pages", headers=headers)


def partner_save(client: Client, demo: Demo, rng: random.Random, headers: dict) -> None:
    """Open a listing's edit form and send it back as it is, with the description touched."""
    slug = rng.choice(demo.partner_programs)
    path = f"/e/{demo.slug}/listings/programs/{slug}/edit/"
    page = client.get(path, name="partner: pages", headers=headers)
    if page.status_code != 200 or not page.text:  # a failure, already counted
        return
    data = form_fields(page.text)
    if not data:
        return
    if "description" in data:
        base = data["description"][0].split(" [load ")[0]
        data["description"] = [f"{base} [load {rng.randrange(1000)}]"]
    client.post(
        path,
        # encoded here: locust's client encodes a dict without `doseq`, so every field of a
        # list went as "['...']" and every save was refused (403: the CSRF token's length)
        data=urlencode(data, doseq=True),
        name="partner: save",
        headers={**headers, "Referer": path, "Content-Type": "application/x-www-form-urlencoded"},
    )


MENTOR_PAGES = [
    "/e/{slug}/mentoring/",
    "/e/{slug}/mentoring/opportunities/",
    "/e/{slug}/mentoring/profile/",
    "/e/{slug}/mentoring/matches/",
]


def mentor_browse(client: Client, demo: Demo, rng: random.Random, headers: dict) -> None:
    if demo.opportunities and rng.random() < 0.4:
        path = f"/e/{demo.slug}/mentoring/opportunities/{rng.choice(demo.opportunities)}/"
    else:
        path = rng.choice(MENTOR_PAGES).format(slug=demo.slug)
    client.get(path, name="mentor: pages", headers=headers)


STAFF_PAGES = [
    "/e/{slug}/",
    "/e/{slug}/partners/",
    "/e/{slug}/members/",
    "/e/{slug}/listings/moderation/",
    "/e/{slug}/mentoring/",
    "/e/{slug}/mentoring/dashboard/",
    "/e/{slug}/mentoring/mentors/",
    "/e/{slug}/mentoring/rounds/",
    "/e/{slug}/atlas/",
]


def staff_dashboards(client: Client, demo: Demo, rng: random.Random, headers: dict) -> None:
    path = rng.choice(STAFF_PAGES).format(slug=demo.slug)
    client.get(path, name="staff: dashboards", headers=headers)


API_LISTS = [
    "/api/v1/ecosystems/{slug}/programs/?page={page}",
    "/api/v1/ecosystems/{slug}/programs/?search={keyword}",
    "/api/v1/ecosystems/{slug}/locations/?page={page}",
    "/api/v1/ecosystems/{slug}/organizations/?page={page}",
    "/api/v1/ecosystems/{slug}/",
    "/api/v1/ecosystems/",
]
HSDS_LISTS = [
    "/api/hsds/{slug}/services?page={page}",
    "/api/hsds/{slug}/organizations?page={page}",
    "/api/hsds/{slug}/service_at_locations?page={page}",
    "/api/hsds/{slug}/taxonomy_terms",
]


def api_client(client: Client, demo: Demo, rng: random.Random, headers: dict) -> None:
    values = {"slug": demo.slug, "page": rng.randint(1, 3), "keyword": rng.choice(KEYWORDS)}
    roll = rng.random()
    if roll < 0.5:
        path, name = rng.choice(API_LISTS).format(**values), "api: v1"
    elif roll < 0.8 or not demo.hsds_services:
        path, name = rng.choice(HSDS_LISTS).format(**values), "api: hsds"
    else:
        path, name = f"/api/hsds/{demo.slug}/services/{rng.choice(demo.hsds_services)}", "api: hsds"
    client.get(path, name=name, headers=headers)


Journey = Callable[[Client, Demo, random.Random, dict], None]


@dataclass(frozen=True)
class Persona:
    """One kind of person: how many of every 100 people, who they sign in as, what they do."""

    name: str
    weight: int
    account: str | None  # demo account signed in as, "token" for API clients, None: anonymous
    journeys: tuple[tuple[Journey, int], ...]


PERSONAS = (
    Persona(
        "family",
        55,
        None,
        ((family_search, 40), (family_program, 30), (family_map, 25), (family_home, 5)),
    ),
    Persona("partner", 10, "partner", ((partner_browse, 97), (partner_save, 3))),
    Persona("mentor", 10, "mentor", ((mentor_browse, 1),)),
    Persona("staff", 10, "staff", ((staff_dashboards, 1),)),
    Persona("api", 15, "token", ((api_client, 1),)),
)


# --- an HTML form, read back as a browser would send it ----------------------------------------


class _FormReader(html.parser.HTMLParser):
    def __init__(self, action: str) -> None:
        super().__init__(convert_charrefs=True)
        self.action = action
        self.inside = False
        self.done = False
        self.fields: dict[str, list[str]] = {}
        self.select: str | None = None
        self.select_first: str | None = None
        self.select_chosen = False
        self.textarea: str | None = None

    def _add(self, name: str, value: str) -> None:
        self.fields.setdefault(name, []).append(value)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v or "") for k, v in attrs}
        if tag == "form" and not self.done and a.get("action", "") == self.action:
            self.inside = True
        if not self.inside or "disabled" in a:
            return
        name = a.get("name", "")
        if tag == "input" and name:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self._add(name, a.get("value", "on"))
            elif kind not in ("submit", "button", "file", "image", "reset"):
                self._add(name, a.get("value", ""))
        elif tag == "select" and name:
            self.select, self.select_first, self.select_chosen = name, None, False
        elif tag == "option" and self.select:
            value = a.get("value", "")
            if self.select_first is None:
                self.select_first = value
            if "selected" in a:
                self._add(self.select, value)
                self.select_chosen = True
        elif tag == "textarea" and name:
            self.textarea = name
            self._add(name, "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "select" and self.select:
            if not self.select_chosen and self.select_first is not None:
                self._add(self.select, self.select_first)
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data: str) -> None:
        if self.textarea:
            values = self.fields[self.textarea]
            values[-1] += data


def form_fields(page: str, action: str = "") -> dict[str, list[str]]:
    """The fields of the first form with this action ("": posts to its own page), as sent."""
    reader = _FormReader(action)
    reader.feed(page)
    text = reader.fields.get("description")
    if text:  # a textarea's first newline is not part of its value
        text[0] = text[0].removeprefix("\n")
    return reader.fields


# --- before the run: sign in, make tokens, find what the journeys pick from ---------------------


def totp_code() -> str:
    import base64
    import hashlib
    import hmac
    import struct

    if time.time() % 30 > 27:
        time.sleep(30 - time.time() % 30 + 0.2)
    key = base64.b32decode(TOTP_SECRET)
    digest = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def _csrf(page: str) -> str:
    match = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    if not match:
        raise RuntimeError("no CSRF token on the page")
    return match.group(1)


def sign_in(host: str, account: str) -> Any:
    """A requests session signed in through the real forms as `account`@demo."""
    import requests

    session = requests.Session()
    page = session.get(f"{host}/accounts/login/")
    response = session.post(
        f"{host}/accounts/login/",
        data={
            "login": f"{account}@{DOMAIN}",
            "password": PASSWORD,
            "csrfmiddlewaretoken": _csrf(page.text),
        },
        headers={"Referer": f"{host}/accounts/login/"},
    )
    if "/accounts/2fa/authenticate/" in response.url:
        response = session.post(
            f"{host}/accounts/2fa/authenticate/",
            data={"code": totp_code(), "csrfmiddlewaretoken": _csrf(response.text)},
            headers={"Referer": response.url},
        )
    if "/accounts/login/" in response.url or "/accounts/2fa/" in response.url:
        raise RuntimeError(f"{account} could not sign in ({response.url})")
    return session


def _cookie_header(session: Any) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in session.cookies)


def api_token(host: str, session: Any) -> str:
    page = session.get(f"{host}/accounts/profile/")
    response = session.post(
        f"{host}/accounts/api-token/",
        data={"csrfmiddlewaretoken": _csrf(page.text)},
        headers={"Referer": f"{host}/accounts/profile/"},
    )
    match = re.search(r"\b([0-9a-f]{40})\b", response.text)
    if not match:
        raise RuntimeError("no API token on the page")
    return match.group(1)


def discover(host: str) -> Demo:
    import requests

    demo = Demo()
    sessions = {name: sign_in(host, name) for name in ("partner", "mentor", "staff")}
    demo.cookies = {name: _cookie_header(s) for name, s in sessions.items()}
    for account in ("reviewer", "member", "operator", "admin"):
        demo.tokens.append(api_token(host, sign_in(host, account)))
    api = requests.Session()
    api.headers["Authorization"] = f"Token {demo.tokens[0]}"
    base = f"{host}/api/v1/ecosystems/{demo.slug}"
    for page in (1, 2, 3):
        body = api.get(f"{base}/programs/?page={page}").json()
        demo.programs += [p["slug"] for p in body["results"]]
        body = api.get(f"{base}/locations/?page={page}").json()
        for location in body["results"]:
            code = str(location.get("postal_code") or "")[:5]
            if code.isdigit() and code not in demo.zips:
                demo.zips.append(code)
            lat, lng = location.get("latitude"), location.get("longitude")
            if lat is not None and lng is not None and len(demo.bboxes) < 20:
                lat, lng = float(lat), float(lng)
                demo.bboxes.append(
                    f"{lng - 0.3:.4f},{lat - 0.2:.4f},{lng + 0.3:.4f},{lat + 0.2:.4f}"
                )
    body = api.get(f"{base}/organizations/").json()
    demo.organizations = [o.get("slug", "") for o in body.get("results", [])]
    body = api.get(f"{host}/api/hsds/{demo.slug}/services").json()
    demo.hsds_services = [s["id"] for s in body.get("contents", [])][:50]
    listings = sessions["partner"].get(f"{host}/e/{demo.slug}/listings/").text
    demo.partner_programs = sorted(
        set(re.findall(rf"/e/{demo.slug}/listings/programs/([\w-]+)/edit/", listings))
    )
    opportunities = sessions["mentor"].get(f"{host}/e/{demo.slug}/mentoring/opportunities/").text
    demo.opportunities = sorted(
        {
            int(n)
            for n in re.findall(rf"/e/{demo.slug}/mentoring/opportunities/(\d+)/", opportunities)
        }
    )
    missing = [n for n in ("programs", "zips", "partner_programs") if not getattr(demo, n)]
    if missing:
        raise RuntimeError(f"nothing found on the site for: {', '.join(missing)}")
    return demo


def persona_headers(persona: Persona, demo: Demo, number: int) -> dict[str, str]:
    if persona.account == "token":
        return {"Authorization": f"Token {demo.tokens[number % len(demo.tokens)]}"}
    if persona.account:
        return {"Cookie": demo.cookies[persona.account]}
    return {}


# --- the run --------------------------------------------------------------------------------------

# One request every PACE seconds from each simulated person: the rate is people / PACE.
PACE = 2.0


def user_classes(demo: Demo) -> list[type]:
    from locust import constant_throughput, task
    from locust.contrib.fasthttp import FastHttpUser

    classes = []
    for persona in PERSONAS:
        journeys, weights = zip(*persona.journeys, strict=True)

        def act(
            self: Any,
            journeys: tuple[Journey, ...] = journeys,
            weights: tuple[int, ...] = weights,
        ) -> None:
            journey = self.rng.choices(journeys, weights)[0]
            journey(self.client, demo, self.rng, self.auth)

        def on_start(self: Any, persona: Persona = persona) -> None:
            type(self).started += 1
            self.rng = random.Random(type(self).started)
            self.auth = persona_headers(persona, demo, type(self).started)

        classes.append(
            type(
                f"{persona.name.title()}User",
                (FastHttpUser,),
                {
                    "weight": persona.weight,
                    "wait_time": constant_throughput(1 / PACE),
                    "started": 0,
                    "on_start": on_start,
                    "act": task(act),
                    "network_timeout": 30.0,
                    "connection_timeout": 30.0,
                },
            )
        )
    return classes


def stack_processes() -> list[Any]:
    """serve-prod's gunicorn processes and its PostgreSQL server with every backend."""
    import psutil

    found = []
    for process in psutil.process_iter(["cmdline"]):
        command = " ".join(process.info["cmdline"] or [])
        if "ecotone.wsgi:application" in command or (
            "serve-prod-pg" in command and "postgres" in command
        ):
            found.append(process)
            found.extend(process.children(recursive=True))
    return found


def stack_cpu_seconds() -> float:
    """CPU the stack has used so far: on a shared machine this, not the wall clock, says what a
    request costs. Backends that ended since the last call are missed (connections here are
    persistent, so there are few)."""
    import psutil

    total = 0.0
    for process in {p.pid: p for p in stack_processes()}.values():
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def _p(stats_entry: Any, fraction: float) -> float:
    return float(stats_entry.get_response_time_percentile(fraction) or 0.0)


def run_step(env: Any, host: str, rps: float, seconds: float) -> dict[str, Any]:
    """Hold `rps` for `seconds` (after a short ramp-up that is not counted), then stop and let
    the server drain its queue, so that the next step starts from an idle server."""
    drain(host)
    users = max(1, round(rps * PACE))
    env.runner.start(users, spawn_rate=max(users / 5, 10))
    time.sleep(5 + PACE)
    env.stats.reset_all()
    env.runner.exceptions.clear()
    started, cpu_before = time.monotonic(), stack_cpu_seconds()
    time.sleep(seconds)
    elapsed, cpu = time.monotonic() - started, stack_cpu_seconds() - cpu_before
    env.runner.stop()
    total = env.stats.total
    cpu_ms = 1000 * cpu / total.num_requests if total.num_requests and cpu > 0 else None
    groups = {
        name: round(_p(entry, 0.95), 1)
        for (name, _method), entry in sorted(env.stats.entries.items())
    }
    return {
        "target_rps": rps,
        "requests_per_second": round(total.num_requests / elapsed, 1),
        "requests": total.num_requests,
        "p50_ms": round(_p(total, 0.50), 1),
        "p95_ms": round(_p(total, 0.95), 1),
        "p99_ms": round(_p(total, 0.99), 1),
        # Failed requests, and journeys that broke in the scenario's own code (none expected).
        "errors": total.num_failures + sum(e["count"] for e in env.runner.exceptions.values()),
        # What the stack spent per request, and so how many a second its cores could serve.
        "server_cpu_ms_per_request": round(cpu_ms, 1) if cpu_ms else None,
        "capacity_rps_at_full_cpu": round(CORES * 1000 / cpu_ms, 1) if cpu_ms else None,
        "error_examples": [str(e.error)[:160] for e in list(env.stats.errors.values())[:5]],
        "group_p95_ms": groups,
    }


def drain(host: str, seconds: float = 120) -> None:
    """Wait until the health check answers within half a second (the queue is empty)."""
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        started = time.monotonic()
        try:
            requests.get(f"{host}/healthz", timeout=10)
        except requests.RequestException:
            continue
        if time.monotonic() - started < 0.5:
            return
        time.sleep(1)


def wait_for(host: str, seconds: float) -> None:
    import requests

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{host}/healthz", timeout=5).status_code == 200:
                return
        except requests.RequestException:
            pass
        time.sleep(2)
    raise RuntimeError(f"{host} did not answer /healthz within {seconds:.0f} s")


def _knee_note(knee: dict | None, steps: list[dict], args: Any) -> str | None:
    if args.no_ramp:
        return None
    if knee is None:
        return f"p95 stayed under 1 s up to {args.max_rps:g} requests/s"
    if len(steps) == 1:
        return f"p95 passed 1 s at the first step ({knee['target_rps']:g} requests/s)"
    return f"between {steps[-2]['target_rps']:g} and {knee['target_rps']:g} requests/s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", help="a running stack; default: start scripts/serve-prod.sh")
    parser.add_argument("--port", type=int, default=8077, help="port of the stack started here")
    parser.add_argument("--rps", type=float, default=100.0, help="the held rate")
    parser.add_argument("--duration", type=float, default=300.0, help="seconds to hold it")
    parser.add_argument("--no-ramp", action="store_true", help="skip the step ramp (the knee)")
    parser.add_argument("--step", type=float, default=30.0, help="seconds of each ramp step")
    parser.add_argument("--max-rps", type=float, default=400.0, help="where the ramp gives up")
    args = parser.parse_args()

    import gevent.monkey  # before anything opens a socket

    gevent.monkey.patch_all()
    from locust.env import Environment
    from locust.log import setup_logging

    setup_logging("WARNING")
    server = None
    host = args.host
    if not host:
        host = f"http://127.0.0.1:{args.port}"
        server = subprocess.Popen(
            [str(ROOT / "scripts" / "serve-prod.sh")],
            env={**os.environ, "PORT": str(args.port)},
            stdout=sys.stderr,  # the last line of stdout is the JSON
            start_new_session=True,
        )
    try:
        wait_for(host, 1800)
        loadavg = Path("/proc/loadavg").read_text().split()[:3]
        demo = discover(host)
        env = Environment(user_classes=user_classes(demo), host=host)
        env.create_local_runner()
        hold = run_step(env, host, args.rps, args.duration)
        steps = []
        knee = None
        if not args.no_ramp:
            rate = 25.0
            while rate <= args.max_rps:
                step = run_step(env, host, rate, args.step)
                steps.append(
                    {k: step[k] for k in ("target_rps", "requests_per_second", "p95_ms", "errors")}
                )
                print(json.dumps(steps[-1]), file=sys.stderr)
                if step["p95_ms"] > KNEE_P95_MS:
                    knee = step
                    break
                rate = rate * 2 if rate < 100 else rate + 50
        env.runner.quit()
    finally:
        if server is not None:
            os.killpg(server.pid, signal.SIGINT)
            server.wait(timeout=60)
    result = {
        "benchmark": "load",
        "host": host,
        "load_average_before": loadavg,
        "held_seconds": args.duration,
        **{k: v for k, v in hold.items() if k != "group_p95_ms"},
        "group_p95_ms": hold["group_p95_ms"],
        "budget": {"requests_per_second": args.rps, "p95_ms": BUDGET_P95_MS, "errors": 0},
        "budget_met": hold["requests_per_second"] >= 0.95 * args.rps
        and hold["p95_ms"] < BUDGET_P95_MS
        and hold["errors"] == 0,
        "ramp": steps,
        # The offered rate of the first step whose p95 passed 1 s, and what the stack served.
        "knee_rps": knee["target_rps"] if knee else None,
        "knee_served_rps": knee["requests_per_second"] if knee else None,
        "knee_note": _knee_note(knee, steps, args),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
