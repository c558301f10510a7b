from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NetworkConfig(AppConfig):
    name = "ecotone.network"
    verbose_name = _("Network")

    def ready(self) -> None:
        from ecotone.ecosystems.rules import register_check

        from . import (
            audit,  # noqa: F401  (audit registers change history)
            hooks,
        )

        register_check("network.in_workgroup", hooks.in_workgroup)
        register_check("network.chairs_workgroup", hooks.chairs_workgroup)
        register_check("network.is_welcomer", hooks.is_welcomer)
