"""A referral as a GP system sends it over the Booking and Referral Standard (BaRS): a Bundle of
type "message", MessageHeader first, then the ServiceRequest, the Patient, the sending practice
(an Organization) and, when asked, a Flag for a risk. Synthetic people only."""

import copy
import uuid

from tests.factories import valid_nhs_number

PROCESS_MESSAGE = "/fhir/$process-message"
BARS_EVENTS = "https://fhir.nhs.uk/CodeSystem/message-events-bars"
ODS = "https://fhir.nhs.uk/Id/ods-organization-code"
NHS_NUMBER = "https://fhir.nhs.uk/Id/nhs-number"
SOURCE_EXTENSION = "https://fhir.hl7.org.uk/StructureDefinition/Extension-UKCore-SourceOfServiceRequest"
MHSDS = "https://digital.nhs.uk/data-and-information/data-collections-and-data-sets/data-sets/mental-health-services-data-set"

# Entry positions in the message below, as the OperationOutcome expressions name them.
HEADER, SERVICE_REQUEST, PATIENT, SENDER = 0, 1, 2, 3


def referral_message(
    *,
    nhs_number: str | None = None,
    practice: str = "L81001",
    sender: str = "L81001",
    priority: str | None = "routine",
    birth_date: str = "1990-05-17",
    risk: str | None = None,
    message_id: str | None = None,
) -> dict:
    patient, request, header = (f"urn:uuid:{uuid.uuid4()}" for _ in range(3))
    organisation = f"urn:uuid:{uuid.uuid4()}"
    service_request = {
        "resourceType": "ServiceRequest",
        "status": "active",
        "intent": "plan",
        "subject": {"reference": patient},
        "authoredOn": "2025-03-10T08:30:00+00:00",
        "reasonCode": [{"text": "Low mood and anxiety for three months; not sleeping."}],
        "note": [{"text": "Has asked for telephone contact in the afternoons."}],
    }
    if priority is not None:
        service_request["priority"] = priority
    bundle = {
        "resourceType": "Bundle",
        "id": str(uuid.uuid4()),
        "type": "message",
        "timestamp": "2025-03-10T08:45:00+00:00",
        "entry": [
            {
                "fullUrl": header,
                "resource": {
                    "resourceType": "MessageHeader",
                    "id": message_id or str(uuid.uuid4()),
                    "eventCoding": {"system": BARS_EVENTS, "code": "servicerequest-request"},
                    "reason": {
                        "coding": [{"system": "https://fhir.nhs.uk/CodeSystem/message-reason-bars", "code": "new"}]
                    },
                    "destination": [{"endpoint": "https://mh.example.nhs.uk/fhir/$process-message"}],
                    "sender": {"reference": organisation},
                    "source": {"endpoint": "https://gp-system.example.nhs.uk/bars"},
                    "focus": [{"reference": request}],
                    "definition": "https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-request-referral",
                },
            },
            {"fullUrl": request, "resource": service_request},
            {
                "fullUrl": patient,
                "resource": {
                    "resourceType": "Patient",
                    "identifier": [{"system": NHS_NUMBER, "value": nhs_number or valid_nhs_number()}],
                    "name": [{"use": "official", "family": "Synthetic", "given": ["Robin"]}],
                    "birthDate": birth_date,
                    "address": [{"use": "home", "postalCode": "BS1 4XX"}],
                    "generalPractitioner": [{"type": "Organization", "identifier": {"system": ODS, "value": practice}}],
                },
            },
            {
                "fullUrl": organisation,
                "resource": {
                    "resourceType": "Organization",
                    "identifier": [{"system": ODS, "value": sender}],
                    "name": "Harbourside Surgery",
                },
            },
        ],
    }
    if risk is not None:
        bundle["entry"].append(
            {
                "fullUrl": f"urn:uuid:{uuid.uuid4()}",
                "resource": {
                    "resourceType": "Flag",
                    "status": "active",
                    "category": [{"text": "Safety"}],
                    "code": {"text": risk},
                    "subject": {"reference": patient},
                },
            }
        )
    return bundle


def changed(message: dict, change) -> dict:
    """A copy of ``message`` with ``change(copy)`` applied."""
    altered = copy.deepcopy(message)
    change(altered)
    return altered


def resource(message: dict, index: int) -> dict:
    return message["entry"][index]["resource"]


def with_source_code(message: dict, code: str) -> dict:
    """The UK Core source-of-referral extension, coded in MHSDS SourceOfReferralMH."""

    def add(m: dict) -> None:
        resource(m, SERVICE_REQUEST)["extension"] = [
            {
                "url": SOURCE_EXTENSION,
                "valueCodeableConcept": {"coding": [{"system": f"{MHSDS}#SourceOfReferralMH", "code": code}]},
            }
        ]

    return changed(message, add)


def cancellation_message(original: dict, reference: str, *, message_id: str | None = None) -> dict:
    """BaRS' cancellation of ``original``: a new MessageHeader, reason "update", the
    cancellation's definition, and the ServiceRequest "revoked", naming our referral by the
    identifier our response gave it."""

    def cancel(m: dict) -> None:
        header = resource(m, HEADER)
        header["id"] = message_id or str(uuid.uuid4())
        header["reason"]["coding"][0]["code"] = "update"
        header["definition"] = "https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-request-cancelled"
        request = resource(m, SERVICE_REQUEST)
        request["status"] = "revoked"
        request["identifier"] = [{"system": "http://testserver/fhir/Id/referral-reference", "value": reference}]
        request["note"] = [{"text": "Seen by the practice's own counsellor instead."}]

    return changed(original, cancel)
