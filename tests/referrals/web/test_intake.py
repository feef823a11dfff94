"""Taking a referral: find the person first, then the referral, risks, carer and routing."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.models import Carer, Handoff, Person, Referral, RiskFlag
from referrals.web.intake.views import pick_token
from tests.factories import PersonFactory, PostcodeDistrictFactory, make_referral, valid_nhs_number

from .conftest import login

pytestmark = pytest.mark.django_db
URL = "/referrals/new/"


def test_intake_url_is_fixed():
    assert reverse("referrals:intake") == URL


def referral_data(**extra):
    now = timezone.localtime() - timedelta(minutes=5)
    data = {
        "action": "create",
        "source": "gp",
        "urgency": "routine",
        "presenting_need": "Low mood for three months.",
        "received_date_day": now.day,
        "received_date_month": now.month,
        "received_date_year": now.year,
        "received_time": now.strftime("%H:%M"),
    }
    return data | extra


def new_person(**extra):
    return {
        "given_name": "Robin",
        "family_name": "Harbour",
        "birth_date_day": "3",
        "birth_date_month": "4",
        "birth_date_year": "1990",
    } | extra


def test_search_by_nhs_number_finds_someone_held_by_another_team(client, alice, intake, south_practice):
    other = make_referral(by=intake, practice=south_practice, given_name="Kit", family_name="Hillcrest")
    number = other.person.nhs_number

    response = login(client, alice).post(
        URL, {"action": "search", "nhs_number": f"{number[:3]} {number[3:6]} {number[6:]}"}
    )

    html = response.content.decode()
    assert "1 matching person" in html and "Kit Hillcrest" in html
    assert "Take a referral for Kit Hillcrest" in html


def test_search_by_family_name_and_birth_date(client, alice):
    PersonFactory(given_name="Ann", family_name="Quay", birth_date=date(1980, 2, 1))
    PersonFactory(given_name="Bea", family_name="Quay", birth_date=date(1981, 2, 1))

    response = login(client, alice).post(
        URL,
        {
            "action": "search",
            "family_name": "quay",
            "birth_date_day": "1",
            "birth_date_month": "2",
            "birth_date_year": "1980",
        },
    )

    html = response.content.decode()
    assert "Ann Quay" in html and "Bea Quay" not in html


def test_search_needs_an_nhs_number_or_name_and_birth_date(client, alice):
    response = login(client, alice).post(URL, {"action": "search", "family_name": "Quay"})

    html = response.content.decode()
    assert "<title>Error: " in html and "There is a problem" in html
    assert "Enter the date of birth with the family name" in html
    assert 'href="#id_birth_date_day"' in html


def test_search_refuses_an_nhs_number_with_a_bad_check_digit(client, alice):
    response = login(client, alice).post(URL, {"action": "search", "nhs_number": "4857773456"})

    assert "Enter a valid NHS number" in response.content.decode()


def test_no_match_offers_a_new_person_carrying_what_was_typed(client, alice):
    login(client, alice)
    number = valid_nhs_number()

    found = client.post(URL, {"action": "search", "nhs_number": number}).content.decode()
    form = client.post(URL, {"action": "new", "nhs_number": number, "family_name": "", "birth_date": ""})

    assert "No one matches" in found and "Add a new person" in found
    assert f'value="{number}"' in form.content.decode()


def test_a_new_person_referral_is_routed_by_gp_practice_with_risks_and_a_carer(
    client, alice, north_practice, north_team
):
    number = valid_nhs_number()
    data = referral_data(
        **new_person(nhs_number=number, practice_ods="l81001"),
        risk_kinds=["self_harm", "lone_working"],
        risk_note="Self-harm when distressed; dog at home.",
        carer_name="Jo Harbour",
        carer_relationship="sister",
        carer_involved="on",
        carer_assessment_offered="on",
        idempotency_key="k1",
    )

    response = login(client, alice).post(URL, data)

    referral = Referral.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/people/{referral.person_id}/#referral-{referral.pk}"
    assert referral.team == north_team and referral.routing_reason == "GP practice L81001"
    assert referral.person.nhs_number == number and referral.person.birth_date == date(1990, 4, 3)
    assert sorted(RiskFlag.objects.values_list("kind", flat=True)) == ["lone_working", "self_harm"]
    carer = Carer.objects.get()
    assert carer.involved_with_consent and carer.carers_assessment == Carer.CarersAssessment.OFFERED
    assert "Routed to North IPCT (GP practice L81001)" in client.get(response["Location"]).content.decode()


def test_received_date_and_time_are_read_as_uk_time(client, alice, north_practice):
    data = referral_data(**new_person(), practice=north_practice.pk)
    data |= {
        "received_date_day": "1",
        "received_date_month": "7",
        "received_date_year": "2025",
        "received_time": "0930",
    }

    login(client, alice).post(URL, data)

    received = Referral.objects.get().received_at
    assert received.isoformat() == "2025-07-01T08:30:00+00:00"  # 09:30 BST


def test_postcode_is_the_fallback_route(client, alice, north, north_team):
    PostcodeDistrictFactory(outward_code="BS5", locality=north)

    login(client, alice).post(URL, referral_data(**new_person(), postcode="bs5 6xx"))

    referral = Referral.objects.get()
    assert referral.team == north_team and referral.routing_reason == "postcode district BS5"


def test_every_invalid_field_has_an_inline_error_and_a_summary_link(client, alice):
    data = {
        "action": "create",
        "given_name": "",
        "received_date_day": "31",
        "received_date_month": "2",
        "received_date_year": "2025",
        "received_time": "25:99",
        "practice_ods": "Z99999",
        "risk_kinds": ["suicide"],
        "carer_relationship": "friend",
        "override_team": "",
        "override_locality": "",
    }

    response = login(client, alice).post(URL, data)

    html = response.content.decode()
    assert "<title>Error: " in html
    for anchor in (
        "id_given_name",
        "id_family_name",
        "id_source",
        "id_urgency_0",
        "id_presenting_need",
        "id_received_date_day",
        "id_received_time",
        "id_practice_ods",
        "id_risk_note",
        "id_carer_name",
    ):
        assert f'href="#{anchor}"' in html, anchor
    assert "Date received must be a real date" in html
    assert "No GP practice has the ODS code Z99999" in html
    assert not Referral.objects.exists() and not Person.objects.exists()


def test_a_future_received_time_is_refused(client, alice):
    later = timezone.localtime() + timedelta(days=1)
    data = referral_data(**new_person())
    data |= {"received_date_day": later.day, "received_date_month": later.month, "received_date_year": later.year}

    html = login(client, alice).post(URL, data).content.decode()

    assert "The date and time received must be in the past" in html
    assert not Referral.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            {"received_date_year": "785", "received_date_month": "6", "received_date_day": "1"},
            "A referral received before",
        ),
        ({"birth_date_year": str(timezone.localdate().year + 1)}, "A date of birth cannot be in the future"),
        ({"birth_date_year": "1850"}, "A date of birth before 1900 is not possible"),
        ({"postcode": "ZZ"}, "Enter a UK postcode"),
    ],
    ids=["received in 785", "born next year", "born in 1850", "postcode ZZ"],
)
def test_implausible_dates_and_postcodes_are_refused_clearly_and_nothing_is_written(client, alice, change, message):
    html = login(client, alice).post(URL, referral_data(**new_person()) | change).content.decode()

    assert message in html and "<title>Error: " in html
    assert not Referral.objects.exists() and not Person.objects.exists()


def test_an_existing_person_gets_a_new_referral_not_a_second_record(client, alice, intake, north_practice):
    first = make_referral(by=intake, practice=north_practice, given_name="Kit", family_name="Hillcrest")
    login(client, alice)

    page = client.get(URL, {"person": first.person_id}).content.decode()
    response = client.post(URL, referral_data(person=first.person_id))

    assert "Referral for Kit Hillcrest" in page and "Will be routed to" in page and "North IPCT" in page
    assert response.status_code == 302
    assert Person.objects.count() == 1
    assert first.person.referrals.count() == 2


def test_a_person_without_an_nhs_number_gets_a_new_referral(client, alice, intake, north_practice):
    first = make_referral(by=intake, practice=north_practice, nhs_number=None, family_name="Nonumber")

    login(client, alice).post(URL, referral_data(person=first.person_id))

    assert Person.objects.count() == 1 and Referral.objects.count() == 2


def test_routing_override_sends_it_to_the_chosen_team_with_the_reason(
    client, intake, north_practice, north_team, trust
):
    from localities.models import Team
    from tests.factories import TeamFactory

    sequoia = TeamFactory(name="Sequoia Tree Service", organisation=trust, locality=None, kind=Team.Kind.SYSTEM_SERVICE)
    data = referral_data(
        **new_person(practice=north_practice.pk), override_team=sequoia.pk, override_reason="Known to Sequoia."
    )

    login(client, intake).post(URL, data)

    referral = Referral.objects.get()
    assert referral.team == sequoia and referral.status == Referral.Status.RECEIVED
    assert referral.routing_reason == "override at intake: Known to Sequoia. (rules gave North IPCT)"
    assert not Handoff.objects.exists()
    audit = AuditEvent.objects.get(action="referral.create")
    assert audit.detail["routed_team"] == north_team.pk


def test_routing_override_needs_a_reason(client, intake, north, north_team):
    data = referral_data(**new_person(), override_locality=north.pk)

    html = login(client, intake).post(URL, data).content.decode()

    assert "Say why the referral should go somewhere other than the routed team" in html
    assert not Referral.objects.exists()


def test_an_unroutable_referral_can_be_sent_to_a_locality(client, intake, north, north_team):
    data = referral_data(**new_person(), override_locality=north.pk, override_reason="Lives in North; no GP.")

    login(client, intake).post(URL, data)

    referral = Referral.objects.get()
    assert referral.team == north_team and referral.locality == north
    assert "Lives in North; no GP." in referral.routing_reason


def test_a_double_submit_makes_one_referral(client, alice, north_practice):
    data = referral_data(
        **new_person(practice=north_practice.pk), idempotency_key="abc", risk_kinds=["suicide"], risk_note="Plans."
    )
    login(client, alice)

    first = client.post(URL, data)
    second = client.post(URL, data)

    assert Referral.objects.count() == 1 and RiskFlag.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_a_service_refusal_keeps_nothing(client, alice, intake, north_practice):
    """The NHS number belongs to someone with another date of birth: no person, referral or carer is kept."""
    existing = make_referral(by=intake, practice=north_practice, birth_date=date(1970, 1, 1))
    data = referral_data(**new_person(nhs_number=existing.person.nhs_number), carer_name="Jo", carer_relationship="x")

    html = login(client, alice).post(URL, data).content.decode()

    assert "different date of birth" in html
    assert Referral.objects.count() == 1 and not Carer.objects.exists()


def test_unknown_person_id_is_404(client, alice):
    assert login(client, alice).get(URL, {"person": 999999}).status_code == 404
    assert client.get(URL, {"person": "x"}).status_code == 404


def test_a_person_held_elsewhere_can_be_picked_only_from_a_search_result(client, alice, intake, south_practice):
    """A bare id would let anyone count through everyone's names and NHS numbers."""
    other = make_referral(by=intake, practice=south_practice, given_name="Kit", family_name="Hillcrest")
    login(client, alice)

    by_id = client.get(URL, {"person": other.person_id})
    token = pick_token(other.person)
    by_token = client.get(URL, {"person": token})
    tampered = client.get(URL, {"person": token[:-2] + "xx"})
    posted_by_id = client.post(URL, referral_data(person=str(other.person_id)))
    created = client.post(URL, referral_data(person=token))

    assert by_id.status_code == 404
    assert by_token.status_code == 200 and "Referral for Kit Hillcrest" in by_token.content.decode()
    assert tampered.status_code == 404
    assert posted_by_id.status_code == 404
    assert other.person.referrals.count() == 2
    # Routed to South, where alice does not work: she gets a receipt, not Kit's record.
    [referral] = other.person.referrals.exclude(pk=other.pk)
    assert created.status_code == 200
    assert "Referral recorded" in created.content.decode() and referral.reference in created.content.decode()
    assert client.get(f"/people/{other.person_id}/").status_code == 404


