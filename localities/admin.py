from django.contrib import admin

from .models import Locality, Organisation, PostcodeDistrict, Practice, Team


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "ods_code"]
    list_filter = ["kind"]
    search_fields = ["name", "ods_code"]


@admin.register(Locality)
class LocalityAdmin(admin.ModelAdmin):
    list_display = ["name", "code", "intake_team"]
    search_fields = ["name", "code"]


@admin.register(PostcodeDistrict)
class PostcodeDistrictAdmin(admin.ModelAdmin):
    list_display = ["outward_code", "locality"]
    list_filter = ["locality"]
    search_fields = ["outward_code"]


@admin.register(Practice)
class PracticeAdmin(admin.ModelAdmin):
    list_display = ["name", "ods_code", "locality"]
    list_filter = ["locality"]
    search_fields = ["name", "ods_code"]


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "organisation", "locality"]
    list_filter = ["kind", "locality"]
    search_fields = ["name"]
