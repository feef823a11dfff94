"""Reads for the information governance lead's pages.

Access control lives here, as everywhere: each ``*_visible_to(user)`` gives an IG lead
everything and anyone else nothing, and ``break_glass_review_get_for_user`` raises 404. Rows
are turned into display rows (``AuditRow``) here too, once, so the page and its CSV download
say exactly the same thing.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, reduce
from operator import or_

from django.apps import apps
from django.db.models import Count, F, Max, Min, Q, QuerySet
from django.http import Http404

from access.consent import LIFT_ACTION
from access.models import BreakGlassReview
from accounts.models import AuditEvent, Role, User
from common.london import london_midnight
from referrals.models import Person
from referrals.nhs_number import format_nhs_number

# Actions that are not changes to a record: signing in, reading, granting access, and the audit
# log's own use. Every write to a record is audited under its own name ("referral.triage",
# "contact.record", ...), so "Changes" is everything else, and a new kind of change needs no edit here.
_NOT_CHANGES = ("auth.", "record.", "access.", "audit.")

# The "What they did" filter: key -> (label, condition).
ACTION_CATEGORIES: dict[str, tuple[str, Q]] = {
    "sign_in": ("Sign-in events (including failed sign-ins)", Q(action__startswith="auth.")),
    "record": ("Any look at a record (views, lists, downloads, searches)", Q(action__startswith="record.")),
    "record.view": ("Record views", Q(action="record.view")),
    "record.list": ("Records shown in a list", Q(action="record.list")),
    "record.export": ("Records downloaded", Q(action="record.export")),
    "record.search": ("Searches for records", Q(action="record.search")),
    "changes": ("Changes to records", ~reduce(or_, (Q(action__startswith=prefix) for prefix in _NOT_CHANGES))),
    "access": ("Access grants (break-glass, cover, shares)", Q(action__startswith="access.")),
    "consent": ("Consent to share decisions", Q(action__startswith="consent.")),
    "admin": ("Administration (staff, roles, teams, tokens, policies)", Q(action__startswith="admin.")),
    "audit": ("Use of the audit log (downloads)", Q(action__startswith="audit.")),
}

# What each action means, in words an IG lead reads out in a report. Anything missing falls
# back to its code, tidied ("trusted_assessment.write" -> "Trusted assessment: write").
ACTION_LABELS = {
    "auth.login": "Signed in",
    "auth.logout": "Signed out",
    "auth.login_failed": "Failed to sign in (wrong username or password)",
    "auth.locked_out": "Locked out after repeated failed sign-ins",
    "auth.two_factor_enrolled": "Set up an authenticator app",
    "auth.two_factor_verified": "Entered a correct two-factor code",
    "auth.two_factor_failed": "Entered a wrong two-factor code",
    "record.view": "Viewed the record",
    "record.list": "Saw the person in a list",
    "record.export": "Downloaded the record",
    "record.search": "Found the person in a search",
    "access.break_glass": "Opened the record in an emergency (break-glass)",
    "access.break_glass_reviewed": "Reviewed a break-glass opening",
    "access.break_glass_no_match": "Tried break-glass access, but the details matched no one person",
    "access.cover": "Arranged cover for an absent colleague",
    "access.share": "Shared the record with another organisation (with consent)",
    "access.share_ended": "Ended a share with another organisation",
    "audit.export": "Downloaded part of the audit log",
    "person.create": "Added the person",
    "person.equality_record": "Recorded equality information",
    "referral.create": "Created a referral",
    "referral.triage": "Triaged a referral",
    "referral.assess": "Recorded an assessment on a referral",
    "referral.redirect": "Redirected a referral",
    "referral.discharge": "Discharged a referral",
    "referral.close": "Closed a referral",
    "caseload.allocate": "Allocated to a link worker",
    "contact.record": "Recorded a contact",
    "clock.stop": "Stopped a waiting-time clock",
    "clock.pause": "Paused a waiting-time clock",
    "clock.resume": "Resumed a waiting-time clock",
    "clock.restart": "Restarted a waiting-time clock",
    "consent.record": "Recorded a consent to share decision",
    "consent.withdraw": "Recorded that consent to share was withdrawn",
    "consent.refusal_lifted": "Replaced a refusal to share with consent given",
    "consent.refusal_lift_refused": "Tried to replace another organisation's refusal to share (refused)",
    "admin.add": "Added in the administration site",
    "admin.change": "Changed in the administration site",
    "admin.delete": "Deleted in the administration site",
    "admin.token_created": "Issued an API token",
    "auth.enrolment_code_issued": "Issued a code to set up an authenticator app",
    "auth.enrolment_code_used": "Used a code to set up an authenticator app",
    "auth.enrolment_code_refused": "Tried to set up an authenticator app without a valid code",
    "assessment.record": "Recorded an assessment",
    "trusted_assessment.add": "Added to the trusted assessment",
    "trusted_assessment.write": "Wrote the trusted assessment",
    "care_plan.record": "Recorded a care plan",
    "care_plan.goal_add": "Added a goal to the care plan",
    "intervention.record": "Recorded an intervention",
    "outcome_measure.record": "Recorded an outcome measure",
    "risk_flag.raise": "Raised a risk flag",
    "risk_flag.resolve": "Resolved a risk flag",
    "carer.add": "Added a carer",
    "carer.assessment": "Updated a carer's assessment",
}


def action_label(action: str) -> str:
    if action in ACTION_LABELS:
        return ACTION_LABELS[action]
    noun, _, verb = action.partition(".")
    words = noun.replace("_", " ").capitalize()
    return f"{words}: {verb.replace('_', ' ')}" if verb else words


# --- Who may see what ----------------------------------------------------------------------------


def is_ig_lead(user: User) -> bool:
    """Only the role counts: a superuser is not an IG lead unless that is their role."""
    return bool(user.is_authenticated and user.is_active and user.role == Role.IG_LEAD)


def audit_events_visible_to(user: User) -> QuerySet[AuditEvent]:
    if not is_ig_lead(user):
        return AuditEvent.objects.none()
    return AuditEvent.objects.all()


def break_glass_reviews_visible_to(user: User) -> QuerySet[BreakGlassReview]:
    if not is_ig_lead(user):
        return BreakGlassReview.objects.none()
    return BreakGlassReview.objects.all()


def person_find_for_audit(user: User, *, nhs_number: str = "", person_id: int | None = None) -> Person | None:
    """The person an IG lead names in a search, by NHS number (digits only) or id; None if no one.

    An IG lead may see who an audit row is about, though not their clinical record."""
    if not is_ig_lead(user):
        return None
    if nhs_number:
        people = Person.objects.filter(nhs_number=nhs_number)
    elif person_id is not None:
        people = Person.objects.filter(pk=person_id)
    else:
        return None
    return people.order_by("pk").first()


def people_find_for_audit(user: User, *, family_name: str, birth_date: date) -> list[Person]:
    """Everyone with this family name (any case) and date of birth, for an IG lead who does not
    have the NHS number: the audit search offers each to choose from. At most 20, oldest record first."""
    if not is_ig_lead(user) or not family_name.strip():
        return []
    return list(
        Person.objects.filter(family_name__iexact=family_name.strip(), birth_date=birth_date).order_by("pk")[:20]
    )


# --- The audit log search --------------------------------------------------------------------


@dataclass(frozen=True)
class AuditFilters:
    """What an audit search asks for. Dates are London days, both ends included."""

    person: Person | None = None
    username: str = ""
    date_from: date | None = None
    date_to: date | None = None
    action: str = ""

    def q(self, *, with_action: bool = True) -> Q:
        q = Q()
        if self.person is not None:
            q &= Q(person_id=self.person.pk)
        if self.username:
            # A failed sign-in has no actor (we do not know who typed it): the username tried is
            # in detail, so searching for a member of staff also finds attempts on their account.
            q &= Q(actor__username__iexact=self.username) | Q(
                actor__isnull=True, detail__username__iexact=self.username
            )
        if self.date_from is not None:
            q &= Q(at__gte=london_midnight(self.date_from))
        if self.date_to is not None:
            q &= Q(at__lt=london_midnight(self.date_to + timedelta(days=1)))
        if with_action and self.action:
            q &= ACTION_CATEGORIES[self.action][1]
        return q

    @property
    def is_empty(self) -> bool:
        return self == AuditFilters()

    def as_detail(self) -> dict[str, str | int]:
        """The filters as the audit row of a download records them."""
        detail: dict[str, str | int] = {}
        if self.person is not None:
            detail["person_id"] = self.person.pk
        if self.username:
            detail["username"] = self.username
        if self.date_from is not None:
            detail["date_from"] = self.date_from.isoformat()
        if self.date_to is not None:
            detail["date_to"] = self.date_to.isoformat()
        if self.action:
            detail["action"] = self.action
        return detail


def audit_events_search(user: User, filters: AuditFilters) -> QuerySet[AuditEvent]:
    """The rows a search finds, newest first; ``audit_rows`` turns a page of them into display rows."""
    return (
        audit_events_visible_to(user)
        .filter(filters.q())
        .select_related("actor")
        .order_by("-at", "-id")  # the (at) index, newest first; id breaks ties within a microsecond
    )


@dataclass(frozen=True)
class AuditRow:
    """One audit event as the page and the CSV show it."""

    id: int
    at: datetime
    who: str
    action: str
    action_label: str
    object_label: str
    person_id: int | None
    person_name: str
    nhs_number: str
    source_ip: str


# Audit rows are never rewritten: rows written before a model moved app keep its old label.
MOVED_MODELS = {
    "caseload.allocation": "referrals.allocation",
    "accounts.persongrant": "access.persongrant",
    "accounts.personshare": "access.personshare",
    "accounts.breakglassreview": "access.breakglassreview",
    **{f"referrals.{name}": f"reporting.{name}" for name in ("referralfact", "clockfact", "reportingstate")},
}


@cache
def _object_noun(object_type: str) -> str:
    try:
        model = apps.get_model(MOVED_MODELS.get(object_type, object_type))
    except (LookupError, ValueError):
        # Not a model (a page, "caseload.team"): its last word says enough.
        return object_type.rpartition(".")[2].replace("_", " ").capitalize()
    return str(model._meta.verbose_name).capitalize()


def _who(event: AuditEvent) -> str:
    if event.actor is not None:
        name = event.actor.get_full_name()
        return f"{name} ({event.actor.username})" if name else event.actor.username
    tried = event.detail.get("username") if isinstance(event.detail, dict) else None
    if tried:
        return f"Unknown user, tried username “{tried}”"
    return "No one signed in (the system)"


def audit_rows(events: Iterable[AuditEvent]) -> list[AuditRow]:
    """Display rows for some events (their ``actor`` selected with them): one query for the
    people they are about, however many rows."""
    events = list(events)
    people = Person.objects.in_bulk({event.person_id for event in events if event.person_id is not None})
    rows = []
    for event in events:
        person = people.get(event.person_id) if event.person_id is not None else None
        if person is not None:
            person_name = f"{person.given_name} {person.family_name}".strip()
        elif event.person_id is not None:
            person_name = f"Person {event.person_id} (no longer on the system)"
        else:
            person_name = ""
        object_label = f"{_object_noun(event.object_type)} {event.object_id}".strip() if event.object_type else ""
        rows.append(
            AuditRow(
                id=event.pk,
                at=event.at,
                who=_who(event),
                action=event.action,
                action_label=action_label(event.action),
                object_label=object_label,
                person_id=event.person_id,
                person_name=person_name,
                nhs_number=format_nhs_number(person.nhs_number) if person is not None else "",
                source_ip=event.source_ip or "",
            )
        )
    return rows


# --- Who has looked at this person's record? -----------------------------------------------------


@dataclass(frozen=True)
class RecordViewer:
    """One member of staff's looks at one person's record, added up."""

    name: str
    username: str
    role: str
    organisation: str
    times: int
    views: int
    lists: int
    exports: int
    searches: int
    first_at: datetime
    last_at: datetime


def record_viewers(user: User, filters: AuditFilters) -> list[RecordViewer]:
    """Everyone who viewed, listed, downloaded or found the searched person's record, in the
    search's dates, most recent first. One GROUP BY on the person_id index."""
    if filters.person is None:
        return []
    record = Q(action__startswith="record.")
    grouped = (
        audit_events_visible_to(user)
        .filter(filters.q(with_action=False) & record)
        .values(
            "actor_id",
            "actor__username",
            "actor__first_name",
            "actor__last_name",
            "actor__role",
            "actor__organisation__name",
        )
        .annotate(
            times=Count("id"),
            views=Count("id", filter=Q(action="record.view")),
            lists=Count("id", filter=Q(action="record.list")),
            exports=Count("id", filter=Q(action="record.export")),
            searches=Count("id", filter=Q(action="record.search")),
            first_at=Min("at"),
            last_at=Max("at"),
        )
        .order_by(F("last_at").desc(), "actor__username")
    )
    roles = dict(Role.choices)
    viewers = []
    for row in grouped:
        full_name = f"{row['actor__first_name']} {row['actor__last_name']}".strip()
        viewers.append(
            RecordViewer(
                name=full_name or row["actor__username"] or "Unknown",
                username=row["actor__username"] or "",
                role=roles.get(row["actor__role"], row["actor__role"] or ""),
                organisation=row["actor__organisation__name"] or "",
                times=row["times"],
                views=row["views"],
                lists=row["lists"],
                exports=row["exports"],
                searches=row["searches"],
                first_at=row["first_at"],
                last_at=row["last_at"],
            )
        )
    return viewers


