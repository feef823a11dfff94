"""Which records are in a month's extract, as MHSDS decides (docs/adr/0010): the referrals open
at any point in the month (received before its end, not discharged or closed before its start),
their people, teams and hospital stays, and their activity in the month. Read for the provider's
submission, not for a user: no access rule narrows them, and the pages that start an extract are
limited to the roles that make one (``interchange.selectors``)."""

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce, TruncDate

from codes.mhsds import ATTENDED
from common.london import LONDON
from localities.models import Team
from referrals.models import (
    Assessment,
    CarePlan,
    Contact,
    Handoff,
    HospitalStay,
    Intervention,
    OutcomeMeasure,
    Person,
    Referral,
    UrgencyChange,
)
from referrals.models.person import PersonDisability

from .period import ReportingPeriod


def referrals_open_in(period: ReportingPeriod) -> QuerySet[Referral]:
    return Referral.objects.filter(received_at__lt=period.end).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gte=period.start)
    )


def _of_open_referral(period: ReportingPeriod) -> Q:
    """For rows with a ``referral``: it is open at some point in the month."""
    return Q(referral__received_at__lt=period.end) & (
        Q(referral__ended_at__isnull=True) | Q(referral__ended_at__gte=period.start)
    )


def people(period: ReportingPeriod) -> QuerySet[Person]:
    return (
        Person.objects.filter(Exists(referrals_open_in(period).filter(person_id=OuterRef("pk"))))
        .order_by("pk")
        .only("pk")
    )


def disabilities(period: ReportingPeriod) -> QuerySet[PersonDisability]:
    """The disability codes of the month's people (MHS007: one row per person and code)."""
    return PersonDisability.objects.filter(
        Exists(referrals_open_in(period).filter(person_id=OuterRef("person_id")))
    ).order_by("person_id", "code")


def referrals(period: ReportingPeriod) -> QuerySet[Referral]:
    return referrals_open_in(period).order_by("pk")


def referral_rows(period: ReportingPeriod) -> "QuerySet[Referral, tuple[Any, ...]]":
    """(reference, person, team, received, source, source code, priority at the month's end,
    primary reason, ended, closure reason, discharge reason). The priority is the one in force at
    the month's end: each month's record is the referral as it stood then (the crisis measures
    read that month's priority, uec_prep.py L65, L87-L89)."""
    in_force = UrgencyChange.objects.filter(referral_id=OuterRef("pk"), at__lt=period.end).order_by("-at", "-id")
    return (
        referrals_open_in(period)
        .annotate(urgency_at_end=Coalesce(Subquery(in_force.values("urgency")[:1]), "urgency"))
        .order_by("pk")
        .values_list(
            "reference",
            "person_id",
            "team_id",
            "received_at",
            "source",
            "source_of_referral",
            "urgency_at_end",
            "primary_reason",
            "ended_at",
            "closure_reason",
            "discharge_reason",
        )
    )


def handoffs(period: ReportingPeriod) -> QuerySet[Handoff]:
    """Hand-offs in the month away from a team: that team's part of the referral closed then."""
    return Handoff.objects.filter(
        _of_open_referral(period), at__gte=period.start, at__lt=period.end, from_team__isnull=False
    ).order_by("pk")


def teams(period: ReportingPeriod) -> QuerySet[Team]:
    return Team.objects.filter(
        Exists(referrals_open_in(period).filter(team_id=OuterRef("pk")))
        | Exists(handoffs(period).filter(from_team_id=OuterRef("pk")))
    ).order_by("pk")


def contacts(period: ReportingPeriod) -> QuerySet[Contact]:
    return Contact.objects.filter(
        _of_open_referral(period), occurred_at__gte=period.start, occurred_at__lt=period.end
    ).order_by("pk")


def _same_day_attended_contact() -> Subquery:
    """The first attended contact on the referral on the outer row's London ``day``."""
    return Subquery(
        Contact.objects.annotate(day=TruncDate("occurred_at", tzinfo=LONDON))
        .filter(referral_id=OuterRef("referral_id"), attendance__in=ATTENDED, day=OuterRef("day"))
        .order_by("occurred_at", "id")
        .values("pk")[:1]
    )


def assessment_rows(period: ReportingPeriod) -> "QuerySet[Assessment, tuple[Any, ...]]":
    """(id, referral reference, code, the same day's first attended contact or None)."""
    return (
        Assessment.objects.filter(
            _of_open_referral(period), completed_at__gte=period.start, completed_at__lt=period.end
        )
        .annotate(day=TruncDate("completed_at", tzinfo=LONDON))
        .annotate(contact_id=_same_day_attended_contact())
        .order_by("pk")
        .values_list("pk", "referral__reference", "code", "contact_id")
    )


def intervention_rows(period: ReportingPeriod) -> "QuerySet[Intervention, tuple[Any, ...]]":
    """(id, referral reference, code, the same day's first attended contact or None)."""
    return (
        Intervention.objects.filter(_of_open_referral(period), started_at__gte=period.start, started_at__lt=period.end)
        .annotate(day=TruncDate("started_at", tzinfo=LONDON))
        .annotate(contact_id=_same_day_attended_contact())
        .order_by("pk")
        .values_list("pk", "referral__reference", "code", "contact_id")
    )


def outcome_measures(period: ReportingPeriod) -> QuerySet[OutcomeMeasure]:
    return OutcomeMeasure.objects.filter(
        _of_open_referral(period), recorded_at__gte=period.start, recorded_at__lt=period.end
    ).order_by("pk")


def care_plans(period: ReportingPeriod) -> QuerySet[CarePlan]:
    return CarePlan.objects.filter(
        _of_open_referral(period), agreed_at__gte=period.start, agreed_at__lt=period.end
    ).order_by("pk")


def hospital_stays(period: ReportingPeriod) -> QuerySet[HospitalStay]:
    """Stays of the month's referrals that were under way at some point in the month."""
    return (
        HospitalStay.objects.filter(_of_open_referral(period), admitted_at__lt=period.end)
        .filter(Q(discharged_at__isnull=True) | Q(discharged_at__gte=period.start))
        .order_by("pk")
    )
