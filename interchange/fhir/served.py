"""What the FHIR API serves: for each resource type, where its rows come from (the selectors),
how it is searched, how a row becomes the resource, and whose record that row is (for the
audit). The views, the URLs and the CapabilityStatement are all made from this one list, so
what /fhir/metadata says is exactly what the server does."""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import QuerySet
from django.http import QueryDict
from fhir.resources.R4B.resource import Resource

from accounts.models import User
from accounts.reads import LIST, SEARCH

from . import mapping, profiles, search, selectors

PATIENT = "Patient/<id>, <id> or the Patient's full URL"


@dataclass(frozen=True)
class Served:
    type: str
    profile: str
    visible: Callable[[User], selectors.Visible[Any]]  # the user's rows, before a read or search narrows them
    load: Callable[[list[int]], QuerySet]
    search: Callable[[selectors.Visible[Any], QueryDict], QuerySet]
    to_fhir: Callable[[Any, str, datetime], Resource]  # (row, server base, now)
    person_of: Callable[[Any], int | None]  # None: not a person's record (staff, teams)
    ordering: tuple[str, ...]
    params: tuple[tuple[str, str, str], ...]  # (name, FHIR search type, what it takes)
    audit_search: str = LIST


def _of_referral(row: Any) -> int:
    return row.referral.person_id


SERVED: tuple[Served, ...] = (
    Served(
        type="Patient",
        profile=profiles.PATIENT_PROFILE,
        visible=selectors.patients_visible_to,
        load=selectors.patients_in,
        search=search.patient_search,
        to_fhir=lambda person, base, now: mapping.patient(person),
        person_of=lambda person: person.pk,
        ordering=("family_name", "given_name", "pk"),
        params=(
            ("_id", "token", "The Patient's id"),
            ("identifier", "token", f"{profiles.NHS_NUMBER_SYSTEM}|<NHS number>"),
        ),
        audit_search=SEARCH,
    ),
    Served(
        type="ServiceRequest",
        profile=profiles.SERVICE_REQUEST_PROFILE,
        visible=selectors.service_requests_visible_to,
        load=selectors.service_requests_in,
        search=search.service_request_search,
        to_fhir=lambda referral, base, now: mapping.service_request(
            referral, identifier_system=f"{base}Id/referral-reference"
        ),
        person_of=lambda referral: referral.person_id,
        ordering=("-received_at", "-pk"),
        params=(
            ("_id", "token", "The ServiceRequest's id"),
            ("patient", "reference", PATIENT),
            ("subject", "reference", PATIENT),
            ("status", "token", "active, completed or revoked"),
            ("_lastUpdated", "date", "When the referral's status last changed: ge, le, gt, lt or eq"),
        ),
    ),
    Served(
        type="Encounter",
        profile=profiles.ENCOUNTER_PROFILE,
        visible=selectors.encounters_visible_to,
        load=selectors.encounters_in,
        search=search.encounter_search,
        to_fhir=lambda contact, base, now: mapping.encounter(contact),
        person_of=_of_referral,
        ordering=("-occurred_at", "-pk"),
        params=(
            ("_id", "token", "The Encounter's id"),
            ("patient", "reference", PATIENT),
            ("subject", "reference", PATIENT),
            ("based-on", "reference", "ServiceRequest/<id>: the referral's contacts"),
        ),
    ),
    Served(
        type="Task",
        profile=profiles.TASK_PROFILE,
        visible=selectors.tasks_visible_to,
        load=selectors.tasks_in,
        search=search.task_search,
        to_fhir=lambda clock, base, now: mapping.task(clock, now=now),
        person_of=_of_referral,
        ordering=("due_at", "pk"),
        params=(
            ("_id", "token", "The Task's id"),
            ("owner", "reference", "Practitioner/<user id> or HealthcareService/<team id>"),
            ("status", "token", "in-progress, on-hold, completed or cancelled"),
            ("patient", "reference", PATIENT),
            ("focus", "reference", "ServiceRequest/<id>"),
            ("based-on", "reference", "ServiceRequest/<id>"),
        ),
    ),
    Served(
        type="Observation",
        profile=profiles.OBSERVATION_PROFILE,
        visible=selectors.observations_visible_to,
        load=selectors.observations_in,
        search=search.observation_search,
        to_fhir=lambda measure, base, now: mapping.observation(measure),
        person_of=_of_referral,
        ordering=("-recorded_at", "-pk"),
        params=(
            ("_id", "token", "The Observation's id"),
            ("patient", "reference", PATIENT),
            ("subject", "reference", PATIENT),
            ("based-on", "reference", "ServiceRequest/<id>: the referral's outcome scores"),
            ("code", "token", f"{profiles.SNOMED_CT}|<the tool's score concept>, e.g. 720433000 (PHQ-9)"),
        ),
    ),
    Served(
        type="EpisodeOfCare",
        profile=profiles.EPISODE_OF_CARE_PROFILE,
        visible=selectors.service_requests_visible_to,
        load=selectors.episodes_in,
        search=search.episode_of_care_search,
        to_fhir=lambda referral, base, now: mapping.episode_of_care(referral),
        person_of=lambda referral: referral.person_id,
        ordering=("-received_at", "-pk"),
        params=(
            ("_id", "token", "The EpisodeOfCare's id (the referral's)"),
            ("patient", "reference", PATIENT),
            ("status", "token", "waitlist, active, finished or cancelled"),
            ("incoming-referral", "reference", "ServiceRequest/<id>"),
        ),
    ),
    Served(
        type="CarePlan",
        profile=profiles.CARE_PLAN_PROFILE,
        visible=selectors.care_plans_visible_to,
        load=selectors.care_plans_in,
        search=search.care_plan_search,
        to_fhir=lambda plan, base, now: mapping.care_plan(plan),
        person_of=_of_referral,
        ordering=("-agreed_at", "-pk"),
        params=(
            ("_id", "token", "The CarePlan's id"),
            ("patient", "reference", PATIENT),
            ("subject", "reference", PATIENT),
        ),
    ),
    Served(
        type="Consent",
        profile=profiles.CONSENT_PROFILE,
        visible=selectors.consents_visible_to,
        load=selectors.consents_in,
        search=search.consent_search,
        to_fhir=lambda decision, base, now: mapping.consent(decision, superseded=decision.superseded),
        person_of=lambda decision: decision.person_id,
        ordering=("-recorded_at", "-pk"),
        params=(
            ("_id", "token", "The Consent's id"),
            ("patient", "reference", PATIENT),
        ),
    ),
)


