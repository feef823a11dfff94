"""POST /api/v1/referrals/ with MHSDS coding and a team the referrer chose."""

import pytest

from accounts.models import AuditEvent, Role
from referrals.models import Person, Referral
from tests.conftest import STANDING_NHS_NUMBER
from tests.factories import UserFactory

from .conftest import REFERRALS, referral_body, referral_url

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def api(client_for, intake, north_team, north_practice):
    """The intake account; North's GP practice L81001 routes to North's team."""
    return client_for(intake)


def ids(response) -> list[int]:
    return [row["id"] for row in response.json()["results"]]


# --- MHSDS source of referral and primary reason ------------------------------------------------


def test_the_source_of_referral_given_is_kept_and_shown(api, client_for, alice):
    body = api.post(
        REFERRALS, referral_body(source="other", source_of_referral="E5", primary_reason="18"), format="json"
    )

    assert body.status_code == 201, body.data
    assert body.json()["source_of_referral"] == "E5"  # court liaison and diversion
    referral = Referral.objects.get()
    assert (referral.source_of_referral, referral.primary_reason) == ("E5", "18")
    shown = client_for(alice).get(referral_url(referral.pk)).json()
    assert (shown["source_of_referral"], shown["primary_reason"]) == ("E5", "18")


def test_without_a_source_of_referral_the_code_comes_from_the_source(api):
    body = api.post(REFERRALS, referral_body(source="emergency_department"), format="json").json()

    assert body["source_of_referral"] == "H1"
    assert Referral.objects.get().source_of_referral == ""  # derived when read, never invented


@pytest.mark.parametrize(
    ("field", "value"),
    [("source_of_referral", "Z9"), ("source_of_referral", "a1"), ("primary_reason", "17")],
)
def test_a_code_outside_the_mhsds_list_is_a_400_naming_the_field(api, field, value):
    response = api.post(REFERRALS, referral_body(**{field: value}), format="json")

    assert response.status_code == 400
    assert list(response.json()) == [field]
    assert f'"{value}" is not one of:' in response.json()[field][0]
    assert not Referral.objects.exists()


# --- a team the referrer chose ------------------------------------------------------------------


def test_intake_may_send_the_referral_to_the_service_the_referrer_chose(api, north_team, south, south_team):
    response = api.post(REFERRALS, referral_body(team=south_team.pk), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    assert (body["team"], body["locality"]) == (south_team.pk, south.pk)
    assert "person" not in body and "routing_reason" not in body  # still a receipt
    referral = Referral.objects.get()
    assert referral.routing_reason == "override at intake: the referrer chose this service (rules gave North IPCT)"
    assert AuditEvent.objects.get(action="referral.create").detail["routed_team"] == north_team.pk


def test_the_reason_for_the_chosen_team_is_kept(api, south_team):
    api.post(REFERRALS, referral_body(team=south_team.pk, team_reason="Perinatal: GP asked for South"), format="json")

    assert "Perinatal: GP asked for South" in Referral.objects.get().routing_reason


def test_choosing_the_routed_team_changes_nothing(api, north_team):
    api.post(REFERRALS, referral_body(team=north_team.pk), format="json")

    assert Referral.objects.get().routing_reason == "GP practice L81001"


def test_an_unknown_team_is_a_400_naming_team(api):
    response = api.post(REFERRALS, referral_body(team=999_999), format="json")

    assert response.status_code == 400
    assert list(response.json()) == ["team"]
    assert not Person.objects.exists()


def test_a_clinician_cannot_choose_the_team(client_for, alice, north_practice, south_team):
    response = client_for(alice).post(REFERRALS, referral_body(team=south_team.pk), format="json")

    assert response.status_code == 403
    assert "cannot choose the team" in response.json()["detail"]
    assert not Referral.objects.exists()


def test_choosing_a_team_never_opens_the_persons_history_to_the_caller(client_for, trust, referral, south_team):
    """The person already has a North referral this call handler cannot open. Sending a new one to
    the South team they work in gives them a receipt, not the record: neither referral appears in
    their triage queue or can be opened."""
    call_handler = client_for(UserFactory(role=Role.INTAKE, organisation=trust, teams=[south_team]))
    body = referral_body(
        team=south_team.pk,
        person={"nhs_number": STANDING_NHS_NUMBER, "given_name": "Alex", "family_name": "Example", "birth_date": None},
    )

    response = call_handler.post(REFERRALS, body, format="json")

    assert response.status_code == 201, response.data
    assert response.json()["team"] == south_team.pk
    assert "person" not in response.json()
    new_id = response.json()["id"]
    assert Referral.objects.get(pk=new_id).person_id == referral.person_id  # matched by NHS number
    assert ids(call_handler.get(REFERRALS)) == []
    assert call_handler.get(referral_url(new_id)).status_code == 404
    assert call_handler.get(referral_url(referral.pk)).status_code == 404


def test_a_call_handler_sees_a_new_persons_referral_in_their_queue_as_usual(client_for, trust, south_team):
    call_handler = client_for(UserFactory(role=Role.INTAKE, organisation=trust, teams=[south_team]))

    response = call_handler.post(
        REFERRALS, referral_body(team=south_team.pk, person={"gp_practice": None}), format="json"
    )

    assert ids(call_handler.get(REFERRALS)) == [response.json()["id"]]
