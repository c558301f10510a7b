"""manage.py survey_reminders [--ecosystem SLUG] [--on YYYY-MM-DD]

The surveys' daily run (`services.surveys.send_reminders`; the task `remind_surveys` does the
same): closes open surveys past their closing day, and reminds who has not answered, once per
reminder day of the survey. A deployment runs it daily from cron, e.g.
`55 7 * * * cd /srv/ecotone && .venv/bin/python manage.py survey_reminders`; a task worker
sends the mail. Safe to run more often: each reminder goes once.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.ecosystems.models import Ecosystem
from ecotone.network.services.surveys import send_reminders


class Command(BaseCommand):
    help = (
        "Close surveys past their closing day and remind who has not answered the open ones. "
        "Run daily; each reminder goes once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ecosystem", help="slug of one ecosystem (default: every one)")
        parser.add_argument("--on", help="the day to remind for, YYYY-MM-DD (default: today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = None
        if options.get("on"):
            try:
                day = datetime.date.fromisoformat(options["on"])
            except ValueError as error:
                raise CommandError(f"--on {options['on']!r} is not a date (YYYY-MM-DD).") from error
        ecosystem = None
        if options.get("ecosystem"):
            ecosystem = Ecosystem.objects.filter(is_active=True, slug=options["ecosystem"]).first()
            if ecosystem is None:
                raise CommandError(f"No active ecosystem with the slug {options['ecosystem']!r}.")
        reminded = send_reminders(day, ecosystem=ecosystem)
        self.stdout.write(f"{reminded} reminder(s) queued")
