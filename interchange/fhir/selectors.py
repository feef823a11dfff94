"""What the FHIR API reads, for one user. Every query starts from ``access.selectors``
(``referrals_visible_to`` and friends), so the API sees exactly what the pages and /api/v1/ see;
nothing here decides who may see what (docs/adr/0006).

A resource's rows are handed to a read or a search as a ``Visible``: the user and how to build
their rows, not yet a query. The read (one id) and the search (a patient, a referral, an owner)
first say which referrals they are about, and that condition goes inside the access rules
(``referrals_visible_to``'s ``among``): the rows are the same as filtering the user's whole
visible set, but a person's or a worker's few referrals cost what they are, not the hundreds of
thousands a clinician of a busy team may open (ADR 6, "Performance").

Lists are two steps, as /api/v1/ does: the page's ids from the filtered, ordered ids alone, then
those rows whole with everything the mapping reads, so a page costs the same few queries
whatever its size.
"""

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Generic, TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.http import Http404

from access.selectors import (
    IdRows,
    each_referral_tested,
    people_visible_to,
    person_visible_condition,
    referral_ids_visible_to,
    referral_visible_condition,
    referrals_visible_to,
)
from accounts.models import User
from localities.models import Organisation, Team
from referrals.models import CarePlan, Clock, Contact, OutcomeMeasure, Person, Referral, SharingConsent

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class Visible(Generic[M]):
    """One user's rows of one resource type, before a read or a search narrows them.

    ``rows(user, among)`` builds the query, ``among`` being a condition on the referral (or
    None for all the user may see); ``referrals_of(pk)`` is that condition for one row's id.
    """

    user: User
    rows: Callable[[User, Q | None], QuerySet[M]]
    referrals_of: Callable[[int], Q]
    # The same rows as ``rows(user, None)``, each row's referral (or person) tested on its own
    # (``access.selectors.referral_visible_condition``): for reading them in an order and stopping
    # at a page (``page_ids``). None for a type whose order no index keeps.
    tested_one_by_one: Callable[[User], QuerySet[M]] | None = None
    walking: bool = False  # this is ``each_tested()``'s copy

    def among(self, referrals: Q | None) -> QuerySet[M]:
        """The user's rows about the referrals meeting ``referrals`` (None: all of them): the
        same rows as filtering all the user's rows by it, the condition applied inside each
        access relationship."""
        if self.walking and self.tested_one_by_one is not None:
            if referrals is not None:
                # A search about some referrals is narrowed inside the rules already: nothing to
                # walk (page_ids reads it as it always has, no query more).
                return self.rows(self.user, referrals).none()
            return self.tested_one_by_one(self.user)
        return self.rows(self.user, referrals)

    def each_tested(self) -> "Visible[M] | None":
        """These rows, a search about no referral in particular testing each row on its own, when
        that is how this user's are read (``access.selectors.each_referral_tested``: a team's
        tens of thousands of referrals); None otherwise."""
        if self.tested_one_by_one is None or not each_referral_tested(self.user):
            return None
        return replace(self, walking=True)

    def one(self, pk: int) -> QuerySet[M]:
        """The row with this id, if the user may see it."""
        return self.among(self.referrals_of(pk)).filter(pk=pk)


def _referrals_of_rows(model: type[Model]) -> Callable[[int], Q]:
    """For a row about one referral: that referral."""
    return lambda pk: Q(pk__in=model._default_manager.filter(pk=pk).values("referral_id").order_by())


def _each_of(model: type[M]) -> Callable[[User], QuerySet[M]]:
    """A referral's rows (``referral_id``), each tested on its own."""
    return lambda user: model._default_manager.filter(referral_visible_condition(user, column="referral_id"))


def _visible_referral_ids(user: User, among: Q | None) -> IdRows:
    return referral_ids_visible_to(user, among=among)


def patients_visible_to(user: User) -> Visible[Person]:
    return Visible(
        user,
        lambda u, among: people_visible_to(u, among=among),
        lambda pk: Q(person_id=pk),
        lambda u: Person.objects.filter(person_visible_condition(u)),
    )


def patients_in(ids: list[int]) -> QuerySet[Person]:
    return Person.objects.filter(pk__in=ids).select_related("gp_practice")


