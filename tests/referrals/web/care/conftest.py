"""Fixtures and helpers shared by the care-plan, outcomes and discharge page tests."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals.models import Referral
from referrals.services import (
    care_plan_record,
    caseload_allocate,
    outcome_measure_record,
    referral_triage,
)
from tests.factories import make_referral

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def received(intake, north_practice, north_team):
    """A referral that arrived ten days ago and was routed to North."""
    return make_referral(by=intake, practice=north_practice, now=timezone.now() - timedelta(days=10))


@pytest.fixture
def allocated(received, alice, bob, tina):
    now = timezone.now() - timedelta(days=9)
    referral_triage(referral=received, by=alice, now=now, thrive_grouping="getting_help")
    caseload_allocate(referral=received, by=tina, now=now, link_worker=bob)
    return Referral.objects.get(pk=received.pk)


@pytest.fixture
def plan(received, alice):
    now = timezone.now()
    return care_plan_record(referral=received, by=alice, now=now, agreed_at=now, summary="Weekly check-ins.")


def url(referral, name) -> str:
    return reverse(f"referrals:{name}", kwargs={"referral_id": referral.pk})


def text(response) -> str:
    return response.content.decode()


def date_fields(prefix: str, day) -> dict[str, str]:
    return {f"{prefix}_day": str(day.day), f"{prefix}_month": str(day.month), f"{prefix}_year": str(day.year)}


def today():
    return timezone.localdate()


def _score(referral, by, instrument, score, stage, days_ago=0):
    at = timezone.now() - timedelta(days=days_ago)
    return outcome_measure_record(
        referral=referral,
        by=by,
        now=timezone.now(),
        recorded_at=at,
        instrument=instrument,
        score=Decimal(score),
        stage=stage,
    )


DISCHARGE = {
    "reason": "goals_met",
    "note": "Keeps going to the allotment group; GP reviews medication in 3 months.",
    "return_route": "Self-refer to North IPCT within 6 months, or through the 24/7 line.",
}
