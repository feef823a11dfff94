"""The MHSDS v6 tables the extract writes: each one's columns (the element names NHS England's
published code reads, docs/adr/0010) and its rows, read in chunks so memory stays flat however
many referrals there are. Dates and times are UK local, as MHSDS records them.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from codes.mhsds import (
    CARE_PLAN_AGREED_BY,
    CONSULTATION_MECHANISM,
    DISABILITY,
    PRIORITY_FOR_URGENCY,
    SOURCE_OF_REFERRAL_FOR_SOURCE,
)
from codes.selectors import codes_counted
from codes.snomed import REFERENCE_SETS
from common.london import LONDON
from referrals.models import Person, Referral

from . import records
from .period import ReportingPeriod
from .validation import Issues

CHUNK = 5_000
Row = tuple[str, ...]

# GenderIDCode (v6): 1 male, 2 female, 3 non-binary, 4 other, X not known, Z not stated
# (PreProc 2 - Referrals L152 reads it before the older Gender).
GENDER_ID_CODE: dict[str, str] = {
    Person.Gender.MALE: "1",
    Person.Gender.FEMALE: "2",
    Person.Gender.NON_BINARY: "3",
    Person.Gender.OTHER: "4",
    Person.Gender.NOT_STATED: "Z",
}
# ReferClosReason, by the groups NHS England's dashboard reports (CMH Dashboard L438-L443):
# 02/04 treatment complete or not appropriate, 01/08 admitted or referred elsewhere, 03/07 moved
# or asked to be discharged, 05/09 did not attend or refused. No code for died, a duplicate or
# "other": those are left empty and named in the validation report.
CLOSURE_REASON: dict[str, str] = {
    Referral.DischargeReason.GOALS_MET: "02",
    Referral.DischargeReason.PERSON_CHOSE: "07",
    Referral.DischargeReason.ANOTHER_SERVICE: "01",
    Referral.DischargeReason.NO_ENGAGEMENT: "05",
    Referral.ClosureReason.DECLINED: "09",
    Referral.ClosureReason.NO_CONTACT: "05",
    Referral.ClosureReason.MOVED_AWAY: "03",
}


def _date(value: date | None) -> str:
    return value.isoformat() if value is not None else ""


def _local(instant: datetime | None) -> tuple[str, str]:
    """An instant as the UK date and time MHSDS records: ("2026-11-03", "09:30:00")."""
    if instant is None:
        return "", ""
    local = instant.astimezone(LONDON)
    return local.date().isoformat(), local.strftime("%H:%M:%S")


def _postcode(raw: str) -> tuple[str, bool]:
    """The postcode as NHS England's derivation reads it (capitals, one space before the inward
    code: "BS1 4XX"), and whether it is whole. LSOA is derived centrally from a whole postcode
    (docs/adr/0010, "LSOA"); an outward code alone ("BS1") gives the district, not the LSOA."""
    compact = "".join(raw.split()).upper()
    whole = len(compact) >= 5 and compact[-3].isdigit() and compact[-2:].isalpha()
    return (f"{compact[:-3]} {compact[-3:]}" if whole else compact), whole


def _team(team_id: int | None) -> str:
    return f"T{team_id}" if team_id is not None else ""


def _person(person_id: int) -> str:
    return f"P{person_id}"


@dataclass(frozen=True)
class Extract:
    """What every table's rows need: the period, the provider, when, and where failures go."""

    period: ReportingPeriod
    org_code: str
    created_at: datetime
    issues: Issues


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[str, ...]
    rows: Callable[[Extract], Iterator[Row]]


def header(x: Extract) -> Iterator[Row]:
    created_date, created_time = _local(x.created_at)
    yield (x.org_code, _date(x.period.first_day), _date(x.period.last_day), f"{created_date}T{created_time}")


def mpi(x: Extract) -> Iterator[Row]:
    rows = records.people(x.period).values_list("pk", "nhs_number", "birth_date", "postcode", "gender", "ethnicity")
    for pk, nhs_number, birth_date, postcode, gender, ethnicity in rows.iterator(chunk_size=CHUNK):
        record = _person(pk)
        if not nhs_number:
            x.issues.add("nhs_number_missing", record)
        if birth_date is None:
            x.issues.add("birth_date_missing", record)
        postcode, whole = _postcode(postcode)
        if not postcode:
            x.issues.add("postcode_missing", record)
        elif not whole:
            x.issues.add("postcode_partial", record)
        yield (
            record,
            x.org_code,
            nhs_number or "",
            _date(birth_date),
            postcode,
            GENDER_ID_CODE.get(gender, "X"),
            ethnicity,
        )


def gp(x: Extract) -> Iterator[Row]:
    rows = records.people(x.period).values_list("pk", "gp_practice__ods_code")
    for pk, practice in rows.iterator(chunk_size=CHUNK):
        if practice:
            yield (_person(pk), practice)
        else:
            x.issues.add("gp_missing", _person(pk))


