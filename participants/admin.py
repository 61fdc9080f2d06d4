from django.contrib import admin

from .models import InclusionTarget, OutreachActivity, ReferralLink, RegistrationSettings, RoleCap


@admin.register(RegistrationSettings)
class RegistrationSettingsAdmin(admin.ModelAdmin):
    list_display = ["initiative", "is_open", "max_participants", "policy_version"]
    list_select_related = ["initiative"]


@admin.register(RoleCap)
class RoleCapAdmin(admin.ModelAdmin):
    list_display = ["initiative", "role_category", "seats"]
    list_select_related = ["initiative"]


@admin.register(ReferralLink)
class ReferralLinkAdmin(admin.ModelAdmin):
    list_display = ["code", "initiative", "partner", "channel"]
    list_select_related = ["initiative", "partner__organization"]


@admin.register(OutreachActivity)
class OutreachActivityAdmin(admin.ModelAdmin):
    list_display = ["happened_on", "initiative", "channel", "segment", "people_reached"]
    list_select_related = ["initiative"]


@admin.register(InclusionTarget)
class InclusionTargetAdmin(admin.ModelAdmin):
    list_display = [
        "initiative",
        "dimension",
        "group",
        "community_share",
        "target_count",
        "target_share",
    ]
    list_select_related = ["initiative"]


# Participants, their demographics and consents are deliberately not in the admin: personal
# data is reached only through the app's pages, where access is role-checked and logged.
