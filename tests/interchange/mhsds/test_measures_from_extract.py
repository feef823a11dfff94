"""The national measures, counted again from the extract's CSV files alone, the way NHS England's
code reads the tables (docs/measures.md), agree exactly with the measures engine.

The community wait reads contacts from every month since the referral was received, as NHS
England's code reads every month's submission (UniqMonthID): the test builds one extract per
month, from the earliest referral in the period's extract up to the period, and joins them.
"""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine

from referrals.models import Referral
from referrals.services import hospital_stay_record, referral_triage
from reporting.measures import cmh_second_contact, crisis_urgent_24h, crisis_very_urgent_4h
from reporting.measures.periods import month_period
from tests.reporting.measures.cases import (
    DID_NOT_ATTEND,
    FACE_TO_FACE,
    TELEPHONE,
    TEXT,
    VIDEO,
    close,
    contact,
    refer,
    uk,
)

from .extracts import build

pytestmark = pytest.mark.django_db
LONDON = ZoneInfo("Europe/London")
ATTENDED = {"5", "6"}
DIRECT = {"01", "02", "04", "11"}  # 4w_waits_prep.py L276
COMMUNITY = {"A05", "A06", "A08", "A09", "A12", "A13", "A16", "C03", "C10"}  # L170
CRISIS = {"A02", "A18", "A19"}  # uec_prep.py L102
BANDS = (
    ("0-6 days", 0, 6),
    ("7-13 days", 7, 13),
    ("14-27 days", 14, 27),
    ("28-84 days", 28, 84),
    ("over 84 days", 85, 10**6),
)
Tables = dict[str, list[dict[str, str]]]


# --- the measures, from CSV columns only --------------------------------------------------


def _day(text: str) -> date:
    return date.fromisoformat(text)


def _instant(day: str, time: str) -> datetime:
    """An MHSDS local date and time as the instant it names (for elapsed minutes)."""
    return datetime.fromisoformat(f"{day}T{time}").replace(tzinfo=LONDON).astimezone(UTC)


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _team_types(month: Tables) -> dict[str, str]:
    return {row["CareProfTeamLocalId"]: row["ServTeamTypeMH"] for row in month["MHS902ServiceTeamDetails"]}


def cmh_from_csv(months: list[Tables], first: date, last: date) -> dict:
    """CMH Dashboard L84-L96, L233, L477-L510, from MHS001, MHS101, MHS201, MHS501 and MHS902."""
    period = months[-1]
    types = _team_types(period)
    born = {row["LocalPatientId"]: row["PersonBirthDate"] for row in period["MHS001MPI"]}
    stays = {row["ServiceRequestId"] for month in months for row in month["MHS501HospProvSpell"]}
    contacts: dict[str, set[tuple[str, str, int]]] = {}
    for month in months:
        for c in month["MHS201CareContact"]:
            if c["AttendStatus"] in ATTENDED and c["ConsMechanismMH"] in DIRECT:
                key = (c["CareContDate"], c["CareContTime"], int(c["CareContactId"][1:]))
                contacts.setdefault(c["ServiceRequestId"], set()).add(key)
    met, counted, waiting, bands = set(), set(), set(), dict.fromkeys((label for label, _, _ in BANDS), 0)
    for r in period["MHS101Referral"]:
        received = _day(r["ReferralRequestReceivedDate"])
        if types.get(r["CareProfTeamLocalId"]) not in COMMUNITY:
            continue
        birth = born[r["LocalPatientId"]]
        if not birth or _age(_day(birth), received) < 18 or r["ServiceRequestId"] in stays:
            continue
        ordered = sorted(contacts.get(r["ServiceRequestId"], ()))
        second = _day(ordered[1][0]) if len(ordered) > 1 else None
        if second is not None and first <= second <= last:
            counted.add(r["ServiceRequestId"])
            if 0 <= (second - received).days <= 27:
                met.add(r["ServiceRequestId"])
        elif not r["ServDischDate"] and (second is None or second > last):
            waiting.add(r["ServiceRequestId"])
            days = (last - received).days
            bands[next(label for label, low, high in BANDS if low <= days <= high)] += 1
    return {"met": met, "counted": counted, "waiting": waiting, "bands": bands}


