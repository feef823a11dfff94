"""Reads for caseloads: my people, a team's caseload and waiting list, and who can take a referral.

Access control builds on ``referrals.selectors.referrals_visible_to``: every list
here starts from it, so a caseload page never shows a referral its reader could
not open. Each list is a fixed number of queries whatever the number of rows:
last contact, next clock deadline and review dates are correlated subqueries,
current clocks one prefetch, and each worker's caseload a subquery count.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache

from django.db.models import Count, Exists, F, IntegerField, Max, Min, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404
from django.utils import timezone

from access.selectors import referrals_visible_to, team_open_referrals_in_two, team_referrals_visible_to
from accounts.models import Absence, Role, TeamMembership, User
from common.london import london_date
from common.search import join_digit_groups
from localities.models import Team
from referrals.models import Allocation, CarePlanGoal, Clock, Contact, Intervention, Referral
from referrals.selectors import referrals_with_breach

# Who can hold a caseload: link workers (incl. peer support and VCSE workers) and clinicians.
ALLOCATABLE_ROLES = (Role.LINK_WORKER, Role.CLINICIAN)
# Statuses a referral can be in while someone holds it (it has not ended).
OPEN_STATUSES = [s for s in Referral.Status if s not in (Referral.Status.DISCHARGED, Referral.Status.CLOSED)]


class ClockFilter:
    BREACHED = "breached"
    AT_RISK = "at_risk"
    choices = ((BREACHED, "Breached"), (AT_RISK, "At risk of breach"))


class AttentionFilter:
    """My caseload's "what needs me" filters: a deadline or review within seven days (or already
    past), or nobody has been in contact for 14 days (or ever)."""

    DUE_THIS_WEEK = "due_this_week"
    NO_RECENT_CONTACT = "no_recent_contact"
    choices = ((DUE_THIS_WEEK, "Due this week"), (NO_RECENT_CONTACT, "No contact for 14 days"))
    DUE_WITHIN = timedelta(days=7)
    CONTACT_WITHIN = timedelta(days=14)


class TeamView:
    HELD = "held"
    UNALLOCATED = "unallocated"
    WAITING = "waiting"
    choices = (
        (HELD, "Everyone held"),
        (UNALLOCATED, "Unallocated"),
        (WAITING, "Waiting for treatment"),
    )


# --- teams ------------------------------------------------------------------------------------


def teams_visible_to(user: User) -> QuerySet[Team]:
    """Teams whose caseload the user may see: the teams they belong to."""
    if not user.is_authenticated or not user.is_active:
        return Team.objects.none()
    return Team.objects.filter(Exists(TeamMembership.objects.filter(user_id=user.pk, team_id=OuterRef("pk"))))


def team_get_for_user(user: User, team_id: int | None) -> Team | None:
    """The asked-for team (404 if the user is not in it), else the user's first team, else None."""
    teams = teams_visible_to(user).order_by("name", "pk")
    if team_id is None:
        return teams.first()
    team = teams.filter(pk=team_id).first()
    if team is None:
        raise Http404("No such team.")
    return team


# --- caseload rows ---------------------------------------------------------------------------


def _open_clocks(referral: str = "pk") -> QuerySet[Clock]:
    """The outer row's referral's running clocks; ``referral`` names its id in the outer query."""
    return Clock.objects.filter(referral_id=OuterRef(referral), is_current=True, stopped_at__isnull=True)


CASELOAD_ROW_FIELDS = (
    "reference",
    "person_id",
    "status",
    "urgency",
    "triage_next_step",
    "received_at",
    "allocated_to_id",
    "person__given_name",
    "person__family_name",
    "person__nhs_number",
    "allocated_to__username",
    "allocated_to__first_name",
    "allocated_to__last_name",
    "allocated_to__organisation__name",
)


