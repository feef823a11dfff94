"""Who may see which record: the one place that decides it (docs/adr/0006).

Every page, htmx fragment, API view, export and dashboard drill-down lists through
``*_visible_to(user)`` and looks up one object through ``*_get_for_user(user, id)``, which
raises Http404 when the user may not see it (so existence is not leaked).

Everyday access is derived from relationships in the referral domain (team membership,
allocation, the locality's triage queue); the explicit exceptions are the grants in
``access.models`` (break-glass, cover, consent-based shares).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from types import EllipsisType
from typing import TypeAlias

from django.contrib.auth.models import AnonymousUser
from django.db.models import Exists, Model, OuterRef, Prefetch, Q, QuerySet, Subquery, prefetch_related_objects
from django.http import Http404
from django.utils import timezone

from accounts.models import RecordScope, TeamMembership, User
from codes.mhsds import ATTENDED
from common.ids import AmongIds
from localities.models import Team
from referrals.models import (
    Alert,
    Allocation,
    Clock,
    Contact,
    Handoff,
    Notification,
    Person,
    Referral,
    SharingConsent,
)
from referrals.selectors import consent_in_force

from .models import IntakeReceipt, PersonGrant, PersonShare

# A values() query of one id column: what ``pk__in`` and UNION take.
IdRows: TypeAlias = QuerySet[Model, Mapping[str, object]]
# A condition on each referral's own row, as a function of a queryset (a FilterSet's
# filter_queryset, or ``lambda qs: qs.filter(urgency="urgent")``): it may filter, never add
# rows, order or slice.
Where: TypeAlias = Callable[[QuerySet[Referral]], QuerySet[Referral]]


def _people_granted_to(user: User, now: datetime) -> IdRows:
    """Person ids this user holds an explicit grant for: break-glass, cover, or a share with
    their organisation (clinical staff only; link workers see only the people they hold)."""
    return PersonGrant.objects.filter(user_id=user.pk, expires_at__gt=now).values("content_object_id").order_by()


def _taken_without_access(user: User) -> IdRows:
    """Referrals this user took for someone whose record they could not open (``access.intake``):
    a receipt for them, never a team or queue relationship."""
    return IntakeReceipt.objects.filter(user_id=user.pk).values("referral_id").order_by()


def _people_shared_with(organisation_id: int) -> IdRows:
    return PersonShare.objects.filter(organisation_id=organisation_id).values("content_object_id").order_by()


def referrals_visible_to(
    user: User | AnonymousUser, *, open_only: bool = False, among: Q | None = None
) -> QuerySet[Referral]:
    """The referrals this user may open. Nothing else decides it (docs/adr/0006).

    Everyday access comes from relationships, by the role's record scope:

    * everyone clinical: the referrals allocated to them and still open;
    * clinicians and team managers (and managers who also work clinically): their teams'
      referrals, referrals a partner team of theirs holds by allocation, and the triage queue
      (received, not yet triaged) of their teams' localities;
    * intake (call handlers, access points): the triage queue of their teams' localities;
    * service managers, IG leads and administrators: none (they see aggregates).

    Taking a referral never widens the taker's access: a referral they took for someone whose
    record they could not open counts in none of their team or queue relationships.

    Explicit grants add to that: break-glass and cover (per user, until they expire) and a
    consent-based share with the user's organisation. Each relationship is one indexed
    SELECT; their UNION is the set of ids, so a list costs the same whatever the table's size.

    ``open_only`` (the caseload, team and triage lists) keeps to referrals that have not ended,
    inside every branch, so a team's set is its caseload, not its whole history.

    ``among`` (a condition on the referral: ``Q(person_id=12)``, ``Q(team_id=3)``,
    ``Q(pk__in=ids)``) gives exactly ``referrals_visible_to(user).filter(among)``'s rows
    (tests/access/test_narrowing.py proves it for every role and relationship), read the other
    way round: the referrals meeting ``among`` first, each kept if one relationship holds for
    it (``_may_open``). PostgreSQL pushes an outer filter into the UNION only when it is one id,
    so without ``among`` a person's two referrals, or a worker's caseload, would cost the
    user's whole visible set (ADR 6, "Performance").
    """
    qs = Referral.objects.all()
    if not user.is_authenticated or not user.is_active:
        return qs.none()
    if open_only:
        qs = qs.filter(ended_at__isnull=True)
    if among is not None:
        return qs.filter(among).filter(_may_open(user, timezone.now()))
    return qs.filter(pk__in=_visible_ids(user, timezone.now(), open_only=open_only))


def referral_ids_visible_to(user: User, *, among: Q | None = None, open_only: bool = False) -> IdRows:
    """The ids of ``referrals_visible_to(user, among=among, open_only=open_only)``, to filter
    another table's rows by (``referral_id__in``): without ``among`` the UNION itself, not the
    referral table joined to it again. With ``open_only`` and no ``among`` it may also hold ended
    referrals a partner team's open allocation still points to (its branch reads the allocation,
    not the referral): filter the referrals themselves on ``ended_at`` too."""
    if not user.is_authenticated or not user.is_active:
        return Referral.objects.none().values("pk")
    if among is not None:
        return referrals_visible_to(user, among=among, open_only=open_only).values("pk").order_by()
    return _visible_ids(user, timezone.now(), open_only=open_only)


def referral_ids_visible_among(user: User, ids: set[int]) -> set[int]:
    """Which of ``ids`` the user may open. For a set longer than the user's own (a month's measure
    names tens of thousands), the user's visible ids are read (the UNION) and met with it here:
    asked of PostgreSQL as the visible referrals among those ids, it read the referral table's
    index whole for each, 0.7 to 1.0 s for a clinician at a million, against 18 to 160 ms (issue 17).
    For a short condition, use ``referrals_visible_to(user, among=...)``."""
    if not ids:
        return set()
    return ids.intersection(referral_ids_visible_to(user).values_list("pk", flat=True))


def referral_visible_condition(user: User, *, column: str) -> Q:
    """A condition on another table's rows (an assessment's, a clock's; ``column="pk"`` on the
    referral itself): the referral ``column`` names is one ``referrals_visible_to(user)`` holds.
    For a list of another table's rows taken in an order (newest, longest waiting), a few wanted.

    Someone who reaches their teams' referrals (tens of thousands at a million) has each row's own
    referral tested (``among``), so a list read in its order stops once it has its rows. Given
    the whole visible set instead, PostgreSQL built it again for each row tested: 3.6 s for a
    locality team manager's data-quality list of a quarter's interventions (issue 17). For the
    other scopes (their own caseload, a triage queue, grants) the set is short, and PostgreSQL
    hashes it once: testing each row's referral on its own was the slower of the two there."""
    if each_referral_tested(user):
        return Q(Exists(referrals_visible_to(user, among=Q(pk=OuterRef(column)))))
    return Q(**{f"{column}__in": referral_ids_visible_to(user)})