def disability_type(x: Extract) -> Iterator[Row]:
    """MHS007: one row per disability code a person of the month told us of. A person with no
    codes has no row; their yes / no answer alone is reported, as it was before codes were asked."""
    rows = records.disabilities(x.period).values_list("person_id", "code")
    for person, code in rows.iterator(chunk_size=CHUNK):
        if code not in DISABILITY:
            x.issues.add("disability_code_invalid", _person(person))
            continue
        yield (_person(person), code)
    unanswered = records.people(x.period).filter(disability=Person.Disability.YES, disabilities__isnull=True)
    for pk in unanswered.values_list("pk", flat=True).iterator(chunk_size=CHUNK):
        x.issues.add("disability_type_missing", _person(pk))


def referral(x: Extract) -> Iterator[Row]:
    rows = records.referral_rows(x.period)
    for ref, person, team, received, source, source_code, urgency, reason, ended, closed, discharged in rows.iterator(
        chunk_size=CHUNK
    ):
        if team is None:
            x.issues.add("team_missing", ref)
        if not reason:
            x.issues.add("primary_reason_missing", ref)
        # Discharged or closed after the month are open in this month's record.
        ended_here = ended if ended is not None and ended < x.period.end else None
        closure = ""
        if ended_here is not None:
            closure = CLOSURE_REASON.get(discharged or closed, "")
            if not closure:
                x.issues.add("closure_reason_unmapped", ref)
        yield (
            ref,
            _person(person),
            _team(team),
            *_local(received),
            source_code or SOURCE_OF_REFERRAL_FOR_SOURCE[source],
            PRIORITY_FOR_URGENCY[urgency],
            reason,
            *_local(ended_here),
            closure,
        )


def service_type_referred_to(x: Extract) -> Iterator[Row]:
    """One row per team the referral was with in the month: the team it is with, and each team
    it was handed on from (that team's part closed at the hand-off)."""
    current = records.referrals(x.period).filter(team__isnull=False)
    for ref, team, team_type, ended in current.values_list(
        "reference", "team_id", "team__mhsds_team_type", "ended_at"
    ).iterator(chunk_size=CHUNK):
        yield (ref, _team(team), team_type, *_local(ended if ended is not None and ended < x.period.end else None))
    handed_on = records.handoffs(x.period).values_list(
        "referral__reference", "from_team_id", "from_team__mhsds_team_type", "at"
    )
    for ref, team, team_type, at in handed_on.iterator(chunk_size=CHUNK):
        yield (ref, _team(team), team_type, *_local(at))


def care_contact(x: Extract) -> Iterator[Row]:
    rows = records.contacts(x.period).values_list(
        "pk",
        "referral__reference",
        "referral__person_id",
        "referral__team_id",
        "occurred_at",
        "consultation_mechanism",
        "attendance",
        "referral__received_at",
        "referral__ended_at",
    )
    for pk, ref, person, team, at, mechanism, attendance, received, ended in rows.iterator(chunk_size=CHUNK):
        record = f"C{pk} (referral {ref})"
        if at < received:
            x.issues.add("contact_before_referral", record)
        if ended is not None and at > ended:
            x.issues.add("contact_after_discharge", record)
        if mechanism not in CONSULTATION_MECHANISM or mechanism == "03":
            x.issues.add("mechanism_not_counted", record)
        yield (f"C{pk}", _person(person), ref, _team(team), *_local(at), mechanism, attendance)


def care_activity(x: Extract) -> Iterator[Row]:
    """Coded assessments (A) and interventions (I), each on the attended contact of its day;
    coded: from the reference sets as shipped or loaded from the trust's release (read once)."""
    coded_activity = codes_counted(*REFERENCE_SETS.values())
    for prefix, rows in (
        ("A", records.assessment_rows(x.period)),
        ("I", records.intervention_rows(x.period)),
    ):
        for pk, ref, code, contact in rows.iterator(chunk_size=CHUNK):
            record = f"{prefix}{pk} (referral {ref})"
            if not code or code not in coded_activity:
                x.issues.add("activity_uncoded", record)
            elif contact is None:
                x.issues.add("activity_without_contact", record)
            else:
                yield (f"{prefix}{pk}", f"C{contact}", ref, code)


def coded_score_referral(x: Extract) -> Iterator[Row]:
    rows = records.outcome_measures(x.period).values_list(
        "pk", "referral__reference", "referral__person_id", "tool_code", "score", "recorded_at"
    )
    for pk, ref, person, tool, score, at in rows.iterator(chunk_size=CHUNK):
        if not tool:
            x.issues.add("outcome_uncoded", f"O{pk} (referral {ref})")
            continue
        day, time = _local(at)
        yield (f"O{pk}", _person(person), ref, tool, f"{score.normalize():f}", f"{day}T{time}")


def care_plan_type(x: Extract) -> Iterator[Row]:
    rows = records.care_plans(x.period).values_list(
        "pk", "referral__reference", "referral__person_id", "plan_type", "agreed_at"
    )
    for pk, ref, person, plan_type, agreed in rows.iterator(chunk_size=CHUNK):
        # Care plans here are recorded when agreed: created, last updated and agreed are one instant.
        yield (f"CP{pk}", _person(person), ref, plan_type, *_local(agreed), *_local(agreed))


