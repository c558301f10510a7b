from typing import Any

from django.contrib import admin

from .models import (
    Contact,
    Ecosystem,
    Invitation,
    Membership,
    Network,
    NetworkOperator,
    Organization,
)


@admin.register(Ecosystem)
class EcosystemAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "timezone", "suppression_threshold", "is_active")
    search_fields = ("name", "slug")
    prepopulated_fields = {"slug": ("name",)}


@admin.register(Network)
class NetworkAdmin(admin.ModelAdmin):
    list_display = ("name", "slug")
    filter_horizontal = ("ecosystems",)


@admin.register(NetworkOperator)
class NetworkOperatorAdmin(admin.ModelAdmin):
    list_display = ("user", "network")
    autocomplete_fields = ("user",)


class ContactInline(admin.TabularInline):
    model = Contact
    extra = 0


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ("name", "ecosystem", "sector", "coalition_role", "archived_at")
    list_filter = ("ecosystem", "sector", "coalition_role")
    search_fields = ("name", "alternate_name")
    inlines = [ContactInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Roles change only through the app (or `create_ecosystem`), where the services enforce
    their rules: partner staff need an organization, the last backbone admin stays, audit."""

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(Membership)
class MembershipAdmin(ReadOnlyAdmin):
    list_display = ("user", "ecosystem", "role")
    list_filter = ("ecosystem", "role")
    search_fields = ("user__email",)
    autocomplete_fields = ("user",)
    filter_horizontal = ("organizations",)


@admin.register(Invitation)
class InvitationAdmin(ReadOnlyAdmin):
    list_display = ("email", "ecosystem", "role", "expires_at", "accepted_at", "revoked_at")
    list_filter = ("ecosystem", "role")
    exclude = ("token",)