def crisis_from_csv(period: Tables, first: date, last: date, *, priority: str, limit: int) -> dict:
    """uec_prep.py L10-L127: received in the month by a crisis team type, with that priority;
    the first attended face-to-face contact at or after it, in the month, within ``limit`` minutes."""
    types = _team_types(period)
    met, counted = set(), set()
    for r in period["MHS101Referral"]:
        received_day = _day(r["ReferralRequestReceivedDate"])
        if not first <= received_day <= last or types.get(r["CareProfTeamLocalId"]) not in CRISIS:
            continue
        if r["ClinRespPriorityType"] != priority:
            continue
        counted.add(r["ServiceRequestId"])
        received = _instant(r["ReferralRequestReceivedDate"], r["ReferralRequestReceivedTime"])
        seen = sorted(
            _instant(c["CareContDate"], c["CareContTime"])
            for c in period["MHS201CareContact"]
            if c["ServiceRequestId"] == r["ServiceRequestId"]
            and c["AttendStatus"] in ATTENDED
            and c["ConsMechanismMH"] == "01"
            and _instant(c["CareContDate"], c["CareContTime"]) >= received
        )
        if seen and (seen[0] - received) // timedelta(minutes=1) <= limit:
            met.add(r["ServiceRequestId"])
    return {"met": met, "counted": counted}


def months_back_to_earliest(tmp_path, period: str) -> list[Tables]:
    """The period's extract and every month's before it back to its earliest referral, oldest first."""
    tables, _ = build(tmp_path, period)
    earliest = min(_day(r["ReferralRequestReceivedDate"]) for r in tables["MHS101Referral"])
    year, month = int(period[:4]), int(period[5:])
    months = [tables]
    while (year, month) > (earliest.year, earliest.month):
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
        months.insert(0, build(tmp_path, f"{year:04d}-{month:02d}")[0])
    return months


def _by_reference(result, *, met: bool | None = None, still_waiting: bool | None = None) -> set[str]:
    ids = {
        pk
        for row in result.rows
        if row.in_scope
        and (met is None or row.met is met)
        and (still_waiting is None or row.still_waiting is still_waiting)
        and (met is not None or still_waiting is not None or row.met is not None)
        for pk in row.referral_ids
    }
    return set(Referral.objects.filter(pk__in=ids).values_list("reference", flat=True))


# --- the known records ----------------------------------------------------------------------


