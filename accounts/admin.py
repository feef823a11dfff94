"""The admin for staff: users and their roles and teams, permission groups, API tokens, and
authenticator apps. Every change here is audited (``admin_audit.AuditedAdminMixin``); secrets
(token keys, authenticator secrets, set-up codes) are never shown again after they are made,
nor written to Django's admin log."""

from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.admin import GroupAdmin as BaseGroupAdmin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.contrib.auth.models import Group
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.admin import TokenAdmin as BaseTokenAdmin
from rest_framework.authtoken.models import TokenProxy

from .admin_audit import AuditedAdminMixin
from .models import ApiToken, EnrolmentCode, TeamMembership, User
from .request_ip import client_ip
from .services import ENROLMENT_CODE_VALIDITY, enrolment_code_issue


class TeamMembershipInline(admin.TabularInline):
    model = TeamMembership
    extra = 0
    autocomplete_fields = ["team"]


@admin.register(User)
class UserAdmin(AuditedAdminMixin, BaseUserAdmin):
    fieldsets = (
        *(BaseUserAdmin.fieldsets or ()),
        ("Service", {"fields": ("role", "also_clinician", "organisation", "job_title", "caseload_capacity")}),
    )
    list_display = ["username", "first_name", "last_name", "role", "organisation", "is_active"]
    list_filter = ["role", "organisation", "is_active"]
    inlines = [TeamMembershipInline]
    actions = ["issue_enrolment_codes"]

    def audit_repr(self, obj: models.Model) -> str:
        return f"{obj} ({getattr(obj, 'username', '')})"

    @admin.action(description="Issue a set-up code for an authenticator app", permissions=["change"])
    def issue_enrolment_codes(self, request: HttpRequest, queryset: QuerySet[User]) -> HttpResponse:
        """Each code is shown once, on this page, to pass on by another channel (a phone call):
        only its hash is kept, and the page is not cached."""
        now = timezone.now()
        by = request.user
        assert isinstance(by, User)  # the admin is behind a login
        issued = [
            (user, enrolment_code_issue(user=user, by=by, now=now, source_ip=client_ip(request)))
            for user in queryset.order_by("username")
        ]
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Set-up codes for authenticator apps",
            "issued": issued,
            "expires_at": now + ENROLMENT_CODE_VALIDITY,
        }
        response = TemplateResponse(request, "accounts/admin_enrolment_codes.html", context)
        patch_cache_control(response, no_store=True)
        return response

    def user_change_password(self, request: HttpRequest, id: str, form_url: str = "") -> HttpResponse:
        """Setting someone's password here is audited (never the password)."""
        with transaction.atomic():
            response = super().user_change_password(request, id, form_url)
            if request.method == "POST" and response.status_code == 302:
                user = self.get_object(request, id)
                if user is not None:
                    self._audit(request, "change", user, {"changes": {"password": "changed"}})
        return response


admin.site.unregister(Group)


@admin.register(Group)
class GroupAdmin(AuditedAdminMixin, BaseGroupAdmin):
    """Permission groups: an organisation's staff group carries consent-based shares."""


# --- API tokens ---------------------------------------------------------------------------------

admin.site.unregister(TokenProxy)


@admin.register(ApiToken)
class TokenAdmin(AuditedAdminMixin, BaseTokenAdmin):
    """A token is issued to a system's account and revoked; never edited, and its key is shown
    once, when it is made. DRF's own admin lists every key, and names a token by its key in
    titles and in Django's admin log; ``ApiToken`` is named by its user instead."""

    list_display = ("user", "created")
    audit_actions = {"add": "token_created", "delete": "token_revoked"}

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def audit_target(self, obj: models.Model) -> tuple[str, str]:
        return "authtoken.token", str(getattr(obj, "user_id", ""))  # the proxy's pk is its user's id

    def response_add(self, request: HttpRequest, obj: Any, post_url_continue: str | None = None) -> HttpResponse:
        self.message_user(
            request,
            f"The API token for {obj.user} is {obj.key} . Copy it now: it will not be shown again.",
            messages.WARNING,
        )
        return HttpResponseRedirect(reverse("admin:accounts_apitoken_changelist"))


# --- Authenticator apps --------------------------------------------------------------------------

admin.site.unregister(TOTPDevice)


@admin.register(TOTPDevice)
class TOTPDeviceAdmin(AuditedAdminMixin, admin.ModelAdmin):
    """An administrator may see who has an app, turn one off or delete it (so the person can set up
    a new one, with a set-up code). The secret is never shown, nor a QR code made from it; an app
    is added only by its owner, on the set-up page."""

    list_display = ["user", "name", "created_at", "last_used_at", "confirmed"]
    list_filter = ["confirmed"]
    search_fields = ["user__username"]
    fields = ["user", "name", "confirmed", "created_at", "last_used_at", "throttling_failure_count"]
    readonly_fields = ["user", "created_at", "last_used_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


@admin.register(EnrolmentCode)
class EnrolmentCodeAdmin(admin.ModelAdmin):
    """Which set-up codes were issued, to whom and by whom, and whether they were used. Read only:
    codes are issued with the action on the staff list; the code itself is kept only as a hash."""

    list_display = ("user", "issued_at", "issued_by", "expires_at", "used_at")
    fields = list_display
    readonly_fields = list_display
    list_select_related = ["user", "issued_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# The audit log names people: the information governance lead reads it at /audit/, where every
# search and export is itself recorded, not here.
