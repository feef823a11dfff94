"""Every write of group work: groups, cohorts and sessions, enrolment and the waiting list, and
a session's register, each attendance recorded as the person's care contact (docs/groups.md).

Keyword-only, atomic, audited where they touch a person's record (``by=``, ``now=``).
"""

from collections.abc import Iterable, Mapping
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Q

from accounts.models import TeamMembership, User
from accounts.services import audit_record
from common.london import london_date
from localities.models import Team
from referrals.errors import InvalidTransition
from referrals.models import Referral
from referrals.services import contact_record

from .models import GROUP_MECHANISMS, REGISTER_ATTENDANCE, Attendance, Cohort, Enrolment, Group, GroupSession
from .selectors import cohort_open_for, cohort_places_left, groups_for_enrolment

REGISTER_CODES = dict(REGISTER_ATTENDANCE)


@transaction.atomic
def group_create(
    *,
    by: User,
    now: datetime,
    team: Team,
    name: str,
    kind: str,
    capacity: int,
    consultation_mechanism: str,
    description: str = "",
) -> Group:
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = ["Enter the group's name."]
    elif Group.objects.filter(name__iexact=name).exists():
        errors["name"] = ["There is already a group with this name."]
    if kind not in Group.Kind.values:
        errors["kind"] = ["Choose what kind of group this is."]
    if not 1 <= capacity <= 60:
        errors["capacity"] = ["A cohort takes between 1 and 60 people."]
    if consultation_mechanism not in dict(GROUP_MECHANISMS):
        errors["consultation_mechanism"] = ["Choose how the group meets: face to face or by video."]
    if not TeamMembership.objects.filter(user_id=by.pk, team_id=team.pk).exists():
        errors["team"] = ["Only a member of the team can set up a group it runs."]
    if errors:
        raise ValidationError(errors)
    group = Group.objects.create(
        name=name,
        kind=kind,
        description=description,
        team=team,
        capacity=capacity,
        consultation_mechanism=consultation_mechanism,
        created_at=now,
        created_by=by,
    )
    audit_record(by=by, action="group.create", obj=group, now=now, detail={"team": team.pk, "capacity": capacity})
    return group


@transaction.atomic
def group_change(
    *,
    group: Group,
    by: User,
    now: datetime,
    name: str,
    capacity: int,
    consultation_mechanism: str,
    description: str = "",
) -> Group:
    """Rename a group, change its places per cohort, how it meets, or what it is about.

    Its kind and team stay: a carers' group's registers are no contacts of the person, another
    group's are, and the registers already recorded were recorded as what the group was. Fewer
    places than a cohort still to finish already holds are refused (nobody loses a place they
    were given); more places are offered at once to the waiting list, in the order people
    joined it, in the cohort new people join. Audited with what changed, before and after."""
    group = Group.objects.select_for_update().get(pk=group.pk)
    errors: dict[str, list[str]] = {}
    name = name.strip()
    if not name:
        errors["name"] = ["Enter the group's name."]
    elif Group.objects.filter(name__iexact=name).exclude(pk=group.pk).exists():
        errors["name"] = ["There is already a group with this name."]
    if not 1 <= capacity <= 60:
        errors["capacity"] = ["A cohort takes between 1 and 60 people."]
    elif capacity < group.capacity:
        today = london_date(now)
        unfinished = Cohort.objects.filter(group=group).filter(
            Q(starts_on__gte=today) | Exists(GroupSession.objects.filter(cohort=OuterRef("pk"), starts_at__gte=now))
        )
        fullest = max(
            Enrolment.objects.filter(cohort__in=unfinished, status=Enrolment.Status.ENROLLED)
            .values("cohort")
            .annotate(n=Count("id"))
            .values_list("n", flat=True),
            default=0,
        )
        if capacity < fullest:
            errors["capacity"] = [
                f"A cohort still to finish already has {fullest} people enrolled: "
                f"the group needs at least {fullest} places."
            ]
    if consultation_mechanism not in dict(GROUP_MECHANISMS):
        errors["consultation_mechanism"] = ["Choose how the group meets: face to face or by video."]
    if errors:
        raise ValidationError(errors)
    more_places = capacity > group.capacity
    before: dict[str, object] = {
        "name": group.name,
        "capacity": group.capacity,
        "consultation_mechanism": group.consultation_mechanism,
        "description": group.description,
    }
    after: dict[str, object] = {
        "name": name,
        "capacity": capacity,
        "consultation_mechanism": consultation_mechanism,
        "description": description.strip(),
    }
    changed = {key: [before[key], after[key]] for key in before if before[key] != after[key]}
    if not changed:
        return group
    for key, value in after.items():
        setattr(group, key, value)
    group.save(update_fields=list(changed))
    audit_record(by=by, action="group.change", obj=group, now=now, detail={"changed": changed})
    if more_places:
        cohort = cohort_open_for(group, today=london_date(now))
        if cohort is not None:
            cohort.group = group
            _fill_from_waiting_list(cohort=cohort, by=by, now=now)
    return group


