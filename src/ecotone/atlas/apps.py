from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AtlasConfig(AppConfig):
    name = "ecotone.atlas"
    verbose_name = _("Access atlas")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from ecotone import maplayers, network_figures
        from ecotone.network_figures import FigureSource, Measure, PublicPage

        from . import audit  # noqa: F401  (registers change history)
        from .services import network, runs

        # A cached state of what runs depend on is forgotten on any change to it (runs.py).
        for model in runs.STATE_SOURCES:
            post_save.connect(runs.forget_states, sender=model, dispatch_uid=f"atlas-{model}")
            post_delete.connect(runs.forget_states, sender=model, dispatch_uid=f"atlas-del-{model}")

        # The opportunity map shows the atlas's areas as layers its members can switch on.
        for colouring, label in (
            ("access", _("Atlas: access to programs")),
            ("need", _("Atlas: need")),
        ):
            maplayers.register(
                maplayers.MapOverlay(
                    key=f"atlas-{colouring}",
                    label=label,
                    url_name="atlas:areas_geojson",
                    permission="atlas.view_atlas",
                    query=f"color={colouring}",
                )
            )
        # A network's page shows each ecosystem's deserts, and links to its atlas once an
        # analysis has finished, for those who may read it.
        network_figures.register(
            FigureSource(
                key="atlas",
                figures=(
                    Measure("areas", _("Atlas areas"), chart=False),
                    Measure("deserts", _("Program deserts")),
                ),
                counts=network.counts,
            )
        )
        network_figures.register_page(
            PublicPage(
                "atlas",
                _("Access atlas"),
                "atlas:home",
                shown=lambda user, ecosystem, figures: (
                    figures.get("deserts") is not None
                    and user.has_perm("atlas.view_atlas", ecosystem)
                ),
            )
        )
