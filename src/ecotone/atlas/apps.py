from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AtlasConfig(AppConfig):
    name = "ecotone.atlas"
    verbose_name = _("Access atlas")

    def ready(self) -> None:
        from ecotone import maplayers

        from . import audit  # noqa: F401  (registers change history)

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