def test_an_intake_account_gets_a_receipt_naming_where_the_referral_went_not_the_record(
    client, intake, north_practice, north_team
):
    data = referral_data(**new_person(nhs_number=valid_nhs_number(), practice_ods="L81001"), idempotency_key="r1")

    response = login(client, intake).post(URL, data)

    referral = Referral.objects.get()
    html = response.content.decode()
    assert response.status_code == 200
    assert "Referral recorded" in html and referral.reference in html
    assert "North IPCT (GP practice L81001)" in html
    assert f"/people/{referral.person_id}/" not in html
    assert client.get(f"/people/{referral.person_id}/").status_code == 404


def test_anonymous_users_are_sent_to_log_in(client):
    assert client.get(URL).status_code == 302


def test_a_name_longer_than_100_characters_is_refused_with_a_message_not_cut(client, alice, north_practice):
    long_name = "H" * 101
    login(client, alice)

    form = client.post(URL, {"action": "new", **new_person()}).content.decode()
    response = client.post(URL, referral_data(**new_person(family_name=long_name), practice=north_practice.pk))

    assert 'name="family_name"' in form and "maxlength" not in form.split('name="family_name"')[1].split(">")[0]
    html = response.content.decode()
    assert response.status_code == 200
    assert "Family name must be 100 characters or fewer (you entered 101)" in html
    assert not Person.objects.exists() and not Referral.objects.exists()


def test_presenting_need_shows_its_limit_and_more_is_refused(client, alice, north_practice):
    login(client, alice)

    form = client.post(URL, {"action": "new", **new_person()}).content.decode()
    response = client.post(URL, referral_data(**new_person(), practice=north_practice.pk, presenting_need="x" * 2001))

    assert 'data-module="nhsuk-character-count" data-maxlength="2000"' in form
    assert 'id="id_presenting_need-info"' in form and "You can enter up to 2000 characters" in form
    textarea = form.split('name="presenting_need"')[1].split(">")[0]
    assert "maxlength" not in textarea and "nhsuk-js-character-count" in textarea
    assert "id_presenting_need-info" in form.split("<textarea")[1].split(">")[0]  # described by the count
    html = response.content.decode()
    assert "What the person needs help with must be 2,000 characters or fewer (you entered 2001)" in html
    assert not Referral.objects.exists()


def test_presenting_need_of_exactly_the_limit_is_taken(client, alice, north_practice):
    response = login(client, alice).post(
        URL, referral_data(**new_person(), practice=north_practice.pk, presenting_need="x" * 2000)
    )

    assert response.status_code == 302
    assert len(Referral.objects.get().presenting_need) == 2000
