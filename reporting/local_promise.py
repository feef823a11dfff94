"""The local promise as a measure beside the national ones (docs/measures.md, "The local promise").

A meaningful response to everyone within a day (the BNSSG target operating model; sooner when
urgent): the first-response clocks stopped by their own rule in the month, met when the clock
stopped by its due time (the target set on the clock when it started: by default 1 hour for an
emergency, 4 hours very urgent, 24 hours urgent and routine). Still waiting: first-response
clocks running at the end of the month. It is a local measure: NHS England does not publish it.

One query, whatever the number of clocks; it returns a ``MeasureResult`` as the national
measures do, so the API and the dashboard show it the same way.
"""

from datetime import datetime

from django.db import connection
from django.db.models import OuterRef, Q, Subquery

from referrals.models import Clock, Referral

from .measures import Measure, MeasurePeriod, MeasureResult, MeasureRow
from .measures.result import whole_minutes

CODE = "local_response_24h"


def _stopped_in_month(period: MeasurePeriod) -> Q:
    return Q(
        stop_reason=Clock.StopReason.FIRST_COMPLETED_CONTACT, stopped_at__gte=period.start, stopped_at__lt=period.end
    )


def _running_at_month_end(period: MeasurePeriod) -> Q:
    return Q(started_at__lt=period.end) & (Q(stopped_at__isnull=True) | Q(stopped_at__gte=period.end))


def local_response_24h(period: MeasurePeriod) -> MeasureResult:
    start, end = period.start, period.end
    clocks = (
        Clock.objects.filter(kind=Clock.Kind.FIRST_RESPONSE)
        .filter(_stopped_in_month(period) | _running_at_month_end(period))
        # The person by the referral's key, one look-up per clock: a join let the planner hash
        # every referral there is to find a month's (issue 17).
        .annotate(referral__person_id=Subquery(Referral.objects.filter(pk=OuterRef("referral_id")).values("person_id")))
        .order_by("started_at", "pk")
        .values("referral_id", "referral__person_id", "started_at", "stopped_at", "due_at")
    )
    rows: list[MeasureRow] = []
    for clock in clocks:
        started: datetime = clock["started_at"]
        stopped: datetime | None = clock["stopped_at"]
        ids = (clock["referral_id"],)
        if stopped is not None and start <= stopped < end:
            rows.append(
                MeasureRow(
                    ids,
                    clock["referral__person_id"],
                    in_scope=True,
                    clock_start=started,
                    clock_stop=stopped,
                    stopped_by="first attended contact",
                    minutes=whole_minutes(started, stopped),
                    met=stopped <= clock["due_at"],
                )
            )
        else:
            rows.append(
                MeasureRow(
                    ids,
                    clock["referral__person_id"],
                    in_scope=True,
                    clock_start=started,
                    minutes=whole_minutes(started, end),
                    still_waiting=True,
                )
            )
    counted = [row for row in rows if row.met is not None]
    return MeasureResult(
        code=CODE,
        period=period,
        numerator=sum(1 for row in counted if row.met),
        denominator=len(counted),
        still_waiting=sum(1 for row in rows if row.still_waiting),
        rows=rows,
    )


def local_response_24h_figures(period: MeasurePeriod) -> MeasureResult:
    """``local_response_24h``'s figures without its rows (the national page, the figures API),
    counted in the database: a clock stopped in the month is counted, met by its due time; one
    running at the month's end (never also stopped in it) is waiting. No row leaves the database.

    The clocks are read in two ranges of ``clock_first_response_stop_idx``, from the index alone:
    stopped from the month's start on, and not stopped. As one condition ("stopped in the month, or
    running at its end") the planner could use no index and read every clock there is (a month
    a year back: 180 ms at a million referrals, 50 ms this way)."""
    # The rules of _stopped_in_month and _running_at_month_end, in SQL; tests check these figures
    # against the rows' (tests/reporting/test_national_page.py, on SQLite too: test_sqlite.py).
    clock = Clock._meta.db_table
    kind, contact = Clock.Kind.FIRST_RESPONSE.value, Clock.StopReason.FIRST_COMPLETED_CONTACT.value
    stopped = "c.stop_reason = %(contact)s AND c.stopped_at >= %(start)s AND c.stopped_at < %(end)s"
    running = "c.started_at < %(end)s AND (c.stopped_at IS NULL OR c.stopped_at >= %(end)s)"
    columns = "c.started_at, c.stopped_at, c.due_at, c.stop_reason"
    sql = f"""
        SELECT count(*) FILTER (WHERE {stopped} AND c.stopped_at <= c.due_at),
               count(*) FILTER (WHERE {stopped}),
               count(*) FILTER (WHERE {running})
        FROM (
            SELECT {columns} FROM {clock} c
            WHERE c.kind = %(kind)s AND c.stopped_at >= %(start)s AND c.started_at < %(end)s
            UNION ALL
            SELECT {columns} FROM {clock} c WHERE c.kind = %(kind)s AND c.stopped_at IS NULL AND c.started_at < %(end)s
        ) c
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, {"kind": kind, "contact": contact, "start": period.start, "end": period.end})
        met, counted, waiting = cursor.fetchone()
    return MeasureResult(
        code=CODE,
        period=period,
        numerator=met,
        denominator=counted,
        still_waiting=waiting,
    )


LOCAL_PROMISE = Measure(
    code=CODE,
    name="Local promise: a first response within a day (sooner when urgent)",
    nhs_england_ids=(),
    definition=(
        "A local measure, not a national one. First-response clocks stopped in the month by the first "
        "attended contact that counts (face to face for crisis and liaison teams), and of them those that "
        "stopped by their due time: the target set on the clock when it started (by default 1 hour for an "
        "emergency, 4 hours very urgent, 24 hours urgent and routine). Still waiting: first-response clocks "
        "still running at the end of the month."
    ),
    source="Local: the BNSSG community mental health target operating model (docs/measures.md, the local promise)",
    quarterly=False,
    unit="minutes",
    compute=local_response_24h,
    compute_figures=local_response_24h_figures,
)
