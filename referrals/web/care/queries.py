"""Reads for the care plan, outcomes and discharge pages.

Access is decided before these run: every function takes a Referral that came from
``referral_get_for_user``. Each reads a fixed number of queries, however many goals,
interventions or scores there are.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from common.web import set_display_attrs
from referrals.models import Allocation, CarePlan, CarePlanGoal, Intervention, OutcomeMeasure, Referral

from .forms import INSTRUMENTS

# A goal or intervention whose review falls within this many days is flagged as due.
REVIEW_DUE_WITHIN = timedelta(days=14)


# --- Care plan --------------------------------------------------------------------------------


def review_tag(review_date: date | None, *, today: date, done: bool = False) -> str:
    """'overdue', 'due' (within two weeks), or '' for a review still some way off, done or undated."""
    if review_date is None or done:
        return ""
    if review_date < today:
        return "overdue"
    if review_date <= today + REVIEW_DUE_WITHIN:
        return "due"
    return ""


@dataclass
class CarePlanPage:
    current: CarePlan | None
    earlier: list[CarePlan]
    interventions: list[Intervention]


def care_plan_page(referral: Referral, *, today: date) -> CarePlanPage:
    """Plans newest first with their goals, and the referral's interventions (4 queries)."""
    plans = list(
        CarePlan.objects.filter(referral=referral)
        .select_related("recorded_by")
        .prefetch_related(Prefetch("goals", queryset=CarePlanGoal.objects.order_by("review_date", "id")))
        .order_by("-agreed_at", "-id")
    )
    for plan in plans:
        for goal in plan.goals.all():
            set_display_attrs(
                goal, review_tag=review_tag(goal.review_date, today=today, done=goal.achieved_at is not None)
            )
    interventions = list(
        Intervention.objects.filter(referral=referral)
        .select_related("provider", "recorded_by")
        .order_by("ended_at", "-started_at", "-id")
    )
    for intervention in interventions:
        set_display_attrs(
            intervention,
            review_tag=review_tag(intervention.review_date, today=today, done=intervention.ended_at is not None),
        )
    return CarePlanPage(current=plans[0] if plans else None, earlier=plans[1:], interventions=interventions)


def care_plan_latest(referral: Referral) -> CarePlan | None:
    return CarePlan.objects.filter(referral=referral).order_by("-agreed_at", "-id").first()


# --- Outcomes ---------------------------------------------------------------------------------


@dataclass
class InstrumentChange:
    instrument: str
    baseline: OutcomeMeasure | None
    reviews: list[OutcomeMeasure]
    discharge: OutcomeMeasure | None
    latest: OutcomeMeasure
    change: Decimal | None
    direction: str  # "better", "worse", "same" or "" when the instrument's direction is unknown

    @property
    def latest_review(self) -> OutcomeMeasure | None:
        return self.reviews[-1] if self.reviews else None


def outcome_changes(measures: list[OutcomeMeasure]) -> list[InstrumentChange]:
    """One row per instrument: the first baseline, reviews, discharge, and the change from the
    baseline to the latest score, read as better or worse for instruments whose direction we know."""
    by_instrument: dict[str, list[OutcomeMeasure]] = defaultdict(list)
    for row in sorted(measures, key=lambda m: (m.recorded_at, m.pk)):
        by_instrument[row.instrument].append(row)
    rows = []
    for instrument in sorted(by_instrument, key=str.lower):
        scores = by_instrument[instrument]
        baseline = next((m for m in scores if m.stage == OutcomeMeasure.Stage.BASELINE), None)
        discharge = next((m for m in reversed(scores) if m.stage == OutcomeMeasure.Stage.DISCHARGE), None)
        reviews = [m for m in scores if m.stage == OutcomeMeasure.Stage.REVIEW]
        latest = scores[-1]
        change = latest.score - baseline.score if baseline is not None and latest is not baseline else None
        direction = ""
        if change is not None and instrument in INSTRUMENTS:
            higher_is_better = INSTRUMENTS[instrument][2]
            if change == 0:
                direction = "same"
            else:
                direction = "better" if (change > 0) == higher_is_better else "worse"
        rows.append(InstrumentChange(instrument, baseline, reviews, discharge, latest, change, direction))
    return rows


def outcome_measures_for(referral: Referral) -> QuerySet[OutcomeMeasure]:
    """Every score on the referral, newest first (the history table pages through these)."""
    return (
        OutcomeMeasure.objects.filter(referral=referral).select_related("recorded_by").order_by("-recorded_at", "-id")
    )


# --- Discharge --------------------------------------------------------------------------------


def allocation_open(referral: Referral) -> Allocation | None:
    """Who holds the referral now, ended by discharge (1 query)."""
    return (
        Allocation.objects.filter(referral=referral, ended_at__isnull=True)
        .select_related("link_worker__organisation", "team")
        .first()
    )
