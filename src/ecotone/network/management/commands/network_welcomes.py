"""manage.py network_welcomes [--ecosystem SLUG]

Tells each ecosystem's backbone, once, of the newcomers still waiting for their personal welcome
after the network's `escalate_welcome_after_days` (`services.welcomes.escalate`); the welcomes
page shows them too. Run daily from cron, for example
`45 7 * * * cd /srv/ecotone && .venv/bin/python manage.py network_welcomes`. Safe to run more
often: a welcome is escalated once.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.ecosystems.models import Ecosystem
from ecotone.network.services.welcomes import escalate


class Command(BaseCommand):
    help = "Tell the backbone of newcomers still unwelcomed after the network's delay (daily)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--ecosystem", help="slug of one ecosystem (default: every active one)")

    def handle(self, *args: Any, **options: Any) -> None:
        ecosystems = Ecosystem.objects.filter(is_active=True).order_by("slug")
        if options.get("ecosystem"):
            ecosystems = ecosystems.filter(slug=options["ecosystem"])
            if not ecosystems.exists():
                raise CommandError(f"No active ecosystem with the slug {options['ecosystem']!r}.")
        for ecosystem in ecosystems:
            count = escalate(ecosystem)
            self.stdout.write(f"{ecosystem.slug}: {count} welcomes escalated")
