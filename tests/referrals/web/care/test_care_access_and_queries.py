"""Journey 7: who may use the care pages, and what they cost in queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from referrals.models import Referral
from referrals.services import (
    care_plan_goal_add,
    care_plan_record,
    intervention_record,
)

from .conftest import DISCHARGE, _score, today, url

# --- Access ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "method"),
    [
        ("care_plan", "get"),
        ("care_plan", "post"),
        ("care_plan_goal_add", "post"),
        ("care_plan_intervention_add", "post"),
        ("outcomes", "get"),
        ("outcomes", "post"),
        ("assessments", "get"),
        ("assessments", "post"),
        ("discharge", "get"),
        ("discharge", "post"),
    ],
)
def test_someone_outside_the_referrals_team_gets_404(client, charlie, allocated, name, method):
    client.force_login(charlie)

    response = getattr(client, method)(url(allocated, name), {**DISCHARGE, "confirm": "yes"})

    assert response.status_code == 404
    allocated.refresh_from_db()
    assert allocated.status == Referral.Status.ALLOCATED


def test_the_link_worker_from_a_partner_organisation_can_use_the_pages(client, bob, allocated):
    client.force_login(bob)

    for name in ("care_plan", "outcomes", "discharge"):
        assert client.get(url(allocated, name)).status_code == 200


def test_signed_out_visitors_are_sent_to_log_in(client, received):
    response = client.get(url(received, "care_plan"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))


# --- Query counts ------------------------------------------------------------------------------


def _count(client, path) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


# Each count includes the one INSERT that records the read in the audit log (accounts.reads.seen).
# The care plan's includes the intervention codes the trust loaded (one query for every list),
# and the person's groups (groupwork, one query).
CARE_PLAN_QUERIES = 11
OUTCOMES_QUERIES = 6
DISCHARGE_QUERIES = 6


def test_the_care_plan_page_reads_the_same_queries_however_many_goals_and_interventions(
    client, alice, allocated, vcse, trust, django_assert_num_queries
):
    client.force_login(alice)
    now = timezone.now()
    plan = care_plan_record(referral=allocated, by=alice, now=now, agreed_at=now, summary="Plan")
    care_plan_goal_add(care_plan=plan, by=alice, now=now, description="One", review_date=today())
    intervention_record(referral=allocated, by=alice, now=now, started_at=now, description="One", provider=vcse)
    few = _count(client, url(allocated, "care_plan"))

    newer = care_plan_record(referral=allocated, by=alice, now=now, agreed_at=now, summary="Plan v2")
    for i in range(15):
        care_plan_goal_add(
            care_plan=newer if i % 2 else plan, by=alice, now=now, description=f"g{i}", review_date=today()
        )
        intervention_record(
            referral=allocated,
            by=alice,
            now=now,
            started_at=now,
            description=f"i{i}",
            provider=trust if i % 2 else vcse,
        )

    with django_assert_num_queries(CARE_PLAN_QUERIES):
        client.get(url(allocated, "care_plan"))
    assert few == CARE_PLAN_QUERIES


def test_the_outcomes_page_reads_the_same_queries_however_many_scores(
    client, alice, allocated, django_assert_num_queries
):
    client.force_login(alice)
    _score(allocated, alice, "PHQ-9", "18", "baseline")
    few = _count(client, url(allocated, "outcomes"))

    for i, instrument in enumerate(["PHQ-9", "GAD-7", "CORE-10", "ReQoL-10"] * 10):
        _score(allocated, alice, instrument, str(i % 20), "review" if i % 3 else "baseline")

    with django_assert_num_queries(OUTCOMES_QUERIES):
        client.get(url(allocated, "outcomes"))
    assert few == OUTCOMES_QUERIES


def test_the_discharge_pages_read_a_fixed_number_of_queries(client, alice, allocated, django_assert_num_queries):
    client.force_login(alice)

    with django_assert_num_queries(DISCHARGE_QUERIES):
        client.get(url(allocated, "discharge"))
    with django_assert_num_queries(DISCHARGE_QUERIES):
        client.post(url(allocated, "discharge"), DISCHARGE)
