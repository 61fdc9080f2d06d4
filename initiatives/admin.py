from django.contrib import admin

from .models import (
    ActivityLogEntry,
    CoalitionMembership,
    Initiative,
    Invitation,
    Membership,
    Organization,
)


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["user"]
    fk_name = "initiative"
    exclude = ["added_by"]


class CoalitionInline(admin.TabularInline):
    model = CoalitionMembership
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(Initiative)
class InitiativeAdmin(admin.ModelAdmin):
    list_display = ["name", "community", "phase", "is_published", "created_at"]
    list_filter = ["phase", "is_published"]
    search_fields = ["name", "community", "slug"]
    readonly_fields = ["created_at", "updated_at", "published_at"]
    inlines = [CoalitionInline, MembershipInline]
    exclude = ["created_by"]


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "sector", "is_bridge_builder"]
    list_filter = ["sector", "is_bridge_builder"]
    search_fields = ["name"]
    exclude = ["created_by"]


@admin.register(Invitation)
class InvitationAdmin(admin.ModelAdmin):
    list_display = [
        "email",
        "initiative",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_filter = ["role"]
    search_fields = ["email", "initiative__name"]
    list_select_related = ["initiative"]
    readonly_fields = ["key", "invited_by", "accepted_by", "sent_at"]


@admin.register(ActivityLogEntry)
class ActivityLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "initiative", "actor", "action", "target_label"]
    list_filter = ["action"]
    list_select_related = ["initiative", "actor"]
    search_fields = ["target_label", "initiative__name"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
