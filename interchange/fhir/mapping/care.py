"""What happens in the care: contacts (UKCore-Encounter), outcome scores (UKCore-Observation)
and the plan agreed with the person (UKCore-CarePlan)."""

from fhir.resources.R4B.careplan import CarePlan as FhirCarePlan
from fhir.resources.R4B.encounter import Encounter
from fhir.resources.R4B.observation import Observation

from codes.mhsds import ATTENDANCE, CARE_PLAN_TYPE, CONSULTATION_MECHANISM, FACE_TO_FACE
from codes.snomed import OUTCOME_TOOL_BY_CODE
from interchange.fhir import profiles
from referrals.models import CarePlan, Contact, OutcomeMeasure

from .common import Json, coded, organisation_identifier, patient_reference, service_request_reference

# --- Encounter ---------------------------------------------------------------------------

# AttendStatus: attended (5, 6) is finished; everything else never became an encounter.
# 7 (arrived late, not seen) and 3 (did not attend) are "cancelled" too: R4 has no "no-show";
# the exact AttendStatus is in Encounter.type.
ENCOUNTER_STATUS = {
    "5": "finished",
    "6": "finished",
    "7": "cancelled",
    "2": "cancelled",
    "3": "cancelled",
    "4": "cancelled",
}


def encounter(contact: Contact) -> Encounter:
    """UKCore-Encounter. Reads ``contact.referral`` with its person and team (select_related).

    The contact's note is not here: notes are gated by consent (ADR 6), and this API carries none.
    """
    referral = contact.referral
    face_to_face = contact.consultation_mechanism == FACE_TO_FACE
    body: Json = {
        "resourceType": "Encounter",
        "id": str(contact.pk),
        "meta": {"profile": [profiles.ENCOUNTER_PROFILE], "lastUpdated": contact.recorded_at},
        "status": ENCOUNTER_STATUS.get(contact.attendance, "unknown"),
        "class": {
            "system": profiles.ACT_CODE_SYSTEM,
            "code": "AMB" if face_to_face else "VR",
            "display": "ambulatory" if face_to_face else "virtual",
        },
        "type": [
            coded(CONSULTATION_MECHANISM, "ConsMechanismMH", contact.consultation_mechanism),
            coded(ATTENDANCE, "AttendStatus", contact.attendance),
        ],
        "subject": patient_reference(referral.person),
        "basedOn": [service_request_reference(referral)],
        "period": {"start": contact.occurred_at},
    }
    if referral.team is not None:
        body["serviceProvider"] = {
            "type": "Organization",
            "display": referral.team.name,
            **organisation_identifier(referral.team),
        }
    return Encounter.model_validate(body)


# --- Observation -------------------------------------------------------------------------


def observation(measure: OutcomeMeasure) -> Observation:
    """UKCore-Observation: one outcome score (ReQoL-10, CORE-10, PHQ-9, GAD-7, DIALOG), coded
    with the SNOMED CT concept of the tool's score. Reads ``measure.referral.person``."""
    referral = measure.referral
    tool = OUTCOME_TOOL_BY_CODE.get(measure.tool_code)
    code: Json = {"text": measure.instrument}
    if tool is not None:
        code["coding"] = [{"system": profiles.SNOMED_CT, "code": tool.code, "display": tool.display}]
    body: Json = {
        "resourceType": "Observation",
        "id": str(measure.pk),
        "meta": {"profile": [profiles.OBSERVATION_PROFILE], "lastUpdated": measure.recorded_at},
        "status": "final",
        "category": [
            {"coding": [{"system": profiles.OBSERVATION_CATEGORY_SYSTEM, "code": "survey", "display": "Survey"}]},
            # When in the referral it was taken: baseline, review or discharge (ADR 11).
            {"text": measure.get_stage_display()},
        ],
        "code": code,
        "subject": patient_reference(referral.person),
        "basedOn": [service_request_reference(referral)],
        "effectiveDateTime": measure.recorded_at,
        "issued": measure.recorded_at,
        "valueQuantity": {"value": measure.score},
    }
    return Observation.model_validate(body)


# --- CarePlan ----------------------------------------------------------------------------


def care_plan(plan: CarePlan) -> FhirCarePlan:
    """UKCore-CarePlan: the plan agreed with the person, its goals contained as Goal resources.
    Reads ``plan.referral.person`` and ``plan.goals`` (prefetched)."""
    referral = plan.referral
    subject = patient_reference(referral.person)
    goals = [
        {
            "resourceType": "Goal",
            "id": f"goal-{goal.pk}",
            "lifecycleStatus": "completed" if goal.achieved_at is not None else "active",
            "achievementStatus": {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/goal-achievement",
                        "code": "achieved" if goal.achieved_at is not None else "in-progress",
                    }
                ]
            },
            "description": {"text": goal.description},
            "subject": subject,
            "target": [{"dueDate": goal.review_date}],
        }
        for goal in plan.goals.all()
    ]
    body: Json = {
        "resourceType": "CarePlan",
        "id": str(plan.pk),
        "meta": {"profile": [profiles.CARE_PLAN_PROFILE]},
        # A referral's plans stand until it ends (ADR 11: a later plan does not retire an earlier one).
        "status": "active" if referral.ended_at is None else "completed",
        "intent": "plan",
        "category": [coded(CARE_PLAN_TYPE, "CarePlanTypeMH", plan.plan_type)],
        "description": plan.summary,
        "subject": subject,
        "period": {"start": plan.agreed_at},
        "created": plan.agreed_at,
        # CarePlan.basedOn names only other care plans: the referral is supporting information.
        "supportingInfo": [service_request_reference(referral)],
    }
    if goals:
        body["contained"] = goals
        body["goal"] = [{"reference": f"#{g['id']}"} for g in goals]
    return FhirCarePlan.model_validate(body)
