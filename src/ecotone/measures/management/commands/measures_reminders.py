"""Email partners that have not submitted what an open data collection asks, N days before
its due date and once overdue (each stage once)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.ecosystems.models import Ecosystem
from ecotone.measures.services.collections import send_reminders


class Command(BaseCommand):
    help = (
        "Remind partners of data collections due soon or overdue. Safe to run daily: each "
        "partner hears of each stage of a collection once."
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
