"""Writes for staff and the audit log."""

import json
import secrets
from base64 import b32encode
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils.crypto import salted_hmac
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.inserts import insert

from .models import AuditEvent, EnrolmentCode, User
from .request_ip import current_ip


def audit_record(
    *,
    by: User | None,
    action: str,
    obj: models.Model | None,
    now: datetime,
    person_id: int | None = None,
    detail: dict[str, Any] | None = None,
    source_ip: str | None = None,
    object_type: str = "",
    object_id: str = "",
) -> AuditEvent:
    """Append one audit row. Call inside the transaction of the change it records.

    ``obj`` names the record; an event about something that is not a row (a failed login for a
    username that may not exist) passes ``obj=None`` with ``object_type`` and ``object_id``.
    """
    if obj is not None:
        object_type, object_id = obj._meta.label_lower, str(obj.pk)
    elif not object_type:
        raise ValueError("audit_record needs obj, or object_type when there is no row")
    if source_ip is None:
        source_ip = current_ip()  # the request being served (accounts.request_ip), if any
    return AuditEvent.objects.create(
        at=now,
        actor=by,
        action=action,
        object_type=object_type,
        object_id=object_id,
        person_id=person_id,
        detail=detail or {},
        source_ip=source_ip,
    )


@dataclass(frozen=True)
class AuditEntry:
    """One row of a batch change for ``audit_record_many``: what happened to which record."""

    action: str
    obj: models.Model
    person_id: int | None = None
    detail: dict[str, Any] | None = None


def audit_record_many(
    *, by: User | None, now: datetime, entries: Sequence[AuditEntry], source_ip: str | None = None
) -> list[AuditEvent]:
    """Append one audit row per record a batch change touched, in one INSERT (the rows say the
    same as ``audit_record`` would have, one at a time). Call inside the change's transaction."""
    if source_ip is None:
        source_ip = current_ip()
    rows = [
        AuditEvent(
            at=now,
            actor=by,
            action=entry.action,
            object_type=entry.obj._meta.label_lower,
            object_id=str(entry.obj.pk),
            person_id=entry.person_id,
            detail=entry.detail or {},
            source_ip=source_ip,
        )
        for entry in entries
    ]
    insert(rows)  # its text built once per number of rows (common.inserts, issue 17)
    return rows


def audit_read(
    *,
    by: User,
    action: str,
    now: datetime,
    people: list[int] | set[int],
    object_type: str,
    object_id: str = "",
    source_ip: str | None = None,
    detail: dict[str, Any] | None = None,
) -> int:
    """Record that ``by`` saw these people's records: one row per person, in one INSERT.

    ``action`` is ``record.view`` (a page or API read about one person), ``record.list`` (people
    shown in a list or search result), or ``record.export`` (a download). One row per person, so
    "who has looked at this person's record?" is an indexed lookup on ``person_id``.
    """
    if source_ip is None:
        source_ip = current_ip()
    person_ids = sorted(set(people))
    if connection.vendor == "postgresql":
        # Every page that shows people runs this: one statement with the ids as an array, no
        # model instances and no RETURNING (2.0-2.7 ms through bulk_create for 25 people, 0.4-0.6 ms
        # so: issue 17). The same columns and values as the rows below.
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {AuditEvent._meta.db_table} "
                "(at, actor_id, action, object_type, object_id, person_id, detail, source_ip) "
                "SELECT %s, %s, %s, %s, %s, person_id, %s::jsonb, %s FROM unnest(%s::bigint[]) AS person_id",
                [now, by.pk, action, object_type, object_id, json.dumps(detail or {}), source_ip, person_ids],
            )
        return len(person_ids)
    rows = [
        AuditEvent(
            at=now,
            actor=by,
            action=action,
            object_type=object_type,
            object_id=object_id,
            person_id=person_id,
            detail=detail or {},
            source_ip=source_ip,
        )
        for person_id in person_ids
    ]
    AuditEvent.objects.bulk_create(rows)
    return len(rows)


# --- Authentication events ---------------------------------------------------------------
# Nothing in our own data changes when someone logs in: these only append to the audit log.


def auth_login_record(*, user: User, now: datetime, source_ip: str | None) -> AuditEvent:
    """A correct password. Where a second factor is due, auth.two_factor_verified follows."""
    return audit_record(by=user, action="auth.login", obj=user, now=now, source_ip=source_ip)


def auth_logout_record(*, user: User, now: datetime, source_ip: str | None) -> AuditEvent:
    return audit_record(by=user, action="auth.logout", obj=user, now=now, source_ip=source_ip)


def auth_login_failed_record(
    *, username: str, now: datetime, source_ip: str | None, locked_out: bool = False
) -> AuditEvent:
    """A failed password login. The attempted username goes in ``detail`` (it may name no one);
    the password is never recorded."""
    return _audit_username(
        action="auth.login_failed", username=username, now=now, source_ip=source_ip, locked_out=locked_out
    )


def auth_lockout_record(*, username: str, now: datetime, source_ip: str | None) -> AuditEvent:
    """django-axes refused, or has just locked, this username from this address."""
    return _audit_username(action="auth.locked_out", username=username, now=now, source_ip=source_ip)


