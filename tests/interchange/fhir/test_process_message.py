"""POST /fhir/$process-message: a referral sent as a BaRS message Bundle is made by the same
service as POST /api/v1/referrals/ (matching, routing, clocks, audit), once per MessageHeader.id,
and answered with a response message that names the referral and echoes nothing stored about the
person. A message we cannot take is an OperationOutcome naming each problem, and writes nothing."""

import json
from datetime import date

import pytest
from rest_framework.test import APIClient

from access.models import IntakeReceipt
from accounts.models import AuditEvent
from interchange.models import ProcessedMessage
from referrals.models import Clock, Person, Referral, RiskFlag
from tests.factories import make_referral, valid_nhs_number

from .conftest import BASE, fhir
from .messages import (
    HEADER,
    PATIENT,
    PROCESS_MESSAGE,
    SERVICE_REQUEST,
    changed,
    referral_message,
    resource,
    with_source_code,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("frozen")]


@pytest.fixture
def send(client_for, intake, north_team, north_practice, south_team, south_practice):
    """Post a message as ``user`` (the intake account unless told)."""

    def post(message, user=None, **kwargs):
        client = client_for(user or intake)
        return client.post(PROCESS_MESSAGE, json.dumps(message), content_type="application/fhir+json", **kwargs)

    return post


def header_of(response_bundle: dict) -> dict:
    assert response_bundle["type"] == "message"
    first = response_bundle["entry"][0]["resource"]
    assert first["resourceType"] == "MessageHeader"
    return first


def referral_named_by(response_bundle: dict) -> Referral:
    [focus] = header_of(response_bundle)["focus"]
    assert focus["reference"].startswith(f"{BASE}ServiceRequest/")
    return Referral.objects.get(pk=focus["reference"].rsplit("/", 1)[1])


def nothing_written() -> bool:
    return not any(m.objects.exists() for m in (Person, Referral, Clock, RiskFlag, ProcessedMessage))


# --- a referral made -------------------------------------------------------------------------


def test_a_gp_referral_message_makes_a_referral_routed_to_the_practices_team_with_both_clocks(send, intake, north_team):
    message = referral_message(nhs_number="9434765919")

    body = fhir(send(message))

    header = header_of(body)
    assert header["response"] == {"identifier": resource(message, HEADER)["id"], "code": "ok"}
    assert header["eventCoding"]["code"] == "servicerequest-response"
    assert header["destination"] == [{"endpoint": "https://gp-system.example.nhs.uk/bars"}]
    referral = referral_named_by(body)
    assert header["focus"][0]["identifier"]["value"] == referral.reference
    assert (referral.source, referral.urgency, referral.team, referral.created_by) == (
        Referral.Source.GP,
        Referral.Urgency.ROUTINE,
        north_team,
        intake,
    )
    assert referral.presenting_need == (
        "Low mood and anxiety for three months; not sleeping.\n\nHas asked for telephone contact in the afternoons."
    )
    person = referral.person
    assert (person.nhs_number, person.given_name, person.family_name) == ("9434765919", "Robin", "Synthetic")
    assert (person.birth_date, person.postcode, person.gp_practice.ods_code) == (date(1990, 5, 17), "BS1 4XX", "L81001")
    clocks = {c.kind: c for c in referral.clocks.filter(is_current=True)}
    assert set(clocks) == {Clock.Kind.FIRST_RESPONSE, Clock.Kind.TREATMENT}
    tasks = {e["resource"]["code"]["text"]: e["resource"] for e in body["entry"][1:]}
    assert {t["restriction"]["period"]["end"] for t in tasks.values()} == {
        c.due_at.isoformat().replace("+00:00", "Z") for c in clocks.values()
    }
    assert all(t["owner"]["reference"] == f"HealthcareService/{north_team.pk}" for t in tasks.values())
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"referral.create", "fhir.message.process"} <= actions


@pytest.mark.parametrize(
    ("priority", "urgency"),
    [
        (None, Referral.Urgency.ROUTINE),
        ("routine", Referral.Urgency.ROUTINE),
        ("urgent", Referral.Urgency.URGENT),
        ("asap", Referral.Urgency.VERY_URGENT),
        ("stat", Referral.Urgency.EMERGENCY),
    ],
)
def test_the_service_requests_priority_is_the_referrals_urgency(send, priority, urgency):
    body = fhir(send(referral_message(priority=priority)))

    assert referral_named_by(body).urgency == urgency


def test_a_clinician_in_a_team_may_send_one_too(send, alice):
    assert send(referral_message(), user=alice).status_code == 200


def test_a_flag_about_the_patient_raises_a_risk_flag_on_the_person(send, intake):
    body = fhir(send(referral_message(risk="Said they have thought about ending their life.")))

    [flag] = referral_named_by(body).person.risk_flags.all()
    assert (flag.kind, flag.note, flag.raised_by) == (
        RiskFlag.Kind.OTHER,
        "Said they have thought about ending their life.",
        intake,
    )