def service_requests_visible_to(user: User) -> Visible[Referral]:
    """Referrals, as ServiceRequests and as EpisodesOfCare."""
    return Visible(
        user,
        lambda u, among: referrals_visible_to(u, among=among),
        lambda pk: Q(pk=pk),
        lambda u: Referral.objects.filter(referral_visible_condition(u, column="pk")),
    )


def service_requests_in(ids: list[int]) -> QuerySet[Referral]:
    return Referral.objects.filter(pk__in=ids).select_related("person", "team")


def _encounters(user: User, among: Q | None) -> QuerySet[Contact]:
    return Contact.objects.filter(referral_id__in=_visible_referral_ids(user, among))


def encounters_visible_to(user: User) -> Visible[Contact]:
    """Care contacts on referrals the user may open (never their notes: ADR 6, ADR 11)."""
    return Visible(user, _encounters, _referrals_of_rows(Contact), _each_of(Contact))


def encounters_in(ids: list[int]) -> QuerySet[Contact]:
    return Contact.objects.filter(pk__in=ids).select_related("referral__person", "referral__team__organisation")


def _tasks(user: User, among: Q | None) -> QuerySet[Clock]:
    return Clock.objects.filter(referral_id__in=_visible_referral_ids(user, among))


def tasks_visible_to(user: User) -> Visible[Clock]:
    """Waiting-time clocks (current and superseded) on referrals the user may open."""
    return Visible(user, _tasks, _referrals_of_rows(Clock), _each_of(Clock))


def tasks_in(ids: list[int]) -> QuerySet[Clock]:
    return Clock.objects.filter(pk__in=ids).select_related(
        "referral__person", "referral__team", "referral__allocated_to"
    )


def _observations(user: User, among: Q | None) -> QuerySet[OutcomeMeasure]:
    return OutcomeMeasure.objects.filter(referral_id__in=_visible_referral_ids(user, among))


def observations_visible_to(user: User) -> Visible[OutcomeMeasure]:
    """Outcome scores on referrals the user may open."""
    return Visible(user, _observations, _referrals_of_rows(OutcomeMeasure), _each_of(OutcomeMeasure))


def observations_in(ids: list[int]) -> QuerySet[OutcomeMeasure]:
    return OutcomeMeasure.objects.filter(pk__in=ids).select_related("referral__person")


def episodes_in(ids: list[int]) -> QuerySet[Referral]:
    """Referrals as episodes of care: the service request's reads and who manages the care."""
    return Referral.objects.filter(pk__in=ids).select_related("person", "team__organisation", "allocated_to")


def _care_plans(user: User, among: Q | None) -> QuerySet[CarePlan]:
    return CarePlan.objects.filter(referral_id__in=_visible_referral_ids(user, among))


def care_plans_visible_to(user: User) -> Visible[CarePlan]:
    return Visible(user, _care_plans, _referrals_of_rows(CarePlan))


def care_plans_in(ids: list[int]) -> QuerySet[CarePlan]:
    return CarePlan.objects.filter(pk__in=ids).select_related("referral__person").prefetch_related("goals")


def _consents(user: User, among: Q | None) -> QuerySet[SharingConsent]:
    people = referrals_visible_to(user, among=among).values("person_id").order_by()
    return SharingConsent.objects.filter(person_id__in=people)


def consents_visible_to(user: User) -> Visible[SharingConsent]:
    """Every sharing decision (in force, withdrawn or replaced) about people the user may open:
    the person's page shows them to the same readers. A decision is about a person, so the
    referrals it narrows to are the person's."""
    return Visible(
        user,
        _consents,
        lambda pk: Q(person_id__in=SharingConsent.objects.filter(pk=pk).values("person_id").order_by()),
    )


def consents_in(ids: list[int]) -> QuerySet[SharingConsent]:
    """With ``superseded``: a later decision about the same person replaced this one (the order
    ``consent_in_force`` reads them in)."""
    later = SharingConsent.objects.filter(person_id=OuterRef("person_id")).filter(
        Q(recorded_at__gt=OuterRef("recorded_at")) | Q(recorded_at=OuterRef("recorded_at"), pk__gt=OuterRef("pk"))
    )
    return (
        SharingConsent.objects.filter(pk__in=ids)
        .select_related("person", "recorded_by__organisation")
        .prefetch_related("organisations")
        .annotate(superseded=Exists(later))
    )


