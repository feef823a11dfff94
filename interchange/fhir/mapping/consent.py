"""UKCore-Consent: the person's decision about sharing their record with partner organisations
(``referrals.SharingConsent``), the one the access rules read (docs/adr/0006)."""

from fhir.resources.R4B.consent import Consent

from interchange.fhir import profiles
from localities.models import Organisation
from referrals.models import SharingConsent

from .common import Json, patient_reference


def consent(decision: SharingConsent, *, superseded: bool) -> Consent:
    """Reads ``decision.person``, ``decision.recorded_by.organisation`` and the organisations
    named (prefetched). ``superseded``: a later decision about the same person replaced it."""
    given = decision.decision == SharingConsent.Decision.GIVEN
    period: Json = {"start": decision.recorded_at}
    if decision.withdrawn_at is not None:
        period["end"] = decision.withdrawn_at
    provision: Json = {"type": "permit" if given else "deny", "period": period}
    if decision.scope == SharingConsent.Scope.NAMED_ORGANISATIONS:
        provision["actor"] = [_recipient(org) for org in decision.organisations.all()]
    body: Json = {
        "resourceType": "Consent",
        "id": str(decision.pk),
        "meta": {"profile": [profiles.CONSENT_PROFILE], "lastUpdated": decision.withdrawn_at or decision.recorded_at},
        # In force until withdrawn or replaced; a refusal in force is an active "deny".
        "status": "inactive" if superseded or decision.withdrawn_at is not None else "active",
        "scope": {"coding": [{"system": profiles.CONSENT_SCOPE_SYSTEM, "code": "patient-privacy"}]},
        "category": [{"text": "Sharing the mental health record with partner organisations"}],
        "patient": patient_reference(decision.person),
        "dateTime": decision.recorded_at,
        "policyRule": {
            "coding": [{"system": profiles.ACT_CODE_SYSTEM, "code": "OPTIN" if given else "OPTOUT"}],
            "text": decision.get_scope_display() if given else decision.get_decision_display(),
        },
        "provision": provision,
    }
    recorder = decision.recorded_by.organisation
    if recorder is not None:
        body["organization"] = [_organisation(recorder)]
    return Consent.model_validate(body)


def _organisation(org: Organisation) -> Json:
    reference: Json = {"type": "Organization", "display": org.name}
    if org.ods_code:
        reference["identifier"] = {"system": profiles.ODS_ORGANISATION_SYSTEM, "value": org.ods_code}
    return reference


def _recipient(org: Organisation) -> Json:
    role = {"system": profiles.PARTICIPATION_TYPE_SYSTEM, "code": "IRCP", "display": "information recipient"}
    return {"role": {"coding": [role]}, "reference": _organisation(org)}
