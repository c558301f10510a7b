from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EcosystemsConfig(AppConfig):
    name = "ecotone.ecosystems"
    verbose_name = _("Ecosystems")

    def ready(self) -> None:
        from . import audit, checks  # noqa: F401  (registers audit tracking and system checks)