def each_referral_tested(user: User) -> bool:
    """Whether ``referral_visible_condition`` (and ``person_visible_condition``) test each row's
    own referral for this user, rather than against the user's visible set hashed once: for those
    whose teams' referrals they may open (record scope TEAM), whose set is long."""
    return user.is_authenticated and user.record_scope == RecordScope.TEAM


def person_visible_condition(user: User, *, column: str = "pk") -> Q:
    """``referral_visible_condition`` for a row about a person (``column`` names the person): the
    person has a referral ``referrals_visible_to(user)`` holds, so is among ``people_visible_to(user)``.
    Tested for each row's own person for those whose set is long (``each_referral_tested``), so a
    list of people read in an order stops once it has its rows; against the set's people otherwise."""
    if each_referral_tested(user):
        return Q(Exists(referrals_visible_to(user, among=Q(person_id=OuterRef(column)))))
    return Q(**{f"{column}__in": referrals_visible_to(user).values("person_id").order_by()})


def referrals_visible_count(user: User, *, where: Where | None = None) -> int:
    """How many referrals ``referrals_visible_to(user)`` holds (filtered by ``where``, when given),
    counted from the UNION of ids alone. Every id in it is a referral's (each branch reads the
    referral table, or an allocation's foreign key to it) and the UNION keeps each once, so this
    equals the COUNT(*) of the whole queryset without probing the referral table for each id: for
    a clinician whose teams hold 11,000 referrals, about 9 ms instead of 29 at a million (issue
    17; the API list's count). ``where`` is applied inside each branch, to the rows it reads (see
    ``referrals_visible_newest_first``). tests/access/test_narrowing.py holds the two to the same
    number."""
    if not user.is_authenticated or not user.is_active:
        return 0
    return _visible_ids(user, timezone.now(), open_only=False, where=where).count()


