from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MeasuresConfig(AppConfig):
    name = "ecotone.measures"
    verbose_name = _("Shared measurement")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (audit registers change history)
