from django.contrib import admin

from .models import Allocation


@admin.register(Allocation)
class AllocationAdmin(admin.ModelAdmin):
    list_display = ["referral", "link_worker", "team", "started_at", "ended_at"]
    list_filter = ["team"]
    raw_id_fields = ["referral", "link_worker", "started_by"]