def referrals_visible_newest_first(user: User, *, where: Where | None = None) -> IdRows:
    """``referrals_visible_to(user)``'s ids and received times (``{"pk", "received_at"}``), newest
    received first, then the highest id: the API list's order, read from the UNION itself. Each
    branch takes the received time from the index it already reads (``referral_team_access_idx``
    includes it), so ordering a clinician's 12,000 visible referrals no longer looks each one up
    in the referral table: about 11 ms instead of 35 at a million (issue 17).

    ``where`` (the API list's filters) narrows each branch to the rows meeting it, so each
    relationship reads its own rows once, through its own index, instead of every visible id being
    looked up again in the referral table to be tested: a clinician of a service that has held
    80,000 referrals asking for the urgent ones (issue 17). The partner-team branch, which reads
    allocations, tests the referral rows its allocations point to. tests/access/test_narrowing.py
    holds both, with and without ``where``, to ``referrals_visible_to``'s rows and order."""
    if not user.is_authenticated or not user.is_active:
        return Referral.objects.none().values("pk", "received_at")
    visible = _visible_ids(user, timezone.now(), open_only=False, received=True, where=where)
    return visible.order_by("-received_at", "-pk")


# Each relationship is written twice, side by side: as the ids it opens (one indexed SELECT, a
# branch of the UNION, for a whole list) and as a condition on one referral row (for a few
# candidates, ``among``). tests/access/test_narrowing.py holds them to the same rows.


def _visible_ids(
    user: User, now: datetime, *, open_only: bool, received: bool = False, where: Where | None = None
) -> IdRows:
    """The relationships as a UNION of ids (with each one's received time, when ``received``: the
    same referral from two branches is the same pair, so the UNION still keeps it once), each
    branch narrowed by ``where`` when given."""
    scope = user.record_scope
    cols = ("pk", "received_at") if received else ("pk",)
    referrals = Referral.objects.filter(ended_at__isnull=True) if open_only else Referral.objects.all()

    def ids(branch: QuerySet[Referral]) -> IdRows:
        narrowed = where(branch) if where is not None else branch
        rows: IdRows = narrowed.values(*cols).order_by()
        return rows

    branches: list[IdRows] = [ids(referrals.filter(person_id__in=_people_granted_to(user, now)))]
    if scope != RecordScope.NONE:
        branches.append(ids(Referral.objects.filter(allocated_to_id=user.pk, ended_at__isnull=True)))
    if scope in (RecordScope.TEAM, RecordScope.QUEUE):
        my_teams, my_localities, taken = _my_teams(user), _my_localities(user), _taken_without_access(user)
        queue = Referral.objects.filter(status=Referral.Status.RECEIVED, locality_id__in=my_localities)
        branches.append(ids(queue.exclude(pk__in=taken)))
    if scope == RecordScope.TEAM:
        # A partner team can hold someone by allocation while the referral sits with another team.
        partner = Allocation.objects.filter(ended_at__isnull=True, team_id__in=my_teams).exclude(referral_id__in=taken)
        if where is None:
            allocation_cols = ("referral_id", "referral__received_at") if received else ("referral_id",)
            partner_ids = partner.values(*allocation_cols).order_by()
        else:
            # The referral rows the allocations point to, each looked up by its id, to be tested.
            partner_ids = ids(Referral.objects.filter(AmongIds("pk", partner.values("referral_id").order_by())))
        branches += [ids(referrals.filter(team_id__in=my_teams).exclude(pk__in=taken)), partner_ids]
        if user.organisation_id is not None:
            branches.append(ids(referrals.filter(person_id__in=_people_shared_with(user.organisation_id))))
    return branches[0].union(*branches[1:])


