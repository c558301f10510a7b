from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "ecotone.directory"
    verbose_name = _("Program directory")

    def ready(self) -> None:
        from . import audit  # noqa: F401  (registers change history)
