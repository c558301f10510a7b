from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AtlasConfig(AppConfig):
    name = "ecotone.atlas"
    verbose_name = _("Access atlas")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers change history)
