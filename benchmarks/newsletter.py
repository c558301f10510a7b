"""Benchmark a newsletter to a large roll (issue 19 item 10): 100,000 members, one newsletter
sent through a local SMTP server (aiosmtpd) by the real send path, with bounded memory.

    .venv/bin/python benchmarks/newsletter.py [--members 100000] [--runs 3] [--requests 15]
        [--batch 200] [--seed 19]

On a throw-away SQLite database migrated here: one ecosystem, `--members` active members (70 %
English, 30 % Spanish; 95 % consented to email, 1 % bounced; a sector, one of 24 regions, one to
three interests; 4 workgroups of about 5 % each), a backbone staff account.

What is timed:
- `send_seconds` (median of `--runs`): in a child process of its own, a fresh newsletter
  (two sections, four items) is queued with `services.sending.request_send` (one delivery row per
  recipient, `queue_seconds`) and sent by the task function `send_newsletter.call` to an aiosmtpd
  server in another process: batches of `--batch` claimed, rendered per language, sent over one
  SMTP connection each, marked sent. `messages_per_second` = messages / send_seconds; the server
  counts what it received and must match. `send_peak_rss_mb` is the child's peak RSS
  (ru_maxrss: Django, the queue and the send), the median over runs.
- Page and count latencies through Django's test client as the backbone staff, `--requests`
  times each (the first warms up, not counted): the segment-count API for six segments
  (`segment_count_p95_ms`), the newsletter's audience page with a segment's live count
  (`audience_page_p95_ms`), the newsletters list (`newsletter_list_p95_ms`), and the member list
  and health dashboard when this checkout has them (`member_list_p95_ms`, `dashboard_p95_ms`,
  null otherwise).

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

SERVER = """
import socket, sys
from aiosmtpd.controller import Controller

class Count:
    n = 0
    async def handle_DATA(self, server, session, envelope):
        Count.n += len(envelope.rcpt_tos)
        return "250 OK"

