"""POST /api/v1/referrals/: intake from any access point."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from access.models import IntakeReceipt
from accounts.models import AuditEvent
from referrals.models import Clock, ClockPolicy, Person, Referral, ResponseTarget
from tests.factories import PostcodeDistrictFactory, valid_nhs_number

from .conftest import REFERRALS, T0, clock, instant, referral_body, referral_url

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def api(client_for, intake, north_team, north_practice):
    """The intake account, with North's GP practice L81001 routed to North's team."""
    return client_for(intake)


def nothing_written() -> bool:
    return not (Person.objects.exists() or Referral.objects.exists() or Clock.objects.exists())


# --- the happy path ----------------------------------------------------------


def test_a_gp_referral_is_created_and_routed_to_its_practice_localitys_intake_team(api, north, north_team):
    response = api.post(REFERRALS, referral_body(), format="json")

    assert response.status_code == 201, response.data
    body = response.json()
    referral = Referral.objects.get()
    assert body["id"] == referral.pk
    assert body["reference"] == referral.reference and body["reference"].startswith("RF-")
    assert body["status"] == "received"
    assert body["locality"] == north.pk
    assert body["team"] == north_team.pk
    assert "routing_reason" not in body  # it names the stored GP practice or postcode district
    assert referral.routing_reason == "GP practice L81001"
    assert "person" not in body  # a receipt: the stored identity is never echoed (issue 10)
    assert response["Location"] == referral_url(referral.pk)
    assert "Idempotent-Replayed" not in response
    assert {c["kind"] for c in body["clocks"]} == {"first_response", "treatment"}
    for c in body["clocks"]:
        assert set(c) >= {"kind", "started_at", "due_at", "stopped_at", "breached"}
        assert c["stopped_at"] is None
        assert c["breached"] is False


def test_received_at_defaults_to_now_and_timestamps_are_iso_8601(api):
    body = api.post(REFERRALS, referral_body(), format="json").json()

    assert body["received_at"] == "2025-03-10T09:00:00Z"
    assert instant(body["received_at"]) == T0
    assert instant(clock(body, "first_response")["started_at"]) == T0


@pytest.mark.parametrize(
    ("urgency", "target"),
    [
        ("routine", timedelta(hours=24)),
        ("urgent", timedelta(hours=24)),
        ("very_urgent", timedelta(hours=4)),
        ("emergency", timedelta(hours=1)),
    ],
)
def test_first_response_clock_is_due_by_the_urgencys_target(api, urgency, target):
    body = api.post(REFERRALS, referral_body(urgency=urgency), format="json").json()

    assert instant(clock(body, "first_response")["due_at"]) == T0 + target


def test_treatment_clock_is_due_four_weeks_after_the_referral_was_received(api):
    received = T0 - timedelta(hours=3)

    body = api.post(REFERRALS, referral_body(received_at=received.isoformat()), format="json").json()

    treatment = clock(body, "treatment")
    assert instant(treatment["started_at"]) == received
    assert instant(treatment["due_at"]) == received + timedelta(days=28)


def test_clocks_run_from_received_at_not_from_when_intake_typed_it_in(api):
    body = api.post(
        REFERRALS, referral_body(urgency="very_urgent", received_at="2025-03-10T10:30:00+02:00"), format="json"
    ).json()

    received = instant(body["received_at"])
    assert received == T0 - timedelta(minutes=30)
    assert instant(clock(body, "first_response")["due_at"]) == received + timedelta(hours=4)


def test_a_received_at_without_an_offset_is_uk_time(api, frozen):
    frozen.move_to(instant("2025-07-01T12:00:00+00:00"))  # British Summer Time: UTC+1

    body = api.post(REFERRALS, referral_body(received_at="2025-07-01T09:00:00"), format="json").json()

    assert instant(body["received_at"]) == instant("2025-07-01T08:00:00+00:00")
    assert body["received_at"] == "2025-07-01T09:00:00+01:00"


def test_a_referral_without_a_gp_is_routed_by_postcode_district(api, south, south_team):
    PostcodeDistrictFactory(outward_code="BS5", locality=south)

    body = api.post(REFERRALS, referral_body(person={"gp_practice": None, "postcode": "bs5 6xx"}), format="json").json()

    assert body["locality"] == south.pk
    assert body["team"] == south_team.pk
    assert Referral.objects.get().routing_reason == "postcode district BS5"
    assert Person.objects.get().postcode == "BS5 6XX"


def test_the_gp_practice_wins_over_the_postcode(api, north, south):
    PostcodeDistrictFactory(outward_code="BS5", locality=south)

    body = api.post(REFERRALS, referral_body(person={"postcode": "BS5 6XX"}), format="json").json()

    assert body["locality"] == north.pk


def test_a_referral_with_no_known_route_waits_for_manual_routing(api):
    body = api.post(
        REFERRALS, referral_body(person={"gp_practice": None, "postcode": "ZZ99 9ZZ"}), format="json"
    ).json()

    assert body["locality"] is None and body["team"] is None
    assert "manual routing" in Referral.objects.get().routing_reason
    assert len(body["clocks"]) == 2  # the clocks run from first contact, routed or not


def test_an_ods_code_is_matched_whatever_its_case(api, north):
    body = api.post(REFERRALS, referral_body(person={"gp_practice": "l81001"}), format="json").json()

    assert body["locality"] == north.pk


# --- people, matched by NHS number --------------------------------------------


def test_a_second_referral_for_the_same_nhs_number_reuses_the_person(api):
    number = valid_nhs_number()
    first = api.post(REFERRALS, referral_body(person={"nhs_number": number}), format="json").json()

    spaced = f"{number[:3]} {number[3:6]} {number[6:]}"
    second = api.post(REFERRALS, referral_body(person={"nhs_number": spaced}), format="json").json()

    assert second["id"] != first["id"]
    assert Person.objects.get().nhs_number == number
    assert Referral.objects.count() == 2


def test_a_self_referral_without_an_nhs_number_is_accepted(api):
    body = referral_body(source="self", person={"nhs_number": None})
    del body["person"]["gp_practice"]

    response = api.post(REFERRALS, body, format="json")

    assert response.status_code == 201, response.data
    assert Person.objects.get().nhs_number is None


def test_two_referrals_without_nhs_numbers_are_two_people(api):
    api.post(REFERRALS, referral_body(person={"nhs_number": ""}), format="json")
    api.post(REFERRALS, referral_body(person={"nhs_number": ""}), format="json")

    assert Person.objects.count() == 2


def test_an_nhs_number_with_a_wrong_check_digit_is_refused_for_person_nhs_number(api):
    response = api.post(REFERRALS, referral_body(person={"nhs_number": "9434765918"}), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "person": {"nhs_number": ["This is not a valid NHS number: its check digit does not match."]}
    }
    assert nothing_written()


def test_an_nhs_number_that_is_not_ten_digits_is_refused(api):
    response = api.post(REFERRALS, referral_body(person={"nhs_number": "12345"}), format="json")

    assert response.status_code == 400
    assert response.json()["person"]["nhs_number"] == ["An NHS number is 10 digits."]


def test_an_nhs_number_matching_someone_with_another_birth_date_is_refused_under_person(api, intake):
    number = valid_nhs_number()
    api.post(REFERRALS, referral_body(person={"nhs_number": number, "birth_date": "1980-01-01"}), format="json")

    response = api.post(
        REFERRALS, referral_body(person={"nhs_number": number, "birth_date": "1999-12-31"}), format="json"
    )

    assert response.status_code == 400
    assert "different date of birth" in response.json()["person"]["birth_date"][0]
    assert Referral.objects.count() == 1


# --- bad input: a 400 naming the field, and nothing written -------------------


def _drop(path: str):
    def change(body):
        *parents, leaf = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        del target[leaf]

    return change


def _set(path: str, value):
    def change(body):
        *parents, leaf = path.split(".")
        target = body
        for key in parents:
            target = target[key]
        target[leaf] = value

    return change


@pytest.mark.parametrize(
    ("change", "error_path"),
    [
        pytest.param(_drop("person"), ["person"], id="no person"),
        pytest.param(_set("person", None), ["person"], id="person null"),
        pytest.param(_set("person", "Sam Synthetic"), ["person", "non_field_errors"], id="person not an object"),
        pytest.param(_drop("person.given_name"), ["person", "given_name"], id="no given name"),
        pytest.param(_set("person.family_name", "   "), ["person", "family_name"], id="blank family name"),
        pytest.param(_set("person.given_name", "x" * 101), ["person", "given_name"], id="given name too long"),
        pytest.param(_set("person.birth_date", "2001-02-30"), ["person", "birth_date"], id="no such date"),
        pytest.param(_set("person.birth_date", "17/05/1990"), ["person", "birth_date"], id="birth date not ISO"),
        pytest.param(_set("person.birth_date", "2030-01-01"), ["person", "birth_date"], id="born in the future"),
        pytest.param(_set("person.postcode", "NOT A POSTCODE"), ["person", "postcode"], id="bad postcode"),
        pytest.param(_set("person.gp_practice", "Z99999"), ["person", "gp_practice"], id="unknown practice"),
        pytest.param(_set("person.gp_practice", 81001), ["person", "gp_practice"], id="practice not a string"),
        pytest.param(_set("person.nhs_number", 9434765919), ["person", "nhs_number"], id="nhs number not a string"),
        pytest.param(_drop("source"), ["source"], id="no source"),
        pytest.param(_set("source", "carrier_pigeon"), ["source"], id="unknown source"),
        pytest.param(_drop("urgency"), ["urgency"], id="no urgency"),
        pytest.param(_set("urgency", "whenever"), ["urgency"], id="unknown urgency"),
        pytest.param(_set("urgency", None), ["urgency"], id="urgency null"),
        pytest.param(_drop("presenting_need"), ["presenting_need"], id="no presenting need"),
        pytest.param(_set("presenting_need", "  \n "), ["presenting_need"], id="blank presenting need"),
        pytest.param(_set("received_at", "yesterday"), ["received_at"], id="received_at not a date"),
        pytest.param(_set("received_at", "0001-01-01T00:00:00+14:00"), ["received_at"], id="received_at out of range"),
        pytest.param(_set("received_at", "2025-03-10"), ["received_at"], id="received_at a date only"),
        pytest.param(_set("presenting_need", ["low mood"]), ["presenting_need"], id="presenting need a list"),
        pytest.param(_set("person.nhs_number", {"n": 1}), ["person", "nhs_number"], id="nhs number an object"),
        pytest.param(_set("received_at", "2025-03-10T10:00:00Z"), ["received_at"], id="received_at in the future"),
        pytest.param(_set("received_at", "0785-06-01T10:00:00Z"), ["received_at"], id="received_at in the year 785"),
        pytest.param(_set("received_at", "1999-12-31T23:59:00Z"), ["received_at"], id="received_at before 2000"),
        pytest.param(_set("person.birth_date", "1850-01-01"), ["person", "birth_date"], id="born before 1900"),
        pytest.param(_set("person.postcode", "ZZ"), ["person", "postcode"], id="postcode ZZ"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_writes_nothing(api, change, error_path):
    body = referral_body()
    change(body)

    response = api.post(REFERRALS, body, format="json")

    assert response.status_code == 400
    errors = response.json()
    for key in error_path:
        assert key in errors, f"expected an error at {'.'.join(error_path)}, got {response.json()}"
        errors = errors[key]
    assert isinstance(errors, list) and all(isinstance(message, str) and message for message in errors)
    assert nothing_written()


def test_an_unknown_choice_is_answered_with_the_choices(api):
    response = api.post(REFERRALS, referral_body(source="carrier_pigeon"), format="json")

    assert response.json()["source"] == [
        '"carrier_pigeon" is not one of: gp, self, mental_health_line, vcse, police, ambulance, '
        "emergency_department, social_care, talking_therapies, other."
    ]


def test_an_unknown_gp_practice_is_named_in_the_message(api):
    response = api.post(REFERRALS, referral_body(person={"gp_practice": "Z99999"}), format="json")

    assert response.json() == {"person": {"gp_practice": ["No GP practice has the ODS code Z99999."]}}


def test_a_future_received_at_says_why(api):
    response = api.post(REFERRALS, referral_body(received_at=(T0 + timedelta(minutes=1)).isoformat()), format="json")

    assert response.status_code == 400
    assert response.json() == {"received_at": ["The time a referral was received cannot be in the future."]}
    assert nothing_written()


def test_a_received_at_before_the_earliest_record_date_says_why(api):
    response = api.post(REFERRALS, referral_body(received_at="0785-06-01T10:00:00Z"), format="json")

    assert response.status_code == 400
    assert response.json() == {
        "received_at": ["Nothing recorded here happened before Sat 1 Jan 2000, 00:00 (UK time)."]
    }
    assert nothing_written()


def test_every_missing_field_is_reported_at_once(api):
    response = api.post(REFERRALS, {"person": {}}, format="json")

    assert response.status_code == 400
    errors = response.json()
    assert set(errors) == {"person", "source", "urgency", "presenting_need"}
    assert set(errors["person"]) == {"given_name", "family_name"}


@pytest.mark.parametrize(
    ("payload", "content_type"),
    [
        pytest.param('{"person": {"given_name": "Sam",', "application/json", id="truncated JSON"),
        pytest.param("person=Sam", "application/json", id="not JSON at all"),
        pytest.param("[]", "application/json", id="a list"),
        pytest.param('"a referral"', "application/json", id="a string"),
        pytest.param("", "application/json", id="empty"),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_400(api, payload, content_type):
    response = api.post(REFERRALS, payload, content_type=content_type)

    assert response.status_code == 400
    assert response.json()
    assert nothing_written()


def test_a_form_encoded_body_is_refused_as_unsupported(api):
    response = api.post(REFERRALS, {"source": "gp"}, format="multipart")

    assert response.status_code == 415
    assert nothing_written()


def test_a_team_policy_without_a_target_for_the_urgency_falls_back_to_the_default(api, north_team):
    policy = ClockPolicy.objects.create(name="North pilot", team=north_team)
    ResponseTarget.objects.create(
        policy=policy,
        urgency="routine",
        target=timedelta(hours=12),
        escalation_after=timedelta(hours=4),
        second_escalation_after=timedelta(hours=24),
    )

    response = api.post(REFERRALS, referral_body(urgency="emergency"), format="json")

    assert response.status_code == 201
    first = next(c for c in response.json()["clocks"] if c["kind"] == "first_response")
    assert instant(first["due_at"]) - instant(first["started_at"]) == timedelta(hours=1)


def test_a_failure_half_way_through_the_service_leaves_nothing_behind(api):
    # No emergency target anywhere: the service fails after it has written the
    # person and the referral, when it starts the clocks.
    ResponseTarget.objects.filter(policy__is_default=True, urgency="emergency").delete()

    response = api.post(REFERRALS, referral_body(urgency="emergency"), format="json")

    assert response.status_code == 503
    assert "emergency" in response.json()["detail"]
    assert nothing_written()
    assert not AuditEvent.objects.exists()


# --- idempotency ---------------------------------------------------------------


def test_a_retried_post_with_the_same_idempotency_key_returns_the_first_referral(api):
    body = referral_body()
    first = api.post(REFERRALS, body, format="json", headers={"Idempotency-Key": "3f1c9a52-intake-0001"})

    retry = api.post(REFERRALS, body, format="json", headers={"Idempotency-Key": "3f1c9a52-intake-0001"})

    assert first.status_code == retry.status_code == 201
    assert "Idempotent-Replayed" not in first
    assert retry["Idempotent-Replayed"] == "true"
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["reference"] == first.json()["reference"]
    assert Referral.objects.count() == 1
    assert Clock.objects.count() == 2


def test_the_same_idempotency_key_with_a_different_body_is_a_409(api):
    api.post(REFERRALS, referral_body(urgency="routine"), format="json", headers={"Idempotency-Key": "k-1"})

    response = api.post(
        REFERRALS, referral_body(urgency="emergency"), format="json", headers={"Idempotency-Key": "k-1"}
    )

    assert response.status_code == 409
    assert "Idempotency-Key" in response.json()["detail"]
    assert Referral.objects.count() == 1


def test_idempotency_keys_belong_to_the_caller(api, client_for, alice):
    body = referral_body()
    api.post(REFERRALS, body, format="json", headers={"Idempotency-Key": "shared"})

    response = client_for(alice).post(REFERRALS, body, format="json", headers={"Idempotency-Key": "shared"})

    assert response.status_code == 201
    assert "Idempotent-Replayed" not in response
    assert Referral.objects.count() == 2


@pytest.mark.parametrize("key", ["", "   ", "k" * 129, "tab\there"], ids=["empty", "blank", "too long", "control"])
def test_an_unusable_idempotency_key_is_a_400(api, key):
    response = api.post(REFERRALS, referral_body(), format="json", headers={"Idempotency-Key": key})

    assert response.status_code == 400
    assert "Idempotency-Key" in response.json()
    assert nothing_written()


def test_a_retry_without_received_at_a_few_seconds_later_is_still_a_replay(api, frozen):
    body = referral_body()
    first = api.post(REFERRALS, body, format="json", headers={"Idempotency-Key": "retry-later"})
    frozen.shift(timedelta(seconds=5))

    retry = api.post(REFERRALS, body, format="json", headers={"Idempotency-Key": "retry-later"})

    assert retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]


# --- what one intake costs (issue 17) -------------------------------------------------------


def test_an_intake_for_a_new_person_needs_no_lock_or_lookup_of_their_other_referrals(api, django_assert_num_queries):
    api.post(REFERRALS, referral_body(), format="json")  # the first request's one-off reads
    # The practice with its route (locality and intake team); the NHS number match; the person;
    # the referral, its urgency history; the clock policy with its response target; both clocks in one INSERT and their
    # events in another; the person's and the referral's audit rows in one INSERT; and the
    # savepoint that undoes a retry or a lost race (here, inside the test's transaction; in
    # service it is the request's own transaction, below). No look for an earlier use of the key
    # (the referral's unique key finds a retry), no savepoint of the view's or the person's own (a
    # lost race is tried again whole), and the receipt reads the referral and its clocks as written.
    with django_assert_num_queries(11):
        response = api.post(REFERRALS, referral_body(), format="json", headers={"Idempotency-Key": "cost-new"})
    assert response.status_code == 201
    referral = Referral.objects.get(pk=response.json()["id"])
    assert referral.person_has_other_referrals is False
    assert Clock.objects.filter(referral=referral).count() == 2
    assert referral.clocks.get(kind="first_response").events.get().kind == "started"


@pytest.mark.django_db(transaction=True)
def test_an_intake_is_one_transaction_of_its_own_with_no_savepoint(api):
    api.post(REFERRALS, referral_body(), format="json")  # the first request's one-off reads
    with CaptureQueriesContext(connection) as queries:
        response = api.post(REFERRALS, referral_body(), format="json", headers={"Idempotency-Key": "own-transaction"})

    assert response.status_code == 201
    assert not [q["sql"] for q in queries if "SAVEPOINT" in q["sql"].upper()]
    assert Referral.objects.filter(idempotency_key="own-transaction").exists()


@pytest.mark.django_db(transaction=True)
def test_an_intake_whose_access_receipt_cannot_be_written_leaves_no_referral(api, monkeypatch):
    # Someone known, whose earlier referral the intake account cannot open: the new referral must
    # not become its way in, so the receipt is written in the referral's own transaction, and a
    # failure writing it leaves nothing behind (issue 10).
    nhs_number = valid_nhs_number()
    api.post(REFERRALS, referral_body(person={"nhs_number": nhs_number}), format="json")
    Referral.objects.update(team=None)  # the intake account's route into that first referral, gone

    def refused(**kwargs):
        raise RuntimeError("the audit log refused the receipt's row")

    monkeypatch.setattr("access.intake.audit_record", refused)
    with pytest.raises(RuntimeError):
        api.post(
            REFERRALS,
            referral_body(person={"nhs_number": nhs_number}),
            format="json",
            headers={"Idempotency-Key": "receipt-refused"},
        )

    assert not Referral.objects.filter(idempotency_key="receipt-refused").exists()
    assert Referral.objects.count() == 1
    assert not IntakeReceipt.objects.exists()


def test_the_receipt_of_a_new_referral_says_what_a_replay_read_from_the_database_says(api):
    body = referral_body()
    first = api.post(REFERRALS, body, format="json", headers={"Idempotency-Key": "same-receipt"})
    replay = api.post(REFERRALS, body, format="json", headers={"Idempotency-Key": "same-receipt"})

    # The first receipt is written from the rows in hand (issue 17); the replay's from the database.
    assert replay["Idempotent-Replayed"] == "true"
    assert first.json() == replay.json()
    assert [c["kind"] for c in first.json()["clocks"]] == ["first_response", "treatment"]


def test_an_intake_for_someone_known_by_nhs_number_reuses_the_lock_the_match_took(api, django_assert_num_queries):
    nhs_number = valid_nhs_number()
    first = api.post(REFERRALS, referral_body(person={"nhs_number": nhs_number}), format="json").json()
    # As above, less the person's INSERT, plus marking their earlier referral, and the intake
    # receipt that keeps this account out of the person's history (issue 10).
    with django_assert_num_queries(19):
        response = api.post(REFERRALS, referral_body(person={"nhs_number": nhs_number}), format="json")
    again = Referral.objects.get(pk=response.json()["id"])
    assert again.person_id == Referral.objects.get(pk=first["id"]).person_id
    assert again.person_has_other_referrals is True
    assert Referral.objects.get(pk=first["id"]).person_has_other_referrals is True
