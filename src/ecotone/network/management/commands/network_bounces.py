"""Read bounce reports (DSN, RFC 3464) from an mbox file: hard bounces stop mail to the address.

manage.py network_bounces /var/mail/bounces [--ecosystem SLUG]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ecotone.ecosystems.models import Ecosystem
from ecotone.network.services import bounces


class Command(BaseCommand):
    help = "Read bounce reports from an mbox file and stop mailing hard-bounced addresses."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("mailbox", type=Path)
        parser.add_argument("--ecosystem", help="only this ecosystem's roll (its slug)")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["mailbox"]
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        ecosystem = None
        if options["ecosystem"]:
            ecosystem = Ecosystem.objects.filter(slug=options["ecosystem"]).first()
            if ecosystem is None:
                raise CommandError(f"no ecosystem {options['ecosystem']!r}")
        outcome = bounces.record_mailbox(path, ecosystem)
        self.stdout.write(
            f"hard bounces: {outcome.hard}, soft: {outcome.soft}, "
            f"members stopped: {outcome.members}, deliveries marked bounced: {outcome.deliveries}"
        )
