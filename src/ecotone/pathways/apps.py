from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PathwaysConfig(AppConfig):
    name = "ecotone.pathways"
    verbose_name = _("Pathways and badges")

    def ready(self) -> None:
        from ecotone import overview, program_filters, program_panels

        from . import (
            audit,  # noqa: F401  (audit registers change history)
            hooks,
        )
        from .services import next_steps

        # The program page's "Next steps": the pathways it belongs to and what follows.
        program_panels.register(
            program_panels.ProgramPanel(
                key="pathways-next-steps",
                template="pathways/_next_steps.html",
                context=next_steps.panel_context,
            )
        )
        # The program list, the API and the opportunity map filter by pathway (`?pathway=`).
        program_filters.register(
            program_filters.ProgramFilter(
                key="pathway",
                label=_("Pathway"),
                choices=hooks.pathway_choices,
                narrow=hooks.narrow_to_pathway,
                version=hooks.pathways_version,
            )
        )
        # Families see the pathways on the ecosystem's overview once one is published.
        overview.register(
            overview.OverviewCard(
                key="pathways-families",
                template="pathways/_overview_card.html",
                shown_to=hooks.has_published,
            )
        )
