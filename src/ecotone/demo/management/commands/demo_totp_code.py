from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from ecotone.demo import builder


class Command(BaseCommand):
    help = "Print the current two-factor code of a demo backbone account (demo data only)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("email", nargs="?", default=builder.DEMO_ACCOUNTS[0].email)

    def handle(self, *args: Any, email: str, **options: Any) -> None:
        try:
            self.stdout.write(builder.current_totp_code(email))
        except builder.DemoError as error:
            raise CommandError(str(error)) from error
