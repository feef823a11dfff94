"""The extract's validation report: each failure names the record, the MHSDS element, what is
wrong, and what it does to the national measures (docs/measures.md has the rules cited).

Failures are written to ``validation.csv`` in the zip as they are found (so a million of them
take no memory); the run keeps a count per check and the first few to show on the page.
"""

import csv
from collections import Counter
from dataclasses import dataclass
from typing import IO

from common.csv import csv_cell


@dataclass(frozen=True)
class Check:
    key: str
    table: str
    element: str
    problem: str
    effect: str


CHECKS: tuple[Check, ...] = (
    Check(
        "nhs_number_missing",
        "MHS001MPI",
        "NHSNumber",
        "No NHS number",
        "The person cannot be linked to their records at other providers or in other data sets: each "
        "provider's referrals are counted as a different person.",
    ),
    Check(
        "birth_date_missing",
        "MHS001MPI",
        "PersonBirthDate",
        "No date of birth",
        "Age on the received date is unknown, so every referral of this person is outside the adult "
        "community measures (AgeServReferRecDate >= 18: 4w_waits_prep.py L169, CMH Dashboard L84-L96).",
    ),
    Check(
        "postcode_missing",
        "MHS001MPI",
        "Postcode",
        "No postcode of usual address",
        "NHS England cannot derive the area of residence (LSOA, local authority): the person is counted "
        "nationally but in no area's figures, and in no deprivation breakdown.",
    ),
    Check(
        "postcode_partial",
        "MHS001MPI",
        "Postcode",
        "Only the first half of the postcode (the district)",
        "NHS England derives the LSOA from the whole postcode: the person is counted in their district's "
        "local authority but in no LSOA, so in no deprivation (IMD) breakdown (0.Generic_prep.py joins LSOA2011 "
        "to the indices of deprivation).",
    ),
    Check(
        "disability_type_missing",
        "MHS007DisabilityType",
        "DisabCode",
        "Disabled, with no disability type recorded",
        "No MHS007 row: the person is counted under 'unknown' in NHS England's disability breakdowns "
        "(0.Generic_prep.py L1129-L1130), and not among people with a learning disability (DisabCode 04) "
        "where that flag is read.",
    ),
    Check(
        "disability_code_invalid",
        "MHS007DisabilityType",
        "DisabCode",
        "Not a DISABILITY CODE (01-10, XX, NN, ZZ)",
        "Not sent: NHS England's data-quality validity measure counts it invalid (validity_CDQA.py L146-L148).",
    ),
    Check(
        "gp_missing",
        "MHS002GP",
        "GMPReg",
        "No GP practice",
        "The responsible sub-ICB is taken from the postcode instead (PreProc 2 - Referrals, Der_SubICBCode), "
        "or is unknown when that is missing too.",
    ),
    Check(
        "care_plan_agreed_by_missing",
        "MHS009CarePlanAgreement",
        "CarePlanContentAgreedBy",
        "Care plan with no record of who agreed it",
        "Sent with the element empty: the care plan still has its agreement row, so it counts toward the "
        "4-week wait (4w_waits_prep.py L303), but NHS England's validation may reject an empty mandatory code.",
    ),
    Check(
        "care_plan_agreed_by_invalid",
        "MHS009CarePlanAgreement",
        "CarePlanContentAgreedBy",
        "Not a care plan content agreed by code",
        "Sent empty, as a care plan with no record of who agreed it.",
    ),
    Check(
        "team_missing",
        "MHS101Referral",
        "CareProfTeamLocalId",
        "Referral with no team",
        "No service or team type: the referral is in no team-type measure (community 4-week waits, crisis "
        "and liaison response times).",
    ),
    Check(
        "primary_reason_missing",
        "MHS101Referral",
        "PrimReasonReferralMH",
        "No primary reason for referral",
        "Left out of the measures split by reason (first episode psychosis 01, eating disorders 12, "
        "neurodevelopmental 24-26); counted as 'missing' in NHS England's data-quality validity measure.",
    ),
    Check(
        "closure_reason_unmapped",
        "MHS101Referral",
        "ReferClosReason",
        "Ended with a reason that has no MHSDS code",
        "Counted under 'other reason / unknown' closures on NHS England's dashboard (CMH Dashboard L443).",
    ),
    Check(
        "team_type_missing",
        "MHS902ServiceTeamDetails",
        "ServTeamTypeMH",
        "Team with no MHSDS service or team type",
        "Its referrals fall in no national measure (community 4-week waits need A05-A16/C10, crisis "
        "A02/A18/A19, liaison A11/C05): set the type in the admin.",
    ),
    Check(
        "contact_before_referral",
        "MHS201CareContact",
        "CareContDate",
        "Contact before the referral was received",
        "Outside the referral's span, so NHS England does not count it as the referral's first or second "
        "contact (4w_waits_prep.py L274): the referral may show as still waiting.",
    ),
    Check(
        "contact_after_discharge",
        "MHS201CareContact",
        "CareContDate",
        "Contact after the referral was discharged or closed",
        "Outside the referral's span (4w_waits_prep.py L274): not counted for it. Check the discharge date.",
    ),
    Check(
        "mechanism_not_counted",
        "MHS201CareContact",
        "ConsMechanismMH",
        "Retired consultation mechanism (03 telemedicine)",
        "Only 01, 02, 04 and 11 count as direct contacts since October 2021 (4w_waits_prep.py L276): this "
        "contact counts for no wait. Record video as 11.",
    ),
    Check(
        "activity_uncoded",
        "MHS202CareActivity",
        "Procedure",
        "Assessment or intervention with no SNOMED CT code",
        "Not sent as a care activity: it cannot meet the referral-spell clock stop's assessment or "
        "intervention component (4w_waits_prep.py L309-L343).",
    ),
    Check(
        "activity_without_contact",
        "MHS202CareActivity",
        "CareContactId",
        "Coded assessment or intervention with no attended contact the same day",
        "MHS202 care activities belong to a care contact, so it is not sent: NHS England's clock stop "
        "reads them through the contact's date (4w_waits_prep.py L325-L327). Record the contact.",
    ),
    Check(
        "outcome_uncoded",
        "MHS606CodedScoreAssessmentRefer",
        "CodedAssToolType",
        "Outcome measure with no SNOMED CT tool code",
        "Not sent: NHS England matches tools by code (mh_ass), so it meets no baseline-outcome component "
        "of the referral-spell clock stop (4w_waits_prep.py L398-L402).",
    ),
)
CHECK = {check.key: check for check in CHECKS}
COLUMNS = ("check", "table", "data_element", "record", "problem", "effect_on_national_measures")
SAMPLE_SIZE = 200


class Issues:
    """Collects failures: writes each to the report as found, counts them, keeps a sample."""

    def __init__(self, out: IO[str] | None = None, *, sample_size: int = SAMPLE_SIZE) -> None:
        self._writer = csv.writer(out) if out is not None else None
        if self._writer is not None:
            self._writer.writerow(COLUMNS)
        self.counts: Counter[str] = Counter()
        self.sample: list[dict[str, str]] = []
        self._sample_size = sample_size

    def add(self, key: str, record: str) -> None:
        check = CHECK[key]
        self.counts[key] += 1
        if self._writer is not None:
            self._writer.writerow(
                (check.key, check.table, check.element, csv_cell(record), check.problem, check.effect)
            )
        if len(self.sample) < self._sample_size:
            self.sample.append({"check": key, "record": record})
