"""Our records as FHIR R4 resources in the shape of the UK Core profiles (docs/adr/0011).

Pure functions: a model instance in, a fhir.resources model out, validated as it is built (a
mapping that produced an invalid resource raises here, not in a client). Everything a function
reads must already be loaded (the selectors say what they load), so a page of fifty costs the
same number of queries as one.

fhir.resources 7+ ships R4B (4.3) models, not R4 (4.0.1); for the resources here the two are the
same shape, and what we emit is R4 (ADR 11).
"""

from .bundle import Links, Searchable, capability_statement, operation_outcome, operation_outcome_of, searchset
from .care import care_plan, encounter, observation
from .consent import consent
from .directory import healthcare_service, organization, practitioner
from .message import message_response
from .patient import patient
from .referral import (
    REFERRAL_STATUSES_FOR,
    REFERRAL_STATUSES_FOR_EPISODE,
    episode_of_care,
    service_request,
    task,
)

__all__ = [
    "REFERRAL_STATUSES_FOR",
    "REFERRAL_STATUSES_FOR_EPISODE",
    "Links",
    "Searchable",
    "capability_statement",
    "care_plan",
    "consent",
    "encounter",
    "healthcare_service",
    "organization",
    "practitioner",
    "episode_of_care",
    "observation",
    "message_response",
    "operation_outcome",
    "operation_outcome_of",
    "patient",
    "searchset",
    "service_request",
    "task",
]
