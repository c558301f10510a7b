"""manage.py mentoring_reminders [--ecosystem SLUG] [--on YYYY-MM-DD]

First stores again the screening stages that time has run out on
(`services.screening.refresh_stages`), then puts on hold, at once, the live matches whose
mentor's screening lapsed by expiry (time passes without any save, so this daily run is where
expiry takes effect; `services.matches.hold_unsafe_matches`, with notices to the mentor, the
program and the ecosystem's contact). Then queues the day's mentoring reminders
(`tasks.send_reminders`) for every active ecosystem: screening steps about to expire, check-ins
due within three days or overdue, and the weekly digest of hours awaiting approval. A
deployment runs it once a day from cron, for example `30 7 * * * cd /srv/ecotone &&
.venv/bin/python manage.py mentoring_reminders`; a task worker (`manage.py db_worker`) sends
the email. Safe to run more often: each reminder is sent once (the Notice table remembers it).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.ecosystems.models import Ecosystem
from ecotone.mentoring.services.matches import hold_unsafe_matches
from ecotone.mentoring.services.screening import refresh_stages
from ecotone.mentoring.tasks import send_reminders


class Command(BaseCommand):
    help = (
        "Put on hold the matches whose mentor's screening lapsed, then queue the mentoring "
        "reminders (screening expiring, check-ins due, hours awaiting approval) for every "
        "active ecosystem. Run daily; nothing is sent twice."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ecosystem", help="slug of one ecosystem (default: every active one)")
        parser.add_argument("--on", help="the day to remind for, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        on = options.get("on")
        if on:
            try:
                datetime.date.fromisoformat(on)
            except ValueError as error:
                raise CommandError(f"--on {on!r} is not a date (YYYY-MM-DD).") from error
        ecosystems = Ecosystem.objects.filter(is_active=True).order_by("slug")
        if options.get("ecosystem"):
            ecosystems = ecosystems.filter(slug=options["ecosystem"])
            if not ecosystems.exists():
                raise CommandError(f"No active ecosystem with the slug {options['ecosystem']!r}.")
        day = datetime.date.fromisoformat(on) if on else None
        for ecosystem in ecosystems:
            # Stored screening stages that time has run out on (a step expired overnight).
            refresh_stages(ecosystem, stale_only=True)
            held = hold_unsafe_matches(ecosystem, None, on=day)
            if held:
                self.stdout.write(f"{ecosystem.slug}: {len(held)} matches taken out of live status")
            send_reminders.enqueue(ecosystem.pk, on)
            self.stdout.write(f"{ecosystem.slug}: mentoring reminders queued")
