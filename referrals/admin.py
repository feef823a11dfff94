"""Admin: clock policies are configuration and editable here. Clinical records are
shown read-only: their state changes go through the services (and the audit log),
never through a form that could edit history."""

from django.contrib import admin

from .models import Alert, Clock, ClockEvent, ClockPolicy, Contact, Handoff, Person, Referral, ResponseTarget


class ResponseTargetInline(admin.TabularInline):
    model = ResponseTarget
    extra = 0


@admin.register(ClockPolicy)
class ClockPolicyAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "is_default",
        "team",
        "treatment_target",
        "treatment_stop_rule",
        "warning_fraction",
        "restart_clocks_on_redirect",
    ]
    inlines = [ResponseTargetInline]


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ClockInline(admin.TabularInline):
    model = Clock
    extra = 0
    fields = ["kind", "is_current", "started_at", "due_at", "stopped_at", "stop_reason", "paused_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class HandoffInline(admin.TabularInline):
    model = Handoff
    extra = 0
    fields = ["at", "from_team", "to_team", "note", "by", "clocks_restarted"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Referral)
class ReferralAdmin(ReadOnlyAdmin):
    list_display = ["reference", "status", "urgency", "source", "received_at", "locality", "team"]
    list_filter = ["status", "urgency", "source", "locality"]
    search_fields = ["reference"]
    list_select_related = ["locality", "team"]
    inlines = [ClockInline, HandoffInline]


@admin.register(Person)
class PersonAdmin(ReadOnlyAdmin):
    list_display = ["family_name", "given_name", "nhs_number", "birth_date", "gp_practice"]
    search_fields = ["nhs_number", "family_name"]
    list_select_related = ["gp_practice"]


@admin.register(Contact)
class ContactAdmin(ReadOnlyAdmin):
    list_display = ["referral", "occurred_at", "mode", "outcome", "starts_treatment"]
    list_filter = ["mode", "outcome"]


@admin.register(Alert)
class AlertAdmin(ReadOnlyAdmin):
    list_display = ["referral", "clock_kind", "level", "tier", "created_at", "sent_at", "attempts"]
    list_filter = ["level", "clock_kind"]
    list_select_related = ["referral"]


@admin.register(ClockEvent)
class ClockEventAdmin(ReadOnlyAdmin):
    list_display = ["clock", "kind", "at", "by", "reason"]
    list_filter = ["kind"]
