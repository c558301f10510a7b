from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from ecotone.accounts.models import User
from ecotone.ecosystems import services
from ecotone.ecosystems.models import Ecosystem, Role
from ecotone.errors import DomainError


class Command(BaseCommand):
    help = (
        "Create an ecosystem and its first backbone admin. An existing account gets the role at "
        "once; otherwise an invitation is emailed and its link printed."
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("slug", help="short name used in addresses, e.g. confluence")
        parser.add_argument("name", help='e.g. "Confluence Valley STEM Alliance"')
        parser.add_argument(
            "--region",
            required=True,
            help="bounding box as SOUTH,WEST,NORTH,EAST in degrees, e.g. 39.2,-84.0,40.9,-82.2",
        )
        parser.add_argument("--admin", required=True, help="email of the first backbone admin")
        parser.add_argument("--timezone", default="America/New_York")
        parser.add_argument("--language", default="en", choices=["en", "es"])

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            south, west, north, east = (float(v) for v in options["region"].split(","))
        except ValueError as error:
            raise CommandError("--region needs four numbers: SOUTH,WEST,NORTH,EAST.") from error
        ecosystem = Ecosystem(
            slug=options["slug"],
            name=options["name"],
            region_south=south,
            region_west=west,
            region_north=north,
            region_east=east,
            timezone=options["timezone"],
            default_language=options["language"],
        )
        email = options["admin"].strip().lower()
        try:
            with transaction.atomic():
                ecosystem.full_clean()
                ecosystem.save()
                admin = User.objects.filter(email__iexact=email).first()
                if admin is not None:
                    services.grant_role(ecosystem, admin, Role.BACKBONE_ADMIN, actor=None)
                    invitation = None
                else:
                    invitation = services.invite_first_admin(ecosystem, email)
        except ValidationError as error:
            problems = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
            raise CommandError(problems) from error
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(self.style.SUCCESS(f"Created {ecosystem.name} at /e/{ecosystem.slug}/."))
        if invitation is None:
            self.stdout.write(f"{email} is its backbone admin.")
        else:
            link = settings.SITE_URL.rstrip("/") + invitation.get_absolute_url()
            self.stdout.write(f"Invitation emailed to {email}: {link}")