def _may_open(user: User, now: datetime) -> Q:
    """The relationships as a condition on one referral row. It reads only the row's id, team,
    end and holder (all in ``referral_team_access_idx``, so a team's candidates are read from
    the index alone); a relationship that turns on other columns (the triage queue, grants and
    shares, by person) is the short list of ids it opens, which PostgreSQL hashes once. The
    team relationship, the one that usually holds, comes first: the first that holds decides."""
    scope = user.record_scope
    granted = Q(pk__in=Referral.objects.filter(person_id__in=_people_granted_to(user, now)).values("pk").order_by())
    if scope == RecordScope.NONE:
        return granted
    held = Q(allocated_to_id=user.pk, ended_at__isnull=True)
    if scope not in (RecordScope.TEAM, RecordScope.QUEUE):
        return held | granted
    my_teams, my_localities, taken = _my_teams(user), _my_localities(user), _taken_without_access(user)
    queue = Referral.objects.filter(status=Referral.Status.RECEIVED, locality_id__in=my_localities)
    in_queue = Q(pk__in=queue.exclude(pk__in=taken).values("pk").order_by())
    if scope == RecordScope.QUEUE:
        return held | in_queue | granted
    team = Q(team_id__in=my_teams) & ~Q(pk__in=taken)
    partner_held = Exists(
        Allocation.objects.filter(referral_id=OuterRef("pk"), ended_at__isnull=True, team_id__in=my_teams)
    ) & ~Q(pk__in=taken)
    may = team | held | in_queue | granted | partner_held
    if user.organisation_id is not None:
        shared = Referral.objects.filter(person_id__in=_people_shared_with(user.organisation_id))
        may |= Q(pk__in=shared.values("pk").order_by())
    return may


def _my_teams(user: User) -> IdRows:
    return TeamMembership.objects.filter(user_id=user.pk).values("team_id").order_by()


def _my_localities(user: User) -> IdRows:
    return Team.objects.filter(memberships__user_id=user.pk, locality__isnull=False).values("locality_id").order_by()


def team_referrals_visible_to(user: User, team: Team, *, open_only: bool = True) -> QuerySet[Referral]:
    """A team's referrals (routed to it, or held by one of its workers by allocation) that this
    user may see: the team caseload, its waiting list and its download.

    For a clinician or team manager in the team that is all of them: ``referrals_visible_to``'s
    team and allocation relationships cover exactly these, so the page need not build that
    whole set to intersect with it. For anyone else (a link worker in the team) it is the
    intersection with ``referrals_visible_to``. Either way one indexed UNION of ids.
    """
    referrals = Referral.objects.filter(ended_at__isnull=True) if open_only else Referral.objects.all()
    held = Allocation.objects.filter(team_id=team.pk, ended_at__isnull=True).values("referral_id").order_by()
    # Looked up by id (AmongIds): as ``pk IN (...)`` PostgreSQL read every open referral of the
    # trust to hash-join with the team's (a locality team's page: 165,000 rows for its 1,800).
    team_ids = referrals.filter(team_id=team.pk).values("pk").order_by().union(held)
    qs = Referral.objects.filter(AmongIds("pk", team_ids))
    if open_only:
        qs = qs.filter(ended_at__isnull=True)
    if not _sees_all_of_team(user, team):
        qs = qs.filter(pk__in=referrals_visible_to(user, open_only=open_only).values("pk"))
    else:
        qs = qs.exclude(pk__in=_taken_without_access(user))
    return qs


def _sees_all_of_team(user: User, team: Team) -> bool:
    """A clinician or team manager in the team: ``referrals_visible_to``'s team and allocation
    relationships give them every referral the team holds (less those they took without access)."""
    return (
        user.is_authenticated
        and user.is_active
        and user.record_scope == RecordScope.TEAM
        and TeamMembership.objects.filter(user_id=user.pk, team_id=team.pk).exists()
    )