def _with_caseload_columns(qs: QuerySet[Referral]) -> QuerySet[Referral]:
    """Last contact, next deadline, next review dates, and the current clocks (one prefetch)."""
    last_contact = (
        Contact.objects.filter(referral_id=OuterRef("pk"))
        .order_by()
        .values("referral_id")
        .annotate(last=Max("occurred_at"))
        .values("last")
    )
    goal_review = (
        CarePlanGoal.objects.filter(care_plan__referral_id=OuterRef("pk"), achieved_at__isnull=True)
        .order_by()
        .values("care_plan__referral_id")
        .annotate(first=Min("review_date"))
        .values("first")
    )
    intervention_review = (
        Intervention.objects.filter(referral_id=OuterRef("pk"), ended_at__isnull=True, review_date__isnull=False)
        .order_by()
        .values("referral_id")
        .annotate(first=Min("review_date"))
        .values("first")
    )
    return (
        qs.select_related("person", "allocated_to__organisation")
        # Only the columns a row shows (caseload.views.common.display_rows, the CSV, the next
        # action): the whole referral, person, worker and organisation were some ninety columns,
        # and the ORM's writing of them cost more than the query (issue 17).
        .only(*CASELOAD_ROW_FIELDS)
        .annotate(
            last_contact_at=Subquery(last_contact),
            next_due_at=_next_due(),
            next_goal_review=Subquery(goal_review),
            next_intervention_review=Subquery(intervention_review),
        )
        .prefetch_related(
            Prefetch(
                "clocks",
                queryset=Clock.objects.filter(is_current=True).order_by("kind", "started_at"),
                to_attr="current_clocks",
            )
        )
    )


@cache
def _caseload_columns() -> QuerySet[Referral]:
    """Every referral with the caseload columns: built once per process and filtered per page.
    Building it (three subqueries resolved, the columns named, the prefetch) cost about 3 ms of
    CPU a page at a million referrals (issue 17); nothing in it depends on who asks or when, and
    ``filter`` gives each page its own copy."""
    return _with_caseload_columns(Referral.objects.all())


def _search(qs: QuerySet[Referral], text: str) -> QuerySet[Referral]:
    """Every word must match the person's given or family name, the reference, or the NHS number.

    Digits split by spaces or dashes are one number ("943 476 5919", as NHS numbers are printed).
    """
    for word in join_digit_groups(text).split()[:5]:
        compact = word.replace("-", "")
        match = (
            Q(person__given_name__icontains=word)
            | Q(person__family_name__icontains=word)
            | Q(reference__icontains=word.upper())
        )
        if compact.isdigit():
            match |= Q(person__nhs_number__startswith=compact)
        qs = qs.filter(match)
    return qs


def _clock_filter(qs: QuerySet[Referral], which: str, *, now: datetime) -> QuerySet[Referral]:
    if which == ClockFilter.BREACHED:
        return referrals_with_breach(qs, now=now, breached=True)
    if which == ClockFilter.AT_RISK:
        # Past the warning but not yet due, still running.
        at_risk = _open_clocks().filter(paused_at__isnull=True, warn_at__lte=now, due_at__gte=now)
        return qs.filter(Exists(at_risk))
    return qs


# Built once (about 0.4 ms each): an expression is copied when a query takes it, never changed.
@cache
def _next_due() -> Subquery:
    return Subquery(_open_clocks().filter(paused_at__isnull=True).order_by("due_at").values("due_at")[:1])


def _attention_filter(qs: QuerySet[Referral], which: str, *, now: datetime) -> QuerySet[Referral]:
    if which == AttentionFilter.DUE_THIS_WEEK:
        by = now + AttentionFilter.DUE_WITHIN
        review_by = london_date(by)
        clock_due = _open_clocks().filter(paused_at__isnull=True, due_at__lte=by)
        goal_review = CarePlanGoal.objects.filter(
            care_plan__referral_id=OuterRef("pk"), achieved_at__isnull=True, review_date__lte=review_by
        )
        intervention_review = Intervention.objects.filter(
            referral_id=OuterRef("pk"), ended_at__isnull=True, review_date__lte=review_by
        )
        return qs.filter(Exists(clock_due) | Exists(goal_review) | Exists(intervention_review))
    if which == AttentionFilter.NO_RECENT_CONTACT:
        recent = Contact.objects.filter(
            referral_id=OuterRef("pk"), occurred_at__gte=now - AttentionFilter.CONTACT_WITHIN
        )
        return qs.filter(~Exists(recent))
    return qs


