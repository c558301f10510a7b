from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DirectoryConfig(AppConfig):
    name = "ecotone.directory"
    verbose_name = _("Program directory")

    def ready(self) -> None:
        from ecotone import navigation, overview

        from . import audit  # noqa: F401  (registers change history)
        from .models import ListingChange

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
