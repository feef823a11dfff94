"""The audit log is append-only, enforced by the database itself."""

import pytest
from django.db import DatabaseError, connection, transaction
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.services import audit_record
from tests.factories import make_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def event(alice, north_practice):
    make_referral(by=alice, practice=north_practice)
    return AuditEvent.objects.filter(action="referral.create").get()


def test_audit_rows_cannot_be_updated_through_the_orm(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="nothing.happened")


def test_audit_rows_cannot_be_deleted_through_the_orm(event):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE accounts_auditevent SET actor_id = NULL WHERE id = %s",
        "DELETE FROM accounts_auditevent WHERE id = %s",
    ],
)
def test_audit_rows_cannot_be_changed_even_by_raw_sql_as_the_application_user(event, sql):
    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql, [event.pk])
    assert AuditEvent.objects.filter(pk=event.pk, actor__isnull=False).exists()


def test_audit_rows_can_be_added(alice, event):
    audit_record(by=alice, action="referral.view", obj=event, now=timezone.now())
    assert AuditEvent.objects.count() >= 3