@dataclass(frozen=True)
class TeamInTwo:
    """``team_referrals_visible_to(user, team)``'s open referrals as two parts that do not
    overlap: those routed to the team, and the open allocations of the team's workers whose
    referral is open and routed elsewhere (one open allocation per referral, a constraint, so
    each stands for one referral). Counted apart, each is read through its own index, where the
    UNION of their ids, joined back to the referral table, made PostgreSQL read every open
    referral of the service to hash-join them: a locality team's counts 37 ms → about 7 at a million
    (issue 17). tests/caseload/test_caseload.py holds the sum to the whole set's counts."""

    routed: QuerySet[Referral]
    held_elsewhere: QuerySet[Allocation]


def team_open_referrals_in_two(user: User, team: Team) -> TeamInTwo | None:
    """The team's open referrals in two parts (``TeamInTwo``) for someone who sees all of them;
    None for anyone else (they see the intersection with ``referrals_visible_to``)."""
    if not _sees_all_of_team(user, team):
        return None
    taken = _taken_without_access(user)
    return TeamInTwo(
        routed=Referral.objects.filter(team_id=team.pk, ended_at__isnull=True).exclude(pk__in=taken),
        held_elsewhere=Allocation.objects.filter(
            team_id=team.pk, ended_at__isnull=True, referral__ended_at__isnull=True
        )
        .exclude(referral__team_id=team.pk)
        .exclude(referral_id__in=taken),
    )


def referral_get_for_user(user: User, referral_id: int) -> Referral:
    return _one_referral(referrals_visible_to(user), referral_id)


def referral_submitted_by(user: User, referral_id: int) -> Referral:
    """The referral this user has just sent in, read back for their receipt.

    Only the intake endpoints use it, straight after ``referral_create`` (a first send or an
    idempotent replay of it): a referrer, such as an intake system's account, learns where their
    referral went without being able to open the person's record afterwards.
    """
    return _one_referral(Referral.objects.filter(created_by_id=user.pk), referral_id)


def referral_receipt(user: User, referral: Referral, *, created: bool) -> Referral:
    """The intake API's read-back: ``referral_submitted_by``, except for a referral this request
    has just made for ``user``, whose row and clocks are already in hand as they were written
    (``clocks_start`` keeps them on the referral): no query (issue 17). A replay reads the database."""
    if not created or referral.created_by_id != user.pk:
        return referral_submitted_by(user, referral.pk)
    if "clocks" not in getattr(referral, "_prefetched_objects_cache", {}):  # not as written: read them
        prefetch_related_objects([referral], Prefetch("clocks", queryset=Clock.objects.order_by("kind", "started_at")))
    return referral


def _one_referral(qs: QuerySet[Referral], referral_id: int) -> Referral:
    referral = (
        qs.select_related("person__gp_practice", "locality", "team")
        .prefetch_related(Prefetch("clocks", queryset=Clock.objects.order_by("kind", "started_at")))
        .filter(pk=referral_id)
        .first()
    )
    if referral is None:
        raise Http404("No such referral.")
    return referral


def people_visible_to(user: User, *, among: Q | None = None) -> QuerySet[Person]:
    """People with at least one referral the user can see; ``among`` narrows the referrals
    looked at, as ``referrals_visible_to``'s does (``Q(person_id=12)`` for one person)."""
    return Person.objects.filter(pk__in=referrals_visible_to(user, among=among).values("person_id").order_by())


def person_get_for_user(user: User, person_id: int) -> Person:
    # Only this person's referrals are looked at, not the user's whole visible set.
    visible = people_visible_to(user, among=Q(person_id=person_id))
    person = visible.select_related("gp_practice__locality").filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person.")
    return person


# How a caller reads a person's visible referrals: joins and prefetches, never a filter, order
# or slice (``lambda qs: qs.select_related("team")``).
Shape: TypeAlias = Callable[[QuerySet[Referral]], QuerySet[Referral]]


