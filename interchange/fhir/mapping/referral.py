"""The referral three ways: the request (UKCore-ServiceRequest), the care it started
(UKCore-EpisodeOfCare), and each waiting-time clock as the work owed against it (UKCore-Task)."""

from datetime import datetime

from fhir.resources.R4B.episodeofcare import EpisodeOfCare
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir.resources.R4B.task import Task

from codes.mhsds import PRIMARY_REASON, SOURCE_OF_REFERRAL, TEAM_TYPE
from interchange.fhir import profiles
from referrals.models import Clock, Referral

from .common import (
    Json,
    coded,
    organisation_reference,
    patient_reference,
    service_request_reference,
    team_reference,
)

# --- ServiceRequest ----------------------------------------------------------------------

SERVICE_REQUEST_STATUS: dict[str, str] = {
    Referral.Status.RECEIVED: "active",
    Referral.Status.TRIAGED: "active",
    Referral.Status.ASSESSED: "active",
    Referral.Status.ALLOCATED: "active",
    Referral.Status.IN_TREATMENT: "active",
    # A redirect hands the same referral to another team: it goes on.
    Referral.Status.REDIRECTED: "active",
    Referral.Status.DISCHARGED: "completed",
    # Closed without treatment (declined, not contactable, duplicate...).
    Referral.Status.CLOSED: "revoked",
}
# The FHIR statuses a search may ask for, each as the referral statuses it stands for.
REFERRAL_STATUSES_FOR: dict[str, list[str]] = {}
for _ours, _theirs in SERVICE_REQUEST_STATUS.items():
    REFERRAL_STATUSES_FOR.setdefault(_theirs, []).append(_ours)

PRIORITY: dict[str, str] = {
    Referral.Urgency.EMERGENCY: "stat",
    Referral.Urgency.VERY_URGENT: "asap",
    Referral.Urgency.URGENT: "urgent",
    Referral.Urgency.ROUTINE: "routine",
}


def service_request(referral: Referral, *, identifier_system: str) -> ServiceRequest:
    """UKCore-ServiceRequest. Reads ``referral.person`` and ``referral.team`` (select_related).

    ``identifier_system`` names our referral references (RF-…): this server's own namespace.
    """
    body: Json = {
        "resourceType": "ServiceRequest",
        "id": str(referral.pk),
        "meta": {"profile": [profiles.SERVICE_REQUEST_PROFILE], "lastUpdated": referral.status_changed_at},
        "identifier": [{"system": identifier_system, "value": referral.reference}],
        "status": SERVICE_REQUEST_STATUS[referral.status],
        "intent": "order",
        "priority": PRIORITY[referral.urgency],
        "subject": patient_reference(referral.person),
        "authoredOn": referral.received_at,
        "extension": [
            {
                "url": profiles.SOURCE_OF_SERVICE_REQUEST_EXTENSION,
                "valueCodeableConcept": coded(
                    SOURCE_OF_REFERRAL, "SourceOfReferralMH", referral.mhsds_source_of_referral
                ),
            }
        ],
    }
    if referral.primary_reason:
        body["reasonCode"] = [coded(PRIMARY_REASON, "PrimReasonReferralMH", referral.primary_reason)]
    if referral.team is not None:
        body["performer"] = [team_reference(referral.team)]
        if referral.team.mhsds_team_type:
            body["category"] = [coded(TEAM_TYPE, "ServTeamTypeRefToMH", referral.team.mhsds_team_type)]
    if referral.ended_at is not None:
        body["occurrencePeriod"] = {"start": referral.received_at, "end": referral.ended_at}
    return ServiceRequest.model_validate(body)


# --- EpisodeOfCare -----------------------------------------------------------------------

EPISODE_STATUS: dict[str, str] = {
    # Waiting: nobody has started working with the person yet.
    Referral.Status.RECEIVED: "waitlist",
    Referral.Status.TRIAGED: "waitlist",
    Referral.Status.ASSESSED: "waitlist",
    Referral.Status.ALLOCATED: "active",
    Referral.Status.IN_TREATMENT: "active",
    Referral.Status.REDIRECTED: "active",
    Referral.Status.DISCHARGED: "finished",
    Referral.Status.CLOSED: "cancelled",
}
REFERRAL_STATUSES_FOR_EPISODE: dict[str, list[str]] = {}
for _ours, _theirs in EPISODE_STATUS.items():
    REFERRAL_STATUSES_FOR_EPISODE.setdefault(_theirs, []).append(_ours)


def episode_of_care(referral: Referral) -> EpisodeOfCare:
    """UKCore-EpisodeOfCare: the care the referral started, from receipt to discharge or closure.
    Reads ``referral.person``, ``referral.team.organisation`` and ``referral.allocated_to``."""
    period: Json = {"start": referral.received_at}
    if referral.ended_at is not None:
        period["end"] = referral.ended_at
    body: Json = {
        "resourceType": "EpisodeOfCare",
        "id": str(referral.pk),
        "meta": {"profile": [profiles.EPISODE_OF_CARE_PROFILE], "lastUpdated": referral.status_changed_at},
        "status": EPISODE_STATUS[referral.status],
        "patient": patient_reference(referral.person),
        "period": period,
        "referralRequest": [service_request_reference(referral)],
    }
    if referral.team is not None:
        body["managingOrganization"] = organisation_reference(referral.team.organisation)
        if referral.team.mhsds_team_type:
            body["type"] = [coded(TEAM_TYPE, "ServTeamTypeRefToMH", referral.team.mhsds_team_type)]
    owner = task_owner(referral)
    if owner is not None and owner["type"] == "Practitioner":
        body["careManager"] = owner
    return EpisodeOfCare.model_validate(body)


# --- Task (a waiting-time clock on the referral) -------------------------------------------


def task_status(clock: Clock) -> str:
    if clock.stopped_at is not None:
        # Superseded by a restarted clock, or the referral ended before the wait did.
        cancelled = clock.stop_reason in (Clock.StopReason.RESTARTED, Clock.StopReason.REFERRAL_ENDED)
        return "cancelled" if cancelled else "completed"
    if clock.paused_at is not None:
        return "on-hold"
    return "in-progress"


def task(clock: Clock, *, now: datetime) -> Task:
    """UKCore-Task: one waiting-time clock, owned by whoever holds the referral (the allocated
    link worker, else the team). Reads ``clock.referral`` with its person, team and allocated
    worker (select_related)."""
    referral = clock.referral
    body: Json = {
        "resourceType": "Task",
        "id": str(clock.pk),
        "meta": {"profile": [profiles.TASK_PROFILE]},
        "status": task_status(clock),
        "businessStatus": {"text": "breached" if clock.is_breached(now) else "within target"},
        "intent": "order",
        "code": {"text": clock.get_kind_display()},
        "focus": service_request_reference(referral),
        "basedOn": [service_request_reference(referral)],
        "for": patient_reference(referral.person),
        "authoredOn": clock.started_at,
        "restriction": {"period": {"start": clock.started_at, "end": clock.due_at}},
    }
    if clock.stopped_at is not None:
        body["executionPeriod"] = {"start": clock.started_at, "end": clock.stopped_at}
    owner = task_owner(referral)
    if owner is not None:
        body["owner"] = owner
    return Task.model_validate(body)


def task_owner(referral: Referral) -> Json | None:
    if referral.allocated_to is not None and referral.ended_at is None:
        worker = referral.allocated_to
        return {"reference": f"Practitioner/{worker.pk}", "type": "Practitioner", "display": str(worker)}
    if referral.team is not None:
        return team_reference(referral.team)
    return None
