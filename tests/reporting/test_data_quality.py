"""The data-quality page: per team, what falls out of a national measure for its coding, with
links to the records the user may open (only those), in a fixed number of queries.

The known set, in March 2026 (UK time): North team is counted as a community mental health team
(A06); South team has no MHSDS team type. On North's referrals:

* 2 contacts recorded with the retired mechanism 03 (telemedicine), 1 by telephone (fine);
* 3 assessments without a SNOMED CT code on the first referral, which has no coded one; on the
  second, a coded assessment (fine);
* 1 intervention without a code on the first referral, which has no care plan; on the second,
  one coded as dialectical behaviour therapy (fine);
* 2 outcome measures on a tool that is not listed (WEMWBS), on the first and second referrals;
  1 PHQ-9 on the third (fine);
* 1 referral from "Other" with no MHSDS source of referral, the others from GPs (fine).

On South's: 1 uncoded assessment, which charlie (South) may open and alice (North) may not.
"""

from datetime import UTC, datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from codes.snomed import PSYCHOSOCIAL_REFSET
from referrals.models import Referral
from referrals.services import assessment_record, care_plan_record, intervention_record, outcome_measure_record
from referrals.services.codes import snomed_refsets_load
from reporting.data_quality import data_quality_counts
from reporting.measures import parse_period
from tests.codes.release import SYNTHETIC_PSYCHOSOCIAL, member, write_release
from tests.reporting.conftest import page_tables, row
from tests.reporting.measures.cases import contact, refer, uk

pytestmark = pytest.mark.django_db

URL = "/dashboard/data-quality/"
MARCH = {"month": "2026-03"}
VIEWED_AT = datetime(2026, 4, 10, 9, 0, tzinfo=UTC)
DBT = "405780009"
# The columns of the table by team.
CONTACTS, ASSESSMENTS, INTERVENTIONS, OUTCOMES, REFERRALS = (
    "Contacts",
    "Assessments",
    "Interventions",
    "Outcome measures",
    "Referrals",
)


@pytest.fixture
def community_team(north_team):
    north_team.mhsds_team_type = "A06"
    north_team.save(update_fields=["mhsds_team_type"])
    return north_team


def assess(referral, by, at, code=""):
    with time_machine.travel(at, tick=False):
        return assessment_record(referral=referral, by=by, now=at, completed_at=at, summary="Assessed.", code=code)


def intervene(referral, by, at, code=""):
    with time_machine.travel(at, tick=False):
        return intervention_record(
            referral=referral, by=by, now=at, started_at=at, description="Weekly sessions.", code=code
        )


def measure(referral, by, at, instrument):
    with time_machine.travel(at, tick=False):
        return outcome_measure_record(
            referral=referral, by=by, now=at, recorded_at=at, score=Decimal(10), stage="baseline", instrument=instrument
        )


def build_known_set(alice, charlie, community_team, south_team) -> dict[str, Referral]:
    first = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10))
    second = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 11))
    other = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 12), source=Referral.Source.OTHER)
    contact(first, alice, uk(2026, 3, 3, 10), mechanism="03")
    contact(second, alice, uk(2026, 3, 3, 11), mechanism="03")
    contact(first, alice, uk(2026, 3, 4, 10))
    for at in (uk(2026, 3, 5, 10), uk(2026, 3, 5, 11), uk(2026, 3, 5, 12)):
        assess(first, alice, at)
    assess(second, alice, uk(2026, 3, 5, 13), code="1914891000000100")
    intervene(first, alice, uk(2026, 3, 6, 10))
    intervene(second, alice, uk(2026, 3, 6, 11), code=DBT)
    measure(first, alice, uk(2026, 3, 7, 10), "WEMWBS")
    measure(second, alice, uk(2026, 3, 7, 11), "WEMWBS")
    measure(other, alice, uk(2026, 3, 7, 12), "PHQ-9")
    south = refer(by=charlie, team=south_team, at=uk(2026, 3, 9, 10))
    assess(south, charlie, uk(2026, 3, 10, 10))
    return {"first": first, "second": second, "other": other, "south": south}


@pytest.fixture
def known(alice, charlie, community_team, south_team):
    return build_known_set(alice, charlie, community_team, south_team)


