"""Who agreed a care plan (MHSDS CarePlanContentAgreedBy) through POST .../care-plans/: optional,
never defaulted, refused when it is not a code."""

from datetime import timedelta

import pytest

from referrals.models import CarePlan

from .conftest import T0, action_url

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def api(client_for, alice):
    return client_for(alice)


def _plan(api, referral_id, **extra):
    body = {"agreed_at": (T0 + timedelta(hours=1)).isoformat(), "summary": "Agreed with Sam.", **extra}
    return api.post(action_url(referral_id, "care-plans"), body, format="json")


def test_a_care_plan_agreed_by_the_person_and_their_worker_keeps_who_agreed_it(api, referral, frozen):
    frozen.shift(timedelta(hours=2))

    response = _plan(api, referral.pk, agreed_by="14")

    assert response.status_code == 201, response.data
    assert response.json()["agreed_by"] == "14"
    assert CarePlan.objects.get(pk=response.json()["id"]).agreed_by == "14"


def test_a_care_plan_without_who_agreed_it_is_recorded_with_it_empty(api, referral, frozen):
    frozen.shift(timedelta(hours=2))

    response = _plan(api, referral.pk)

    assert response.status_code == 201, response.data
    assert response.json()["agreed_by"] == ""


def test_an_unknown_agreed_by_code_is_refused_naming_the_field_and_nothing_is_recorded(api, referral, frozen):
    frozen.shift(timedelta(hours=2))

    response = _plan(api, referral.pk, agreed_by="77")

    assert response.status_code == 400
    assert "agreed_by" in response.json()
    assert not CarePlan.objects.filter(referral=referral).exists()
