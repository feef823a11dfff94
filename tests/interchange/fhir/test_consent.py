"""GET /fhir/Consent/<id> and /fhir/Consent?patient=…: the person's decisions about sharing their
record with partner organisations, the one in force active, earlier or withdrawn ones inactive."""

from datetime import timedelta

import pytest
from django.utils import timezone

from access.consent import consent_record, consent_withdraw
from accounts.models import AuditEvent
from referrals.models import SharingConsent

from .conftest import UK_CORE, fhir, ids

pytestmark = pytest.mark.usefixtures("frozen")


@pytest.fixture
def later(frozen):
    frozen.shift(timedelta(hours=1))


def test_consent_given_to_named_organisations_is_an_active_opt_in_naming_them(
    client_for, alice, referral, vcse, trust, later
):
    trust.ods_code = "RXX"  # an invented ODS code
    trust.save(update_fields=["ods_code"])
    decision = consent_record(
        person=referral.person,
        by=alice,
        now=timezone.now(),
        decision=SharingConsent.Decision.GIVEN,
        scope=SharingConsent.Scope.NAMED_ORGANISATIONS,
        organisations=[vcse],
    )

    body = fhir(client_for(alice).get(f"/fhir/Consent/{decision.pk}"))

    assert body["meta"]["profile"] == [UK_CORE + "UKCore-Consent"]
    assert body["status"] == "active"
    assert body["scope"]["coding"][0]["code"] == "patient-privacy"
    assert body["patient"]["reference"] == f"Patient/{referral.person_id}"
    assert body["dateTime"] == "2025-03-10T10:00:00Z"
    assert body["policyRule"]["coding"][0]["code"] == "OPTIN"
    assert body["organization"] == [
        {
            "type": "Organization",
            "display": "Synthetic Partnership NHS Trust",
            "identifier": {"system": "https://fhir.nhs.uk/Id/ods-organization-code", "value": "RXX"},
        }
    ]
    assert body["provision"]["type"] == "permit"
    assert [a["reference"]["display"] for a in body["provision"]["actor"]] == ["Synthetic Mind"]
    row = AuditEvent.objects.get(action="record.view", object_type="fhir.Consent")
    assert (row.actor, row.person_id) == (alice, referral.person_id)


def test_a_refusal_in_force_is_an_active_deny(client_for, alice, referral, later):
    decision = consent_record(
        person=referral.person, by=alice, now=timezone.now(), decision=SharingConsent.Decision.REFUSED
    )

    body = fhir(client_for(alice).get(f"/fhir/Consent/{decision.pk}"))

    assert (body["status"], body["provision"]["type"]) == ("active", "deny")
    assert body["policyRule"]["coding"][0]["code"] == "OPTOUT"


def test_a_withdrawn_consent_is_inactive_and_ends_when_withdrawn(client_for, alice, referral, later, frozen):
    given = consent_record(
        person=referral.person,
        by=alice,
        now=timezone.now(),
        decision=SharingConsent.Decision.GIVEN,
        scope=SharingConsent.Scope.CARE_TEAM,
    )
    frozen.shift(timedelta(days=1))
    consent_withdraw(consent=given, by=alice, now=timezone.now())

    body = fhir(client_for(alice).get(f"/fhir/Consent/{given.pk}"))

    assert body["status"] == "inactive"
    assert body["provision"]["period"] == {"start": "2025-03-10T10:00:00Z", "end": "2025-03-11T10:00:00Z"}


def test_search_by_patient_lists_every_decision_newest_first_only_the_latest_active(
    client_for, alice, charlie, referral, later, frozen
):
    first = consent_record(
        person=referral.person, by=alice, now=timezone.now(), decision=SharingConsent.Decision.REFUSED
    )
    frozen.shift(timedelta(days=1))
    second = consent_record(
        person=referral.person, by=alice, now=timezone.now(), decision=SharingConsent.Decision.REFUSED
    )

    bundle = fhir(client_for(alice).get("/fhir/Consent", {"patient": f"Patient/{referral.person_id}"}))
    hidden = fhir(client_for(charlie).get("/fhir/Consent", {"patient": f"Patient/{referral.person_id}"}))

    assert ids(bundle) == [str(second.pk), str(first.pk)]
    assert [e["resource"]["status"] for e in bundle["entry"]] == ["active", "inactive"]
    assert ids(hidden) == []
