"""Reads into the audit log, from views: who saw which person's record, from where.

Every page, fragment, API response and export that shows a person's record calls ``seen``
with the people it showed. One INSERT per response whatever the number of people.
"""

from collections.abc import Iterable

from django.http import HttpRequest
from django.utils import timezone

from .request_ip import client_ip
from .services import audit_read, audit_record

VIEW = "record.view"  # one person's record, assessment, notes or plan
LIST = "record.list"  # people shown in a list (a caseload, a queue, an API page)
SEARCH = "record.search"  # people found by a search
EXPORT = "record.export"  # people in a download


def seen(request: HttpRequest, action: str, people: Iterable[int], *, what: str, object_id: str = "") -> None:
    people = {p for p in people if p is not None}
    if not people or not request.user.is_authenticated:
        return
    audit_read(
        by=request.user,
        action=action,
        now=timezone.now(),
        people=people,
        object_type=what,
        object_id=object_id,
        source_ip=client_ip(request),
        detail={"path": request.path[:200]},
    )


def searched(request: HttpRequest, people: Iterable[int], *, what: str, criteria: dict[str, str]) -> None:
    """A search that reaches beyond the user's access (finding a person at intake): recorded
    whether or not it found anyone, with what was looked for, so the IG lead can see someone
    trying NHS numbers one after another."""
    found = {p for p in people if p is not None}
    if not request.user.is_authenticated:
        return
    detail = {"path": request.path[:200], "criteria": criteria, "matches": len(found)}
    if found:
        audit_read(
            by=request.user,
            action=SEARCH,
            now=timezone.now(),
            people=found,
            object_type=what,
            source_ip=client_ip(request),
            detail=detail,
        )
    else:
        audit_record(
            by=request.user,
            action=SEARCH,
            obj=None,
            now=timezone.now(),
            object_type=what,
            source_ip=client_ip(request),
            detail=detail,
        )
