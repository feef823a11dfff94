"""Keeping the reporting tables exact: build, refresh, catch up, rebuild and verify.

The dashboards read ``ReferralFact``, ``ClockFact``, ``HandoffFact``, ``WeeklyRollup`` and
``WeeklyPercentile`` (reporting/models/rollups.py). Each is a pure function of the
records, and this module is the only writer:

* ``facts_refresh(referral_ids=...)`` recomputes those referrals' rows from the records,
  and moves the weekly counters by the difference between the old rows and the new, then
  recomputes the weekly centiles of the weeks touched; the equality rollup's cells move by
  the same difference (``equality_rollup``). Run twice, it changes nothing.
* ``facts_catch_up(now=...)`` finds what changed since it last ran from the audit log
  (every service writes an audit row naming the person, in the transaction of the
  change) and refreshes those people's referrals. It remembers audit ids it has not yet
  seen below the newest one: a transaction still in flight when it looked.
* ``facts_rebuild(now=...)`` starts again from the records; ``facts_verify()`` rebuilds in
  memory and lists every difference from what is stored (none, when all is well).

Refreshes are serialised on the one ``ReportingState`` row (``SELECT ... FOR UPDATE``;
SQLite has one writer at a time anyway), and each runs in one transaction with its
counters, so a reader sees the rows and the counters of the same moment.
"""

from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Iterator
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Q

from accounts.models import AuditEvent
from codes.mhsds import ATTENDED
from common.london import LONDON, london_date
from referrals.models import Clock, Contact, Handoff, OutcomeMeasure, Referral
from reporting.models import ClockFact, HandoffFact, ReferralFact, ReportingState, WeeklyPercentile, WeeklyRollup

from . import deprivation, equality_rollup
from .percentiles import MEDIAN_AND_P90, interpolate_nonempty, on_postgresql
from .periods import WeekFinder

# Stops that end a wait by the clock's own rule. The others (a restart, the referral
# ending before treatment, a stop by hand) end the clock without answering the question
# "how long did this person wait?": they are counted, and shown, but not as waits.
COUNTED_STOPS = frozenset(
    {
        Clock.StopReason.FIRST_COMPLETED_CONTACT,
        Clock.StopReason.SECOND_COMPLETED_CONTACT,
        Clock.StopReason.REFERRAL_SPELL_COMPLETE,
        Clock.StopReason.TREATMENT_STARTED,
    }
)
REFERRAL_KIND = "referral"  # WeeklyRollup rows that count referrals received
COUNTERS = (
    "received",
    "started",
    "stopped",
    "warned",
    "due",
    "breached",
    "warned_or_stopped",
    "due_or_stopped",
    "counted",
    "met",
)
CELL = ("week", "kind", "locality_id", "team_id", "service", "source", "urgency")
# WeeklyPercentile keeps centiles for the whole service and per value of one filter.
PERCENTILE_DIMENSIONS = ("locality_id", "team_id", "service", "source", "urgency")

AGE_BANDS = ("16-17", "18-25", "26-35", "36-45", "46-55", "56-65", "66+")
UNDER_16 = "under_16"
NOT_STATED = "not_stated"

CHUNK = 2000  # referrals per batch: keeps IN lists and memory small on either database
CATCH_UP_LIMIT = 50_000  # audit events one catch-up takes on; the rest wait for the next
# Audit actions that record a read, a grant of access or a sign-in, never a change to a referral.
NOT_CHANGES = ("record.", "audit.", "access.", "auth.")
PENDING_FOR = timedelta(hours=1)  # an audit id unseen this long was rolled back, not in flight
# A hand-off is kept when a completed contact on the referral follows within this long (the flow
# page: otherwise the person was lost at it).
LOST_AFTER = timedelta(days=28)


def age_band(birth_date: date | None, on: date) -> str:
    if birth_date is None:
        return NOT_STATED
    age = on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))
    if age < 16:
        return UNDER_16
    for band, upper in zip(AGE_BANDS, (17, 25, 35, 45, 55, 65), strict=False):
        if age <= upper:
            return band
    return AGE_BANDS[-1]


# --- building rows from the records ------------------------------------------------------


Built = tuple[list[ReferralFact], list[ClockFact], list[HandoffFact]]


