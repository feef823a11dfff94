"""Reads of group work, and who may see which group: the members of the facilitating team.

People are shown only where ``access.selectors`` lets the reader see their referral (a person the
reader may not see is never named, and is a 404 where asked for by id)."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from access.selectors import referrals_visible_to
from accounts.models import Role, TeamMembership, User
from localities.models import Team
from referrals.models import Allocation, Referral

from .models import Attendance, Cohort, Enrolment, Group, GroupSession

# The roles that run groups: they see their teams' groups and record their registers.
FACILITATING_ROLES = frozenset({Role.CLINICIAN, Role.LINK_WORKER, Role.TEAM_MANAGER})


def user_facilitates(user: User) -> bool:
    return user.is_authenticated and user.is_active and user.role in FACILITATING_ROLES


def teams_of(user: User) -> QuerySet[Team]:
    """The teams the user is a member of, by name: those they may set up a group for."""
    return Team.objects.filter(memberships__user_id=user.pk).order_by("name")


def groups_visible_to(user: User) -> QuerySet[Group]:
    """The groups the user's teams run, each with its waiting-list count (one query)."""
    if not user_facilitates(user):
        return Group.objects.none()
    teams = TeamMembership.objects.filter(user_id=user.pk).values("team_id")
    return (
        Group.objects.filter(team_id__in=teams)
        .select_related("team")
        .annotate(waiting_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.WAITING)))
        .order_by("name", "pk")
    )


def group_get_for_user(user: User, group_id: int) -> Group:
    group = groups_visible_to(user).filter(pk=group_id).first()
    if group is None:
        raise Http404("No such group.")
    return group


def session_get_for_user(user: User, session_id: int) -> GroupSession:
    session = (
        GroupSession.objects.select_related("cohort__group__team")
        .filter(pk=session_id, cohort__group__in=groups_visible_to(user).values("pk"))
        .first()
    )
    if session is None:
        raise Http404("No such session.")
    return session


def cohort_get_for_user(user: User, cohort_id: int) -> Cohort:
    cohort = (
        Cohort.objects.select_related("group")
        .filter(pk=cohort_id, group__in=groups_visible_to(user).values("pk"))
        .first()
    )
    if cohort is None:
        raise Http404("No such cohort.")
    return cohort


def groups_for_enrolment(referral: Referral) -> QuerySet[Group]:
    """The groups the person may join: those run by a team that holds them, the referral's own
    team or a partner team holding them by allocation. Those teams' facilitators see them
    (``access.selectors``), so the register can be kept; another team's group needs the person
    held by that team first (a redirect, or a joint allocation)."""
    holding = Allocation.objects.filter(referral_id=referral.pk, ended_at__isnull=True).values("team_id")
    return (
        Group.objects.filter(Q(team_id=referral.team_id) | Q(team_id__in=holding))
        .select_related("team")
        .order_by("name", "pk")
    )


def cohort_open_for(group: Group, *, today: date) -> Cohort | None:
    """The cohort new people join: the group's next one not yet started."""
    return Cohort.objects.filter(group=group, starts_on__gte=today).order_by("starts_on", "id").first()


def cohort_places_left(cohort: Cohort) -> int:
    taken = Enrolment.objects.filter(cohort=cohort, status=Enrolment.Status.ENROLLED).count()
    return cohort.group.capacity - taken


def cohorts_of(group: Group) -> QuerySet[Cohort]:
    """A group's cohorts, latest first, each with its enrolled count and its sessions."""
    return (
        Cohort.objects.filter(group=group)
        .annotate(enrolled_count=Count("enrolments", filter=Q(enrolments__status=Enrolment.Status.ENROLLED)))
        .prefetch_related("sessions")
        .order_by("-starts_on", "-id")
    )


@dataclass(frozen=True)
class RegisterRow:
    enrolment: Enrolment
    attendance: Attendance | None


@dataclass(frozen=True)
class Register:
    rows: list[RegisterRow]
    hidden: int  # enrolled people the reader may not see: counted, never named


def session_register(user: User, session: GroupSession) -> Register:
    """The people on a session's register that the user may see, with what is already recorded:
    everyone enrolled in the cohort whose referral was open at the session, plus anyone already
    recorded at it."""
    # Not someone whose referral had ended before the session: their contact would belong to no
    # referral, and one such row must not block everyone else's.
    still_open = Q(referral__ended_at__isnull=True) | Q(referral__ended_at__gte=session.starts_at)
    enrolments = Enrolment.objects.filter(cohort_id=session.cohort_id).filter(
        (Q(status=Enrolment.Status.ENROLLED) & still_open) | Q(attendances__session=session)
    )
    pairs = set(enrolments.values_list("pk", "referral_id"))
    ids = [pk for pk, _ in pairs]
    visible = referrals_visible_to(user, among=Q(pk__in={r for _, r in pairs})).values("pk")
    shown = list(
        Enrolment.objects.filter(pk__in=ids, referral_id__in=visible)
        .select_related("referral__person")
        .order_by("referral__person__family_name", "referral__person__given_name", "pk")
    )
    recorded = {a.enrolment_id: a for a in Attendance.objects.filter(session=session, enrolment__in=shown)}
    return Register(rows=[RegisterRow(e, recorded.get(e.pk)) for e in shown], hidden=len(ids) - len(shown))


@dataclass(frozen=True)
class WaitingList:
    enrolments: list[Enrolment]
    hidden: int


def waiting_list(user: User, group: Group) -> WaitingList:
    """The group's waiting list in the order people joined it (the order the next cohort takes
    them), the people the user may see named, the others counted."""
    waiting = Enrolment.objects.filter(group=group, status=Enrolment.Status.WAITING)
    pairs = list(waiting.values_list("pk", "referral_id"))
    ids = [pk for pk, _ in pairs]
    visible = referrals_visible_to(user, among=Q(pk__in={r for _, r in pairs})).values("pk")
    shown = list(waiting.filter(referral_id__in=visible).select_related("referral__person").order_by("joined_at", "pk"))
    return WaitingList(enrolments=shown, hidden=len(ids) - len(shown))


def enrolments_for_referral(referral_id: int) -> QuerySet[Enrolment]:
    """A referral's group places (the care plan shows them; the caller has checked access)."""
    return (
        Enrolment.objects.filter(referral_id=referral_id)
        .select_related("group__team", "cohort")
        .order_by("-joined_at", "-pk")
    )


def enrolment_get_for_user(user: User, enrolment_id: int) -> Enrolment:
    """One enrolment, for someone who may see the person (their care plan's team, or a
    facilitator who may see them); a 404 for anyone else."""
    enrolment = (
        Enrolment.objects.select_related("group__team", "cohort", "referral__person").filter(pk=enrolment_id).first()
    )
    if enrolment is None or not referrals_visible_to(user, among=Q(pk=enrolment.referral_id)).exists():
        raise Http404("No such enrolment.")
    return enrolment
