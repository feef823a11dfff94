"""Reads for the triage queue, triage and redirecting.

The queue starts from ``referral_ids_visible_to``, so access control stays in one place, and
runs a fixed number of queries whatever the number of rows.
"""

from django.db.models import Count, F, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce

from access.selectors import referral_ids_visible_to
from accounts.models import User
from common.ids import AmongIds
from common.search import join_digit_groups
from localities.models import Locality, Team
from referrals.matching import Candidate, person_candidates
from referrals.models import Clock, Contact, Person, Referral, RiskFlag
from referrals.web.shared import current_clocks


def triage_scope_for(user: User) -> tuple[QuerySet[Team], QuerySet[Locality]]:
    """The teams and localities whose queue the user works: their teams and those teams' localities."""
    teams = Team.objects.filter(memberships__user_id=user.pk).order_by("name")
    localities = Locality.objects.filter(teams__memberships__user_id=user.pk).distinct().order_by("name")
    return teams, localities


# The columns a queue row shows (referrals.web.triage.views.QueueRow): the whole referral, person,
# team and locality were some eighty columns, and the ORM's writing of them cost more than a
# tenth of the page (issue 17).
QUEUE_ROW_FIELDS = (
    "reference",
    "person_id",
    "received_at",
    "urgency",
    "source",
    "status",
    "thrive_grouping",
    "team_id",
    "locality_id",
    "person__given_name",
    "person__family_name",
    "team__name",
    "locality__name",
)


def triage_queue(
    user: User, *, team_id: int | None = None, locality_id: int | None = None, search: str = ""
) -> QuerySet[Referral]:
    """Referrals awaiting a first response, the most urgent clock first.

    Scope: referrals the user can see that are held by one of their teams or sit
    in one of their teams' localities. Each row carries
    ``first_response_due``, ``contact_attempts`` (every contact recorded on the referral,
    attended or not) and ``current_clocks`` so a page is three queries (count, rows,
    clocks) whatever its length.
    """
    contacts_made = (
        Contact.objects.filter(referral_id=OuterRef("pk"))
        .order_by()
        .values("referral_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # At most one (one_current_clock_per_kind), so no order: the clock model's own ordering
    # (started_at) made each row's probe read the table and sort, where clock_open_referral_idx
    # alone answers it.
    awaiting = Clock.objects.filter(kind=Clock.Kind.FIRST_RESPONSE, is_current=True, stopped_at__isnull=True)
    open_first_response = awaiting.filter(referral_id=OuterRef("pk")).order_by()
    # The queue's ids, from the user's own: their visible referrals' ids (access.selectors), each
    # looked up in the open first-response clocks' index (clock_first_response_open_idx), then
    # only those referrals read. Written as IN (subquery), PostgreSQL hashed every open clock in
    # the trust to join with them, so one locality's unworked backlog slowed everyone's queue
    # (150,000 open: 245 ms for the page's count and rows of a queue of 171; now 10 ms; common.ids,
    # scripts/bench_triage_backlog.py).
    visible = referral_ids_visible_to(user, open_only=True)
    queue_ids = awaiting.filter(AmongIds("referral_id", visible)).values("referral_id").order_by()
    qs = (
        Referral.objects.filter(AmongIds("pk", queue_ids), ended_at__isnull=True)
        .annotate(
            first_response_due=Subquery(open_first_response.values("due_at")[:1]),
            contact_attempts=Coalesce(Subquery(contacts_made[:1]), 0),
        )
        .exclude(status__in=[Referral.Status.DISCHARGED, Referral.Status.CLOSED])
    )
    my_teams = Team.objects.filter(memberships__user_id=user.pk)
    qs = qs.filter(
        Q(team__in=my_teams.values("pk"))
        | Q(locality__in=my_teams.exclude(locality__isnull=True).values("locality_id"))
    )
    if team_id:
        qs = qs.filter(team_id=team_id)
    if locality_id:
        qs = qs.filter(locality_id=locality_id)
    search = search.strip()
    if search:
        words = search.split()
        by_name = Q()
        for word in words:
            by_name &= Q(person__given_name__icontains=word) | Q(person__family_name__icontains=word)
        match = Q(reference__iexact=search) | Q(reference__icontains=search.upper()) | by_name
        digits = join_digit_groups(search)
        if digits.isdigit():  # an NHS number, typed with any spacing ("943 476 5919")
            match |= Q(person__nhs_number__startswith=digits)
        qs = qs.filter(match)
    return (
        qs.select_related("person", "team", "locality")
        .only(*QUEUE_ROW_FIELDS)
        .prefetch_related(current_clocks())
        .order_by(F("first_response_due").asc(nulls_last=True), "received_at", "pk")
    )


def redirect_targets(referral: Referral) -> QuerySet[Team]:
    """Every team or service except the one holding the referral now."""
    qs = Team.objects.select_related("locality", "organisation").order_by("kind", "name")
    return qs.exclude(pk=referral.team_id) if referral.team_id else qs


def risk_flags_open(person: Person) -> list[RiskFlag]:
    """The person's risks not yet resolved, shown beside the referral being triaged or redirected."""
    return list(RiskFlag.objects.filter(person=person, resolved_at__isnull=True))


def possible_same_people(person: Person) -> list[Candidate]:
    """For a person registered without an NHS number (a self-referral, an API referral from
    someone who did not know it): who else they may be, scored as at intake, themselves left out.
    Someone with an NHS number was matched on it when the referral came in."""
    if person.nhs_number or person.birth_date is None:
        return []
    return [
        candidate
        for candidate in person_candidates(
            given_name=person.given_name,
            family_name=person.family_name,
            birth_date=person.birth_date,
            postcode=person.postcode,
            limit=5,
        )
        if candidate.person.pk != person.pk
    ]
