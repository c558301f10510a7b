from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "ecotone.quality"
    verbose_name = _("Program quality")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (audit registers change history)