def person_and_referrals_for_user(
    user: User, person_id: int, *, shape: Shape | None = None
) -> tuple[Person, list[Referral]]:
    """The person, as ``person_get_for_user`` gives them, and their referrals this user may open
    (``referrals_visible_to(user, among=Q(person_id=person_id))``, read as ``shape`` says), with
    the access condition written once for both. A person is open to the user exactly when one of
    their referrals is (``people_visible_to``), so the referrals, read first, decide the person,
    who is then read by key: the condition is not written a second time to find the person. For a
    clinician, writing it is about 5 ms of the ORM's work at each use, the larger part of the
    person page's SQL building (issue 17). Raises Http404 when there is none; each referral is
    given the person, so reading it costs no query."""
    visible = referrals_visible_to(user, among=Q(person_id=person_id))
    referrals = list(shape(visible) if shape is not None else visible)
    person = None
    if referrals:
        person = Person.objects.select_related("gp_practice__locality").filter(pk=person_id).first()
    if person is None:
        raise Http404("No such person.")
    for referral in referrals:
        referral.person = person
    return person, referrals


def alerts_visible_to(user: User | AnonymousUser) -> QuerySet[Alert]:
    """Alerts on referrals the user can see, or addressed to them.

    Read from the user's own lists: the alerts of their visible referrals' ids, and those of
    the notifications addressed to them, each list made once and each id looked up in its index
    (``common.ids.AmongIds``). Written as an EXISTS for each alert, PostgreSQL read every alert of
    the trust and tested each one: 4 s for a clinician of a service with a long history, over
    1,650,000 alerts (issue 17; docs/performance.md); now about 0.25 s for them, and a few tens of
    milliseconds for a locality team's clinician."""
    qs = Alert.objects.all()
    if not isinstance(user, User) or not user.is_active:
        return qs.none()
    # Escalations reach team and service managers who may not hold the referral.
    addressed_to_me = Notification.objects.filter(recipient_id=user.pk).values("alert_id").order_by()
    return qs.filter(Q(AmongIds("referral_id", referral_ids_visible_to(user))) | Q(AmongIds("pk", addressed_to_me)))


@dataclass(frozen=True)
class NotesAccess:
    """Whose trusted assessment and clinical notes this user may read for one person.

    Opening a record (the selectors above) shows who the person is, their referrals, clocks,
    risks and plan. The trusted assessment, contact notes and clinical assessments written by
    *another* organisation are shown only under the person's consent in force, or break-glass.
    Withdrawal is read here on every request, so it takes effect at once; nothing is deleted.
    """

    everything: bool
    organisation_id: int | None
    why: str

    def allows(self, organisation_id: int | None) -> bool:
        if self.why == "intake":
            return False
        return self.everything or organisation_id == self.organisation_id


def notes_access_for(user: User, person: Person, *, consent: SharingConsent | None | EllipsisType = ...) -> NotesAccess:
    """Pass ``consent`` when the page has already read the decision in force (saves a query)."""
    own = user.organisation_id
    if user.record_scope == RecordScope.QUEUE:
        # Intake sees who is waiting and why, never the assessment or clinical notes.
        return NotesAccess(False, None, "intake")
    now = timezone.now()
    if PersonGrant.objects.filter(
        user_id=user.pk, content_object_id=person.pk, kind=PersonGrant.Kind.BREAK_GLASS, expires_at__gt=now
    ).exists():
        return NotesAccess(True, own, "break_glass")
    if consent is ...:
        consent = consent_in_force(person)
    if consent is not None and consent.withdrawn_at is not None:
        return NotesAccess(False, own, "withdrawn")
    if consent is None or consent.decision != SharingConsent.Decision.GIVEN:
        return NotesAccess(False, own, "no_consent")
    if consent.scope == SharingConsent.Scope.CARE_TEAM:
        return NotesAccess(True, own, "consent")
    named = {org.pk for org in consent.organisations.all()}
    return NotesAccess(own in named, own, "consent" if own in named else "not_named")


# --- The alerts inbox: a user's own notifications, and nobody else's ------------------------


def notifications_for(user: User, *, level: str = "", unseen_only: bool = False) -> QuerySet[Notification]:
    """The user's notifications, newest first, with the alert, referral and person in the same query."""
    if not user.is_authenticated or not user.is_active:
        return Notification.objects.none()
    qs = Notification.objects.filter(recipient_id=user.pk)
    if level in Alert.Level.values:
        qs = qs.filter(alert__level=level)
    if unseen_only:
        qs = qs.filter(seen_at__isnull=True)
    # Escalations reach managers who may not open the record: they see the reference, not the name.
    can_open = Exists(referrals_visible_to(user).filter(pk=OuterRef("alert__referral_id")))
    return (
        qs.select_related("alert__referral__person", "alert__referral__team")
        .annotate(can_open=can_open)
        .order_by("-created_at", "-pk")
    )