@pytest.mark.parametrize(
    ("code", "source"),
    [
        ("M2", Referral.Source.MENTAL_HEALTH_LINE),  # NHS 111 option 2: a telephone access service
        ("H1", Referral.Source.EMERGENCY_DEPARTMENT),
        ("B1", Referral.Source.SELF),
        ("E3", Referral.Source.OTHER),  # probation: no source of ours, the exact code kept
    ],
)
def test_the_uk_core_source_extension_decides_the_source_and_its_mhsds_code(send, code, source):
    body = fhir(send(with_source_code(referral_message(sender="NHS111"), code)))

    referral = referral_named_by(body)
    assert (referral.source, referral.mhsds_source_of_referral) == (source, code)


def test_a_sender_that_is_not_a_practice_we_know_makes_it_another_source(send):
    body = fhir(send(referral_message(sender="RYX")))

    assert referral_named_by(body).source == Referral.Source.OTHER


# --- once per message ------------------------------------------------------------------------


def test_a_resend_gets_the_same_response_and_makes_nothing(send):
    message = referral_message()
    first = fhir(send(message))

    again = send(message)

    assert fhir(again) == first
    assert again["Idempotent-Replayed"] == "true"
    assert (Referral.objects.count(), Person.objects.count(), Clock.objects.count()) == (1, 1, 2)


def test_a_resend_assembled_again_with_a_new_timestamp_is_the_same_message(send):
    message = referral_message()
    first = fhir(send(message))

    again = fhir(send(changed(message, lambda m: m.update(timestamp="2025-03-10T08:59:00+00:00"))))

    assert again == first
    assert Referral.objects.count() == 1


def test_a_different_message_under_an_id_already_used_is_a_409(send):
    message = referral_message()
    send(message)

    response = send(changed(message, lambda m: resource(m, SERVICE_REQUEST).update(priority="urgent")))

    outcome = fhir(response, 409)
    assert outcome["issue"][0]["code"] == "duplicate"
    assert Referral.objects.count() == 1


def test_message_ids_belong_to_their_sender(send, alice):
    message = referral_message()
    send(message)

    fhir(send(message, user=alice))

    assert Referral.objects.count() == 2


# --- a receipt, never the record -------------------------------------------------------------


def test_a_message_about_someone_already_known_echoes_nothing_stored_about_them(send, intake, alice, south_practice):
    number = valid_nhs_number()
    known = make_referral(
        by=alice,
        practice=south_practice,
        nhs_number=number,
        given_name="Morwenna",
        family_name="Trevithick",
        birth_date=date(1984, 2, 29),
        postcode="TR1 2AB",
    ).person

    response = send(referral_message(nhs_number=number, birth_date="1984-02-29"))

    body = fhir(response)
    assert referral_named_by(body).person == known  # matched by NHS number, as the API does
    text = response.content.decode()
    for stored in ("Morwenna", "Trevithick", "TR1 2AB", "Hillcrest", "L81002", f"Patient/{known.pk}"):
        assert stored not in text
    assert all("for" not in e["resource"] for e in body["entry"][1:])
    # The intake account could not open the person before: the new referral does not let it in.
    assert IntakeReceipt.objects.filter(user=intake, referral=referral_named_by(body)).exists()


# --- messages we cannot take: an OperationOutcome naming each problem, nothing written -----------


def _drop_entry(index):
    return lambda m: m["entry"].pop(index)


def _set(index, **fields):
    return lambda m: resource(m, index).update(fields)


BAD = [
    pytest.param(lambda m: None, "{not json", 400, None, id="not JSON"),
    pytest.param(
        lambda m: None,
        {"resourceType": "Patient", "name": [{"family": "Synthetic"}]},
        400,
        "Bundle",
        id="not a Bundle",
    ),
    pytest.param(lambda m: m.update(type="collection"), None, 400, "Bundle.type", id="not a message"),
    pytest.param(lambda m: m["entry"].reverse(), None, 400, "Bundle.entry[0].resource", id="MessageHeader not first"),
    pytest.param(_drop_entry(SERVICE_REQUEST), None, 422, "Bundle.entry", id="no ServiceRequest"),
    pytest.param(_drop_entry(PATIENT), None, 422, "Bundle.entry", id="no Patient"),
    pytest.param(
        lambda m: resource(m, PATIENT)["identifier"][0].update(value="9434765918"),
        None,
        422,
        "Bundle.entry[2].resource.identifier[0].value",
        id="NHS number with a wrong check digit",
    ),
    pytest.param(
        lambda m: resource(m, PATIENT)["generalPractitioner"][0]["identifier"].update(value="Y99999"),
        None,
        422,
        "Bundle.entry[2].resource.generalPractitioner[0].identifier.value",
        id="unknown GP ODS code",
    ),
    pytest.param(
        _set(PATIENT, birthDate="2025-03-11"), None, 422, "Bundle.entry[2].resource.birthDate", id="born tomorrow"
    ),
    pytest.param(
        _set(SERVICE_REQUEST, priority="whenever"),
        None,
        422,
        "Bundle.entry[1].resource.priority",
        id="unknown priority",
    ),
    pytest.param(
        _set(PATIENT, birthDate="17/05/1990"),
        None,
        400,
        "Bundle.entry[2].resource.birthDate",
        id="refused by fhir.resources: not a FHIR date",
    ),
    pytest.param(
        _set(SERVICE_REQUEST, urgency="high"),
        None,
        400,
        "Bundle.entry[1].resource.urgency",
        id="refused by fhir.resources: no such element",
    ),
    pytest.param(
        lambda m: resource(m, HEADER).pop("source"),
        None,
        400,
        "Bundle.entry[0].resource.source",
        id="refused by fhir.resources: a required element missing",
    ),
    pytest.param(
        lambda m: resource(m, HEADER)["eventCoding"].update(code="booking-request"),
        None,
        422,
        "Bundle.entry[0].resource.eventCoding",
        id="not a referral request",
    ),
    pytest.param(lambda m: resource(m, PATIENT).pop("name"), None, 422, "Bundle.entry[2].resource.name", id="no name"),
    pytest.param(
        lambda m: resource(m, SERVICE_REQUEST).update(reasonCode=[], note=[]),
        None,
        422,
        "Bundle.entry[1].resource.reasonCode",
        id="no presenting need",
    ),
]