@pytest.fixture
def viewing():
    with time_machine.travel(VIEWED_AT, tick=False):
        yield VIEWED_AT


def test_the_page_needs_a_login(client):
    assert client.get(URL).status_code == 302


def test_the_counts_per_team_are_exact(client, tina, known, viewing):
    client.force_login(tina)

    response = client.get(URL, MARCH)

    assert response.status_code == 200
    teams = page_tables(response)["teams"]
    north = row(teams, "North IPCT (A06)")
    assert [north[label] for label in (CONTACTS, ASSESSMENTS, INTERVENTIONS, OUTCOMES, REFERRALS)] == [
        "2",
        "3",
        "1",
        "2",
        "1",
    ]
    south = row(teams, "South IPCT (no team type)")
    assert south[ASSESSMENTS] == "1"
    assert row(teams, "All teams")[ASSESSMENTS] == "4"


def test_teams_without_an_mhsds_team_type_are_named(client, tina, known, viewing):
    client.force_login(tina)

    body = client.get(URL, MARCH).content.decode()

    assert "Teams without an MHSDS team type" in body
    assert "<li>South IPCT</li>" in body
    assert "<li>North IPCT</li>" not in body


def test_a_manager_gets_links_to_their_teams_records_and_no_others(client, tina, known, viewing):
    client.force_login(tina)

    tables = page_tables(client.get(URL, MARCH))
    body = client.get(URL, MARCH).content.decode()

    assessed = tables["assessments"]
    assert [r[0] for r in assessed[1:]] == [known["first"].reference] * 3
    assert f'href="/referrals/{known["first"].pk}/"' in body
    assert known["south"].reference not in body
    contacts = tables["contacts"]
    assert {r[3] for r in contacts[1:]} == {"Consultation mechanism 03 is retired: use 11 (video)"}
    assert [r[0] for r in tables["referrals"][1:]] == [known["other"].reference]
    assert {r[3] for r in tables["outcomes"][1:]} == {"WEMWBS: not a listed tool"}


def test_a_clinician_in_another_team_sees_the_counts_but_only_their_own_records(client, charlie, known, viewing):
    client.force_login(charlie)

    response = client.get(URL, MARCH)

    body = response.content.decode()
    tables = page_tables(response)
    assert row(tables["teams"], "North IPCT (A06)")[ASSESSMENTS] == "3"  # the aggregate, for everyone
    assert [r[0] for r in tables["assessments"][1:]] == [known["south"].reference]
    assert known["first"].reference not in body and known["other"].reference not in body


def test_a_service_manager_sees_the_counts_and_no_records(client, sam, known, viewing):
    client.force_login(sam)

    response = client.get(URL, MARCH)

    tables = page_tables(response)
    assert row(tables["teams"], "North IPCT (A06)")[CONTACTS] == "2"
    assert set(tables) == {"teams"}
    body = response.content.decode()
    assert known["first"].reference not in body
    assert "The records themselves are listed for the teams who hold them." in body


def test_the_records_shown_are_recorded_as_read(client, tina, known, viewing):
    client.force_login(tina)

    client.get(URL, MARCH)

    read = AuditEvent.objects.filter(action="record.list", object_type="reporting.data_quality")
    assert set(read.values_list("person_id", flat=True)) == {known[k].person_id for k in ("first", "second", "other")}


def test_records_outside_the_three_months_are_not_counted(alice, charlie, known, viewing):
    february = data_quality_counts(period=parse_period("2026-02", quarterly=True))
    may = data_quality_counts(period=parse_period("2026-05", quarterly=True))
    march = data_quality_counts(period=parse_period("2026-03", quarterly=True))

    assert all(not counts for counts in february.values())
    assert sum(may["assessments"].values()) == 4  # March to May
    assert march["assessments"] == {known["first"].team_id: 3, known["south"].team_id: 1}


