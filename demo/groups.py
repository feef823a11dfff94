"""The demo's groups, cohorts, sessions and attendance (issue 14, item 3).

As the source documents describe them: the complex emotional needs service runs a brief,
high-volume emotional coping group (Sequoia Tree's brief interventions) and a DBT skills group
(the specialist hub of LLR's pathway); a locality team runs a psychoeducation and support group
for families and carers. Each has a cohort under way with its past registers recorded (each
attendance a group contact on the person's referral) and a waiting list for the next cohort,
all built through ``groupwork.services`` as the facilitators would.
"""

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from accounts.models import Role
from common.london import london_date, london_instant
from groupwork.models import Enrolment, Group
from groupwork.services import cohort_schedule, group_create, group_enrol, session_attendance_record
from localities.models import Team
from referrals.models import Referral

from .reference import Cast


@dataclass(frozen=True)
class _Plan:
    name: str
    kind: str
    description: str
    capacity: int
    mechanism: str  # MHSDS ConsMechanismMH: 01 face to face, 11 video
    weeks: int  # sessions, one a week
    started_weeks_ago: int  # negative: starts in the future
    waiting: int  # people beyond the cohort's places, on the waiting list for the next one
    hour: int


CEN_GROUPS = (
    _Plan(
        "Understanding and managing emotions",
        Group.Kind.SKILLS,
        "Brief group for tier 1+: six weekly sessions on understanding and coping with intense emotions, "
        "then back to self-care with a plan.",
        12,
        "11",
        6,
        4,
        4,
        18,
    ),
    _Plan(
        "DBT skills group",
        Group.Kind.THERAPY,
        "Dialectical behaviour therapy skills for the specialist hub (tier 3): mindfulness, distress tolerance, "
        "emotion regulation and interpersonal effectiveness.",
        8,
        "01",
        12,
        7,
        3,
        14,
    ),
)
CARERS_GROUP = _Plan(
    "Family and carers' psychoeducation",
    Group.Kind.CARERS,
    "For the families and carers of the people we support: what helps, what to do in a crisis, looking after "
    "yourself. Attendance is the carers'; it is no contact of the person cared for.",
    12,
    "01",
    4,
    -2,
    0,
    19,
)
# How a register goes: mostly attended, some did-not-attends and cancellations.
ATTENDANCE_CODES = ("5", "3", "2", "4")
ATTENDANCE_WEIGHTS = (78, 12, 7, 3)


def build(*, cast: Cast, rng: random.Random, now: datetime) -> None:
    for plan in CEN_GROUPS:
        _run(team=cast.cen, plan=plan, cast=cast, rng=rng, now=now)
    if cast.localities:
        _run(team=cast.localities[0].team, plan=CARERS_GROUP, cast=cast, rng=rng, now=now)


def _run(*, team: Team, plan: _Plan, cast: Cast, rng: random.Random, now: datetime) -> None:
    staff = cast.team_staff(team, Role.CLINICIAN, Role.TEAM_MANAGER, Role.LINK_WORKER)
    if not staff:
        return
    first_day = london_date(now) - timedelta(weeks=plan.started_weeks_ago)
    set_up_at = london_instant(first_day - timedelta(weeks=3), datetime.min.time()) + timedelta(hours=10)
    group = group_create(
        by=rng.choice(staff),
        now=set_up_at,
        team=team,
        name=plan.name,
        kind=plan.kind,
        capacity=plan.capacity,
        consultation_mechanism=plan.mechanism,
        description=plan.description,
    )
    times = [
        london_instant(first_day + timedelta(weeks=week), datetime.min.time()) + timedelta(hours=plan.hour)
        for week in range(plan.weeks)
    ]
    cohort = cohort_schedule(
        group=group,
        by=rng.choice(staff),
        now=set_up_at,
        name=f"Starting {first_day:%-d %B %Y}",
        starts_on=first_day,
        session_times=times,
    )
    # People the team holds, referred before the group was set up, still open, in no other group.
    candidates = list(
        Referral.objects.filter(team=team, ended_at__isnull=True, received_at__lt=set_up_at)
        .exclude(group_enrolments__isnull=False)
        .order_by("received_at", "pk")[: plan.capacity + plan.waiting]
    )
    for i, referral in enumerate(candidates):
        at = set_up_at + timedelta(days=1, hours=i)
        group_enrol(group=group, referral=referral, by=rng.choice(staff), now=at)
    enrolled = list(cohort.enrolments.filter(status=Enrolment.Status.ENROLLED).order_by("pk"))
    for session in cohort.sessions.order_by("starts_at"):
        recorded_at = session.starts_at + timedelta(hours=2)
        if recorded_at > now or not enrolled:
            break
        marks = {e.pk: rng.choices(ATTENDANCE_CODES, ATTENDANCE_WEIGHTS)[0] for e in enrolled}
        session_attendance_record(session=session, by=rng.choice(staff), now=recorded_at, marks=marks)