@pytest.fixture
def community_cases(alice, community_team):
    """November 2026 (GMT all month), a community team (A06)."""
    cases = {}
    # Received in October, first contact in October, second in November on day 21: met.
    cases["across_months"] = r = refer(by=alice, team=community_team, at=uk(2026, 10, 20, 10, 0))
    contact(r, alice, uk(2026, 10, 22, 10, 0))
    contact(r, alice, uk(2026, 11, 10, 10, 0), mechanism=FACE_TO_FACE)
    # Second contact on day 28: counted, not met.
    cases["day_28"] = r = refer(by=alice, team=community_team, at=uk(2026, 11, 2, 14, 0))
    contact(r, alice, uk(2026, 11, 3, 9, 0))
    contact(r, alice, uk(2026, 11, 30, 9, 0), mechanism=VIDEO)
    # Video twice: both count (11 is direct). Met on day 2.
    cases["video"] = r = refer(by=alice, team=community_team, at=uk(2026, 11, 10, 9, 0))
    contact(r, alice, uk(2026, 11, 11, 9, 0), mechanism=VIDEO)
    contact(r, alice, uk(2026, 11, 12, 9, 0), mechanism=VIDEO)
    # A DNA and a text are no contact: still waiting, 14-27 days.
    cases["dna_and_text"] = r = refer(by=alice, team=community_team, at=uk(2026, 11, 5, 11, 0))
    contact(r, alice, uk(2026, 11, 6, 9, 0))
    contact(r, alice, uk(2026, 11, 7, 9, 0), mechanism=FACE_TO_FACE, attendance=DID_NOT_ATTEND)
    contact(r, alice, uk(2026, 11, 8, 9, 0), mechanism=TEXT)
    # Received in September, never seen twice, open: still waiting over 84 days.
    cases["long_wait"] = refer(by=alice, team=community_team, at=uk(2026, 9, 1, 9, 0))
    # 17 on the received date: out of scope, however soon seen.
    cases["seventeen"] = r = refer(
        by=alice, team=community_team, at=uk(2026, 11, 6, 9, 0), birth_date=date(2009, 11, 7)
    )
    contact(r, alice, uk(2026, 11, 7, 9, 0))
    contact(r, alice, uk(2026, 11, 8, 9, 0))
    # A hospital stay (recorded in October) takes the referral out.
    cases["hospital"] = r = refer(by=alice, team=community_team, at=uk(2026, 10, 1, 9, 0))
    with time_machine.travel(uk(2026, 10, 3, 9, 0), tick=False):
        hospital_stay_record(
            referral=r,
            by=alice,
            now=uk(2026, 10, 3, 9, 0),
            admitted_at=uk(2026, 10, 2, 9, 0),
            discharged_at=uk(2026, 10, 3, 8, 0),
        )
    contact(r, alice, uk(2026, 11, 2, 9, 0))
    contact(r, alice, uk(2026, 11, 3, 9, 0))
    # Closed in October: in no November figure.
    cases["closed_before"] = r = refer(by=alice, team=community_team, at=uk(2026, 10, 5, 9, 0))
    close(r, alice, uk(2026, 10, 9, 9, 0))
    # Closed in November with one contact: neither counted nor waiting at the month's end.
    cases["closed_in_month"] = r = refer(by=alice, team=community_team, at=uk(2026, 11, 4, 9, 0))
    contact(r, alice, uk(2026, 11, 5, 9, 0))
    close(r, alice, uk(2026, 11, 20, 9, 0))
    return cases


def test_the_community_wait_to_a_second_contact_counted_from_the_extracts_matches_the_measures_engine(
    tmp_path, community_cases
):
    engine = cmh_second_contact(month_period(2026, 11))
    months = months_back_to_earliest(tmp_path, "2026-11")
    from_csv = cmh_from_csv(months, date(2026, 11, 1), date(2026, 11, 30))

    ref = {name: r.reference for name, r in community_cases.items()}
    assert from_csv["met"] == _by_reference(engine, met=True) == {ref["across_months"], ref["video"]}
    assert from_csv["counted"] == _by_reference(engine) == {ref["across_months"], ref["video"], ref["day_28"]}
    assert from_csv["waiting"] == _by_reference(engine, still_waiting=True) == {ref["dna_and_text"], ref["long_wait"]}
    assert (len(from_csv["met"]), len(from_csv["counted"]), len(from_csv["waiting"])) == (
        engine.numerator,
        engine.denominator,
        engine.still_waiting,
    )
    assert from_csv["bands"] == engine.still_waiting_bands
    assert len(months) == 3  # September (the long wait's month) to November


