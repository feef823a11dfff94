"""Crisis and liaison response times (uec_prep.py, docs/measures.md): referrals received in the
month by the measure's team types (any team it was referred to in the month), answered by the first attended face-to-face contact at or
after the referral's date and time and in the same month, in minutes (UTC arithmetic).

Video does not count here (``ConsMechanismMH = '01'``, uec_prep.py L55), whatever a team's clock
policy says for its live clocks: the national figure is NHS England's.

The two crisis measures read the same referrals (the month's, to crisis team types) and differ
only in the urgency they count. Inside ``shared_month_reads()`` (the national page) that read is
made once and both take their figures from it: one query fewer, and one snapshot for both.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

from django.db.models import F, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from codes.mhsds import ATTENDED, EMERGENCY_DEPARTMENT, FACE_TO_FACE, SOURCE_OF_REFERRAL_FOR_SOURCE
from referrals.models import Contact, Referral, UrgencyChange

from .periods import MeasurePeriod
from .queries import earliest
from .result import MeasureResult, MeasureRow, whole_minutes
from .teams import narrowed_to, referred_to

URGENCY_LABEL = dict(Referral.Urgency.choices)
# (period start, period end, team types) -> the month's referrals, while shared_month_reads() is open.
_SHARED: ContextVar[dict[tuple, list[dict]] | None] = ContextVar("shared_month_reads", default=None)


@contextmanager
def shared_month_reads() -> Iterator[None]:
    """Within the block, measures reading the same month's referrals of the same team types read
    them once."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def month_referrals(*, period: MeasurePeriod, team_types: frozenset[str]) -> list[dict]:
    """One query: the month's referrals to these team types, each with the urgency in force at the
    end of the month (its UrgencyChange history) and its first face-to-face response."""
    shared = _SHARED.get()
    key = (period.start, period.end, team_types)
    if shared is not None and key in shared:
        return shared[key]
    found = _month_referrals(period=period, team_types=team_types)
    if shared is not None:
        shared[key] = found
    return found


def response_time_measure(
    *,
    code: str,
    period: MeasurePeriod,
    team_types: frozenset[str],
    limit_minutes: int,
    urgency: str | None = None,
    source_of_referral: str | None = None,
) -> MeasureResult:
    """The month's referrals to these team types (``month_referrals``), counted when of this
    urgency or source."""
    end = period.end
    rows: list[MeasureRow] = []
    for referral in month_referrals(period=period, team_types=team_types):
        excluded = _excluded_because(
            held=referral["urgency_at_month_end"],
            source=referral["source_of_referral"] or SOURCE_OF_REFERRAL_FOR_SOURCE[referral["source"]],
            urgency=urgency,
            source_of_referral=source_of_referral,
        )
        received: datetime = referral["received_at"]
        if excluded:
            rows.append(
                MeasureRow(
                    (referral["pk"],),
                    referral["person_id"],
                    in_scope=False,
                    excluded_because=excluded,
                    clock_start=received,
                )
            )
            continue
        responded: datetime | None = referral["responded_at"]
        ended: datetime | None = referral["ended_at"]
        minutes = whole_minutes(received, responded) if responded is not None else None
        rows.append(
            MeasureRow(
                (referral["pk"],),
                referral["person_id"],
                in_scope=True,
                clock_start=received,
                clock_stop=responded,
                stopped_by="attended face-to-face contact" if responded is not None else "",
                minutes=minutes,
                met=minutes is not None and minutes <= limit_minutes,
                # Not seen in the month and still open at its end.
                still_waiting=responded is None and (ended is None or ended >= end),
            )
        )
    counted = [row for row in rows if row.in_scope]
    return MeasureResult(
        code=code,
        period=period,
        numerator=sum(1 for row in counted if row.met),
        denominator=len(counted),
        still_waiting=sum(1 for row in counted if row.still_waiting),
        rows=rows,
    )


def _month_referrals(*, period: MeasurePeriod, team_types: frozenset[str]) -> list[dict]:
    end = period.end
    in_force = UrgencyChange.objects.filter(referral_id=OuterRef("pk"), at__lt=end).order_by("-at", "-id")
    face_to_face = Contact.objects.filter(
        attendance__in=ATTENDED,
        consultation_mechanism=FACE_TO_FACE,
        occurred_at__gte=OuterRef("received_at"),
        occurred_at__lt=end,
    )
    referrals = (
        # Every team referred to in the month counts, not only the team now (uec_prep.py L90-L102,
        # L168-L180; reporting.measures.teams).
        narrowed_to(team_types, Q(received_at__gte=period.start, received_at__lt=end))
        .filter(referred_to(team_types, by=end))
        .annotate(
            urgency_at_month_end=Coalesce(Subquery(in_force.values("urgency")[:1]), F("urgency")),
            responded_at=earliest(face_to_face, "occurred_at"),
        )
        .order_by("received_at", "pk")
        .values(
            "pk",
            "person_id",
            "received_at",
            "ended_at",
            "source",
            "source_of_referral",
            "urgency_at_month_end",
            "responded_at",
        )
    )
    return [dict(referral) for referral in referrals]


def _excluded_because(*, held: str, source: str, urgency: str | None, source_of_referral: str | None) -> str:
    """``held``: the urgency in force at the end of the month received; ``source``: SourceOfReferralMH."""
    if urgency is not None and held != urgency:
        label = URGENCY_LABEL.get(held, held)
        return f"{label.lower()} at the end of the month received, not {URGENCY_LABEL[urgency].lower()}"
    if source_of_referral is not None:
        if source != source_of_referral:
            where = "the emergency department" if source_of_referral == EMERGENCY_DEPARTMENT else source_of_referral
            return f"source of referral {source}, not {where} ({source_of_referral})"
    return ""
