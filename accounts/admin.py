from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from .models import TeamMembership, User


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Service", {"fields": ("role", "also_clinician", "organisation", "job_title", "caseload_capacity")}),
    )
    list_display = ["username", "first_name", "last_name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    inlines = [TeamMembershipInline]


# The audit log names people: the information governance lead reads it at /audit/, where every
# search and export is itself recorded, not here.
