"""manage.py quality_reminders [--ecosystem SLUG] [--on YYYY-MM-DD]

Emails the owner of each open action of an improvement plan due within a week or overdue
(`services.plans.send_plan_reminders`; the task `remind_plans` does the same). A deployment runs
it once a day from cron, e.g.
`50 7 * * * cd /srv/ecotone && .venv/bin/python manage.py quality_reminders`; a task worker
sends the email. Safe to run more often: each action is reminded once a day at most.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.ecosystems.models import Ecosystem
from ecotone.quality.services.plans import send_plan_reminders


class Command(BaseCommand):
    help = (
        "Remind the owners of improvement plans' actions due within a week or overdue. Run "
        "daily; each action is reminded once a day at most."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ecosystem", help="slug of one ecosystem (default: every active one)")
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
        reminded = send_plan_reminders(day, ecosystem=ecosystem)
        self.stdout.write(f"{reminded} action owner(s) reminded")
