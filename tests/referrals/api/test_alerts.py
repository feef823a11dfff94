"""GET /api/v1/alerts/: warnings, breaches and escalations the caller may see."""

from datetime import timedelta

import pytest
from django.utils import timezone

from referrals.models import Alert
from referrals.services.alerts import alert_deliver, clocks_sweep
from tests.factories import make_referral

from .conftest import ALERTS, T0, instant

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def emergency(intake, north_team, north_practice):
    """A North emergency received at T0: warn at 45 minutes, breach at 1 hour,
    escalate to the team manager at 1h30 and to the service manager at 2h."""
    return make_referral(by=intake, practice=north_practice, urgency="emergency")


def sweep_at(frozen, when) -> None:
    frozen.move_to(when)
    clocks_sweep(now=timezone.now())


def levels(response) -> list[tuple[str, int]]:
    return [(a["level"], a["tier"]) for a in response.json()["results"]]


def test_the_team_sees_its_alerts_newest_first(client_for, alice, emergency, frozen):
    sweep_at(frozen, T0 + timedelta(minutes=50))
    sweep_at(frozen, T0 + timedelta(minutes=65))

    response = client_for(alice).get(ALERTS)

    assert response.status_code == 200
    results = response.json()["results"]
    assert [(a["level"], a["clock_kind"]) for a in results] == [
        ("breach", "first_response"),
        ("warning", "first_response"),
    ]
    breach = results[0]
    assert breach["referral"] == emergency.pk
    assert breach["reference"] == emergency.reference
    assert breach["tier"] == 0
    assert instant(breach["created_at"]) == T0 + timedelta(minutes=65)
    assert instant(breach["threshold_at"]) == T0 + timedelta(hours=1)
    assert breach["sent_at"] is None
    assert response.json()["next"] is None


def test_another_team_sees_none_of_them(client_for, charlie, emergency, frozen):
    sweep_at(frozen, T0 + timedelta(hours=3))

    assert client_for(charlie).get(ALERTS).json()["results"] == []


def test_a_service_manager_sees_an_escalation_once_it_is_sent_to_them(client_for, sam, tina, emergency, frozen):
    sweep_at(frozen, T0 + timedelta(hours=2, minutes=1))
    client = client_for(sam)
    assert client.get(ALERTS).json()["results"] == []

    second_escalation = Alert.objects.get(level="escalation", tier=2)
    assert alert_deliver(alert_id=second_escalation.pk, now=timezone.now())

    response = client.get(ALERTS)
    assert [a["id"] for a in response.json()["results"]] == [second_escalation.pk]
    assert response.json()["results"][0]["sent_at"] is not None


def test_filter_by_level(client_for, alice, emergency, frozen):
    sweep_at(frozen, T0 + timedelta(minutes=50))
    sweep_at(frozen, T0 + timedelta(hours=2, minutes=1))
    client = client_for(alice)

    assert levels(client.get(ALERTS, {"level": "warning"})) == [("warning", 0)]
    assert levels(client.get(ALERTS, {"level": "breach"})) == [("breach", 0)]
    assert sorted(levels(client.get(ALERTS, {"level": "escalation"}))) == [("escalation", 1), ("escalation", 2)]


def test_filter_by_clock_kind(client_for, alice, emergency, frozen):
    sweep_at(frozen, T0 + timedelta(minutes=50))
    sweep_at(frozen, T0 + timedelta(days=22))  # the 28-day treatment clock warns at 21 days
    client = client_for(alice)

    treatment = client.get(ALERTS, {"clock_kind": "treatment"}).json()["results"]
    first_response = client.get(ALERTS, {"clock_kind": "first_response"}).json()["results"]

    assert [(a["clock_kind"], a["level"]) for a in treatment] == [("treatment", "warning")]
    assert first_response and all(a["clock_kind"] == "first_response" for a in first_response)


def test_filter_by_referral(client_for, alice, intake, north_practice, emergency, frozen):
    other = make_referral(by=intake, practice=north_practice, urgency="emergency")
    sweep_at(frozen, T0 + timedelta(minutes=50))
    client = client_for(alice)

    mine = client.get(ALERTS, {"referral": other.pk}).json()["results"]

    assert [a["referral"] for a in mine] == [other.pk]
    assert len(client.get(ALERTS).json()["results"]) == 2


def test_the_list_pages_by_cursor_with_a_next_link(client_for, alice, emergency, frozen):
    sweep_at(frozen, T0 + timedelta(minutes=50))
    sweep_at(frozen, T0 + timedelta(hours=2, minutes=1))
    client = client_for(alice)
    expected = list(Alert.objects.order_by("-created_at", "-id").values_list("pk", flat=True))
    assert len(expected) == 4

    seen, url, params = [], ALERTS, {"page_size": 3}
    while url:
        page = client.get(url, params).json()
        seen += [a["id"] for a in page["results"]]
        url, params = page["next"], None

    assert seen == expected


@pytest.mark.parametrize(("param", "value"), [("level", "panic"), ("clock_kind", "egg_timer"), ("referral", "RF-1")])
def test_a_filter_value_that_cannot_be_read_is_a_400(client_for, alice, emergency, param, value):
    response = client_for(alice).get(ALERTS, {param: value})

    assert response.status_code == 400
    assert param in response.json()


def test_the_list_takes_the_same_queries_however_many_alerts(
    client_for, alice, intake, north_practice, emergency, frozen, django_assert_num_queries
):
    for _ in range(5):
        make_referral(by=intake, practice=north_practice, urgency="emergency")
    sweep_at(frozen, T0 + timedelta(hours=3))
    assert Alert.objects.count() == 6 * 3

    # The page of alerts, then its referrals' references (read after the page is chosen).
    with django_assert_num_queries(2):
        client_for(alice).get(ALERTS)
