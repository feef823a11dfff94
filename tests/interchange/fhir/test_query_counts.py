"""A search page costs the same number of queries whatever the number of records on it."""

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from access.consent import consent_record
from referrals.models import SharingConsent
from referrals.services import contact_record
from referrals.services.care import care_plan_goal_add, care_plan_record, outcome_measure_record
from tests.factories import make_referral

from .conftest import fhir

pytestmark = pytest.mark.usefixtures("frozen")


def _referral_with_a_contact(by, practice):
    referral = make_referral(by=by, practice=practice)
    now = timezone.now()
    contact_record(referral=referral, by=by, now=now, occurred_at=now, consultation_mechanism="01", attendance="5")
    outcome_measure_record(
        referral=referral, by=by, now=now, recorded_at=now, score=Decimal(9), stage="baseline", tool_code="445455005"
    )
    plan = care_plan_record(referral=referral, by=by, now=now, agreed_at=now, summary="Weekly check-in.")
    care_plan_goal_add(care_plan=plan, by=by, now=now, description="Back to work", review_date=now.date())
    consent_record(
        person=referral.person,
        by=by,
        now=now,
        decision=SharingConsent.Decision.GIVEN,
        scope=SharingConsent.Scope.NAMED_ORGANISATIONS,
        organisations=[by.organisation],
    )


@pytest.mark.parametrize(
    "resource",
    ["Patient", "ServiceRequest", "Encounter", "Task", "Observation", "EpisodeOfCare", "CarePlan", "Consent"],
)
def test_a_search_page_of_three_records_costs_the_same_queries_as_one_of_thirty(
    client_for, alice, north_practice, resource
):
    client = client_for(alice)

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            fhir(client.get(f"/fhir/{resource}", {"_count": 100}))
        return len(captured)

    for _ in range(3):
        _referral_with_a_contact(alice, north_practice)
    few = queries()
    for _ in range(27):
        _referral_with_a_contact(alice, north_practice)

    assert queries() == few
