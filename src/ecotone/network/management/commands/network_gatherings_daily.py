"""manage.py network_gatherings_daily [--ecosystem SLUG]

The network's daily mail of gatherings: the day-before reminder of every registration of an
event starting within a day (queued as tasks, once per registration), and the daily digest of
new workgroup posts (one mail per member, only with new posts, never a post twice). Run it once
a day from cron, for example
`0 7 * * * cd /srv/ecotone && .venv/bin/python manage.py network_gatherings_daily`; running it
more often sends nothing twice.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.ecosystems.models import Ecosystem
from ecotone.network.services import events, workgroups


class Command(BaseCommand):
    help = "Send the event reminders and the workgroup digests of the day (nothing twice)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ecosystem", help="slug of one ecosystem (default: every one)")

    def handle(self, *args: Any, **options: Any) -> None:
        ecosystem = None
        if options.get("ecosystem"):
            ecosystem = Ecosystem.objects.filter(slug=options["ecosystem"]).first()
            if ecosystem is None:
                raise CommandError(f"No ecosystem with the slug {options['ecosystem']!r}.")
        reminders = events.send_reminders(ecosystem=ecosystem)
        digests = workgroups.send_digests(ecosystem)
        self.stdout.write(f"{reminders} reminders queued, {digests} digests sent")