def _build(referral_ids: list[int], weeks: WeekFinder) -> Built:
    """The reporting rows of these referrals, computed from the records (no writes)."""
    referrals = list(
        Referral.objects.filter(pk__in=referral_ids)
        .order_by()
        .values_list(
            "pk",
            "person_id",
            "received_at",
            "locality_id",
            "team_id",
            "team__kind",
            "source",
            "urgency",
            "status",
            "ended_at",
            "person__ethnicity",
            "person__gender",
            "person__sexual_orientation",
            "person__disability",
            "person__birth_date",
            "person__postcode",
        )
    )
    person_ids = {row[1] for row in referrals}
    discharges: dict[int, list[tuple[int, datetime]]] = defaultdict(list)
    for person_id, pk, ended_at in (
        Referral.objects.filter(person_id__in=person_ids, status=Referral.Status.DISCHARGED, ended_at__isnull=False)
        .order_by()
        .values_list("person_id", "pk", "ended_at")
    ):
        if ended_at is not None:  # always (the filter says so); this tells the type checker
            discharges[person_id].append((pk, ended_at))
    outcomes: dict[int, list[tuple[str, str, Decimal]]] = defaultdict(list)
    for referral_id, instrument, stage, score in (
        OutcomeMeasure.objects.filter(referral_id__in=referral_ids)
        .order_by("recorded_at", "pk")
        .values_list("referral_id", "instrument", "stage", "score")
    ):
        outcomes[referral_id].append((instrument, stage, score))

    referral_facts: dict[int, ReferralFact] = {}
    for (
        pk,
        person_id,
        received_at,
        locality_id,
        team_id,
        team_kind,
        source,
        urgency,
        status,
        ended_at,
        ethnicity,
        gender,
        orientation,
        disability,
        birth_date,
        postcode,
    ) in referrals:
        previous = [ended for other, ended in discharges.get(person_id, ()) if other != pk and ended <= received_at]
        instrument, start, end = _outcome_pair(outcomes.get(pk, []))
        referral_facts[pk] = ReferralFact(
            referral_id=pk,
            person_id=person_id,
            received_at=received_at,
            received_week=weeks(received_at),
            locality_id=locality_id or 0,
            team_id=team_id or 0,
            service=team_kind or "",
            source=source,
            urgency=urgency,
            ethnicity=ethnicity,
            gender=gender,
            sexual_orientation=orientation,
            disability=disability,
            age_band=age_band(birth_date, received_at.astimezone(LONDON).date()),
            deprivation_decile=deprivation.decile_for(postcode),
            status=status,
            ended_at=ended_at,
            previous_discharge_at=max(previous) if previous else None,
            outcome_instrument=instrument,
            outcome_start=start,
            outcome_end=end,
        )

    clock_facts = []
    for pk, referral_id, kind, is_current, started_at, warn_at, due_at, paused_at, stopped_at, stop_reason in (
        Clock.objects.filter(referral_id__in=referral_ids)
        .order_by()
        .values_list(
            "pk",
            "referral_id",
            "kind",
            "is_current",
            "started_at",
            "warn_at",
            "due_at",
            "paused_at",
            "stopped_at",
            "stop_reason",
        )
    ):
        r = referral_facts[referral_id]
        counted_stop = stopped_at if stop_reason in COUNTED_STOPS else None  # a stop by the clock's rule
        clock_facts.append(
            ClockFact(
                clock_id=pk,
                referral_id=referral_id,
                kind=kind,
                is_current=is_current,
                started_at=started_at,
                warn_at=warn_at,
                due_at=due_at,
                paused_at=paused_at,
                stopped_at=stopped_at,
                stop_reason=stop_reason,
                stopped_week=weeks(stopped_at) if stopped_at else None,
                stopped_on=london_date(stopped_at) if stopped_at else None,
                wait_seconds=(counted_stop - started_at) // timedelta(seconds=1) if counted_stop is not None else None,
                met=(counted_stop <= due_at) if counted_stop is not None else None,
                locality_id=r.locality_id,
                team_id=r.team_id,
                service=r.service,
                source=r.source,
                urgency=r.urgency,
                ethnicity=r.ethnicity,
                gender=r.gender,
                sexual_orientation=r.sexual_orientation,
                disability=r.disability,
                age_band=r.age_band,
                deprivation_decile=r.deprivation_decile,
            )
        )
    return list(referral_facts.values()), clock_facts, _build_handoffs(referral_facts)


