"""manage.py challenges_reminders [--ecosystem SLUG]

Emails each reviewer who has reviews still unsubmitted in an open round with a due date
(`services.reviews.remind_open_rounds`; the task `remind_reviewers` does the same). A
deployment runs it once a day from cron, beside the other reminders, e.g.
`55 7 * * * cd /srv/ecotone && .venv/bin/python manage.py challenges_reminders`. Safe to run
more often: each reviewer is reminded once a day at most.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.challenges.services.reviews import remind_open_rounds
from ecotone.ecosystems.models import Ecosystem


class Command(BaseCommand):
    help = "Remind reviewers of unsubmitted reviews in open rounds. Run daily."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ecosystem", help="slug of one ecosystem (default: every active one)")

    def handle(self, *args: Any, **options: Any) -> None:
        ecosystem = None
        if options.get("ecosystem"):
            ecosystem = Ecosystem.objects.filter(is_active=True, slug=options["ecosystem"]).first()
            if ecosystem is None:
                raise CommandError(f"No active ecosystem with the slug {options['ecosystem']!r}.")
        reminded = remind_open_rounds(ecosystem)
        self.stdout.write(f"{reminded} reviewer(s) reminded")
