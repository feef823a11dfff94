"""Pathways, their tiers and the roll-out by locality are configuration: edited here. People's
places on pathways are not: they change only through the services (the pathway pages)."""

from django.contrib import admin

from .models import Pathway, Rollout, Tier


class TierInline(admin.TabularInline):
    model = Tier
    extra = 0
    ordering = ["position"]


@admin.register(Pathway)
class PathwayAdmin(admin.ModelAdmin):
    list_display = ["name", "team", "minimum_age", "alternative_team"]
    inlines = [TierInline]


@admin.register(Rollout)
class RolloutAdmin(admin.ModelAdmin):
    list_display = ["team", "locality", "live_from", "existing_route"]
    list_filter = ["team"]