@transaction.atomic
def cohort_schedule(
    *, group: Group, by: User, now: datetime, name: str, starts_on: date, session_times: Iterable[datetime] = ()
) -> Cohort:
    """A new cohort and its sessions; the waiting list takes its places first, in the order
    people joined it."""
    errors: dict[str, list[str]] = {}
    if not name.strip():
        errors["name"] = ["Give the cohort a name, for example Spring 2027."]
    if Cohort.objects.filter(group=group, starts_on=starts_on).exists():
        errors["starts_on"] = ["This group already has a cohort starting that day."]
    times = sorted(set(session_times))
    if times and london_date(times[0]) < starts_on:
        errors["session_times"] = ["A session cannot be before the cohort starts."]
    if errors:
        raise ValidationError(errors)
    # The group's row first: two cohorts scheduled at once take the waiting list one after the other.
    group = Group.objects.select_for_update().get(pk=group.pk)
    cohort = Cohort.objects.create(group=group, name=name.strip(), starts_on=starts_on, created_at=now, created_by=by)
    GroupSession.objects.bulk_create(GroupSession(cohort=cohort, starts_at=at) for at in times)
    audit_record(
        by=by, action="cohort.schedule", obj=cohort, now=now, detail={"group": group.pk, "sessions": len(times)}
    )
    _fill_from_waiting_list(cohort=cohort, by=by, now=now)
    return cohort


@transaction.atomic
def session_add(*, cohort: Cohort, by: User, now: datetime, starts_at: datetime, topic: str = "") -> GroupSession:
    if london_date(starts_at) < cohort.starts_on:
        raise ValidationError({"starts_at": ["A session cannot be before the cohort starts."]})
    if GroupSession.objects.filter(cohort=cohort, starts_at=starts_at).exists():
        raise ValidationError({"starts_at": ["This cohort already meets at that time."]})
    session = GroupSession.objects.create(cohort=cohort, starts_at=starts_at, topic=topic.strip())
    audit_record(by=by, action="group_session.add", obj=session, now=now, detail={"cohort": cohort.pk})
    return session


def _locked_unrecorded(session: GroupSession, *, doing: str) -> GroupSession:
    """The session under its lock (the register's own lock), refused once its register is recorded:
    each attendance is a care contact at the session's time that the clocks may have acted on."""
    session = GroupSession.objects.select_for_update(of=("self",)).select_related("cohort").get(pk=session.pk)
    if session.register_recorded_at is not None:
        raise ValidationError(
            f"This session's register is recorded, each attendance a contact at its time, so it cannot be {doing}. "
            "Correct a contact on the person's record instead."
        )
    return session


@transaction.atomic
def session_change(
    *, session: GroupSession, by: User, now: datetime, starts_at: datetime, topic: str = ""
) -> GroupSession:
    """Move one session to another time, or change its topic, until its register is recorded."""
    session = _locked_unrecorded(session, doing="moved")
    cohort = session.cohort
    if london_date(starts_at) < cohort.starts_on:
        raise ValidationError({"starts_at": ["A session cannot be before the cohort starts."]})
    if GroupSession.objects.filter(cohort=cohort, starts_at=starts_at).exclude(pk=session.pk).exists():
        raise ValidationError({"starts_at": ["This cohort already meets at that time."]})
    before = {"starts_at": session.starts_at.isoformat(), "topic": session.topic}
    session.starts_at, session.topic = starts_at, topic.strip()
    session.save(update_fields=["starts_at", "topic"])
    audit_record(
        by=by,
        action="group_session.change",
        obj=session,
        now=now,
        detail={
            "cohort": cohort.pk,
            "before": before,
            "after": {"starts_at": starts_at.isoformat(), "topic": session.topic},
        },
    )
    return session


