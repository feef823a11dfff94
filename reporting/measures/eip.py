"""Early intervention in psychosis: referrals entering treatment within two weeks (EIP23a, EIP23b;
still waiting as EIP23d/e/f), as NHS England's published code counts them (docs/internal-waits.md).

``[EIP]`` = NHSDigital/mental-health-monthly-statistics @ 7b4d742,
``Mental_Health_Monthly_Statistics/menh_publications/notebooks/07_EIP/01_Prepare/01_EIP_prep.py``:

* referrals whose primary reason is (suspected) first episode psychosis (``01``, L106), received
  from 2016, referred to an early intervention team (A14, L195);
* the clock stops on the later of the first attended direct contact (L225-L262) and the start of
  the first care coordinator assignment (here the first allocation of a link worker, L267-L285),
  each on or after the referral's received date (whole dates); counted when that date falls in the
  rolling quarter ending with the chosen month (L541-L545, ``BETWEEN '$rp_startdate_quarterly'
  AND '$rp_enddate'``);
* within two weeks: 14 days or fewer between the received date and the clock stop's date
  (``01_EIP_Aggregate_ethnicity.sql`` L187);
* still waiting: open at the end of the period without both (EIP23d), banded as EIP23e/f by the
  days from the received date to the period's last day (14 or fewer, more than 14).

Registered in ``MEASURES`` as ``eip_two_weeks`` (the national page and the measures API). Contacts are the referral's own, whichever
team recorded them (``[EIP]`` takes contacts with an A14 team).
"""

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from django.db.models import Q

from codes.mhsds import ATTENDED, DIRECT_MECHANISMS
from common.london import london_date
from referrals.models import Allocation, Contact

from .periods import MeasurePeriod
from .queries import earliest
from .result import MeasureResult, MeasureRow
from .teams import narrowed_to, referred_to

EIP_TEAM_TYPES = frozenset({"A14"})
FIRST_EPISODE_PSYCHOSIS = "01"
COUNTED_FROM = date(2016, 1, 1)
WITHIN_DAYS = 14
BANDS = ("0-14 days", "over 14 days")


def eip_two_weeks(period: MeasurePeriod) -> MeasureResult:
    """One query: the referrals to EIP teams still relevant to the period, with their first
    counting contact and first care coordinator before its end."""
    end = period.end
    contacts = Contact.objects.filter(
        attendance__in=ATTENDED, consultation_mechanism__in=DIRECT_MECHANISMS, occurred_at__lt=end
    )
    coordinators = Allocation.objects.filter(started_at__lt=end)
    referrals = (
        narrowed_to(EIP_TEAM_TYPES, (Q(ended_at__isnull=True) | Q(ended_at__gte=period.start)) & Q(received_at__lt=end))
        .filter(referred_to(EIP_TEAM_TYPES, by=end))
        .annotate(
            first_contact=earliest(contacts, "occurred_at"), first_coordinator=earliest(coordinators, "started_at")
        )
        .order_by("received_at", "pk")
        .values("pk", "person_id", "received_at", "ended_at", "primary_reason", "first_contact", "first_coordinator")
    )
    rows = [_row(referral, period) for referral in referrals]
    counted = [row for row in rows if row.in_scope and row.met is not None]
    waiting = [row for row in rows if row.in_scope and row.still_waiting]
    return MeasureResult(
        code="eip_two_weeks",
        period=period,
        numerator=sum(1 for row in counted if row.met),
        denominator=len(counted),
        still_waiting=len(waiting),
        still_waiting_bands={band: sum(1 for row in waiting if row.waiting_band == band) for band in BANDS},
        rows=rows,
    )


def _row(referral: Mapping[str, Any], period: MeasurePeriod) -> MeasureRow:
    ids, person = (referral["pk"],), referral["person_id"]
    received: datetime = referral["received_at"]
    received_on = london_date(received)
    if referral["primary_reason"] != FIRST_EPISODE_PSYCHOSIS:
        reason = (
            f"primary reason {referral['primary_reason'] or 'not recorded'}, not (suspected) first episode psychosis"
        )
        return MeasureRow(ids, person, in_scope=False, excluded_because=reason, clock_start=received_on)
    if received_on < COUNTED_FROM:
        return MeasureRow(ids, person, in_scope=False, excluded_because="received before 2016", clock_start=received_on)
    contact: datetime | None = referral["first_contact"]
    coordinator: datetime | None = referral["first_coordinator"]
    if contact is None or coordinator is None:
        ended: datetime | None = referral["ended_at"]
        open_at_end = ended is None or ended >= period.end
        waited = (period.last_day - received_on).days
        return MeasureRow(
            ids,
            person,
            in_scope=True,
            clock_start=received_on,
            still_waiting=open_at_end,
            waiting_band=(BANDS[0] if waited <= WITHIN_DAYS else BANDS[1]) if open_at_end else "",
        )
    stop = max(london_date(contact), london_date(coordinator))
    stopped_by = "care coordinator allocated" if coordinator > contact else "attended direct contact"
    if stop < period.first_day:
        return MeasureRow(
            ids,
            person,
            in_scope=False,
            excluded_because="entered treatment before the period",
            clock_start=received_on,
            clock_stop=stop,
            stopped_by=stopped_by,
        )
    days = (stop - received_on).days
    return MeasureRow(
        ids,
        person,
        in_scope=True,
        clock_start=received_on,
        clock_stop=stop,
        stopped_by=stopped_by,
        days=days,
        met=days <= WITHIN_DAYS,
    )
