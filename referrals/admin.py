"""Admin: clock policies are configuration and editable here.

Clinical records (people, referrals, contacts, alerts, clocks) are deliberately not in the
admin: administrators configure reference data and read no clinical record (docs/adr/0006);
records are read through the pages, which check access and audit every read."""

from django.contrib import admin

from accounts.admin_audit import AuditedAdminMixin

from .models import ClockPolicy, ResponseTarget


class ResponseTargetInline(admin.TabularInline):
    model = ResponseTarget
    extra = 0


@admin.register(ClockPolicy)
class ClockPolicyAdmin(AuditedAdminMixin, admin.ModelAdmin):  # every edit audited (issue 10, item 5)
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