@transaction.atomic
def session_cancel(*, session: GroupSession, by: User, now: datetime, reason: str) -> None:
    """Take a session off the cohort's schedule (the facilitator is off, the room is lost), with a
    reason, until its register is recorded. The audit row keeps what it was."""
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the session is cancelled, for example: facilitator unwell."]})
    session = _locked_unrecorded(session, doing="cancelled")
    detail = {
        "cohort": session.cohort_id,
        "starts_at": session.starts_at.isoformat(),
        "topic": session.topic,
        "reason": reason.strip(),
    }
    audit_record(by=by, action="group_session.cancel", obj=session, now=now, detail=detail)
    session.delete()


def _fill_from_waiting_list(*, cohort: Cohort, by: User, now: datetime) -> list[Enrolment]:
    places = cohort_places_left(cohort)
    waiting = list(
        Enrolment.objects.select_for_update(of=("self",))
        .select_related("referral")
        .filter(group_id=cohort.group_id, status=Enrolment.Status.WAITING, referral__ended_at__isnull=True)
        .order_by("joined_at", "id")[: max(places, 0)]
    )
    for enrolment in waiting:
        enrolment.status, enrolment.cohort, enrolment.placed_at = Enrolment.Status.ENROLLED, cohort, now
        enrolment.save(update_fields=["status", "cohort", "placed_at"])
        audit_record(
            by=by,
            action="group_enrolment.place",
            obj=enrolment,
            now=now,
            person_id=enrolment.referral.person_id,
            detail={"cohort": cohort.pk},
        )
    return waiting


@transaction.atomic
def group_enrol(*, group: Group, referral: Referral, by: User, now: datetime) -> Enrolment:
    """Enrol the person (from their care plan) in the group's next cohort with a place, or, when
    it is full or none is scheduled, put them on the waiting list for the next one."""
    if referral.ended_at is not None:
        raise InvalidTransition("This referral has ended: enrol the person from their current referral.")
    if not groups_for_enrolment(referral).filter(pk=group.pk).exists():
        raise ValidationError(
            {
                "group": [
                    f"{group.team.name} does not hold this person: refer them to it, or ask it to hold them jointly."
                ]
            }
        )
    # The group's row: two enrolments at once cannot both take the last place.
    group = Group.objects.select_for_update().get(pk=group.pk)
    already = Enrolment.objects.filter(group=group, referral__person_id=referral.person_id).exclude(
        status=Enrolment.Status.LEFT
    )
    if already.filter(status=Enrolment.Status.WAITING).exists():
        raise ValidationError({"group": ["This person is already on this group's waiting list."]})
    current = Q(cohort__starts_on__gte=london_date(now)) | Q(cohort__sessions__starts_at__gt=now)
    if already.filter(current, status=Enrolment.Status.ENROLLED).exists():
        raise ValidationError({"group": ["This person is already enrolled in a cohort of this group."]})
    cohort = cohort_open_for(group, today=london_date(now))
    full = cohort is None or cohort_places_left(cohort) <= 0
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                group=group,
                cohort=None if full else cohort,
                referral=referral,
                status=Enrolment.Status.WAITING if full else Enrolment.Status.ENROLLED,
                joined_at=now,
                joined_by=by,
                placed_at=None if full else now,
            )
    except IntegrityError as error:  # already in that cohort (an earlier enrolment, started)
        raise ValidationError({"group": ["This person is already enrolled in this cohort."]}) from error
    audit_record(
        by=by,
        action="group_enrolment.create",
        obj=enrolment,
        now=now,
        person_id=referral.person_id,
        detail={"group": group.pk, "status": enrolment.status, "cohort": enrolment.cohort_id},
    )
    return enrolment