with socket.socket() as probe:
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
controller = Controller(Count(), hostname="127.0.0.1", port=port)
controller.start()
print(port, flush=True)
sys.stdin.read()
controller.stop()
print(Count.n, flush=True)
"""


def _django(db: Path) -> None:
    os.environ["DATABASE_URL"] = f"sqlite:///{db}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotone.settings")
    os.environ["TASKS_BACKEND"] = "dummy"
    os.environ["SITE_URL"] = "https://bench.example.org"
    import django

    django.setup()


def build(db: Path, members: int, seed: int) -> None:
    _django(db)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from ecotone.accounts.models import User
    from ecotone.ecosystems.models import Ecosystem, Membership, Role, Sector
    from ecotone.network.models import (
        Member,
        MemberInterest,
        Workgroup,
        WorkgroupMembership,
    )
    from ecotone.network.profile import INTERESTS

    rng = random.Random(seed)
    ecosystem = Ecosystem.objects.create(
        slug="bench",
        name="Benchmark Valley STEM Alliance",
        region_south=39.0,
        region_west=-84.0,
        region_north=41.0,
        region_east=-82.0,
    )
    from allauth.mfa.totp.internal.auth import TOTP

    staff = User.objects.create_user(email="staff@bench.test", password=None, name="Staff")
    TOTP.activate(staff, "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")  # the backbone's MFA rule
    Membership.objects.create(user=staff, ecosystem=ecosystem, role=Role.BACKBONE_STAFF)
    groups = [
        Workgroup.objects.create(ecosystem=ecosystem, slug=f"wg{i}", name=f"Workgroup {i}")
        for i in range(4)
    ]
    sectors = [s for s, _label in Sector.choices]
    regions = [f"County {i}" for i in range(24)]
    codes = [c for c, _label in INTERESTS]
    chunk = 5000
    for start in range(0, members, chunk):
        rows = []
        for i in range(start, min(members, start + chunk)):
            rows.append(
                Member(
                    ecosystem=ecosystem,
                    status="active",
                    name=f"Member {i}",
                    email=f"member{i}@example.org",
                    sector=rng.choice(sectors),
                    region=rng.choice(regions),
                    language="es" if rng.random() < 0.3 else "en",
                    email_consent=rng.random() < 0.95,
                    email_bounced_at="2026-01-01T00:00:00Z" if rng.random() < 0.01 else None,
                )
            )
        made = Member.objects.bulk_create(rows)
        MemberInterest.objects.bulk_create(
            MemberInterest(member=m, code=c)
            for m in made
            for c in rng.sample(codes, rng.randint(1, 3))
        )
        WorkgroupMembership.objects.bulk_create(
            WorkgroupMembership(workgroup=rng.choice(groups), member=m)
            for m in made
            if rng.random() < 0.2
        )


def send_once(db: Path, port: int, batch: int) -> dict[str, Any]:
    """In a child process: queue and send one newsletter; its figures and peak RSS."""
    _django(db)
    from django.conf import settings

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.NEWSLETTER_BATCH_SIZE = batch
    from ecotone.accounts.models import User
    from ecotone.ecosystems.models import Ecosystem
    from ecotone.network.models import ItemKind
    from ecotone.network.services import newsletters as service
    from ecotone.network.services import sending

    ecosystem = Ecosystem.objects.get(slug="bench")
    staff = User.objects.get(email="staff@bench.test")
    newsletter = service.create_newsletter(
        ecosystem,
        staff,
        subject="Monthly news",
        subject_es="Noticias del mes",
        intro="What happened this month in the network.",
        intro_es="Lo que pasó este mes en la red.",
    )
    for title in ("News", "Opportunities"):
        section = service.add_section(newsletter, title, title + " (es)")
        for k in range(2):
            service.add_item(
                section,
                ItemKind.NEWS,
                title=f"{title} {k}",
                title_es=f"{title} {k} (es)",
                text="A paragraph about it. " * 5,
                link=f"https://example.org/{title.lower()}/{k}",
            )
    started = time.perf_counter()
    recipients = sending.request_send(newsletter, staff)
    queue_seconds = time.perf_counter() - started
    started = time.perf_counter()
    sent = sending.send_newsletter.call(newsletter.pk)
    send_seconds = time.perf_counter() - started
    return {
        "recipients": recipients,
        "sent": sent,
        "queue_seconds": queue_seconds,
        "send_seconds": send_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def _p95(times: list[float]) -> float:
    ordered = sorted(times)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def pages(db: Path, requests: int) -> dict[str, Any]:
    _django(db)
    from django.conf import settings
    from django.test import Client
    from django.test.utils import override_settings
    from django.urls import NoReverseMatch, reverse

    plain = "django.contrib.staticfiles.storage.StaticFilesStorage"
    override_settings(
        STORAGES={**settings.STORAGES, "staticfiles": {"BACKEND": plain}},
        ALLOWED_HOSTS=["*"],
    ).enable()
    from ecotone.accounts.models import User
    from ecotone.ecosystems.models import Ecosystem
    from ecotone.network.models import Newsletter, Workgroup

    ecosystem = Ecosystem.objects.get(slug="bench")
    client = Client()
    client.force_login(User.objects.get(email="staff@bench.test"))
    newsletter = Newsletter.objects.filter(ecosystem=ecosystem).first()
    assert newsletter is not None
    group = Workgroup.objects.filter(ecosystem=ecosystem).first()
    assert group is not None
    api = "/api/v1/ecosystems/bench/network/segment-count/"
    segments = [
        {},
        {"languages": "es"},
        {"sectors": "library,museum"},
        {"regions": "County 3,County 7", "languages": "en"},
        {"interests": "computer_science,engineering"},
        {"workgroups": str(group.pk), "interests": "equity"},
    ]

    def timed(url: str, params: dict[str, str] | None = None) -> list[float]:
        times = []
        for i in range(requests):
            started = time.perf_counter()
            response = client.get(url, params or {})
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                raise SystemExit(f"{url} {params}: {response.status_code}")
            if i:
                times.append(elapsed)
        return times

    segment_times: list[float] = []
    counts = {}
    for segment in segments:
        segment_times += timed(api, segment)
        counts[json.dumps(segment)] = client.get(api, segment).json()["count"]
    audience = f"/e/bench/network/newsletters/manage/{newsletter.pk}/audience/"
    figures: dict[str, Any] = {
        "segment_count_p95_ms": round(_p95(segment_times), 1),
        "segment_count_p50_ms": round(statistics.median(segment_times), 1),
        "segment_counts": counts,
        "audience_page_p95_ms": round(
            _p95(timed(audience, {"count": "1", "languages": "es", "sectors": "library"})), 1
        ),
        "newsletter_list_p95_ms": round(_p95(timed("/e/bench/network/newsletters/manage/")), 1),
    }
    for key, name in (
        ("member_list_p95_ms", "network:members"),
        ("dashboard_p95_ms", "network:health"),
    ):
        try:
            url = reverse(name, kwargs={"ecosystem_slug": "bench"})
        except NoReverseMatch:
            figures[key] = None  # not in this checkout
        else:
            figures[key] = round(_p95(timed(url)), 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--requests", type=int, default=15)
    parser.add_argument("--batch", type=int, default=200)
    parser.add_argument("--seed", type=int, default=19)
    parser.add_argument("--child-send", help=argparse.SUPPRESS)  # db path (internal)
    parser.add_argument("--port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child_send:
        print(json.dumps(send_once(Path(args.child_send), args.port, args.batch)))
        return

    scratch = Path(tempfile.mkdtemp())
    db = scratch / "bench.sqlite3"
    started = time.perf_counter()
    build(db, args.members, args.seed)
    build_seconds = time.perf_counter() - started

    runs = []
    for _run in range(args.runs):
        server = subprocess.Popen(
            [sys.executable, "-c", SERVER],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert server.stdout is not None
        assert server.stdin is not None
        port = int(server.stdout.readline())
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child-send",
                str(db),
                "--port",
                str(port),
                "--batch",
                str(args.batch),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        server.stdin.close()
        received = int(server.stdout.readline())
        server.wait()
        figures = json.loads(child.stdout.strip().splitlines()[-1])
        if received != figures["sent"] or figures["sent"] != figures["recipients"]:
            raise SystemExit(
                f"sent {figures['sent']} of {figures['recipients']}, received {received}"
            )
        runs.append(figures)

    send = statistics.median(r["send_seconds"] for r in runs)
    result = {
        "benchmark": "newsletter",
        "members": args.members,
        "recipients": runs[0]["recipients"],
        "runs": args.runs,
        "batch": args.batch,
        "build_seconds": round(build_seconds, 1),
        "queue_seconds": round(statistics.median(r["queue_seconds"] for r in runs), 2),
        "send_seconds": round(send, 2),
        "send_seconds_min_max": [
            round(min(r["send_seconds"] for r in runs), 2),
            round(max(r["send_seconds"] for r in runs), 2),
        ],
        "messages_per_second": round(runs[0]["recipients"] / send, 1),
        "send_peak_rss_mb": round(statistics.median(r["peak_rss_mb"] for r in runs), 1),
        "send_peak_rss_mb_max": round(max(r["peak_rss_mb"] for r in runs), 1),
        **pages(db, args.requests),
        "database": "sqlite",
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
