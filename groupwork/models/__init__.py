"""Groups (skills groups, carers' psychoeducation), their cohorts and sessions, enrolments and
attendance (issue 14, item 3)."""

from .attendance import REGISTER_ATTENDANCE, Attendance
from .enrolment import Enrolment
from .group import GROUP_MECHANISMS, Cohort, Group, GroupSession

__all__ = ["GROUP_MECHANISMS", "REGISTER_ATTENDANCE", "Attendance", "Cohort", "Enrolment", "Group", "GroupSession"]
