"""Admin: clock policies are configuration and editable here.

Clinical records (people, referrals, contacts, alerts, clocks) are deliberately not in the
admin: administrators configure reference data and read no clinical record (docs/adr/0006);
records are read through the pages, which check access and audit every read."""

from django.contrib import admin
from django.db import transaction
from django.forms import ModelForm
from django.http import HttpRequest

from accounts.admin_audit import AuditedAdminMixin
from localities.admin import TeamAdmin as LocalitiesTeamAdmin
from localities.models import Team

from .models import ClockPolicy, InterventionWaitTarget, ReferrerUpdateRule, ResponseTarget
from .services.measure_scope import referral_measure_scope_rebuild


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


@admin.register(InterventionWaitTarget)
class InterventionWaitTargetAdmin(AuditedAdminMixin, admin.ModelAdmin):  # internal waits (docs/internal-waits.md)
    list_display = ["kind", "team", "target", "escalation_after", "second_escalation_after"]
    list_filter = ["kind"]


@admin.register(ReferrerUpdateRule)
class ReferrerUpdateRuleAdmin(AuditedAdminMixin, admin.ModelAdmin):  # which messages each source's referrers get
    list_display = ["source", "on_triaged", "on_redirected", "on_first_seen", "on_discharged", "include_outcome"]


# A team's MHSDS type decides which national measures its referrals count in, and each referral
# keeps when it was with a community team (referrals.services.measure_scope): a change of type
# recomputes that for every referral, in the same transaction as the change.
admin.site.unregister(Team)


@admin.register(Team)
class TeamAdmin(LocalitiesTeamAdmin):
    def save_model(self, request: HttpRequest, obj: Team, form: ModelForm, change: bool) -> None:
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            if "mhsds_team_type" in form.changed_data:
                referral_measure_scope_rebuild()
