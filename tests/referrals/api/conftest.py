"""Helpers for the API tests: frozen time, clients for the standing cast, request bodies."""

from datetime import UTC, datetime

import pytest
import time_machine
from rest_framework.test import APIClient

from tests.factories import valid_nhs_number

# A Monday morning in winter, so UK time is UTC and responses end in "Z".
T0 = datetime(2025, 3, 10, 9, 0, tzinfo=UTC)

REFERRALS = "/api/v1/referrals/"
ALERTS = "/api/v1/alerts/"
CODE_LISTS = "/api/v1/code-lists/"


def referral_url(referral_id: int) -> str:
    return f"{REFERRALS}{referral_id}/"


def contacts_url(referral_id: int) -> str:
    return f"{REFERRALS}{referral_id}/contacts/"


def action_url(referral_id: int, action: str) -> str:
    """/api/v1/referrals/<id>/<action>/, e.g. action_url(7, "care-plans")."""
    return f"{REFERRALS}{referral_id}/{action}/"


def instant(value: str) -> datetime:
    """An ISO 8601 timestamp from a response, as an aware datetime."""
    parsed = datetime.fromisoformat(value)
    assert parsed.tzinfo is not None, f"{value} has no offset"
    return parsed


def clock(body: dict, kind: str) -> dict:
    [found] = [c for c in body["clocks"] if c["kind"] == kind and c["is_current"]]
    return found


def referral_body(*, person: dict | None = None, **fields) -> dict:
    """A valid intake body; pass person={...} or fields to change parts of it."""
    return {
        "person": {
            "nhs_number": valid_nhs_number(),
            "given_name": "Sam",
            "family_name": "Synthetic",
            "birth_date": "1990-05-17",
            "postcode": "BS1 4XX",
            "gp_practice": "L81001",
            **(person or {}),
        },
        "source": "gp",
        "urgency": "routine",
        "presenting_need": "Low mood and anxiety for three months; not sleeping.",
        **fields,
    }


@pytest.fixture
def frozen():
    """Time stands still at T0 until the test moves it (frozen.shift / frozen.move_to)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller


@pytest.fixture
def client_for():
    def make(user) -> APIClient:
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make
