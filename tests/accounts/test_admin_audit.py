"""Admin work leaves an audit trail, and the admin shows no secret twice (issue 10, item 5).

Each test does what an administrator would, through the admin's own pages, then reads the
append-only audit log the IG lead searches.
"""

from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.forms import MultiWidget
from django.urls import reverse
from django.utils.html import escape
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from accounts.models import AuditEvent, Role, TeamMembership
from referrals.models import ClockPolicy
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_user(trust):
    return UserFactory(
        username="ada_admin", role=Role.ADMINISTRATOR, organisation=trust, is_staff=True, is_superuser=True
    )


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


def _form_data(form) -> dict:
    """What the browser would post back for a form shown unchanged."""
    data: dict = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        bound = form[name]
        value = bound.value()
        if isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{bound.html_name}_{i}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[bound.html_name] = "on"
        elif isinstance(value, list | tuple):
            data[bound.html_name] = [str(v) for v in value]
        elif value is not None:
            data[bound.html_name] = str(value)
    return data


def change_page_data(client, url: str) -> dict:
    """The change page's form and its inlines, as they stand, ready to edit and post."""
    response = client.get(url)
    assert response.status_code == 200
    data = _form_data(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data |= _form_data(formset.management_form)
        for form in formset.forms:
            data |= _form_data(form)
    return data


def events(action: str, **filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=action, **filters).order_by("id"))


def test_a_role_change_is_audited_with_who_from_what_to_what(admin_client, admin_user, alice):
    url = reverse("admin:accounts_user_change", args=[alice.pk])
    data = change_page_data(admin_client, url)
    data["role"] = Role.TEAM_MANAGER

    response = admin_client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    (event,) = events("admin.change", object_type="accounts.user", object_id=str(alice.pk))
    assert event.actor == admin_user and event.source_ip == "127.0.0.1"
    assert event.detail["changes"]["role"] == {"from": "clinician", "to": "team_manager"}


def test_an_administrator_adding_themself_to_a_team_to_work_clinically_is_audited(admin_client, admin_user, north_team):
    url = reverse("admin:accounts_user_change", args=[admin_user.pk])
    data = change_page_data(admin_client, url)
    data["also_clinician"] = "on"
    data["memberships-TOTAL_FORMS"] = "1"
    data["memberships-0-team"] = str(north_team.pk)
    data["memberships-0-user"] = str(admin_user.pk)

    response = admin_client.post(url, data)

    assert response.status_code == 302
    assert TeamMembership.objects.filter(user=admin_user, team=north_team).exists()
    (change,) = events("admin.change", object_type="accounts.user")
    assert change.detail["own_account"] is True
    assert change.detail["changes"]["also_clinician"] == {"from": False, "to": True}
    (joined,) = events("admin.add", object_type="accounts.teammembership")
    assert joined.actor == admin_user and joined.detail["parent"] == f"accounts.user#{admin_user.pk}"
    assert joined.detail["changes"]["team"]["to"]["id"] == north_team.pk


def test_a_clock_policy_edit_is_audited(admin_client, admin_user):
    policy = ClockPolicy.objects.get(is_default=True)
    url = reverse("admin:referrals_clockpolicy_change", args=[policy.pk])
    data = change_page_data(admin_client, url)
    data["treatment_target"] = "42 00:00:00"

    response = admin_client.post(url, data)

    assert response.status_code == 302
    policy.refresh_from_db()
    assert policy.treatment_target == timedelta(days=42)
    (event,) = events("admin.change", object_type="referrals.clockpolicy")
    assert event.actor == admin_user
    assert event.detail["changes"]["treatment_target"]["to"] == "42 days, 0:00:00"


def test_a_token_minted_for_another_user_is_audited_and_its_key_shown_once_and_never_logged(
    admin_client, admin_user, intake
):
    response = admin_client.post(reverse("admin:accounts_apitoken_add"), {"user": intake.pk}, follow=True)

    key = Token.objects.get(user=intake).key
    assert key in response.content.decode()  # shown once, as it is made
    (event,) = events("admin.token_created")
    assert (event.actor, event.object_id) == (admin_user, str(intake.pk))
    assert key not in str(event.detail)
    assert LogEntry.objects.exists()
    for entry in LogEntry.objects.all():
        assert key not in entry.object_repr and key not in entry.change_message
    listing = admin_client.get(reverse("admin:accounts_apitoken_changelist")).content.decode()
    assert escape(str(intake)) in listing and key not in listing  # a name such as O'Brien is written escaped
    view = admin_client.get(reverse("admin:accounts_apitoken_change", args=[intake.pk])).content.decode()
    assert key not in view


def test_revoking_a_token_is_audited(admin_client, admin_user, intake):
    Token.objects.create(user=intake)

    response = admin_client.post(reverse("admin:accounts_apitoken_delete", args=[intake.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Token.objects.filter(user=intake).exists()
    (event,) = events("admin.token_revoked")
    assert event.object_id == str(intake.pk) and event.actor == admin_user


def test_authenticator_secrets_are_not_shown_in_the_admin(admin_client, alice):
    device = TOTPDevice.objects.create(user=alice, name="Authenticator app", confirmed=True)

    listing = admin_client.get(reverse("admin:otp_totp_totpdevice_changelist")).content.decode()
    page = admin_client.get(reverse("admin:otp_totp_totpdevice_change", args=[device.pk]))

    assert "qrcode" not in listing.lower()
    assert device.key not in page.content.decode()
    assert "key" not in page.context["adminform"].form.fields
    assert admin_client.get(reverse("admin:otp_totp_totpdevice_add")).status_code == 403


def test_turning_off_someones_authenticator_is_audited(admin_client, admin_user, alice):
    device = TOTPDevice.objects.create(user=alice, name="Authenticator app", confirmed=True)
    url = reverse("admin:otp_totp_totpdevice_change", args=[device.pk])
    data = change_page_data(admin_client, url)
    del data["confirmed"]

    assert admin_client.post(url, data).status_code == 302

    (event,) = events("admin.change", object_type="otp_totp.totpdevice")
    assert event.detail["changes"]["confirmed"] == {"from": True, "to": False}
    assert device.key not in str(event.detail)


def test_deleting_users_from_the_list_is_audited(admin_client, admin_user, trust):
    leaver = UserFactory(username="leaver", role=Role.CLINICIAN, organisation=trust)

    response = admin_client.post(
        reverse("admin:accounts_user_changelist"),
        {"action": "delete_selected", "_selected_action": [leaver.pk], "post": "yes"},
    )

    assert response.status_code == 302
    (event,) = events("admin.delete", object_type="accounts.user")
    assert (event.object_id, event.detail["record"]) == (str(leaver.pk), f"{leaver} (leaver)")