# --- Refusals to share that were lifted ----------------------------------------------------------


@dataclass(frozen=True)
class ConsentLiftRow:
    """A refusal to share replaced by consent given: who, when, for whom, and why."""

    event: AuditRow
    reason: str
    as_care_coordinator: bool


def consent_lifts(user: User) -> QuerySet[AuditEvent]:
    """Every refusal lifted, newest first (audited as ``consent.refusal_lifted``)."""
    return audit_events_visible_to(user).filter(action=LIFT_ACTION).select_related("actor").order_by("-at", "-id")


def consent_lift_rows(events: Iterable[AuditEvent]) -> list[ConsentLiftRow]:
    events = list(events)
    return [
        ConsentLiftRow(
            event=row,
            reason=str(event.detail.get("reason", "")),
            as_care_coordinator=event.detail.get("as") == "care_coordinator",
        )
        for event, row in zip(events, audit_rows(events), strict=True)
    ]


# --- Break-glass openings ------------------------------------------------------------------------


def break_glass_queue(user: User) -> QuerySet[BreakGlassReview]:
    """Waiting for review first, longest-waiting at the top; then the reviewed, latest review first."""
    return (
        break_glass_reviews_visible_to(user)
        .select_related("person", "opened_by", "opened_by__organisation", "reviewed_by")
        .order_by(F("reviewed_at").desc(nulls_first=True), "opened_at", "id")
    )


def break_glass_waiting_count(user: User) -> int:
    """How many openings wait for review (the partial index on unreviewed rows)."""
    return break_glass_reviews_visible_to(user).filter(reviewed_at__isnull=True).count()


def break_glass_review_get_for_user(user: User, review_id: int) -> BreakGlassReview:
    try:
        return break_glass_queue(user).get(pk=review_id)
    except BreakGlassReview.DoesNotExist:
        raise Http404("No such break-glass opening.") from None