@pytest.fixture
def crisis_cases(alice, crisis_team):
    very_urgent, urgent = Referral.Urgency.VERY_URGENT, Referral.Urgency.URGENT
    cases = {}
    cases["seen_210"] = r = refer(by=alice, team=crisis_team, at=uk(2026, 11, 10, 9, 0), urgency=very_urgent)
    contact(r, alice, uk(2026, 11, 10, 12, 30), mechanism=FACE_TO_FACE)
    cases["seen_241"] = r = refer(by=alice, team=crisis_team, at=uk(2026, 11, 11, 9, 0), urgency=very_urgent)
    contact(r, alice, uk(2026, 11, 11, 13, 1), mechanism=FACE_TO_FACE)
    cases["video_only"] = r = refer(by=alice, team=crisis_team, at=uk(2026, 11, 12, 9, 0), urgency=very_urgent)
    contact(r, alice, uk(2026, 11, 12, 9, 30), mechanism=VIDEO)
    cases["phone_then_f2f"] = r = refer(by=alice, team=crisis_team, at=uk(2026, 11, 13, 9, 0), urgency=very_urgent)
    contact(r, alice, uk(2026, 11, 13, 9, 10), mechanism=TELEPHONE)
    contact(r, alice, uk(2026, 11, 13, 10, 0), mechanism=FACE_TO_FACE)
    # Urgent when received, raised to very urgent at triage: counted as very urgent.
    cases["raised"] = r = refer(by=alice, team=crisis_team, at=uk(2026, 11, 14, 9, 0), urgency=urgent)
    with time_machine.travel(uk(2026, 11, 14, 9, 5), tick=False):
        referral_triage(referral=r, by=alice, now=uk(2026, 11, 14, 9, 5), urgency=very_urgent)
    contact(r, alice, uk(2026, 11, 14, 11, 0), mechanism=FACE_TO_FACE)
    # Received at 23:30 on the last day, seen at 00:30 in December: not met in November.
    cases["month_end"] = r = refer(by=alice, team=crisis_team, at=uk(2026, 11, 30, 23, 30), urgency=very_urgent)
    contact(r, alice, uk(2026, 12, 1, 0, 30), mechanism=FACE_TO_FACE)
    # Urgent, seen the next morning: met within 24 hours.
    cases["urgent_next_day"] = r = refer(by=alice, team=crisis_team, at=uk(2026, 11, 16, 10, 0), urgency=urgent)
    contact(r, alice, uk(2026, 11, 17, 9, 0), mechanism=FACE_TO_FACE)
    # Received in October: in no November figure.
    cases["october"] = refer(by=alice, team=crisis_team, at=uk(2026, 10, 30, 9, 0), urgency=very_urgent)
    # The night the clocks go back (25 October 2026): 00:30 BST to 03:00 GMT is 210 minutes, not 150.
    cases["clocks_back"] = r = refer(by=alice, team=crisis_team, at=uk(2026, 10, 25, 0, 30), urgency=very_urgent)
    contact(r, alice, uk(2026, 10, 25, 3, 0), mechanism=FACE_TO_FACE)
    return cases


@pytest.mark.parametrize(
    ("measure", "priority", "limit"),
    [(crisis_very_urgent_4h, "4", 240), (crisis_urgent_24h, "2", 1440)],
    ids=["very-urgent-4h", "urgent-24h"],
)
@pytest.mark.parametrize("period", ["2026-10", "2026-11"])
def test_crisis_response_times_counted_from_the_extract_match_the_measures_engine(
    tmp_path, crisis_cases, measure, priority, limit, period
):
    chosen = month_period(int(period[:4]), int(period[5:]))
    engine = measure(chosen)
    tables, _ = build(tmp_path, period)
    from_csv = crisis_from_csv(tables, chosen.first_day, chosen.last_day, priority=priority, limit=limit)

    assert from_csv["met"] == _by_reference(engine, met=True)
    assert from_csv["counted"] == {
        Referral.objects.get(pk=pk).reference for row in engine.rows if row.in_scope for pk in row.referral_ids
    }
    assert (len(from_csv["met"]), len(from_csv["counted"])) == (engine.numerator, engine.denominator)


def test_the_crisis_cases_give_the_figures_worked_out_by_hand(tmp_path, crisis_cases):
    tables, _ = build(tmp_path, "2026-11")
    november = crisis_from_csv(tables, date(2026, 11, 1), date(2026, 11, 30), priority="4", limit=240)
    ref = {name: r.reference for name, r in crisis_cases.items()}

    assert november["met"] == {ref["seen_210"], ref["phone_then_f2f"], ref["raised"]}
    assert november["counted"] == november["met"] | {ref["seen_241"], ref["video_only"], ref["month_end"]}
    tables, _ = build(tmp_path, "2026-10")
    october = crisis_from_csv(tables, date(2026, 10, 1), date(2026, 10, 31), priority="4", limit=240)
    assert october == {"met": {ref["clocks_back"]}, "counted": {ref["clocks_back"], ref["october"]}}