def notification_get_for_user(user: User, notification_id: int) -> Notification:
    """One of the user's own notifications; 404 for anyone else's (existence is not leaked)."""
    notification = notifications_for(user).filter(pk=notification_id).first()
    if notification is None:
        raise Http404("No such notification.")
    return notification


def unseen_count(user: User) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient_id=user.pk, seen_at__isnull=True).count()


# --- After a hand-off (issue 15, item 5) -------------------------------------------------------
# A redirect can take a referral out of the reach of the clinician who made it. They may still
# follow where it went (receiving team, date, whether the person was told, whether the receiving
# team has reached them), never the record itself.


def handoffs_followed_by(user: User | AnonymousUser) -> QuerySet[Handoff]:
    """The hand-offs this user may follow: ones they made, ones from a team of theirs (for the
    roles that see their teams' referrals), and ones of a referral they held before it left.
    Each carries ``first_contact_at``: the receiving side's first attended contact since."""
    return _with_handoff_details(_handoffs_followed(user))


def handoffs_followed_newest(user: User | AnonymousUser, *, limit: int) -> list[Handoff]:
    """The newest ``limit`` of ``handoffs_followed_by(user)``, newest first: chosen on the
    hand-off's own columns, then only those read with their referral, person, teams and first
    contact (2 queries). Joined first, a team's 1,800 hand-offs were each read whole to be sorted."""
    chosen = list(_handoffs_followed(user).order_by("-at", "-id").values_list("pk", flat=True)[:limit])
    return list(_with_handoff_details(Handoff.objects.filter(pk__in=chosen))) if chosen else []


def _handoffs_followed(user: User | AnonymousUser) -> QuerySet[Handoff]:
    if not isinstance(user, User) or not user.is_active or not user.is_clinical:
        return Handoff.objects.none()
    # Each relationship read from the user's own short list, in its own index, and their UNION
    # looked up by id (AmongIds): tested on every hand-off instead, PostgreSQL walked all of the
    # trust's hand-offs, newest first, for someone with few or none (140,000 at a million
    # referrals: 240 ms for an empty page; issue 17).
    held = Allocation.objects.filter(link_worker_id=user.pk).values("referral_id").order_by()
    held_before = Exists(
        Allocation.objects.filter(
            referral_id=OuterRef("referral_id"), link_worker_id=user.pk, started_at__lte=OuterRef("at")
        )
    )
    branches = [
        Handoff.objects.filter(by_id=user.pk).values("pk").order_by(),
        Handoff.objects.filter(AmongIds("referral_id", held)).filter(held_before).values("pk").order_by(),
    ]
    if user.record_scope == RecordScope.TEAM:
        branches.append(Handoff.objects.filter(from_team_id__in=_my_teams(user)).values("pk").order_by())
    return Handoff.objects.filter(AmongIds("pk", branches[0].union(*branches[1:])))


def _with_handoff_details(handoffs: QuerySet[Handoff]) -> QuerySet[Handoff]:
    first_contact = (
        Contact.objects.filter(
            referral_id=OuterRef("referral_id"), attendance__in=sorted(ATTENDED), occurred_at__gte=OuterRef("at")
        )
        .order_by("occurred_at")
        .values("occurred_at")[:1]
    )
    return (
        handoffs.select_related("referral__person", "from_team", "to_team", "by")
        .annotate(first_contact_at=Subquery(first_contact))
        .order_by("-at", "-id")
    )


def handoff_get_for_user(user: User, handoff_id: int) -> Handoff:
    handoff = handoffs_followed_by(user).filter(pk=handoff_id).first()
    if handoff is None:
        raise Http404("No such hand-off.")
    return handoff


def handoff_followed_for_person(user: User, person_id: int) -> Handoff | None:
    """The latest hand-off of this person's referrals that the user may follow: where to send
    them instead of a bare 404 when they open someone who has moved on."""
    return handoffs_followed_by(user).filter(referral__person_id=person_id).first()