def _no_person(row: Any) -> None:
    """Staff, teams and organisations are no one's record: the read audit has no person to name."""
    return None


# Who does the work: what the referrals' references (owner, performer, careManager,
# managingOrganization) resolve to.
SERVED += (
    Served(
        type="Practitioner",
        profile=profiles.PRACTITIONER_PROFILE,
        visible=selectors.practitioners_visible_to,
        load=selectors.practitioners_in,
        search=search.practitioner_search,
        to_fhir=lambda user, base, now: mapping.practitioner(user),
        person_of=_no_person,
        ordering=("last_name", "first_name", "pk"),
        params=(
            ("_id", "token", "The Practitioner's id (as Task.owner and EpisodeOfCare.careManager name it)"),
            ("name", "string", "The start of a given name, family name or user name"),
        ),
    ),
    Served(
        type="HealthcareService",
        profile=profiles.HEALTHCARE_SERVICE_PROFILE,
        visible=selectors.healthcare_services_visible_to,
        load=selectors.healthcare_services_in,
        search=search.healthcare_service_search,
        to_fhir=lambda team, base, now: mapping.healthcare_service(team),
        person_of=_no_person,
        ordering=("name", "pk"),
        params=(
            ("_id", "token", "The HealthcareService's id (a team, as Task.owner names it)"),
            ("name", "string", "The start of the team's name"),
            ("organization", "reference", "Organization/<id>: the teams it provides"),
        ),
    ),
    Served(
        type="Organization",
        profile=profiles.ORGANIZATION_PROFILE,
        visible=selectors.organizations_visible_to,
        load=selectors.organizations_in,
        search=search.organization_search,
        to_fhir=lambda organisation, base, now: mapping.organization(organisation),
        person_of=_no_person,
        ordering=("name", "pk"),
        params=(
            ("_id", "token", "The Organization's id"),
            ("identifier", "token", f"{profiles.ODS_ORGANISATION_SYSTEM}|<ODS code>"),
            ("name", "string", "The start of the organisation's name"),
        ),
    ),
)


def searchable(served: Iterable[Served]) -> list[mapping.Searchable]:
    return [mapping.Searchable(s.type, s.profile, s.params) for s in served]
