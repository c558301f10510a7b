"""Email partner staff about listings not verified within their ecosystem's period."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.directory.services.verification import send_verification_reminders
from ecotone.ecosystems.models import Ecosystem


class Command(BaseCommand):
    help = (
        "Remind partner staff to re-verify stale listings. Safe to run daily: nobody is "
        "reminded twice about the same listing within the re-verification period."
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
            sent = send_verification_reminders(ecosystem)
            self.stdout.write(f"{ecosystem.slug}: {sent} reminder email(s) sent")
