from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "ecotone.mentoring"
    verbose_name = _("Mentor matching")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers change history)
