"""Helpers for the authentication tests: a password for the cast, logging in through the form,
and authenticator apps."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import Role
from accounts.services import enrolment_code_issue
from tests.factories import UserFactory

PASSWORD = "synthetic-test-password-42"  # synthetic, only ever on throwaway test users
LOGIN = reverse("accounts:login")
VERIFY = reverse("accounts:two-factor-verify")
SETUP = reverse("accounts:two-factor-setup")


def code_for(key_hex: str) -> str:
    """The code an authenticator app holding ``key_hex`` shows now (django-otp's defaults: 30 s, 6 digits)."""
    return f"{TOTP(bytes.fromhex(key_hex)).token():06d}"


def wrong_code(key_hex: str) -> str:
    return f"{(int(code_for(key_hex)) + 1) % 1_000_000:06d}"


def log_in(client, username: str, password: str = PASSWORD, *, ip: str = "192.0.2.10", **extra):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=ip, **extra)


@pytest.fixture
def with_password():
    def give(user):
        user.set_password(PASSWORD)
        user.save(update_fields=["password"])
        return user

    return give


@pytest.fixture
def authenticator():
    """``authenticator(user)``: a confirmed authenticator app for ``user``."""

    def enrol(user) -> TOTPDevice:
        return TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=True)

    return enrol


@pytest.fixture
def set_up_code(db):
    """``set_up_code(user)``: a one-time code an administrator issued for ``user``'s app."""

    def issue(user, *, now=None) -> str:
        administrator = UserFactory(role=Role.ADMINISTRATOR, is_staff=True)
        return enrolment_code_issue(user=user, by=administrator, now=now or timezone.now())

    return issue