def care_plan_agreement(x: Extract) -> Iterator[Row]:
    """MHS009: every care plan here is recorded when agreed, so each has its agreement row (NHS
    England counts a care plan toward the 4-week wait only with one: 4w_waits_prep.py L303).
    Who agreed it is empty when not recorded, and reported."""
    rows = records.care_plans(x.period).values_list("pk", "referral__reference", "agreed_by", "agreed_at")
    for pk, ref, agreed_by, agreed in rows.iterator(chunk_size=CHUNK):
        if not agreed_by:
            x.issues.add("care_plan_agreed_by_missing", f"CP{pk} (referral {ref})")
        elif agreed_by not in CARE_PLAN_AGREED_BY:
            x.issues.add("care_plan_agreed_by_invalid", f"CP{pk} (referral {ref})")
            agreed_by = ""
        yield (f"CP{pk}", agreed_by, *_local(agreed))


def hospital_spell(x: Extract) -> Iterator[Row]:
    rows = records.hospital_stays(x.period).values_list(
        "pk", "referral__reference", "referral__person_id", "admitted_at", "discharged_at"
    )
    for pk, ref, person, admitted, discharged in rows.iterator(chunk_size=CHUNK):
        out = discharged if discharged is not None and discharged < x.period.end else None
        yield (f"H{pk}", _person(person), ref, *_local(admitted), *_local(out))


def service_team(x: Extract) -> Iterator[Row]:
    for pk, name, team_type in (
        records.teams(x.period).values_list("pk", "name", "mhsds_team_type").iterator(chunk_size=CHUNK)
    ):
        if not team_type:
            x.issues.add("team_type_missing", f"{_team(pk)} {name}")
        yield (_team(pk), team_type)


TABLES: tuple[Table, ...] = (
    Table(
        "MHS000Header",
        ("OrgIDProvider", "ReportingPeriodStartDate", "ReportingPeriodEndDate", "DateTimeDatSetCreate"),
        header,
    ),
    Table(
        "MHS001MPI",
        (
            "LocalPatientId",
            "OrgIDLocalPatientId",
            "NHSNumber",
            "PersonBirthDate",
            "Postcode",
            "GenderIDCode",
            "EthnicCategory",
        ),
        mpi,
    ),
    Table("MHS002GP", ("LocalPatientId", "GMPReg"), gp),
    Table("MHS007DisabilityType", ("LocalPatientId", "DisabCode"), disability_type),
    Table(
        "MHS101Referral",
        (
            "ServiceRequestId",
            "LocalPatientId",
            "CareProfTeamLocalId",
            "ReferralRequestReceivedDate",
            "ReferralRequestReceivedTime",
            "SourceOfReferralMH",
            "ClinRespPriorityType",
            "PrimReasonReferralMH",
            "ServDischDate",
            "ServDischTime",
            "ReferClosReason",
        ),
        referral,
    ),
    Table(
        "MHS102ServiceTypeReferredTo",
        ("ServiceRequestId", "OtherCareProfTeamLocalId", "ServTeamTypeRefToMH", "ReferClosureDate", "ReferClosureTime"),
        service_type_referred_to,
    ),
    Table(
        "MHS201CareContact",
        (
            "CareContactId",
            "LocalPatientId",
            "ServiceRequestId",
            "CareProfTeamLocalId",
            "CareContDate",
            "CareContTime",
            "ConsMechanismMH",
            "AttendStatus",
        ),
        care_contact,
    ),
    Table("MHS202CareActivity", ("CareActId", "CareContactId", "ServiceRequestId", "Procedure"), care_activity),
    Table(
        "MHS606CodedScoreAssessmentRefer",
        ("AssessmentId", "LocalPatientId", "ServiceRequestId", "CodedAssToolType", "PersScore", "AssToolCompTimestamp"),
        coded_score_referral,
    ),
    Table(
        "MHS008CarePlanType",
        (
            "CarePlanID",
            "LocalPatientId",
            "ServiceRequestId",
            "CarePlanTypeMH",
            "CarePlanCreatDate",
            "CarePlanCreatTime",
            "CarePlanLastUpdateDate",
            "CarePlanLastUpdateTime",
        ),
        care_plan_type,
    ),
    Table(
        "MHS009CarePlanAgreement",
        ("CarePlanID", "CarePlanContentAgreedBy", "CarePlanContentAgreedDate", "CarePlanContentAgreedTime"),
        care_plan_agreement,
    ),
    Table(
        "MHS501HospProvSpell",
        (
            "HospProvSpellID",
            "LocalPatientId",
            "ServiceRequestId",
            "StartDateHospProvSpell",
            "StartTimeHospProvSpell",
            "DischDateHospProvSpell",
            "DischTimeHospProvSpell",
        ),
        hospital_spell,
    ),
    Table("MHS902ServiceTeamDetails", ("CareProfTeamLocalId", "ServTeamTypeMH"), service_team),
)
