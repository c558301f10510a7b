from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MentoringConfig(AppConfig):
    name = "ecotone.mentoring"
    verbose_name = _("Mentor matching")

    def ready(self) -> None:
        from ecotone import network_figures, overview
        from ecotone.ecosystems import roles, rules
        from ecotone.ecosystems.models import Role
        from ecotone.network_figures import FigureSource, Measure

        from . import access, audit  # noqa: F401  (audit registers change history)
        from .models import Consent, HourLog, Match, Mentor, ScreeningRecord
        from .services import network

        # The permission rules read a mentor's records through these, never by their fields.
        rules.register_personal_record(
            Mentor,
            rules.PersonalRecord(
                holder_id=lambda mentor: mentor.user_id,
                seen_by_organizations=access.is_seen_by_programs,
                matched_with_organizations=access.is_matched_with_programs,
            ),
        )
        for model in (Consent, ScreeningRecord, Match, HourLog):
            rules.register_personal_record(
                model, rules.PersonalRecord(holder_id=lambda record: record.mentor.user_id)
            )
        # Everyone but a mentor there is invited to become one, on the ecosystem's overview.
        overview.register(
            overview.OverviewCard(
                key="mentoring-join",
                template="mentoring/_overview_join.html",
                shown_to=lambda user, ecosystem: Role.MENTOR not in roles.roles_in(user, ecosystem),
            )
        )
        # A network's page counts mentors, matches and hours, and how they grew month by month.
        network_figures.register(
            FigureSource(
                key="mentoring",
                figures=(
                    Measure("mentors", _("Mentors available")),
                    Measure("matches", _("Active matches")),
                    Measure("hours", _("Mentoring hours approved"), kind="hours"),
                ),
                counts=network.counts,
                trends=(
                    Measure("mentors_joined", _("Mentors joined")),
                    Measure("matches_started", _("Matches started")),
                    Measure("hours_approved", _("Mentoring hours approved"), kind="hours"),
                ),
                monthly=network.monthly,
            )
        )