def my_caseload(
    user: User, *, now: datetime, status: str = "", clock: str = "", attention: str = "", search: str = ""
) -> QuerySet[Referral]:
    """The open referrals the user holds as link worker, soonest deadline first.

    Lean: only what the order needs. Paginate it, then ``caseload_rows_for`` the page's ids.
    """
    # The worker's own first, each kept if they may open it (``among``): not their whole visible
    # set (a service clinician's 25,000 team and allocation ids) hashed to find their 25.
    qs = referrals_visible_to(user, open_only=True, among=Q(allocated_to_id=user.pk))
    if status:
        qs = qs.filter(status=status)
    qs = _clock_filter(qs, clock, now=now)
    qs = _attention_filter(qs, attention, now=now)
    if search.strip():
        qs = _search(qs, search)
    return qs.annotate(next_due_at=_next_due()).order_by(
        F("next_due_at").asc(nulls_last=True), "person__family_name", "pk"
    )


def _team_referrals(user: User, team: Team) -> QuerySet[Referral]:
    """Open referrals the team holds (routed to it, or allocated to a worker in it) that the user may see."""
    return team_referrals_visible_to(user, team, open_only=True)


@cache
def _treatment_due(referral: str = "pk") -> Subquery:
    return Subquery(_open_clocks(referral).filter(kind=Clock.Kind.TREATMENT).order_by("due_at").values("due_at")[:1])


def _tab_counts(
    rows: "QuerySet[Referral] | QuerySet[Allocation]", *, referral: str = "pk", holder: str = "allocated_to"
) -> dict[str, int]:
    """One aggregate query: how many of ``rows`` each tab lists. ``referral`` and ``holder`` name the
    referral's id and holder from the rows' model (a referral's own, or an allocation's).

    "Waiting" tests each row's open treatment clock through the index (a scalar subquery per
    row); an EXISTS here would be turned into a hash of every open treatment clock in the service.
    """
    counts: dict[str, int] = rows.annotate(treatment_due_at=_treatment_due(referral)).aggregate(
        **{
            # The referral's id, not an allocation's own: open_allocation_team_idx holds it, so the
            # team's allocations are read from the index alone.
            TeamView.HELD: Count(referral),
            TeamView.UNALLOCATED: Count(referral, filter=Q(**{f"{holder}__isnull": True})),
            TeamView.WAITING: Count(referral, filter=Q(treatment_due_at__isnull=False)),
        }
    )
    return counts


def team_caseload_counts(user: User, team: Team) -> dict[str, int]:
    """How many people each tab of the team page lists. For a member who sees the whole team, the
    referrals routed to it and those its workers hold for other teams are counted apart and added
    (``access.selectors.team_open_referrals_in_two``: two index-led queries); for anyone else, the
    visible part of the team in one query."""
    parts = team_open_referrals_in_two(user, team)
    if parts is None:
        return _tab_counts(_team_referrals(user, team))
    routed = _tab_counts(parts.routed)
    elsewhere = _tab_counts(parts.held_elsewhere, referral="referral_id", holder="referral__allocated_to")
    return {tab: routed[tab] + elsewhere[tab] for tab in routed}


def team_caseload(user: User, team: Team, *, view: str = TeamView.HELD, search: str = "") -> QuerySet[Referral]:
    """One tab of the team page (lean: paginate it, then ``caseload_rows_for`` the page's ids).

    * held: everyone the team holds, soonest deadline first;
    * unallocated: nobody holds them yet, longest waiting first;
    * waiting: the treatment clock is still open, ordered by breach risk (due soonest first).
    """
    qs = _team_referrals(user, team)
    if search.strip():
        qs = _search(qs, search)
    if view == TeamView.WAITING:
        # As in team_caseload_counts: the row's own clock through the index, not an EXISTS.
        return (
            qs.annotate(treatment_due_at=_treatment_due())
            .filter(treatment_due_at__isnull=False)
            .order_by("treatment_due_at", "pk")
        )
    if view == TeamView.UNALLOCATED:
        return qs.filter(allocated_to__isnull=True).order_by("received_at", "pk")
    return qs.annotate(next_due_at=_next_due()).order_by(
        F("next_due_at").asc(nulls_last=True), "person__family_name", "pk"
    )


