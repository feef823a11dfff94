"""The MHSDS v6 code lists this system records, in NHS England's own codes.

Each list is what the Mental Health Services Data Set expects in one field, so that records
made here are counted nationally exactly as NHS England's published code counts them
(docs/measures.md cites the file and line each rule follows). Codes are strings, as in the
data set ("01", not 1).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Code:
    code: str
    display: str


@dataclass(frozen=True)
class CodeList:
    """One shipped code list: ``name`` is ours, ``national_set`` the data set field or
    SNOMED CT reference set it follows."""

    name: str
    national_set: str
    title: str
    codes: tuple[Code, ...]

    def __contains__(self, code: object) -> bool:
        return any(c.code == code for c in self.codes)

    @property
    def choices(self) -> list[tuple[str, str]]:
        return [(c.code, f"{c.code} {c.display}") for c in self.codes]

    def display(self, code: str) -> str:
        for c in self.codes:
            if c.code == code:
                return c.display
        return ""


def _codes(*pairs: tuple[str, str]) -> tuple[Code, ...]:
    return tuple(Code(code, display) for code, display in pairs)


# MHS201CareContact.ConsMechanismMH (MHSDS v5 and v6). 05 email is not a care contact: it is
# recorded as indirect activity, as are letters.
CONSULTATION_MECHANISM = CodeList(
    name="consultation_mechanism",
    national_set="MHSDS ConsMechanismMH",
    title="Consultation mechanism",
    codes=_codes(
        ("01", "Face to face"),
        ("02", "Telephone"),
        ("03", "Telemedicine web camera (retired in MHSDS v5: use 11)"),
        ("04", "Talk type for a person unable to speak"),
        ("09", "Text message (asynchronous)"),
        ("10", "Instant messaging (synchronous)"),
        ("11", "Video consultation"),
        ("12", "Message board (asynchronous)"),
        ("13", "Chat room (synchronous)"),
        ("98", "Other"),
    ),
)
FACE_TO_FACE = "01"
VIDEO = "11"
# The direct contacts NHS England counts since October 2021 (UniqMonthID 1459).
DIRECT_MECHANISMS = frozenset({"01", "02", "04", "11"})

# MHS201CareContact.AttendStatus (v5 AttendOrDNACode).
ATTENDANCE = CodeList(
    name="attendance",
    national_set="MHSDS AttendStatus",
    title="Attendance",
    codes=_codes(
        ("5", "Attended on time, or late but before the professional was ready"),
        ("6", "Arrived late but was seen"),
        ("7", "Arrived late and could not be seen"),
        ("2", "Cancelled by, or on behalf of, the person"),
        ("3", "Did not attend, no advance warning"),
        ("4", "Cancelled or postponed by the provider"),
    ),
)
ATTENDED = frozenset({"5", "6"})

# What a contact may still be recorded with: 03 (telemedicine) was retired in MHSDS v5 (use 11).
# Data quality lists contacts with anything else (reporting.data_quality), over its own index.
RETIRED_MECHANISMS = frozenset({"03"})
CURRENT_MECHANISM_CODES = sorted(c.code for c in CONSULTATION_MECHANISM.codes if c.code not in RETIRED_MECHANISMS)
ATTENDANCE_CODES = sorted(c.code for c in ATTENDANCE.codes)

# MHS902ServiceTeamDetails.ServTeamTypeMH / MHS102 ServTeamTypeRefToMH.
TEAM_TYPE = CodeList(
    name="team_type",
    national_set="MHSDS ServTeamTypeRefToMH",
    title="Service or team type",
    codes=_codes(
        ("A01", "Day care service"),
        ("A02", "Crisis resolution team / home treatment service"),
        ("A05", "Primary care mental health service"),
        ("A06", "Community mental health team - functional"),
        ("A07", "Community mental health team - organic"),
        ("A08", "Assertive outreach team"),
        ("A09", "Community rehabilitation service"),
        ("A10", "General psychiatry service"),
        ("A11", "Psychiatric liaison service"),
        ("A12", "Psychotherapy service"),
        ("A13", "Psychological therapy service (non IAPT)"),
        ("A14", "Early intervention team for psychosis"),
        ("A15", "Young onset dementia team"),
        ("A16", "Personality disorder service"),
        ("A17", "Memory services / clinic / drop in service"),
        ("A18", "Single point of access service"),
        ("A19", "24/7 crisis response line"),
        ("A20", "Health based place of safety service"),
        ("A21", "Crisis cafe / safe haven / sanctuary service"),
        ("A22", "Walk-in crisis assessment unit service"),
        ("A23", "Psychiatric decision unit service"),
        ("A24", "Acute day service"),
        ("A25", "Crisis house service"),
        ("B01", "Forensic mental health service"),
        ("B02", "Forensic learning disability service"),
        ("C01", "Autism service"),
        ("C02", "Specialist perinatal mental health community service"),
        ("C03", "Specialist eating disorder service (reported as C10)"),
        ("C04", "Neurodevelopment team"),
        ("C05", "Paediatric liaison service"),
        ("C06", "Looked after children service"),
        ("C07", "Youth offending service"),
        ("C08", "Acquired brain injury service"),
        ("C10", "Community eating disorder service"),
        ("D01", "Substance misuse team"),
        ("D02", "Criminal justice liaison and diversion service"),
        ("D03", "Prison psychiatric inreach service"),
        ("D04", "Asylum service"),
        ("D05", "Individual placement and support service"),
        ("D06", "Mental health in education service"),
        ("D07", "Problem gambling service"),
        ("D08", "Rough sleeping service"),
        ("E01", "Community team for learning disabilities"),
        ("E02", "Epilepsy / neurological service"),
        ("E03", "Specialist parenting service"),
        ("E04", "Enhanced / intensive support service"),
        ("F01", "Education-based mental health support team"),
        ("F02", "Maternal mental health service"),
        ("F03", "Mental health services for deaf people"),
        ("F05", "Enhanced care in care homes team"),
        ("F06", "Mental health and wellbeing hub"),
        ("Z01", "Other mental health service - in scope of national tariff"),
        ("Z02", "Other mental health service - out of scope of national tariff"),
    ),
)
# The "core community" team types of the adult community measures (4w_waits_prep.py L170).
COMMUNITY_TEAM_TYPES = frozenset({"A05", "A06", "A08", "A09", "A12", "A13", "A16", "C03", "C10"})
# Crisis response times (uec_prep.py L102): crisis resolution / home treatment, SPA, 24/7 line.
CRISIS_TEAM_TYPES = frozenset({"A02", "A18", "A19"})
# Liaison response times (uec_prep.py L180): psychiatric and paediatric liaison.
LIAISON_TEAM_TYPES = frozenset({"A11", "C05"})

# MHS101Referral.SourceOfReferralMH.
SOURCE_OF_REFERRAL = CodeList(
    name="source_of_referral",
    national_set="MHSDS SourceOfReferralMH",
    title="Source of referral",
    codes=_codes(
        ("A1", "General medical practitioner practice"),
        ("A2", "Health visitor"),
        ("A3", "Other primary health care"),
        ("A4", "Maternity service"),
        ("B1", "Self"),
        ("B2", "Carer / relative"),
        ("C1", "Social services"),
        ("C2", "Education service / educational establishment"),
        ("C3", "Housing service"),
        ("D1", "Employer"),
        ("D2", "Employer: occupational health"),
        ("E1", "Police"),
        ("E2", "Courts"),
        ("E3", "Probation service"),
        ("E4", "Prison"),
        ("E5", "Court liaison and diversion service"),
        ("E6", "Youth offending team"),
        ("F1", "School nurse"),
        ("F2", "Hospital-based paediatrics"),
        ("F3", "Community-based paediatrics"),
        ("G1", "Independent sector - medium secure inpatients"),
        ("G2", "Independent sector - low secure inpatients"),
        ("G3", "Other independent sector mental health services"),
        ("G4", "Voluntary sector"),
        ("H1", "Acute secondary care: emergency care department"),
        ("H2", "Other secondary care specialty"),
        ("I1", "Temporary transfer from another mental health NHS trust"),
        ("I2", "Permanent transfer from another mental health NHS trust"),
        ("M1", "Asylum services"),
        ("M2", "Telephone or electronic access service"),
        ("M3", "Out of area agency"),
        ("M4", "Drug action team / drug misuse agency"),
        ("M5", "Jobcentre Plus"),
        ("M6", "Other service or agency"),
        ("M7", "Single point of access service"),
        ("P1", "Internal referral"),
        ("Q1", "Mental health drop in service"),
    ),
)
EMERGENCY_DEPARTMENT = "H1"

# MHS101Referral.ClinRespPriorityType: 1 is the most urgent, then 4, then 2, then 3.
CLINICAL_RESPONSE_PRIORITY = CodeList(
    name="clinical_response_priority",
    national_set="MHSDS ClinRespPriorityType",
    title="Clinical response priority",
    codes=_codes(("1", "Emergency"), ("4", "Very urgent"), ("2", "Urgent / serious"), ("3", "Routine")),
)

# MHS101Referral.PrimReasonReferralMH (there is no code 17).
PRIMARY_REASON = CodeList(
    name="primary_reason_for_referral",
    national_set="MHSDS PrimReasonReferralMH",
    title="Primary reason for referral",
    codes=_codes(
        ("01", "(Suspected) first episode psychosis"),
        ("02", "Ongoing or recurrent psychosis"),
        ("03", "Bipolar disorder"),
        ("04", "Depression"),
        ("05", "Anxiety"),
        ("06", "Obsessive compulsive disorder"),
        ("07", "Phobias"),
        ("08", "Organic brain disorder"),
        ("09", "Drug and alcohol difficulties"),
        ("10", "Unexplained physical symptoms"),
        ("11", "Post-traumatic stress disorder"),
        ("12", "Eating disorders"),
        ("13", "Perinatal mental health issues"),
        ("14", "Personality disorders"),
        ("15", "Self harm behaviours"),
        ("16", "Conduct disorders"),
        ("18", "In crisis"),
        ("19", "Relationship difficulties"),
        ("20", "Gender discomfort issues"),
        ("21", "Attachment difficulties"),
        ("22", "Self-care issues"),
        ("23", "Adjustment to health issues"),
        ("24", "Neurodevelopmental conditions, excluding autism"),
        ("25", "Suspected autism"),
        ("26", "Diagnosed autism"),
        ("27", "Preconception perinatal mental health concern"),
        ("28", "Gambling disorder"),
        ("29", "Community perinatal mental health partner assessment"),
        ("30", "Behaviours that challenge due to a learning disability"),
        ("31", "Employment support"),
    ),
)

# MHS008CarePlanType.CarePlanTypeMH.
CARE_PLAN_TYPE = CodeList(
    name="care_plan_type",
    national_set="MHSDS CarePlanTypeMH",
    title="Care plan type",
    codes=_codes(
        ("10", "Mental health care plan"),
        ("11", "Urgent and emergency mental health care plan"),
        ("12", "Mental health crisis plan"),
        ("13", "Positive behaviour support plan"),
        ("14", "Child or young person's mental health transition plan"),
    ),
)

# How a referral's own source and urgency are reported when no exact code was given.
SOURCE_OF_REFERRAL_FOR_SOURCE = {
    "gp": "A1",
    "self": "B1",
    "mental_health_line": "M2",  # the 24/7 line is a telephone access service
    "vcse": "G4",
    "police": "E1",
    "ambulance": "M6",  # MHSDS has no ambulance code: "other service or agency"
    "emergency_department": EMERGENCY_DEPARTMENT,
    "social_care": "C1",
    "talking_therapies": "M6",
    "other": "M6",
}
PRIORITY_FOR_URGENCY = {"emergency": "1", "very_urgent": "4", "urgent": "2", "routine": "3"}

# MHS007DisabilityType.DisabCode: NHS Data Dictionary DISABILITY CODE, the values NHS England's
# data-quality code takes as valid (mental-health-monthly-statistics, menh_dq validity_CDQA.py
# L135-L148: 01-10, NN and ZZ valid, XX "other"; the displays as menh_analysis
# 0.Generic_prep.py reads them). A person may have several; NN (no disability) and ZZ (not
# stated) stand alone.
DISABILITY = CodeList(
    name="disability",
    national_set="MHSDS DisabCode",
    title="Disability",
    codes=_codes(
        ("01", "Behaviour and emotional"),
        ("02", "Hearing"),
        ("03", "Manual dexterity"),
        ("04", "Memory or ability to concentrate, learn or understand (learning disability)"),
        ("05", "Mobility and gross motor"),
        ("06", "Perception of physical danger"),
        ("07", "Personal, self care and continence"),
        ("08", "Progressive conditions and physical health (such as HIV, cancer, multiple sclerosis, fits)"),
        ("09", "Sight"),
        ("10", "Speech"),
        ("XX", "Other (not listed)"),
        ("NN", "No disability"),
        ("ZZ", "Not stated (asked but declined to answer)"),
    ),
)
NO_DISABILITY = "NN"
DISABILITY_NOT_STATED = "ZZ"
DISABILITY_ANSWERS_ALONE = frozenset({NO_DISABILITY, DISABILITY_NOT_STATED})

# MHS009CarePlanAgreement.CarePlanContentAgreedBy: who agreed the care plan's content (NHS Data
# Dictionary CARE PLAN CONTENT AGREED BY). The element name is the one NHS England's published
# test data and data-lake schema use (CarePlanContentAgreedBy, "10" for the patient); the other
# codes follow the Data Dictionary as we read it and could not be checked against NHS England's
# code here (docs/adr/0010: confirm against the Data Dictionary before the first submission).
CARE_PLAN_AGREED_BY = CodeList(
    name="care_plan_agreed_by",
    national_set="MHSDS CarePlanContentAgreedBy",
    title="Care plan content agreed by",
    codes=_codes(
        ("10", "Patient"),
        ("11", "Patient and carer"),
        ("12", "Carer"),
        ("13", "Patient, carer and care professional"),
        ("14", "Patient and care professional"),
        ("15", "Carer and care professional"),
        ("16", "Care professional"),
        ("98", "Not applicable"),
    ),
)
