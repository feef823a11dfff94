"""Writes for staff and the audit log."""

from datetime import datetime
from typing import Any

from django.db import models

from .models import AuditEvent, User


def audit_record(
    *,
    by: User | None,
    action: str,
    obj: models.Model,
    now: datetime,
    person_id: int | None = None,
    detail: dict[str, Any] | None = None,
    source_ip: str | None = None,
) -> AuditEvent:
    """Append one audit row. Call inside the transaction of the change it records."""
    return AuditEvent.objects.create(
        at=now,
        actor=by,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        person_id=person_id,
        detail=detail or {},
        source_ip=source_ip,
    )
