from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, transaction

from ecotone.demo import builder


class Command(BaseCommand):
    help = "Load the fictional demo alliance (deterministic). Safe to run again."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--size", choices=builder.SIZES, default="medium")
        parser.add_argument(
            "--reset", action="store_true", help="Delete the demo ecosystems first and rebuild."
        )
        parser.add_argument("--quiet-accounts", action="store_true", help="Do not list accounts.")

    def handle(
        self, *args: Any, size: str, reset: bool, quiet_accounts: bool, **options: Any
    ) -> None:
        if reset:
            builder.delete_demo()
        if builder.already_loaded():
            self.stdout.write("The demo alliance is already loaded (use --reset to rebuild).")
        else:
            try:
                with builder.quiet_notifications(), transaction.atomic():
                    summary = builder.build(size)
            except builder.DemoError as error:
                raise CommandError(str(error)) from error
            _refresh_planner_statistics()
            self.stdout.write(self.style.SUCCESS(f"Loaded the demo alliance ({size}): {summary}"))
        if not quiet_accounts:
            self.stdout.write(builder.accounts_text())


def _refresh_planner_statistics() -> None:
    """After a bulk load PostgreSQL plans against the statistics of the empty tables until
    autovacuum analyzes them, up to a minute later, and a join it takes for tiny can run for
    minutes (a demo page read right after seeding once took 175 s in CI). ANALYZE takes about a
    second here; SQLite plans without such statistics."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
