from django.contrib import admin

from .models import (
    CostOption,
    Funding,
    Language,
    Location,
    Program,
    ProgramAttribute,
    ProgramLocation,
    Schedule,
    ServiceArea,
    Taxonomy,
    TaxonomyTerm,
)


class ProgramAttributeInline(admin.TabularInline):
    model = ProgramAttribute
    extra = 0
    autocomplete_fields = ("term",)


class ProgramLocationInline(admin.TabularInline):
    model = ProgramLocation
    extra = 0
    raw_id_fields = ("location",)


class ScheduleInline(admin.TabularInline):
    model = Schedule
    extra = 0
    fields = ("byday", "opens_at", "closes_at", "dtstart", "until", "freq", "description")


class LanguageInline(admin.TabularInline):
    model = Language
    extra = 0


class CostOptionInline(admin.TabularInline):
    model = CostOption
    extra = 0


class FundingInline(admin.TabularInline):
    model = Funding
    extra = 0


class ServiceAreaInline(admin.TabularInline):
    model = ServiceArea
    extra = 0


@admin.register(Program)
class ProgramAdmin(admin.ModelAdmin):
    list_display = ("name", "organization", "ecosystem", "delivery", "cost_band", "status")
    list_filter = ("ecosystem", "delivery", "cost_band", "status")
    search_fields = ("name", "organization__name")
    raw_id_fields = ("organization",)
    filter_horizontal = ("partner_organizations",)
    inlines = [
        ProgramAttributeInline,
        ProgramLocationInline,
        ScheduleInline,
        LanguageInline,
        CostOptionInline,
        FundingInline,
        ServiceAreaInline,
    ]


@admin.register(Location)
class LocationAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "ecosystem",
        "location_type",
        "city",
        "postal_code",
        "coordinates_source",
    )
    list_filter = ("ecosystem", "location_type", "coordinates_source")
    search_fields = ("name", "city", "postal_code")
    raw_id_fields = ("organization",)


@admin.register(Taxonomy)
class TaxonomyAdmin(admin.ModelAdmin):
    list_display = ("name", "ecosystem", "version")


@admin.register(TaxonomyTerm)
class TaxonomyTermAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "facet", "taxonomy")
    list_filter = ("taxonomy", "facet")
    search_fields = ("name", "code")