def test_the_number_of_queries_does_not_grow_with_the_records(
    client, tina, alice, charlie, community_team, south_team, django_assert_max_num_queries
):
    """Four times the records, the same queries: counts grouped by team, one list per kind."""
    build_known_set(alice, charlie, community_team, south_team)
    with time_machine.travel(VIEWED_AT, tick=False):
        client.force_login(tina)
        client.get(URL, MARCH)  # session and permissions warm
        with django_assert_max_num_queries(20) as one_set:
            client.get(URL, MARCH)
    for _ in range(3):
        build_known_set(alice, charlie, community_team, south_team)
    with time_machine.travel(VIEWED_AT, tick=False), django_assert_max_num_queries(len(one_set.captured_queries)):
        response = client.get(URL, MARCH)
    assert row(page_tables(response)["teams"], "North IPCT (A06)")[ASSESSMENTS] == "12"


def test_an_uncoded_record_beside_a_coded_one_or_a_care_plan_loses_nothing_and_is_not_counted(alice, community_team):
    referral = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10))
    assess(referral, alice, uk(2026, 3, 3, 10))  # as writing the trusted assessment records it
    assess(referral, alice, uk(2026, 3, 3, 11), code="1914891000000100")
    intervene(referral, alice, uk(2026, 3, 4, 10))
    with time_machine.travel(uk(2026, 3, 4, 11), tick=False):
        care_plan_record(
            referral=referral, by=alice, now=uk(2026, 3, 4, 11), agreed_at=uk(2026, 3, 4, 11), summary="Plan."
        )
    measure(referral, alice, uk(2026, 3, 5, 10), "WEMWBS")
    measure(referral, alice, uk(2026, 3, 5, 11), "PHQ-9")

    counts = data_quality_counts(period=parse_period("2026-03", quarterly=True))

    assert counts["assessments"] == counts["interventions"] == counts["outcomes"] == {}


def test_an_intervention_coded_from_a_loaded_reference_set_does_not_fall_out(alice, community_team, tmp_path):
    """A code from the trust's SNOMED CT release (manage.py load_snomed_refsets) counts as coded."""
    release = write_release(tmp_path, members=[member(PSYCHOSOCIAL_REFSET, SYNTHETIC_PSYCHOSOCIAL)])
    snomed_refsets_load(paths=[release], by=None, now=uk(2026, 3, 1, 9))
    referral = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10))
    intervene(referral, alice, uk(2026, 3, 4, 10), code=SYNTHETIC_PSYCHOSOCIAL)

    counts = data_quality_counts(period=parse_period("2026-03", quarterly=True))

    assert counts["interventions"] == {}


@pytest.mark.parametrize(
    "kind, index",
    [
        ("assessments", "assessment_completed_idx"),
        ("interventions", "intervention_started_idx"),
        ("outcomes", "outcome_recorded_idx"),
    ],
)
def test_a_quarters_count_reads_the_quarters_records_from_their_date_index_alone(known, kind, index):
    """Each count takes the quarter's records from the index led by their date, which holds what
    the count tests (the referral and the code): at a million referrals it read the whole table
    (docs/performance.md). PostgreSQL would scan a test's few rows, so scans of the table are
    priced out here to show the index can answer the count alone: "Index Only Scan", not "Index
    Scan" (which reads each row too: counting the id did)."""
    with CaptureQueriesContext(connection) as captured:
        data_quality_counts(period=parse_period("2026-03", quarterly=True))
    (statement,) = [
        q["sql"] for q in captured.captured_queries if f"referrals_{kind[:-1]}" in q["sql"].split(" FROM ")[1]
    ]
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute(f"EXPLAIN {statement}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert f"Index Only Scan using {index}" in plan, plan


def test_a_kind_with_nothing_in_the_quarter_is_not_looked_for_and_one_record_is_listed(
    client, tina, alice, community_team
):
    """The records are listed only for a kind the quarter's counts found some of: with nothing
    uncoded, the assessments are read once (the count); with one, twice, and the manager sees it."""
    referral = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10))
    client.force_login(tina)

    def assessment_reads() -> tuple[int, str]:
        with time_machine.travel(VIEWED_AT, tick=False), CaptureQueriesContext(connection) as captured:
            response = client.get(URL, MARCH)
        reads = [q for q in captured.captured_queries if 'FROM "referrals_assessment"' in q["sql"]]
        return len(reads), response.content.decode()

    nothing, _ = assessment_reads()
    assess(referral, alice, uk(2026, 3, 3, 10))
    one, page = assessment_reads()

    assert (nothing, one) == (1, 2)
    assert referral.reference in page
