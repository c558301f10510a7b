"""Operators' view of mentoring records. Screening, matches and hours are read-only here: they
change only through the services (and `Match.save` refuses unsafe matches on any path)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import HourLog, Match, Mentor, Opportunity, ScreeningRecord, ScreeningStep
from .services import screening


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Mentor)
class MentorAdmin(admin.ModelAdmin):
    list_display = ("__str__", "ecosystem", "status", "employer_name")
    list_filter = ("ecosystem", "status")
    search_fields = ("user__name", "user__email", "employer_name")
    raw_id_fields = ("user", "employer")
    filter_horizontal = ("saved_opportunities",)


@admin.register(ScreeningStep)
class ScreeningStepAdmin(admin.ModelAdmin):
    list_display = ("name", "ecosystem", "kind", "valid_days", "for_direct_contact", "is_active")
    list_filter = ("ecosystem", "kind")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        # The mentors' stored stages follow the steps (as `screening.change_step` does).
        super().save_model(request, obj, form, change)
        screening.refresh_stages(obj.ecosystem)

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        ecosystem = obj.ecosystem
        super().delete_model(request, obj)
        screening.refresh_stages(ecosystem)


@admin.register(Opportunity)
class OpportunityAdmin(admin.ModelAdmin):
    list_display = ("title", "ecosystem", "program", "kind", "mode", "status")
    list_filter = ("ecosystem", "kind", "status")
    search_fields = ("title",)
    raw_id_fields = ("program", "location", "created_by")


@admin.register(ScreeningRecord)
class ScreeningRecordAdmin(ReadOnlyAdmin):
    list_display = ("mentor", "step", "status", "completed_on", "expires_on")
    list_filter = ("status", "step__kind")


@admin.register(Match)
class MatchAdmin(ReadOnlyAdmin):
    list_display = ("mentor", "opportunity", "status", "source", "score")
    list_filter = ("ecosystem", "status", "source")


@admin.register(HourLog)
class HourLogAdmin(ReadOnlyAdmin):
    list_display = ("mentor", "date", "hours", "status")
    list_filter = ("ecosystem", "status")
