"""Groups (skills groups, carers' psychoeducation), their cohorts and sessions, enrolments and
attendance (issue 14, item 3)."""
