"""GET /api/v1/referrer/referrals/: an API account reads the status of the referrals it sent
(status, team, dates), never clinical content; another account's referral is a 404."""

from datetime import timedelta

import pytest
import yaml
from django.core.management import call_command

from referrals.models import Referral
from referrals.services import referral_redirect, referral_triage
from tests.factories import UserFactory, make_referral

from .conftest import REFERRALS, T0, referral_body

pytestmark = pytest.mark.usefixtures("frozen")

STATUS = "/api/v1/referrer/referrals/"
CLINICAL = {"person", "presenting_need", "urgency", "thrive_grouping", "triage_next_step", "discharge_note", "clocks"}


@pytest.fixture
def api(client_for, intake, north_team, north_practice):
    return client_for(intake)


def test_the_sending_account_reads_status_team_and_dates_of_its_referral(
    api, intake, alice, north_team, south_team, frozen
):
    sent = api.post(REFERRALS, referral_body(presenting_need="Panic attacks at work"), format="json").json()
    referral = Referral.objects.get(pk=sent["id"])
    frozen.shift(timedelta(hours=3))
    referral_triage(referral=referral, by=alice, now=T0 + timedelta(hours=3), next_step="See the psychiatrist")
    frozen.shift(timedelta(days=1))
    referral_redirect(
        referral=referral,
        by=alice,
        now=T0 + timedelta(days=1, hours=3),
        to_team=south_team,
        note="History of trauma",
        person_informed=True,
    )

    response = api.get(f"{STATUS}{referral.pk}/")

    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == referral.reference
    assert body["status"] == "redirected" and body["team"] == south_team.name
    assert body["received_at"] == "2025-03-10T09:00:00Z" and body["ended_at"] is None
    assert [(u["event"], u["team"]) for u in body["updates"]] == [
        ("triaged", north_team.name),
        ("redirected", south_team.name),
    ]
    assert body["updates"][0]["at"] == "2025-03-10T12:00:00Z"
    assert not CLINICAL & set(body)
    text = response.content.decode()
    assert "Panic" not in text and "psychiatrist" not in text and "trauma" not in text and "Sam" not in text


def test_the_list_holds_only_the_accounts_own_referrals(api, client_for, alice, north_practice):
    mine = api.post(REFERRALS, referral_body(), format="json").json()
    make_referral(by=alice, practice=north_practice)  # taken by someone else

    body = api.get(STATUS).json()

    assert [r["id"] for r in body["results"]] == [mine["id"]]
    assert body["count"] == 1


def test_another_accounts_referral_is_a_404_as_an_unknown_one_is(api, client_for, alice, north_practice):
    theirs = make_referral(by=alice, practice=north_practice)
    other_system = client_for(UserFactory(username="other-system"))

    assert api.get(f"{STATUS}{theirs.pk}/").status_code == 404
    assert other_system.get(f"{STATUS}{theirs.pk}/").status_code == 404
    assert api.get(f"{STATUS}999999/").status_code == 404


def test_an_anonymous_caller_is_refused(client, db):
    assert client.get(STATUS).status_code == 401


def test_the_list_costs_the_same_few_queries_for_many_referrals(api, django_assert_max_num_queries):
    for _ in range(12):
        api.post(REFERRALS, referral_body(), format="json")

    with django_assert_max_num_queries(6):
        body = api.get(STATUS).json()

    assert body["count"] == 12


def test_the_schema_documents_the_status_endpoints(tmp_path, db):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    schema = yaml.safe_load(target.read_text())

    detail = schema["paths"]["/api/v1/referrer/referrals/{referral_id}/"]["get"]
    assert set(detail["responses"]) >= {"200", "404"}
    listed = schema["paths"]["/api/v1/referrer/referrals/"]["get"]
    assert "200" in listed["responses"]
    properties = schema["components"]["schemas"]["ReferrerStatusOutput"]["properties"]
    assert not CLINICAL & set(properties)
