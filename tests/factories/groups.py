"""Groups and cohorts, built through ``groupwork.services`` as staff would."""

from collections.abc import Iterable
from datetime import date, datetime
from itertools import count

from django.utils import timezone

from accounts.models import User
from groupwork.models import Cohort, Group
from groupwork.services import cohort_schedule, group_create
from localities.models import Team

_names = count(1)


def make_group(
    *,
    by: User,
    team: Team,
    capacity: int = 8,
    kind: str = Group.Kind.SKILLS,
    mechanism: str = "01",
    name: str = "",
    now: datetime | None = None,
) -> Group:
    return group_create(
        by=by,
        now=now or timezone.now(),
        team=team,
        name=name or f"Emotional coping skills {next(_names)}",
        kind=kind,
        capacity=capacity,
        consultation_mechanism=mechanism,
    )


def make_cohort(
    *,
    group: Group,
    by: User,
    starts_on: date,
    session_times: Iterable[datetime] = (),
    name: str = "",
    now: datetime | None = None,
) -> Cohort:
    return cohort_schedule(
        group=group,
        by=by,
        now=now or timezone.now(),
        name=name or f"Cohort from {starts_on:%d %b %Y}",
        starts_on=starts_on,
        session_times=session_times,
    )
