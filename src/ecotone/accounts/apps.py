from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "ecotone.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from . import middleware  # noqa: F401  (connects the sign-in stamp of sessions)
