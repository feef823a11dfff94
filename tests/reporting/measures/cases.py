"""Building the known-answer cases of docs/measures.md through the services, each step at the
instant it happens (time-machine, tick=False), with times typed as UK wall-clock times."""

from datetime import date, datetime, time
from decimal import Decimal

import time_machine

from accounts.models import User
from codes.snomed import ASSESSMENT
from common.london import london_instant
from localities.models import Team
from referrals.models import Contact, Person, Referral
from referrals.services import (
    assessment_record,
    care_plan_record,
    contact_record,
    outcome_measure_record,
    referral_close,
)
from tests.factories import make_referral

FACE_TO_FACE, TELEPHONE, TEXT, VIDEO = "01", "02", "09", "11"
ATTENDED, DID_NOT_ATTEND = "5", "3"
CODED_ASSESSMENT = ASSESSMENT.codes[0].code
ADULT = date(1980, 5, 1)


def uk(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A UK wall-clock time as the UTC instant it names."""
    return london_instant(date(year, month, day), time(hour, minute))


def refer(
    *,
    by: User,
    team: Team,
    at: datetime,
    urgency: str = Referral.Urgency.ROUTINE,
    source: str = Referral.Source.GP,
    birth_date: date | None = ADULT,
    person: Person | None = None,
    primary_reason: str = "",
) -> Referral:
    with time_machine.travel(at, tick=False):
        extra = {"primary_reason": primary_reason} if primary_reason else {}
        return make_referral(
            **extra,
            by=by,
            now=at,
            received_at=at,
            urgency=urgency,
            source=source,
            birth_date=birth_date,
            person=person,
            team_override=team,
            override_reason="known-answer case: this team",
        )


def contact(
    referral: Referral, by: User, at: datetime, *, mechanism: str = TELEPHONE, attendance: str = ATTENDED
) -> Contact:
    with time_machine.travel(at, tick=False):
        return contact_record(
            referral=referral, by=by, now=at, occurred_at=at, consultation_mechanism=mechanism, attendance=attendance
        )


def full_clock_stop(
    referral: Referral, by: User, *, contact_at: datetime, last_at: datetime, assessment_code: str = CODED_ASSESSMENT
) -> None:
    """A first contact, then a baseline outcome, an assessment (coded, unless told) and a care
    plan (no intervention), the last of them at ``last_at``."""
    contact(referral, by, contact_at)
    with time_machine.travel(last_at, tick=False):
        outcome_measure_record(
            referral=referral,
            by=by,
            now=last_at,
            recorded_at=contact_at,
            score=Decimal(20),
            stage="baseline",
            instrument="ReQoL-10",
        )
        assessment_record(
            referral=referral, by=by, now=last_at, completed_at=contact_at, summary="Assessed.", code=assessment_code
        )
        care_plan_record(referral=referral, by=by, now=last_at, agreed_at=last_at, summary="Agreed plan.")


def close(referral: Referral, by: User, at: datetime) -> Referral:
    with time_machine.travel(at, tick=False):
        return referral_close(referral=referral, by=by, now=at, reason=Referral.ClosureReason.NO_CONTACT)


def row_for(result, referral: Referral):
    """The measure's row holding this referral."""
    rows = [row for row in result.rows if referral.pk in row.referral_ids]
    assert len(rows) == 1, f"{len(rows)} rows hold referral {referral.pk}"
    return rows[0]
