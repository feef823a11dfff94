"""Community wait to a second contact (NHS England CMH dashboard, docs/measures.md): referrals
(not spells) of adults to core community teams, without a hospital stay, whose second attended
direct contact fell in the month; within 4 weeks when it came 0 to 27 whole UK dates after the
received date (CMH Dashboard L477-L491). Still waiting: open at the month's end with no second
contact, banded by days from the received date to the month's last day (L494-L510).

One statement (after one look-up: the first community referral's received date). The month can
count only referrals open at its end or seen a second time in it, so on PostgreSQL those are found
first, by index, and only they are looked at: the open ones from ``referral_community_open_idx``
(``teams.open_community_sql``), the others by the second contact each one keeps
(``Referral.second_counting_contact_at``, kept as contacts are recorded) from
``referral_second_contact_idx``. Other databases run the portable query (``_facts_portable``),
which works it out from the contacts and gives the same rows.
"""

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import date, datetime

from django.db import connection
from django.db.models import OuterRef, Q, Subquery

from codes.mhsds import ATTENDED, COMMUNITY_TEAM_TYPES, DIRECT_MECHANISMS
from common.london import london_date
from referrals.models import Contact, HospitalStay, Referral

from .periods import MeasurePeriod
from .queries import (
    adult_when_received,
    community_excluded_because,
    has_hospital_stay,
    on_postgresql,
)
from .result import MeasureResult, MeasureRow
from .teams import (
    community_ctes_sql,
    community_received_days,
    community_referrals_sql,
    open_community_sql,
    referred_to,
    with_part_end,
)

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
SECOND_CONTACT = "second attended direct contact"

# One referral the month counts or finds waiting: (pk, person_id, received date (UK), 18 or over
# on it (None: no date of birth), UK date of its second counting contact if that fell in the month
# (else None: waiting), hospital stay linked).
Facts = tuple[int, int, date, bool | None, date | None, bool]


def waiting_band(days: int) -> str:
    for label, lowest, highest in WAITING_BANDS:
        if days >= lowest and (highest is None or days <= highest):
            return label
    return WAITING_BANDS[0][0]


def cmh_second_contact(period: MeasurePeriod) -> MeasureResult:
    facts = _facts_postgresql(period) if on_postgresql() else _facts_portable(period)
    last_day = period.last_day
    rows: list[MeasureRow] = []
    counted = met = 0
    bands = {label: 0 for label, _, _ in WAITING_BANDS}
    for pk, person_id, received, adult, second_day, hospital_stay in facts:
        excluded = community_excluded_because(adult=adult, hospital_stay=hospital_stay)
        if excluded:
            rows.append(MeasureRow((pk,), person_id, False, excluded, received))
            continue
        if second_day is not None:
            days = (second_day - received).days
            within = 0 <= days <= WITHIN_DAYS
            counted += 1
            met += within
            rows.append(
                MeasureRow((pk,), person_id, True, "", received, second_day, SECOND_CONTACT, days, None, within)
            )
        else:
            days = (last_day - received).days
            band = waiting_band(days)
            bands[band] += 1
            rows.append(MeasureRow((pk,), person_id, True, "", received, None, "", days, None, None, True, band))
    return MeasureResult(
        code=CODE,
        period=period,
        numerator=met,
        denominator=counted,
        still_waiting=sum(bands.values()),
        still_waiting_bands=bands,
        rows=rows,
    )


def cmh_second_contact_figures(period: MeasurePeriod) -> MeasureResult:
    """The figures of ``cmh_second_contact`` without its rows (the figures API, the national
    page): on PostgreSQL the same statement counts them itself, so no row leaves the database."""
    if not on_postgresql():
        return replace(cmh_second_contact(period), rows=[])
    # Counted as cmh_second_contact counts its rows: in scope (18 or over on the received date,
    # a date of birth known, no hospital stay), seen a second time in the month (within 4 weeks:
    # 0 to 27 days), else waiting, banded by days from the received date to the month's last day.
    days = "s.second_day - s.received_day"
    waiting = "%(last_day)s - s.received_day"
    bands = ", ".join(
        f"count(*) FILTER (WHERE s.second_day IS NULL AND {waiting} >= {lowest}"
        + (f" AND {waiting} <= {highest})" if highest is not None else ")")
        for _, lowest, highest in WAITING_BANDS
    )
    final = f"""
        SELECT count(*) FILTER (WHERE {days} BETWEEN 0 AND {WITHIN_DAYS}), count(s.second_day), {bands}
        FROM (
            SELECT s.received_on AS received_day, s.adult_when_received,
                   CASE WHEN s.second_at < %(end)s THEN (s.second_at AT TIME ZONE 'Europe/London')::date END AS second_day
            FROM second s
            WHERE ((s.second_at >= %(start)s AND s.second_at < %(end)s)
                   OR ((s.ended_at IS NULL OR s.ended_at >= %(end)s) AND (s.second_at IS NULL OR s.second_at >= %(end)s)))
              AND NOT EXISTS (SELECT 1 FROM {HospitalStay._meta.db_table} h WHERE h.referral_id = s.id)
        ) s
        WHERE s.adult_when_received
    """
    with connection.cursor() as cursor:
        cursor.execute(_statement(final), {**_params(period), "last_day": period.last_day})
        met, counted, *waiting = cursor.fetchone()
    by_band = {label: count for (label, _, _), count in zip(WAITING_BANDS, waiting, strict=True)}
    return MeasureResult(
        code=CODE,
        period=period,
        numerator=met,
        denominator=counted,
        still_waiting=sum(by_band.values()),
        still_waiting_bands=by_band,
    )


