"""manage.py measures_reminders [--ecosystem SLUG]

The shared measurement's daily run: emails partners that have not submitted what an open data
collection asks, N days before its due date and once overdue (each stage once), and deletes the
participation rosters past each ecosystem's retention (`services.retention`, with an audit
entry per roster). A deployment runs it once a day from cron, e.g.
`45 7 * * * cd /srv/ecotone && .venv/bin/python manage.py measures_reminders`.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.ecosystems.models import Ecosystem
from ecotone.measures.services.collections import send_reminders
from ecotone.measures.services.retention import delete_expired_rosters


class Command(BaseCommand):
    help = (
        "Remind partners of data collections due soon or overdue, and delete participation "
        "rosters past the ecosystem's retention. Safe to run daily: each partner hears of each "
        "stage of a collection once."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ecosystem", help="Slug of one ecosystem (default: every active one)")

    def handle(self, *args: Any, **options: Any) -> None:
        ecosystems = Ecosystem.objects.filter(is_active=True)
        if options["ecosystem"]:
            ecosystems = ecosystems.filter(slug=options["ecosystem"])
            if not ecosystems.exists():
                raise CommandError(f"No active ecosystem with the slug {options['ecosystem']!r}.")
        for ecosystem in ecosystems:
            reminded = send_reminders(ecosystem)
            self.stdout.write(f"{ecosystem.slug}: {reminded} partner(s) reminded")
        deleted = delete_expired_rosters(
            ecosystems=ecosystems if options["ecosystem"] else Ecosystem.objects.all()
        )
        self.stdout.write(f"{deleted} participation roster(s) past retention deleted")
