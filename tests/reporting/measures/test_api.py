"""/api/v1/measures/: the list, a measure's figures, its rows (JSON and CSV), and refusals."""

import csv
import io

import pytest
from rest_framework.test import APIClient

from referrals.models import Referral

from .cases import close, contact, full_clock_stop, refer, uk

pytestmark = pytest.mark.django_db


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def waited(alice, community_team):
    """Alice's team: one referral seen twice within 4 weeks in March 2026, one still waiting."""
    seen = refer(by=alice, team=community_team, at=uk(2026, 3, 2, 10))
    contact(seen, alice, uk(2026, 3, 3, 10))
    contact(seen, alice, uk(2026, 3, 9, 10))
    waiting = refer(by=alice, team=community_team, at=uk(2026, 3, 20, 10))
    return seen, waiting


def test_the_measure_list_names_each_measure_with_its_nhs_england_ids_and_source(alice):
    response = client_for(alice).get("/api/v1/measures/")

    assert response.status_code == 200
    by_code = {m["code"]: m for m in response.json()}
    assert list(by_code) == [
        "crisis_very_urgent_4h",
        "crisis_urgent_24h",
        "liaison_1h",
        "cmh_second_contact",
        "referral_spell",
        "eip_two_weeks",
        "local_response_24h",
    ]
    assert by_code["crisis_very_urgent_4h"]["scope"] == "national"
    assert by_code["local_response_24h"]["scope"] == "local"
    assert by_code["crisis_very_urgent_4h"]["nhs_england_ids"] == ["CCR117", "CCR119"]
    assert "uec_prep.py" in by_code["crisis_very_urgent_4h"]["citation"]
    assert by_code["referral_spell"]["period"] == "quarter"


def test_a_measure_for_a_month_gives_numerator_denominator_rate_and_still_waiting(sam, waited):
    response = client_for(sam).get("/api/v1/measures/cmh_second_contact/", {"period": "2026-03"})

    assert response.status_code == 200
    body = response.json()
    # One of each: small numbers, withheld as the dashboard withholds them (test_api_suppression.py).
    assert (body["numerator"], body["denominator"], body["rate"], body["still_waiting"]) == (None, None, None, None)
    assert body["suppressed"][:4] == ["numerator", "denominator", "rate", "still_waiting"]
    assert body["still_waiting_bands"]["7-13 days"] is None
    assert body["still_waiting_bands"]["0-6 days"] == 0
    assert (body["first_day"], body["last_day"]) == ("2026-03-01", "2026-03-31")


def test_the_spell_measure_takes_a_quarter(sam):
    response = client_for(sam).get("/api/v1/measures/referral_spell/", {"period": "2026-Q1"})

    assert response.status_code == 200
    assert (response.json()["first_day"], response.json()["last_day"]) == ("2026-01-01", "2026-03-31")


@pytest.mark.parametrize(
    ("url", "period", "status", "message"),
    [
        ("/api/v1/measures/cmh_second_contact/", "2026-13", 400, "2026-13 is not a month"),
        ("/api/v1/measures/cmh_second_contact/", "2026-Q1", 400, "This measure is monthly"),
        ("/api/v1/measures/cmh_second_contact/", "", 400, "Give a period as YYYY-MM"),
        ("/api/v1/measures/nonsense/", "2026-03", 404, "There is no measure 'nonsense'"),
        ("/api/v1/measures/nonsense/records/", "2026-03", 404, "There is no measure 'nonsense'"),
    ],
)
def test_a_bad_period_or_code_is_refused_with_a_clear_message(alice, url, period, status, message):
    response = client_for(alice).get(url, {"period": period})

    assert response.status_code == status
    body = response.json()
    text = body["period"][0] if status == 400 else body["detail"]
    assert message in text


@pytest.mark.parametrize(
    "url", ["/api/v1/measures/", "/api/v1/measures/cmh_second_contact/", "/api/v1/measures/cmh_second_contact/records/"]
)
def test_anonymous_requests_are_refused(url):
    assert client_for().get(url, {"period": "2026-03"}).status_code == 401


def test_records_show_only_referrals_the_user_may_open(alice, charlie, waited):
    seen, waiting = waited

    mine = client_for(alice).get("/api/v1/measures/cmh_second_contact/records/", {"period": "2026-03"})
    theirs = client_for(charlie).get("/api/v1/measures/cmh_second_contact/records/", {"period": "2026-03"})

    assert mine.status_code == theirs.status_code == 200
    rows = {tuple(row["referral_ids"]): row for row in mine.json()}
    assert rows[(seen.pk,)] == {
        "referral_ids": [seen.pk],
        "in_scope": True,
        "excluded_because": "",
        "clock_start": "2026-03-02",
        "clock_stop": "2026-03-09",
        "stopped_by": "second attended direct contact",
        "days": 7,
        "minutes": None,
        "met": True,
        "still_waiting": False,
        "waiting_band": "",
    }
    assert rows[(waiting.pk,)]["still_waiting"] is True
    assert theirs.json() == []


def test_a_spell_is_shown_only_to_someone_who_may_open_every_referral_in_it(alice, charlie, community_team, south_team):
    # One person, referred to South (charlie's team), closed, then to North (alice's) four days
    # later: one spell of two referrals, which neither may open whole.
    south_team.mhsds_team_type = "A06"
    south_team.save(update_fields=["mhsds_team_type"])
    first = refer(by=charlie, team=south_team, at=uk(2026, 1, 5, 10))
    close(first, charlie, uk(2026, 1, 10, 16))
    second = refer(by=alice, team=community_team, at=uk(2026, 1, 14, 9), person=first.person)
    full_clock_stop(second, alice, contact_at=uk(2026, 1, 20), last_at=uk(2026, 2, 9))
    url = "/api/v1/measures/referral_spell/records/"

    def spells(user) -> list[list[int]]:
        response = client_for(user).get(url, {"period": "2026-Q1"})
        assert response.status_code == 200
        return [row["referral_ids"] for row in response.json()]

    assert spells(alice) == spells(charlie) == []
    # North takes over the first referral too: alice may now open both, charlie neither.
    Referral.objects.filter(pk=first.pk).update(team=community_team)
    assert spells(alice) == [[first.pk, second.pk]]
    assert spells(charlie) == []


def test_records_download_as_csv(alice, waited):
    seen, _ = waited

    response = client_for(alice).get(
        "/api/v1/measures/cmh_second_contact/records/", {"period": "2026-03", "format": "csv"}
    )

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert table[0][:3] == ["Referral ids", "In scope", "Excluded because"]
    first = dict(zip(table[0], table[1], strict=True))
    assert (first["Referral ids"], first["Days"], first["Met"], first["Clock stop (UK)"]) == (
        str(seen.pk),
        "7",
        "yes",
        "Mon 9 Mar 2026",
    )
