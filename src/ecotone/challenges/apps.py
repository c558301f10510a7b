from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChallengesConfig(AppConfig):
    name = "ecotone.challenges"
    verbose_name = _("Challenges")

    def ready(self) -> None:
        from ecotone.ecosystems import rules

        from . import access, audit  # noqa: F401  (audit registers change history)
        from .models import Application

        # The permission rules read who reviews an application through this: a reviewer
        # assigned to it in some round, and never one in conflict with it.
        rules.register_reviewed_record(Application, access.is_assigned_to)
