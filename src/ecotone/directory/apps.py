from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "ecotone.directory"
    verbose_name = _("Program directory")

    def ready(self) -> None:
        from ecotone import navigation, network_figures, overview
        from ecotone.network_figures import FigureSource, Measure, PublicPage

        from . import audit  # noqa: F401  (registers change history)
        from .models import ListingChange
        from .services import network

        # Moderators see how many changes await them beside the navigation entry.
        navigation.register_count(
            "listings:moderation",
            lambda ecosystem: ListingChange.objects.pending().filter(ecosystem=ecosystem).count(),
        )
        # Everyone can start a search near home from the ecosystem's overview.
        overview.register(
            overview.OverviewCard(
                key="directory-finder",
                template="directory/_overview_finder.html",
                shown_to=lambda user, ecosystem: user.has_perm("directory.view_program", ecosystem),
            )
        )
        # A network's page counts the programs, links to the finder and places each ecosystem
        # on its map at the centre of its programs' places.
        network_figures.register(
            FigureSource(
                key="directory",
                figures=(
                    Measure("programs", _("Programs listed")),
                    Measure("places", _("Program places"), chart=False),
                ),
                counts=network.counts,
                trends=(Measure("programs_published", _("Programs published")),),
                monthly=network.monthly,
            )
        )
        network_figures.register_page(
            PublicPage(
                "finder",
                _("Find programs"),
                "directory:programs",
                shown=lambda user, ecosystem, figures: True,
            )
        )
        network_figures.register_placement("directory", network.centres)