@pytest.mark.parametrize(("change", "raw", "status", "expression"), BAD)
def test_a_message_we_cannot_take_is_an_operation_outcome_naming_where_and_writes_nothing(
    send, client_for, intake, change, raw, status, expression
):
    if isinstance(raw, str):
        response = client_for(intake).post(PROCESS_MESSAGE, raw, content_type="application/fhir+json")
    else:
        response = send(raw if raw is not None else changed(referral_message(), change))

    outcome = fhir(response, status)
    assert outcome["resourceType"] == "OperationOutcome"
    if expression is not None:
        assert expression in [e for issue in outcome["issue"] for e in issue.get("expression", [])], outcome
    assert nothing_written()


def test_every_problem_is_named_at_once(send):
    def spoil(m):
        resource(m, PATIENT)["identifier"][0]["value"] = "123"
        resource(m, PATIENT)["birthDate"] = "2030-01-01"
        resource(m, SERVICE_REQUEST)["priority"] = "whenever"

    outcome = fhir(send(changed(referral_message(), spoil)), 422)

    assert sorted(i["expression"][0] for i in outcome["issue"]) == [
        "Bundle.entry[1].resource.priority",
        "Bundle.entry[2].resource.birthDate",
        "Bundle.entry[2].resource.identifier[0].value",
    ]
    assert nothing_written()


def test_a_flag_about_someone_else_is_refused(send):
    def elsewhere(m):
        m["entry"][-1]["resource"]["subject"] = {"reference": "Patient/somebody-else"}

    outcome = fhir(send(changed(referral_message(risk="Lone working: do not visit alone."), elsewhere)), 422)

    assert outcome["issue"][0]["expression"] == ["Bundle.entry[4].resource.subject"]
    assert nothing_written()


def test_a_known_nhs_number_with_another_birth_date_is_refused_at_the_birth_date(send, alice):
    number = valid_nhs_number()
    make_referral(by=alice, nhs_number=number, birth_date=date(1984, 2, 29))

    outcome = fhir(send(referral_message(nhs_number=number, birth_date="1990-05-17")), 422)

    assert outcome["issue"][0]["expression"] == ["Bundle.entry[2].resource.birthDate"]
    assert Referral.objects.count() == 1


# --- who may send --------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["bob", "sam"])
def test_a_role_that_does_not_take_referrals_gets_a_403_operation_outcome(send, request, who):
    response = send(referral_message(), user=request.getfixturevalue(who))

    outcome = fhir(response, 403)
    assert outcome["issue"][0]["code"] == "forbidden"
    assert nothing_written()


def test_no_credentials_is_a_401_operation_outcome(north_practice):
    response = APIClient().post(PROCESS_MESSAGE, json.dumps(referral_message()), content_type="application/fhir+json")

    outcome = fhir(response, 401)
    assert outcome["issue"][0]["code"] == "login"
    assert nothing_written()


# --- what the server says it does ------------------------------------------------------------


def test_the_capability_statement_lists_process_message_and_the_bars_referral_it_receives():
    body = fhir(APIClient().get("/fhir/metadata"))

    [operation] = body["rest"][0]["operation"]
    assert operation["name"] == "process-message"
    [messaging] = body["messaging"]
    assert messaging["endpoint"][0]["address"] == f"{BASE}$process-message"
    assert messaging["supportedMessage"] == [
        {
            "mode": "receiver",
            "definition": "https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-request-referral",
        },
        {
            "mode": "receiver",
            "definition": "https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-request-cancelled",
        },
    ]