# --- who does the work: staff, teams, organisations --------------------------------------------
#
# Not a patient's record: names of staff, teams and organisations, which every signed-in page
# shows to every member of staff (who holds a referral, which team it is with). Every active
# account that may use the API reads them; none names a person, so the read audit (one row per
# person shown) has nothing to record. ``among`` (a condition on referrals) does not narrow them.


def _not_about_referrals(pk: int) -> Q:
    return Q()


def practitioners_visible_to(user: User) -> Visible[User]:
    """Active staff accounts (a former member of staff keeps their id, and reads as inactive)."""
    return Visible(user, lambda u, among: User.objects.all(), _not_about_referrals)


def practitioners_in(ids: list[int]) -> QuerySet[User]:
    return User.objects.filter(pk__in=ids)


def healthcare_services_visible_to(user: User) -> Visible[Team]:
    return Visible(user, lambda u, among: Team.objects.all(), _not_about_referrals)


def healthcare_services_in(ids: list[int]) -> QuerySet[Team]:
    return Team.objects.filter(pk__in=ids).select_related("organisation")


def organizations_visible_to(user: User) -> Visible[Organisation]:
    return Visible(user, lambda u, among: Organisation.objects.all(), _not_about_referrals)


def organizations_in(ids: list[int]) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=ids)


# How many of a resource's first rows (in its order) a page is looked for among, reading them one by
# one, before the user's whole set is read: page_ids.
WALKED = 10_000


def page_ids(
    matches: QuerySet[M], each_tested: QuerySet[M] | None, *, ordering: tuple[str, ...], start: int, stop: int
) -> list[int]:
    """The ids of ``matches``, in ``ordering``, from ``start`` to ``stop``.

    ``each_tested`` (when given) holds the same rows as ``matches``, each tested on its own
    (``Visible.each_tested``). For a clinician whose teams have held 80,000 referrals, a search
    with no parameter (their encounters, newest first) read the whole set to sort it: every visible
    referral's contacts, 309,000 rows, for 51 (1.0 s at a million, issue 17). Here the first
    ``WALKED`` rows of the whole table in this order (read from the index that keeps it; all of
    them in a smaller table) are walked first, each tested, and PostgreSQL stops at the page. The
    rows up to the ``WALKED``-th one's value come before every other row, so when they hold the
    whole page it is the page; when they do not (a reader who sees little of the table, a page far
    down) the set is read whole as before, for at most ``WALKED`` rows tested in vain. A search
    about some referrals (``each_tested`` empty: ``Visible.among``) is read as it always was.
    tests/interchange/fhir/test_search_order.py holds both ways to the same pages."""
    field = ordering[0].removeprefix("-")
    model = matches.model
    if each_tested is not None and not each_tested.query.is_empty() and not model._meta.get_field(field).null:
        # PostgreSQL puts NULLs first when descending: a nullable first column has no such prefix.
        descending = ordering[0].startswith("-")
        rows = model._default_manager.values(field)
        # The WALKED-th row's value; the last row's when the table holds fewer.
        last = Coalesce(
            Subquery(rows.order_by(*ordering)[WALKED - 1 : WALKED]),
            Subquery(rows.order_by(field if descending else f"-{field}")[:1]),
        )
        walked = each_tested.filter(**{f"{field}__gte" if descending else f"{field}__lte": last}).order_by(*ordering)
        ids = list(walked.values_list("pk", flat=True)[start:stop])
        if len(ids) == stop - start:
            return ids
    return list(matches.order_by(*ordering).values_list("pk", flat=True)[start:stop])


def one_visible(visible: Visible[M], whole: QuerySet[M], pk: int, missing: str) -> M:
    """One row of ``whole`` (loaded for the mapping) if it is among ``visible``; 404 alike for an
    unknown id and one the user may not see, so a guess learns nothing."""
    found = whole.filter(pk__in=visible.one(pk).values("pk")).first()
    if found is None:
        raise Http404(missing)
    return found
