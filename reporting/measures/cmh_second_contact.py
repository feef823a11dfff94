"""Community wait to a second contact (NHS England CMH dashboard, docs/measures.md): referrals
(not spells) of adults to core community teams, without a hospital stay, whose second attended
direct contact fell in the month; within 4 weeks when it came 0 to 27 whole UK dates after the
received date (CMH Dashboard L477-L491). Still waiting: open at the month's end with no second
contact, banded by days from the received date to the month's last day (L494-L510)."""

from datetime import date, datetime

from django.db.models import OuterRef, Q, Subquery

from codes.mhsds import ATTENDED, COMMUNITY_TEAM_TYPES, DIRECT_MECHANISMS
from common.london import london_date
from referrals.models import Contact, Referral

from .periods import MeasurePeriod
from .queries import community_excluded_because, has_hospital_stay
from .result import MeasureResult, MeasureRow

CODE = "cmh_second_contact"
WITHIN_DAYS = 27  # BETWEEN 0 and 27 (L486-L487): day 28 is outside on this dashboard
# (band label, lowest day, highest day or None): days from the received date to the month end.
WAITING_BANDS: tuple[tuple[str, int, int | None], ...] = (
    ("0-6 days", 0, 6),
    ("7-13 days", 7, 13),
    ("14-27 days", 14, 27),
    ("28-84 days", 28, 84),
    ("over 84 days", 85, None),
)


def waiting_band(days: int) -> str:
    for label, lowest, highest in WAITING_BANDS:
        if days >= lowest and (highest is None or days <= highest):
            return label
    return WAITING_BANDS[0][0]


def cmh_second_contact(period: MeasurePeriod) -> MeasureResult:
    start, end = period.start, period.end
    counting = Contact.objects.filter(
        referral_id=OuterRef("pk"), attendance__in=ATTENDED, consultation_mechanism__in=DIRECT_MECHANISMS
    ).order_by("occurred_at", "id")  # date, time and id (L233)
    no_second_by_month_end = Q(second_at__isnull=True) | Q(second_at__gte=end)
    open_at_month_end = Q(ended_at__isnull=True) | Q(ended_at__gte=end)
    referrals = (
        Referral.objects.filter(received_at__lt=end, team__mhsds_team_type__in=COMMUNITY_TEAM_TYPES)
        .annotate(second_at=Subquery(counting.values("occurred_at")[1:2]), hospital_stay=has_hospital_stay())
        .filter(Q(second_at__gte=start, second_at__lt=end) | (open_at_month_end & no_second_by_month_end))
        .order_by("received_at", "pk")
        .values("pk", "person_id", "received_at", "person__birth_date", "second_at", "hospital_stay")
    )
    rows: list[MeasureRow] = []
    for referral in referrals:
        received: date = london_date(referral["received_at"])
        excluded = community_excluded_because(
            birth_date=referral["person__birth_date"], received=received, hospital_stay=referral["hospital_stay"]
        )
        ids = (referral["pk"],)
        if excluded:
            rows.append(
                MeasureRow(ids, referral["person_id"], in_scope=False, excluded_because=excluded, clock_start=received)
            )
            continue
        second: datetime | None = referral["second_at"]
        if second is not None and second < end:
            days = (london_date(second) - received).days
            rows.append(
                MeasureRow(
                    ids,
                    referral["person_id"],
                    in_scope=True,
                    clock_start=received,
                    clock_stop=london_date(second),
                    stopped_by="second attended direct contact",
                    days=days,
                    met=0 <= days <= WITHIN_DAYS,
                )
            )
        else:
            days = (period.last_day - received).days
            rows.append(
                MeasureRow(
                    ids,
                    referral["person_id"],
                    in_scope=True,
                    clock_start=received,
                    days=days,
                    still_waiting=True,
                    waiting_band=waiting_band(days),
                )
            )
    counted = [row for row in rows if row.in_scope and row.met is not None]
    waiting = [row for row in rows if row.still_waiting]
    return MeasureResult(
        code=CODE,
        period=period,
        numerator=sum(1 for row in counted if row.met),
        denominator=len(counted),
        still_waiting=len(waiting),
        still_waiting_bands={
            label: sum(1 for row in waiting if row.waiting_band == label) for label, _, _ in WAITING_BANDS
        },
        rows=rows,
    )
