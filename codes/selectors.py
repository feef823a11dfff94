"""Which codes are in a SNOMED CT reference set: the shipped members (``codes.snomed``) and the
members a trust has loaded from its release (``codes.models``).

Two questions, two answers. May a new record use this code? Only an active member. Does a
record already made count as coded? Any member, active or since inactivated: NHS England's
``MHSDS_SNOMED_REFSET`` view (4w_waits_prep.py) reads the reference sets' Full file where
``Active = '1'``, so a member that was ever active counts, and a record coded while it was
active stays coded.

Each read costs at most one query, whatever the number of records it checks: a filter joins the
loaded members in SQL (``coded``, or ``coded_sql`` for a raw query), a set is read once per
request or run (``codes_counted``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q, QuerySet

from .mhsds import CodeList
from .models import SnomedRefsetMember


def _refset_ids(lists: tuple[CodeList, ...]) -> list[str]:
    return [code_list.national_set for code_list in lists]


def _shipped(lists: tuple[CodeList, ...]) -> set[str]:
    return {c.code for code_list in lists for c in code_list.codes}


def loaded_members(*lists: CodeList, active_only: bool = True) -> QuerySet[SnomedRefsetMember]:
    """The loaded members of these lists' reference sets: the active ones, or all."""
    members = SnomedRefsetMember.objects.filter(refset_id__in=_refset_ids(lists))
    return members.filter(active=True) if active_only else members


def coded(field: str, *lists: CodeList) -> Q:
    """A filter for records already made: ``field`` holds a shipped member of ``lists`` or a
    loaded one, active or not (joined in SQL, so it adds no query)."""
    loaded = loaded_members(*lists, active_only=False).values("concept_id")
    return Q(**{f"{field}__in": sorted(_shipped(lists))}) | Q(**{f"{field}__in": loaded})


def _literals(values: set[str] | frozenset[str] | list[str]) -> str:
    if not all(value.isdigit() for value in values):
        raise ValueError("SNOMED CT ids are digits: refusing to inline anything else into SQL")
    return ", ".join(f"'{value}'" for value in sorted(values))


def coded_sql(column: str, *lists: CodeList, excluding: frozenset[str] = frozenset()) -> str:
    """``coded`` for a raw SQL query: ``column`` (e.g. ``e.code``) holds a shipped or loaded
    member of ``lists`` and none of ``excluding``. The loaded members are an uncorrelated
    subquery (read once per query); the ids inlined are this package's constants."""
    table = SnomedRefsetMember._meta.db_table
    shipped = _shipped(lists) - excluding
    loaded = f"{column} IN (SELECT m.concept_id FROM {table} m WHERE m.refset_id IN ({_literals(_refset_ids(lists))}))"
    either = f"{column} IN ({_literals(shipped)}) OR {loaded}" if shipped else loaded
    return f"(({either}) AND {column} NOT IN ({_literals(excluding)}))" if excluding else f"({either})"


def codes_counted(*lists: CodeList) -> frozenset[str]:
    """Every code a record already made may hold and count as coded: the shipped members and
    the loaded ones, active or not (one query)."""
    loaded = loaded_members(*lists, active_only=False).values_list("concept_id", flat=True)
    return frozenset(_shipped(lists) | set(loaded))


def code_accepted(code: str, *lists: CodeList) -> bool:
    """May a new record use ``code``: a shipped member of ``lists``, or an active loaded one (a
    query only when it is not shipped)."""
    return code in _shipped(lists) or loaded_members(*lists).filter(concept_id=code).exists()


@dataclass(frozen=True)
class LoadedSet:
    """What has been loaded into one reference set."""

    active: int
    inactive: int
    release: date  # the latest effectiveTime among its members
    loaded_at: datetime  # when a member last changed


def loaded_sets(*lists: CodeList) -> dict[str, LoadedSet]:
    """By reference set id, for the sets with any loaded member (one query)."""
    rows = (
        SnomedRefsetMember.objects.filter(refset_id__in=_refset_ids(lists))
        .values("refset_id")
        .annotate(
            active_count=Count("pk", filter=Q(active=True)),
            inactive_count=Count("pk", filter=Q(active=False)),
            release=Max("effective_time"),
            last_loaded_at=Max("loaded_at"),
        )
        .order_by("refset_id")
    )
    return {
        row["refset_id"]: LoadedSet(row["active_count"], row["inactive_count"], row["release"], row["last_loaded_at"])
        for row in rows
    }
