from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "ecotone.pathways"
    verbose_name = _("Pathways and badges")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (audit registers change history)