def _audit_username(
    *, action: str, username: str, now: datetime, source_ip: str | None, **detail: object
) -> AuditEvent:
    username = (username or "")[:150]  # the form allows no more; a crafted POST might
    # The account, when the username names one, so its history shows attempts on it too.
    account = User.objects.filter(username=username).first() if username else None
    return audit_record(
        by=None,
        action=action,
        obj=account,
        object_type="accounts.user",
        object_id="",
        now=now,
        source_ip=source_ip,
        detail={"username": username, **detail},
    )


# --- Two-factor authentication -------------------------------------------------------------


def totp_secret_for_display(key_hex: str) -> str:
    """The base32 secret an authenticator app asks for, in groups of four for typing."""
    secret = b32encode(bytes.fromhex(key_hex)).decode("ascii").rstrip("=")
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


# How long an enrolment code lasts: long enough to reach the person by another channel.
ENROLMENT_CODE_VALIDITY = timedelta(days=3)
# No 0/O, 1/I/L: read out over the phone. 16 of 31 characters: about 79 bits.
_ENROLMENT_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_ENROLMENT_LENGTH = 16
ENROLMENT_CODE_REFUSED = (
    "The set-up code is not right, has been used or has expired. Ask your administrator for a new one"
)


def _enrolment_hash(code: str) -> str:
    """A keyed hash (the secret key): a copied table of hashes is no use without it."""
    normalised = "".join(code.split()).replace("-", "").upper()
    return salted_hmac("accounts.enrolment_code", normalised, algorithm="sha256").hexdigest()


def enrolment_code_issue(*, user: User, by: User, now: datetime, source_ip: str | None = None) -> str:
    """Issue a one-time code that lets ``user`` set up their authenticator app; returns the code.

    The code is shown once, to the administrator, and only its hash is kept. A new code replaces
    any the user has not used yet. Issued, used and refused codes are all audited.
    """
    code = "".join(secrets.choice(_ENROLMENT_ALPHABET) for _ in range(_ENROLMENT_LENGTH))
    with transaction.atomic():
        EnrolmentCode.objects.filter(user=user, used_at__isnull=True, expires_at__gt=now, issued_at__lt=now).update(
            expires_at=now
        )
        row = EnrolmentCode.objects.create(
            user=user,
            code_hash=_enrolment_hash(code),
            issued_at=now,
            issued_by=by,
            expires_at=now + ENROLMENT_CODE_VALIDITY,
        )
        audit_record(
            by=by,
            action="auth.enrolment_code_issued",
            obj=user,
            now=now,
            source_ip=source_ip,
            detail={"enrolment_code": row.pk, "expires_at": row.expires_at.isoformat()},
        )
    return "-".join(code[i : i + 4] for i in range(0, _ENROLMENT_LENGTH, 4))


def _enrolment_code_refused(*, user: User, now: datetime, source_ip: str | None) -> ValidationError:
    """Audited in a transaction of its own: nothing else is saved, the attempt is kept."""
    with transaction.atomic():
        audit_record(by=user, action="auth.enrolment_code_refused", obj=user, now=now, source_ip=source_ip)
    return ValidationError({"enrolment_code": ENROLMENT_CODE_REFUSED}, code="enrolment_code_refused")


def totp_device_confirm(
    *, user: User, key_hex: str, token: str, enrolment_code: str, now: datetime, source_ip: str | None
) -> TOTPDevice | None:
    """Enrol an authenticator app: save its device only when ``enrolment_code`` is one issued to
    ``user`` (unused, unexpired) and ``token`` proves the app holds ``key_hex``.

    Returns the confirmed device, or None when the app's code is wrong (the enrolment code is
    kept for another try). Raises ValidationError when the enrolment code is refused.
    """
    unused = EnrolmentCode.objects.filter(
        user=user, code_hash=_enrolment_hash(enrolment_code), used_at__isnull=True, expires_at__gt=now
    )
    if not enrolment_code.strip() or not unused.exists():
        raise _enrolment_code_refused(user=user, now=now, source_ip=source_ip)
    device = TOTPDevice(user=user, name="Authenticator app", key=key_hex, confirmed=True)
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = now.timestamp()
    if not token.isdigit() or not totp.verify(int(token), device.tolerance):
        return None
    # The code just used may not be used again to verify.
    device.last_t = totp.t()
    with transaction.atomic():
        # Compare and swap: of two set-ups racing with one code, only the first gets a device.
        claimed = unused.update(used_at=now)
        if claimed:
            device.save()
            audit_record(by=user, action="auth.enrolment_code_used", obj=user, now=now, source_ip=source_ip)
            audit_record(by=user, action="auth.two_factor_enrolled", obj=user, now=now, source_ip=source_ip)
    if not claimed:
        raise _enrolment_code_refused(user=user, now=now, source_ip=source_ip)
    return device


def two_factor_verify(*, user: User, token: str, now: datetime, source_ip: str | None) -> TOTPDevice | None:
    """Check a code against the user's confirmed devices (django-otp throttles wrong guesses),
    and audit the outcome. Returns the device that accepted it, or None."""
    accepted = None
    with transaction.atomic():
        # Locked, so two guesses at once cannot both slip under django-otp's throttle.
        for device in TOTPDevice.objects.devices_for_user(user, confirmed=True).select_for_update():
            if device.verify_token(token):
                accepted = device
                break
        audit_record(
            by=user,
            action="auth.two_factor_verified" if accepted else "auth.two_factor_failed",
            obj=user,
            now=now,
            source_ip=source_ip,
        )
    return accepted
