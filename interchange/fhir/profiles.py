"""The canonical URLs the mapping names: UK Core profiles and extensions, NHS identifier and
code systems, and the MHSDS code lists we carry as codings (docs/adr/0011-fhir-mapping.md)."""

FHIR_VERSION = "4.0.1"  # UK Core is built on FHIR R4

UK_CORE = "https://fhir.hl7.org.uk/StructureDefinition/"
PATIENT_PROFILE = UK_CORE + "UKCore-Patient"
SERVICE_REQUEST_PROFILE = UK_CORE + "UKCore-ServiceRequest"
ENCOUNTER_PROFILE = UK_CORE + "UKCore-Encounter"
TASK_PROFILE = UK_CORE + "UKCore-Task"
OBSERVATION_PROFILE = UK_CORE + "UKCore-Observation"
EPISODE_OF_CARE_PROFILE = UK_CORE + "UKCore-EpisodeOfCare"
CARE_PLAN_PROFILE = UK_CORE + "UKCore-CarePlan"
CONSENT_PROFILE = UK_CORE + "UKCore-Consent"
PRACTITIONER_PROFILE = UK_CORE + "UKCore-Practitioner"
HEALTHCARE_SERVICE_PROFILE = UK_CORE + "UKCore-HealthcareService"
ORGANIZATION_PROFILE = UK_CORE + "UKCore-Organization"
BUNDLE_PROFILE = UK_CORE + "UKCore-Bundle"
OPERATION_OUTCOME_PROFILE = UK_CORE + "UKCore-OperationOutcome"
MESSAGE_HEADER_PROFILE = UK_CORE + "UKCore-MessageHeader"
# CapabilityStatement has no UK Core profile: the base resource's definition.
CAPABILITY_STATEMENT_PROFILE = "http://hl7.org/fhir/StructureDefinition/CapabilityStatement"

ETHNIC_CATEGORY_EXTENSION = UK_CORE + "Extension-UKCore-EthnicCategory"
SOURCE_OF_SERVICE_REQUEST_EXTENSION = UK_CORE + "Extension-UKCore-SourceOfServiceRequest"

# The Booking and Referral Standard (BaRS): the referral request we receive, and our answer.
BARS_EVENTS = "https://fhir.nhs.uk/CodeSystem/message-events-bars"
BARS_REASONS = "https://fhir.nhs.uk/CodeSystem/message-reason-bars"
BARS_REFERRAL_REQUEST = "servicerequest-request"
BARS_REFERRAL_RESPONSE = "servicerequest-response"
BARS_REFERRAL_DEFINITION = "https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-request-referral"
# A cancellation: the same event, reason "update", the ServiceRequest "revoked" (BaRS).
BARS_CANCELLATION_DEFINITION = "https://fhir.nhs.uk/MessageDefinition/bars-message-servicerequest-request-cancelled"
BARS_UPDATE_REASON = "update"
# The identifier our response message gives the referral made (its reference, RF-…), under
# this server's base: a cancellation names the referral by it.
REFERRAL_REFERENCE_PATH = "Id/referral-reference"
MESSAGE_TRANSPORT_SYSTEM = "http://terminology.hl7.org/CodeSystem/message-transport"
PROCESS_MESSAGE_OPERATION = "http://hl7.org/fhir/OperationDefinition/MessageHeader-process-message"

NHS_NUMBER_SYSTEM = "https://fhir.nhs.uk/Id/nhs-number"
ODS_ORGANISATION_SYSTEM = "https://fhir.nhs.uk/Id/ods-organization-code"
# NHS Data Dictionary ETHNIC CATEGORY (2001 census), the codes Person.Ethnicity stores.
ETHNIC_CATEGORY_SYSTEM = "https://fhir.hl7.org.uk/CodeSystem/UKCore-EthnicCategoryEngland"
ACT_CODE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
OBSERVATION_CATEGORY_SYSTEM = "http://terminology.hl7.org/CodeSystem/observation-category"
SNOMED_CT = "http://snomed.info/sct"
CONSENT_SCOPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/consentscope"
PARTICIPATION_TYPE_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"

# NHS England publishes no FHIR CodeSystem for the MHSDS code lists: each is named by the data
# set's page and the field it fills (ADR 11), e.g. ...#SourceOfReferralMH.
MHSDS = "https://digital.nhs.uk/data-and-information/data-collections-and-data-sets/data-sets/mental-health-services-data-set"


def mhsds_system(field: str) -> str:
    """The coding system for one MHSDS field, e.g. ``mhsds_system("AttendStatus")``."""
    return f"{MHSDS}#{field}"