@transaction.atomic
def enrolment_leave(*, enrolment: Enrolment, by: User, now: datetime) -> Enrolment:
    """They leave the group (or its waiting list). A place in a cohort not yet started goes to the
    first person waiting."""
    # The group's row first, then the enrolment: the order scheduling and enrolling take them in.
    Group.objects.select_for_update().get(pk=enrolment.group_id)
    enrolment = (
        Enrolment.objects.select_for_update(of=("self",)).select_related("cohort", "referral").get(pk=enrolment.pk)
    )
    if enrolment.status == Enrolment.Status.LEFT:
        return enrolment
    cohort = enrolment.cohort
    enrolment.status, enrolment.left_at = Enrolment.Status.LEFT, now
    enrolment.save(update_fields=["status", "left_at"])
    audit_record(by=by, action="group_enrolment.leave", obj=enrolment, now=now, person_id=enrolment.referral.person_id)
    if cohort is not None and cohort.starts_on >= london_date(now):
        _fill_from_waiting_list(cohort=cohort, by=by, now=now)
    return enrolment


@transaction.atomic
def session_attendance_record(
    *, session: GroupSession, by: User, now: datetime, marks: Mapping[int, str]
) -> list[Attendance]:
    """Record a session's register: ``marks`` maps an enrolment's id to its attendance code.

    Each attendance becomes the person's care contact (MHS201), by the group's mechanism at the
    session's time, through ``contact_record``, so the clocks see it as NHS England counts it
    (docs/groups.md). Recording the register again adds only the people not yet recorded: one
    attendance and one contact per person per session (a unique constraint, under the session's
    lock). A different answer for someone already recorded is refused, not rewritten: the
    contact is a fact the clocks may already have acted on. All or nothing.
    """
    session = GroupSession.objects.select_for_update(of=("self",)).select_related("cohort__group").get(pk=session.pk)
    group = session.cohort.group
    if session.starts_at > now:
        raise ValidationError("This session has not happened yet: record its register on the day.")
    if not marks:
        raise ValidationError("Mark at least one person as attended, did not attend or cancelled.")
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.select_related("referral").filter(
            pk__in=list(marks),
            cohort_id=session.cohort_id,
            status__in=[Enrolment.Status.ENROLLED, Enrolment.Status.LEFT],
        )
    }
    recorded = {a.enrolment_id: a for a in Attendance.objects.filter(session=session, enrolment_id__in=list(marks))}
    errors: dict[str, list[str]] = {}
    new: list[Attendance] = []
    for enrolment_id, code in sorted(marks.items()):
        field = f"person_{enrolment_id}"
        enrolment = enrolments.get(enrolment_id)
        if enrolment is None:
            errors[field] = ["This person is not in this session's cohort."]
            continue
        if code not in REGISTER_CODES:
            errors[field] = ["Choose attended, did not attend, or cancelled."]
            continue
        earlier = recorded.get(enrolment_id)
        if earlier is not None:
            if earlier.attendance != code:
                errors[field] = [
                    f"Already recorded as {earlier.get_attendance_display().lower()}: "
                    "correct it on the person's record, not on the register."
                ]
            continue
        contact = None
        if group.records_care_contacts:
            try:
                contact = contact_record(
                    referral=enrolment.referral,
                    by=by,
                    now=now,
                    occurred_at=session.starts_at,
                    consultation_mechanism=group.consultation_mechanism,
                    attendance=code,
                    note=f"Group session: {group.name}, {session.cohort.name}",
                )
            except (ValidationError, InvalidTransition) as error:
                message = error.messages[0] if isinstance(error, ValidationError) else str(error)
                errors[field] = [message]
                continue
        attendance = Attendance.objects.create(
            session=session, enrolment=enrolment, attendance=code, contact=contact, recorded_at=now, recorded_by=by
        )
        audit_record(
            by=by,
            action="group_attendance.record",
            obj=attendance,
            now=now,
            person_id=enrolment.referral.person_id,
            detail={"session": session.pk, "attendance": code, "contact": contact.pk if contact else None},
        )
        new.append(attendance)
    if errors:
        # Nothing of this register is kept (the transaction rolls back): fix and send it again.
        raise ValidationError(errors)
    if new and session.register_recorded_at is None:
        session.register_recorded_at, session.register_recorded_by = now, by
        session.save(update_fields=["register_recorded_at", "register_recorded_by"])
    return new