def _build_handoffs(referral_facts: dict[int, ReferralFact]) -> list[HandoffFact]:
    """The hand-offs of these referrals, each kept or not: a completed contact at or after it,
    no more than ``LOST_AFTER`` later (both ends counted)."""
    handoffs = list(
        Handoff.objects.filter(referral_id__in=list(referral_facts))
        .order_by()
        .values_list("pk", "referral_id", "at", "from_team_id", "to_team_id", "from_team__kind", "to_team__kind")
    )
    if not handoffs:
        return []
    attended: dict[int, list[datetime]] = defaultdict(list)
    for referral_id, occurred_at in (
        Contact.objects.filter(referral_id__in={h[1] for h in handoffs}, attendance__in=sorted(ATTENDED))
        .order_by("occurred_at")
        .values_list("referral_id", "occurred_at")
    ):
        attended[referral_id].append(occurred_at)
    facts = []
    for pk, referral_id, at, from_team_id, to_team_id, from_kind, to_kind in handoffs:
        r = referral_facts[referral_id]
        times = attended.get(referral_id, [])
        first = bisect_left(times, at)
        facts.append(
            HandoffFact(
                handoff_id=pk,
                referral_id=referral_id,
                at=at,
                from_team_id=from_team_id or 0,
                to_team_id=to_team_id,
                from_service=from_kind or "",
                to_service=to_kind,
                locality_id=r.locality_id,
                source=r.source,
                urgency=r.urgency,
                kept=first < len(times) and times[first] <= at + LOST_AFTER,
            )
        )
    return facts


def _outcome_pair(measures: list[tuple[str, str, Decimal]]) -> tuple[str, Decimal | None, Decimal | None]:
    """First baseline, and the last discharge score on the same instrument."""
    baseline = next(((i, s) for i, stage, s in measures if stage == OutcomeMeasure.Stage.BASELINE), None)
    if baseline is None:
        return "", None, None
    instrument, start = baseline
    ends = [s for i, stage, s in measures if stage == OutcomeMeasure.Stage.DISCHARGE and i == instrument]
    return instrument, start, ends[-1] if ends else None


# --- weekly counters ------------------------------------------------------------------------

Cells = dict[tuple, list[int]]


def _count_into(
    cells: Cells, referral_facts: Iterable[ReferralFact], clock_facts: Iterable[ClockFact], weeks, sign: int = 1
) -> None:
    """Add (or with sign=-1, take away) what these rows contribute to the weekly counters."""
    index = {name: i for i, name in enumerate(COUNTERS)}

    def add(instant: datetime, kind: str, dims: tuple, counter: str) -> None:
        key = (weeks(instant), kind, *dims)
        row = cells.get(key)
        if row is None:
            row = cells[key] = [0] * len(COUNTERS)
        row[index[counter]] += sign

    for r in referral_facts:
        add(r.received_at, REFERRAL_KIND, (r.locality_id, r.team_id, r.service, r.source, r.urgency), "received")
    for c in clock_facts:
        dims = (c.locality_id, c.team_id, c.service, c.source, c.urgency)
        add(c.started_at, c.kind, dims, "started")
        add(c.warn_at, c.kind, dims, "warned")
        add(c.due_at, c.kind, dims, "due")
        if equality_rollup.is_breached(c):
            add(c.due_at, c.kind, dims, "breached")
        if c.stopped_at is not None:
            add(c.stopped_at, c.kind, dims, "stopped")
            add(max(c.warn_at, c.stopped_at), c.kind, dims, "warned_or_stopped")
            add(max(c.due_at, c.stopped_at), c.kind, dims, "due_or_stopped")
            if c.wait_seconds is not None:  # only a stopped clock has a wait
                add(c.stopped_at, c.kind, dims, "counted")
                if c.met:
                    add(c.stopped_at, c.kind, dims, "met")


def _apply_counter_changes(cells: Cells) -> None:
    """Add each cell's changes to its stored counters (creating the row if needed)."""
    changes = [(*key, *row) for key, row in cells.items() if any(row)]
    if not changes:
        return
    table = connection.ops.quote_name(WeeklyRollup._meta.db_table)
    columns = ", ".join(CELL + COUNTERS)
    placeholders = ", ".join(["%s"] * (len(CELL) + len(COUNTERS)))
    updates = ", ".join(f"{name} = {table}.{name} + excluded.{name}" for name in COUNTERS)
    # The same statement on PostgreSQL and SQLite (3.24+): an upsert that adds, so two
    # changes to one cell in one batch, or a cell made earlier, both come out right.
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({placeholders}) "
        f"ON CONFLICT ({', '.join(CELL)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, changes)
        # A cell whose counters all came back to zero holds nothing: remove it.
        zero = " AND ".join(f"{name} = 0" for name in COUNTERS)
        key = " AND ".join(f"{name} = %s" for name in CELL)
        cursor.executemany(f"DELETE FROM {table} WHERE {key} AND {zero}", [change[: len(CELL)] for change in changes])