def caseload_rows_for(ids: list[int], *, now: datetime) -> list[Referral]:
    """The rows of one page, in the order of ``ids``, with every caseload column (a fixed number of
    queries). Fetching the columns for the page only, after paginating the lean list, keeps a later
    page as cheap as the first: PostgreSQL would otherwise work out the columns of every row that
    OFFSET skips."""
    found = {row.pk: row for row in _caseload_columns().filter(pk__in=ids)}
    return caseload_rows([found[pk] for pk in ids if pk in found], now=now)


def caseload_row_for_user(user: User, referral_id: int, *, now: datetime) -> Referral:
    """One referral with the caseload columns, as a list row shows it (404 if not visible)."""
    row = _with_caseload_columns(referrals_visible_to(user).filter(pk=referral_id)).first()
    if row is None:
        raise Http404("No such referral.")
    return caseload_rows([row], now=now)[0]


# --- workers and capacity ---------------------------------------------------------------------


def _open_caseload_count() -> Coalesce:
    """How many open referrals a worker holds, across every team (a subquery count)."""
    held = (
        Referral.objects.filter(allocated_to_id=OuterRef("pk"), ended_at__isnull=True)
        .order_by()
        .values("allocated_to_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(held, output_field=IntegerField()), 0)


def _absences_now(now: datetime) -> QuerySet[Absence]:
    return Absence.objects.filter(user_id=OuterRef("pk"), starts_at__lte=now, ends_at__gt=now).order_by()


def with_capacity(workers: QuerySet[User], *, now: datetime | None = None) -> QuerySet[User]:
    """Annotate ``open_caseload``, ``capacity_now`` (the capacity during an absence in force, else
    their usual one) and ``absent_until`` (the end of that absence, else None): subqueries, one query."""
    now = now or timezone.now()
    away = _absences_now(now).values("user_id")
    return workers.annotate(
        open_caseload=_open_caseload_count(),
        capacity_now=Coalesce(
            Subquery(away.annotate(c=Min("capacity_during")).values("c"), output_field=IntegerField()),
            F("caseload_capacity"),
            output_field=IntegerField(),
        ),
        absent_until=Subquery(away.annotate(u=Max("ends_at")).values("u")),
    )


def _in_team(team_id: int) -> Exists:
    return Exists(TeamMembership.objects.filter(user_id=OuterRef("pk"), team_id=team_id))


def team_workers(team: Team, *, now: datetime | None = None) -> QuerySet[User]:
    """The team's link workers and clinicians, plus anyone outside it holding one of its people,
    each annotated as ``with_capacity`` does (one query)."""
    # Ids first (each an index-only scan), then those users: not every user row tested in turn.
    members = TeamMembership.objects.filter(team_id=team.pk, user__role__in=ALLOCATABLE_ROLES).values("user_id")
    holders = Allocation.objects.filter(team_id=team.pk, ended_at__isnull=True).values("link_worker_id")
    allocated = Referral.objects.filter(team_id=team.pk, ended_at__isnull=True, allocated_to__isnull=False).values(
        "allocated_to_id"
    )
    return with_capacity(
        User.objects.filter(is_active=True)
        .filter(pk__in=members.order_by().union(holders.order_by(), allocated.order_by()))
        .select_related("organisation"),
        now=now,
    ).order_by("last_name", "first_name", "pk")


def allocatable_workers(*, now: datetime | None = None) -> QuerySet[User]:
    """Everyone who may be named link worker, in any partner organisation (``with_capacity``)."""
    return with_capacity(
        User.objects.filter(is_active=True, role__in=ALLOCATABLE_ROLES).select_related("organisation"), now=now
    ).order_by("last_name", "first_name", "pk")


def allocation_candidates(
    *, team: Team | None, search: str = "", limit: int = 20, now: datetime | None = None
) -> tuple[list[User], list[User]]:
    """(members of the team who can hold a caseload, matches of ``search`` outside the team), each
    most room first: capacity now (reduced while absent) minus what they hold now, so the figures
    guide the choice even when everyone is over capacity (the least over first)."""
    workers = allocatable_workers(now=now).order_by(
        (F("capacity_now") - F("open_caseload")).desc(), "last_name", "first_name", "pk"
    )
    in_team = list(workers.filter(_in_team(team.pk))) if team is not None else []
    others: list[User] = []
    if search.strip():
        qs = workers.exclude(pk__in=[w.pk for w in in_team])
        for word in search.split()[:4]:
            qs = qs.filter(
                Q(first_name__icontains=word)
                | Q(last_name__icontains=word)
                | Q(username__iexact=word)
                | Q(job_title__icontains=word)
                | Q(organisation__name__icontains=word)
            )
        others = list(qs[:limit])
    return in_team, others


# --- moving a worker's caseload -----------------------------------------------------------------


def team_worker_get(team: Team, worker_id: int, *, now: datetime | None = None) -> User:
    """One of ``team_workers`` (annotated as they are), or 404."""
    worker = team_workers(team, now=now).filter(pk=worker_id).first()
    if worker is None:
        raise Http404("No such worker in this team.")
    return worker


def worker_caseload_in_team(user: User, team: Team, worker: User) -> QuerySet[Referral]:
    """The open referrals ``worker`` holds that ``team`` holds and ``user`` may see, by name."""
    return (
        _team_referrals(user, team)
        .filter(allocated_to_id=worker.pk)
        .select_related("person")
        .order_by("person__family_name", "person__given_name", "pk")
    )


def absences_not_ended(worker: User, *, now: datetime) -> QuerySet[Absence]:
    """The worker's absences in force or to come, soonest first."""
    return Absence.objects.filter(user_id=worker.pk, ends_at__gt=now).select_related("covering").order_by("starts_at")


# --- decorating one page of rows -------------------------------------------------------------


@dataclass(frozen=True)
class NextAction:
    text: str
    due: date | None = None
    overdue: bool = False


def next_action_for(referral: Referral, *, today: date) -> NextAction:
    """The next thing to do for a person: the soonest review, else the triage next step, else contact."""
    reviews = [
        (when, label)
        for when, label in (
            (getattr(referral, "next_goal_review", None), "Review care plan goals"),
            (getattr(referral, "next_intervention_review", None), "Review intervention"),
        )
        if when is not None
    ]
    if reviews:
        when, label = min(reviews)
        return NextAction(label, due=when, overdue=when < today)
    if referral.status == Referral.Status.RECEIVED:
        return NextAction("Triage the referral")
    # The triage next step stands until treatment starts; after that the care plan leads.
    if referral.triage_next_step and referral.status != Referral.Status.IN_TREATMENT:
        return NextAction(referral.triage_next_step)
    if getattr(referral, "last_contact_at", None) is None:
        return NextAction("Make first contact")
    if referral.status == Referral.Status.IN_TREATMENT:
        return NextAction("Set a review date in the care plan")
    return NextAction("Agree a care plan")


def caseload_rows(rows: Iterable[Referral], *, now: datetime) -> list[Referral]:
    """Add ``days_since_contact`` and ``next_action`` to one page of rows (no queries)."""
    today = timezone.localdate(now)
    out = []
    for row in rows:
        last = getattr(row, "last_contact_at", None)
        # Extra columns ride on the instance for the templates, like the queryset's annotations;
        # the model declares no such fields, hence the two ignores.
        row.days_since_contact = (today - timezone.localdate(last)).days if last else None  # type: ignore[attr-defined]
        row.next_action = next_action_for(row, today=today)  # type: ignore[attr-defined]
        out.append(row)
    return out
