from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QualityConfig(AppConfig):
    name = "ecotone.quality"
    verbose_name = _("Program quality")

    def ready(self) -> None:
        from ecotone.ecosystems import rules

        from . import audit  # noqa: F401  (audit registers change history)
        from .models import Assessment

        # The permission rules read who reviews an assessment through this.
        rules.register_reviewed_record(
            Assessment,
            lambda user, assessment: assessment.reviews.filter(reviewer=user).exists(),
        )