def _facts_postgresql(period: MeasurePeriod) -> list[Facts]:
    """The month's referrals in one statement (see the module docstring), in received order."""
    final = f"""
        SELECT s.id, s.person_id, s.received_on, s.adult_when_received,
               CASE WHEN s.second_at < %(end)s THEN (s.second_at AT TIME ZONE 'Europe/London')::date END,
               EXISTS (SELECT 1 FROM {HospitalStay._meta.db_table} h WHERE h.referral_id = s.id)
        FROM second s
        -- Seen a second time in the month, or open at its end without a second contact by then.
        WHERE (s.second_at >= %(start)s AND s.second_at < %(end)s)
           OR ((s.ended_at IS NULL OR s.ended_at >= %(end)s) AND (s.second_at IS NULL OR s.second_at >= %(end)s))
        ORDER BY s.received_at, s.id
    """
    with connection.cursor() as cursor:
        cursor.execute(_statement(final), _params(period))
        return cursor.fetchall()


def _params(period: MeasurePeriod) -> dict[str, datetime | date | list[date]]:
    return {"start": period.start, "end": period.end, "received_days": community_received_days(period.end)}


def _statement(final: str) -> str:
    """The month's candidate referrals and each one's second counting contact (``second``),
    then ``final`` over them."""
    kept = (
        "r.id, r.person_id, r.received_at, r.received_on, r.adult_when_received, {ended_at} AS ended_at,"
        # Contacts in date, time and id order (CMH Dashboard L233): the second that counts, kept on
        # the referral (referrals.services.milestones) and read from referral_community_open_idx.
        " r.second_counting_contact_at AS second_at"
    )
    open_at_end = open_community_sql(columns=kept, since="%(end)s")
    # The second contact kept on the referral, in the month: referral_second_contact_idx finds
    # those few directly, instead of every counting contact of the month (issue 17).
    seen_in_month = community_referrals_sql(
        columns=kept,
        where="r.second_counting_contact_at >= %(start)s AND r.second_counting_contact_at < %(end)s",
    )
    # Read once each: neither is materialised, so the filters reach the indexes.
    return f"""
        WITH {community_ctes_sql()}, open_at_end AS NOT MATERIALIZED (
            -- Referrals open at the month's end: still waiting, or seen a second time in the month ...
            -- A referral counts under every team it was referred to by then, its part with
            -- community teams ending as it did (reporting.measures.teams; 00_generic_prep.py L363-L403).
            SELECT q.* FROM ({open_at_end}) q WHERE q.ended_at IS NULL OR q.ended_at >= %(end)s
        ), second AS NOT MATERIALIZED (
            SELECT * FROM open_at_end
            UNION ALL
            -- ... or ended by then (the rest: not open at its end), seen a second time in the month.
            SELECT q.* FROM ({seen_in_month}) q WHERE q.ended_at < %(end)s
        )
        {final}
    """


def _facts_portable(period: MeasurePeriod) -> Iterator[Facts]:
    """The same rows through the Django ORM, for databases other than PostgreSQL."""
    start, end = period.start, period.end
    counting = Contact.objects.filter(
        referral_id=OuterRef("pk"), attendance__in=ATTENDED, consultation_mechanism__in=DIRECT_MECHANISMS
    ).order_by("occurred_at", "id")  # date, time and id (L233)
    no_second_by_month_end = Q(second_at__isnull=True) | Q(second_at__gte=end)
    open_at_month_end = Q(part_ended_at__isnull=True) | Q(part_ended_at__gte=end)
    # Any team referred to by the month's end counts, its part ending as it did (teams.py).
    referred = Referral.objects.filter(referred_to(COMMUNITY_TEAM_TYPES, by=end), received_at__lt=end)
    referrals: Iterable[tuple[int, int, datetime, date | None, datetime | None, bool]] = (
        with_part_end(referred, COMMUNITY_TEAM_TYPES, by=end)
        .annotate(second_at=Subquery(counting.values("occurred_at")[1:2]), hospital_stay=has_hospital_stay())
        .filter(Q(second_at__gte=start, second_at__lt=end) | (open_at_month_end & no_second_by_month_end))
        .order_by("received_at", "pk")
        .values_list("pk", "person_id", "received_at", "person__birth_date", "second_at", "hospital_stay")
    )
    for pk, person_id, received_at, birth_date, second_at, hospital_stay in referrals:
        second_day = london_date(second_at) if second_at is not None and second_at < end else None
        received = london_date(received_at)
        yield pk, person_id, received, adult_when_received(birth_date, received), second_day, hospital_stay