# --- weekly centiles ------------------------------------------------------------------------


def _percentile_rows(weeks_and_kinds: set[tuple[date, str]] | None) -> list[WeeklyPercentile]:
    """Median and 90th centile per (week, kind), for the service and per value of each filter."""
    waits = ClockFact.objects.filter(wait_seconds__isnull=False)
    if weeks_and_kinds is not None:
        if not weeks_and_kinds:
            return []
        weeks = sorted({week for week, _ in weeks_and_kinds})
        waits = waits.filter(stopped_week__in=weeks)
    rows = []
    if on_postgresql():
        sets = ", ".join(["(stopped_week, kind)"] + [f"(stopped_week, kind, {d})" for d in PERCENTILE_DIMENSIONS])
        grouping = ", ".join(f"GROUPING({d})" for d in PERCENTILE_DIMENSIONS)
        inner, params = waits.values(
            "stopped_week", "kind", "wait_seconds", *PERCENTILE_DIMENSIONS
        ).query.sql_with_params()
        sql = (
            f"SELECT stopped_week, kind, {grouping}, {', '.join(PERCENTILE_DIMENSIONS)}, count(*), "
            f"percentile_cont(ARRAY[0.5, 0.9]::float8[]) WITHIN GROUP (ORDER BY wait_seconds) "
            f"FROM ({inner}) waits GROUP BY GROUPING SETS ({sets})"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            found = cursor.fetchall()
        width = len(PERCENTILE_DIMENSIONS)
        for row in found:
            week, kind = row[0], row[1]
            flags, values, n, centiles = row[2 : 2 + width], row[2 + width : 2 + 2 * width], row[-2], row[-1]
            dimension, value = "", ""
            for flag, name, dim_value in zip(flags, PERCENTILE_DIMENSIONS, values, strict=True):
                if not flag:  # GROUPING() is 0 for the column this set groups by
                    dimension, value = name, str(dim_value)
            rows.append(
                WeeklyPercentile(
                    week=week, kind=kind, dimension=dimension, value=value, n=n, p50=centiles[0], p90=centiles[1]
                )
            )
    else:
        groups: dict[tuple, list[int]] = defaultdict(list)
        for week, kind, wait, *dims in waits.values_list(
            "stopped_week", "kind", "wait_seconds", *PERCENTILE_DIMENSIONS
        ):
            groups[(week, kind, "", "")].append(wait)
            for name, dim_value in zip(PERCENTILE_DIMENSIONS, dims, strict=True):
                groups[(week, kind, name, str(dim_value))].append(wait)
        for (week, kind, dimension, value), found in groups.items():
            found.sort()
            p50, p90 = (interpolate_nonempty(found, f) for f in MEDIAN_AND_P90)
            rows.append(
                WeeklyPercentile(week=week, kind=kind, dimension=dimension, value=value, n=len(found), p50=p50, p90=p90)
            )
    if weeks_and_kinds is not None:
        rows = [row for row in rows if (row.week, row.kind) in weeks_and_kinds]
    return rows


def _refresh_percentiles(weeks_and_kinds: set[tuple[date, str]]) -> None:
    if not weeks_and_kinds:
        return
    fresh = _percentile_rows(weeks_and_kinds)
    stale = Q()
    for week, kind in weeks_and_kinds:
        stale |= Q(week=week, kind=kind)
    WeeklyPercentile.objects.filter(stale).delete()
    WeeklyPercentile.objects.bulk_create(fresh, batch_size=2000)


# --- refreshing -------------------------------------------------------------------------------


def _chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _waited_weeks(clock_facts: Iterable[ClockFact]) -> set[tuple[date, str]]:
    # A clock with a wait has stopped, so it has a stopped week.
    return {(c.stopped_week, c.kind) for c in clock_facts if c.wait_seconds is not None and c.stopped_week is not None}


@transaction.atomic
def facts_refresh(*, referral_ids: Iterable[int]) -> int:
    """Recompute these referrals' reporting rows and the counters and centiles they feed."""
    ids = sorted(set(referral_ids))
    weeks = WeekFinder()
    touched: set[tuple[date, str]] = set()
    for chunk in _chunks(ids):
        old_referrals = list(ReferralFact.objects.filter(pk__in=chunk))
        old_clocks = list(ClockFact.objects.filter(referral_id__in=chunk))
        new_referrals, new_clocks, new_handoffs = _build(chunk, weeks)
        cells: Cells = {}
        _count_into(cells, old_referrals, old_clocks, weeks, sign=-1)
        _count_into(cells, new_referrals, new_clocks, weeks)
        ReferralFact.objects.filter(pk__in=chunk).delete()
        ClockFact.objects.filter(referral_id__in=chunk).delete()
        HandoffFact.objects.filter(referral_id__in=chunk).delete()
        ReferralFact.objects.bulk_create(new_referrals, batch_size=1000)
        ClockFact.objects.bulk_create(new_clocks, batch_size=1000)
        HandoffFact.objects.bulk_create(new_handoffs, batch_size=1000)
        _apply_counter_changes(cells)
        touched |= _waited_weeks(old_clocks) | _waited_weeks(new_clocks)
        equality_rollup.apply_changes(
            equality_rollup.contributions(old_referrals, old_clocks),
            equality_rollup.contributions(new_referrals, new_clocks),
        )
    _refresh_percentiles(touched)
    return len(ids)


def _state() -> ReportingState:
    try:
        return ReportingState.objects.get_or_create(pk=1)[0]
    except IntegrityError:  # another process made it a moment ago
        return ReportingState.objects.get(pk=1)


def newest_audit_id() -> int:
    return AuditEvent.objects.aggregate(newest=Max("pk"))["newest"] or 0


def facts_catch_up(
    *,
    now: datetime,
    wait: bool = True,
    limit: int = CATCH_UP_LIMIT,
    known: tuple[ReportingState, int] | None = None,
) -> int:
    """Refresh the referrals of everyone the audit log says changed since the last run.

    Returns how many audit ids it moved past (0: nothing new). With ``wait=False`` (a page
    view) it does nothing if another refresh holds the state row: that one is bringing
    things up to date. ``known`` passes in the state row and newest audit id when the
    caller has just read them.
    """
    state, newest = known or (_state(), newest_audit_id())
    if newest <= state.last_audit_id and (
        not state.pending_ids or not AuditEvent.objects.filter(pk__in=[int(pk) for pk in state.pending_ids]).exists()
    ):
        return 0  # nothing new, and nothing that was in flight has landed since
    with transaction.atomic():
        locked = ReportingState.objects.select_for_update(skip_locked=not wait).filter(pk=1).first()
        if locked is None:
            return 0
        start = locked.last_audit_id
        upper = min(newest, start + limit)
        pending = {int(pk): since for pk, since in locked.pending_ids.items()}
        events = list(
            AuditEvent.objects.filter(Q(pk__gt=start, pk__lte=upper) | Q(pk__in=list(pending)))
            .order_by()
            .values_list("pk", "person_id", "object_type", "object_id", "action")
        )
        seen = {pk for pk, *_ in events}
        # Reads, access grants and sign-ins change no referral: only changes need refreshing.
        events = [e for e in events if not e[4].startswith(NOT_CHANGES)]
        stamp = now.isoformat()
        still_pending = {
            pk: since
            for pk, since in pending.items()
            if pk not in seen and datetime.fromisoformat(since) > now - PENDING_FOR
        }
        still_pending.update({pk: stamp for pk in range(start + 1, upper + 1) if pk not in seen})
        people = {person_id for _, person_id, _, _, _ in events if person_id is not None}
        referral_label = Referral._meta.label_lower
        named = {int(object_id) for _, _, object_type, object_id, _ in events if object_type == referral_label}
        referral_ids = list(
            Referral.objects.filter(Q(person_id__in=people) | Q(pk__in=named)).order_by().values_list("pk", flat=True)
        )
        facts_refresh(referral_ids=referral_ids)
        locked.last_audit_id = upper
        locked.pending_ids = {str(pk): since for pk, since in still_pending.items()}
        locked.refreshed_at = now
        locked.save(update_fields=["last_audit_id", "pending_ids", "refreshed_at"])
    return max(len(seen), upper - start)
