"""Reads for the person page and the person's timeline.

Access control stays in one place: every query here starts from the person and their referrals
the user may open (``access.selectors.person_and_referrals_for_user``, which raises Http404 for
anyone else). Each function runs a fixed number of queries whatever the number of rows.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from heapq import merge
from itertools import islice
from typing import TYPE_CHECKING, TypedDict, TypeVar, cast

from django.db.models import Value
from django.db.models.functions import Coalesce

from access.selectors import NotesAccess, notes_access_for, person_and_referrals_for_user
from accounts.models import AuditEvent, User
from common.london import london
from referrals.models import (
    Allocation,
    AssessmentAddition,
    Carer,
    Clock,
    ClockEvent,
    Contact,
    Handoff,
    Person,
    Referral,
    RiskFlag,
    SharingConsent,
    TrustedAssessment,
)
from referrals.templatetags.clocks import duration
from referrals.web.shared import current_clocks

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations  # a dev requirement: types only

# --- Person page ----------------------------------------------------------------------------


class ReferralRowPrefetches(TypedDict):
    """What ``person_page`` prefetches onto each referral row."""

    current_clocks: list[Clock]


@dataclass
class PersonPage:
    person: Person
    consent: SharingConsent | None
    risk_flags: list[RiskFlag]
    carers: list[Carer]
    referrals: "list[WithAnnotations[Referral, ReferralRowPrefetches]]"
    handoffs: list[Handoff]
    allocations: list[Allocation]
    has_assessment: bool

    @property
    def holders(self) -> dict[int, Allocation]:
        """Who holds each referral now: its open allocation (at most one, a constraint), from the
        page's allocations rather than a query of its own."""
        return {a.referral_id: a for a in self.allocations if a.ended_at is None}


_Rows = TypeVar("_Rows", Handoff, Allocation)


def _with_referrals(rows: Iterable[_Rows], referrals: Sequence[Referral]) -> list[_Rows]:
    """Rows of the page's own referrals, each given its referral from those already loaded rather
    than joined again in SQL. A referral has some fifty columns: the ORM's building of the two
    joins cost about 1.5 ms a request at a million referrals, more than their SQL (issue 17)."""
    by_id = {referral.pk: referral for referral in referrals}
    out = list(rows)
    for row in out:
        row.referral = by_id[row.referral_id]
    return out


def person_page(user: User, person_id: int) -> PersonPage:
    """Everything the person page shows, in a fixed number of queries; Http404 for someone the
    user may not open."""
    # The person's referrals first, each kept if the user may open it (``among``): not the user's
    # whole visible set read to find them (a service clinician's: 60 ms at a million, issue 17).
    # They decide whether the person may be opened, so the access condition is written once.
    person, referrals = person_and_referrals_for_user(
        user,
        person_id,
        shape=lambda visible: visible.select_related("team", "locality", "allocated_to").prefetch_related(
            current_clocks()
        ),
    )
    referral_ids = [r.pk for r in referrals]
    consent = (
        SharingConsent.objects.filter(person=person)
        .select_related("recorded_by", "withdrawn_by")
        .prefetch_related("organisations")
        .order_by("-recorded_at", "-id")
        .first()
    )
    return PersonPage(
        person=person,
        consent=consent,
        risk_flags=list(RiskFlag.objects.filter(person=person, resolved_at__isnull=True).select_related("raised_by")),
        carers=list(Carer.objects.filter(person=person)),
        # The shape above prefetched each row's current clocks.
        referrals=cast("list[WithAnnotations[Referral, ReferralRowPrefetches]]", referrals),
        handoffs=_with_referrals(
            Handoff.objects.filter(referral_id__in=referral_ids)
            .select_related("from_team", "to_team", "by")
            .order_by("-at", "-id"),
            referrals,
        ),
        allocations=_with_referrals(
            Allocation.objects.filter(referral_id__in=referral_ids)
            .select_related("link_worker", "team", "started_by")
            .order_by("-started_at", "-id"),
            referrals,
        ),
        has_assessment=TrustedAssessment.objects.filter(person=person).exists(),
    )


# --- Timeline ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    kind: str  # referral, contact, handoff, allocation, assessment, risk, consent, clock, triage, ended
    title: str
    detail: str = ""
    who: str = ""
    referral: Referral | None = None
    tiebreak: int = 0

    @property
    def sort_key(self) -> tuple[datetime, int, int]:
        # At the same instant a clock event is the consequence (a contact stopped the clock),
        # so it reads as the newer of the two.
        return (self.at, 1 if self.kind == "clock" else 0, self.tiebreak)


_STOP_REASONS = dict(Clock.StopReason.choices)  # a stop event's reason is the stop rule's code
_REFERRAL_AUDIT_ACTIONS = {
    "referral.triage": "Triaged",
    "referral.close": "Referral closed",
    "referral.discharge": "Discharged",
}


def _name(user: User | None) -> str:
    return str(user) if user is not None else "The system"


def person_timeline(
    user: User,
    person_id: int,
    *,
    page: int,
    now: datetime,
    per_page: int = 25,
    notes: NotesAccess | None = None,
) -> tuple[Person, list[TimelineEntry], bool]:
    """The person, one page of everything that happened to them, newest first, and whether there
    is more; Http404 for someone the user may not open.

    One query per source (referrals, contacts, hand-offs, allocations, clock events,
    missed targets (a clock past its due time by ``now``), triage and endings, risk flags, consent, the trusted assessment and its additions),
    each limited to the newest ``page * per_page + 1`` rows, merged in Python. A
    source can contribute at most that many rows to the first ``page`` pages, so the
    merge is exact without counting everything.
    """
    limit = page * per_page + 1
    person, visible = person_and_referrals_for_user(
        user, person_id, shape=lambda visible: visible.select_related("team", "created_by")
    )
    referrals = {r.pk: r for r in visible}
    ids = list(referrals)
    streams = [
        _referral_entries(referrals.values()),
        _contact_entries(ids, referrals, limit, notes or notes_access_for(user, person)),
        _handoff_entries(ids, referrals, limit),
        _allocation_entries(ids, referrals, limit),
        _clock_entries(ids, referrals, limit),
        _breach_entries(ids, referrals, limit, now),
        _audit_entries(person, ids, referrals, limit),
        _risk_entries(person, limit),
        _consent_entries(person, limit),
        _assessment_entries(person, limit),
    ]
    newest_first = merge(*streams, key=lambda e: e.sort_key, reverse=True)
    window = list(islice(newest_first, (page - 1) * per_page, page * per_page + 1))
    return person, window[:per_page], len(window) > per_page


def _referral_entries(referrals: Iterable[Referral]) -> list[TimelineEntry]:
    entries = [
        TimelineEntry(
            at=r.received_at,
            kind="referral",
            title=f"Referral {r.reference} received ({r.get_source_display()})",
            detail=f"Urgency: {r.get_urgency_display()}. Routed to {r.team or 'no team yet'} ({r.routing_reason}).",
            who=_name(r.created_by),
            referral=r,
            tiebreak=r.pk,
        )
        for r in referrals
    ]
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)


WITHHELD = "Note withheld: another organisation wrote it, and the person has not agreed to share it with yours."


def _contact_entries(
    ids: list[int], referrals: dict[int, Referral], limit: int, notes: NotesAccess
) -> list[TimelineEntry]:
    rows = Contact.objects.filter(referral_id__in=ids).select_related("recorded_by").order_by("-occurred_at", "-id")
    return [
        TimelineEntry(
            at=c.occurred_at,
            kind="contact",
            title=c.description,
            detail=("Treatment started. " if c.starts_treatment else "")
            + (c.note if not c.note or notes.allows(c.recorded_by.organisation_id) else WITHHELD),
            who=_name(c.recorded_by),
            referral=referrals[c.referral_id],
            tiebreak=c.pk,
        )
        for c in rows[:limit]
    ]


def _handoff_entries(ids: list[int], referrals: dict[int, Referral], limit: int) -> list[TimelineEntry]:
    rows = (
        Handoff.objects.filter(referral_id__in=ids).select_related("from_team", "to_team", "by").order_by("-at", "-id")
    )
    return [
        TimelineEntry(
            at=h.at,
            kind="handoff",
            title=f"Handed over from {h.from_team or 'no team'} to {h.to_team}",
            detail=h.note + (" The person was told where they have gone." if h.person_informed else ""),
            who=_name(h.by),
            referral=referrals[h.referral_id],
            tiebreak=h.pk,
        )
        for h in rows[:limit]
    ]


def _allocation_entries(ids: list[int], referrals: dict[int, Referral], limit: int) -> list[TimelineEntry]:
    rows = (
        Allocation.objects.filter(referral_id__in=ids)
        .select_related("link_worker", "team", "started_by")
        .order_by("-started_at", "-id")
    )
    return [
        TimelineEntry(
            at=a.started_at,
            kind="allocation",
            title=f"Allocated to {a.link_worker} ({a.team})",
            detail=a.handover_note,
            who=_name(a.started_by),
            referral=referrals[a.referral_id],
            tiebreak=a.pk,
        )
        for a in rows[:limit]
    ]


def _clock_entries(ids: list[int], referrals: dict[int, Referral], limit: int) -> list[TimelineEntry]:
    rows = ClockEvent.objects.filter(clock__referral_id__in=ids).select_related("clock", "by").order_by("-at", "-id")
    return [
        TimelineEntry(
            at=e.at,
            kind="clock",
            title=f"{e.clock.get_kind_display()} clock {e.get_kind_display().lower()}",
            detail=_STOP_REASONS.get(e.reason, e.reason),
            who=_name(e.by),
            referral=referrals[e.clock.referral_id],
            tiebreak=e.pk,
        )
        for e in rows[:limit]
    ]


def _breach_entries(ids: list[int], referrals: dict[int, Referral], limit: int, now: datetime) -> list[TimelineEntry]:
    """Each clock that missed its target, at the instant it did: still waiting at its due time,
    or stopped (or paused) only after it. The same rule as ``Clock.is_breached``."""
    rows = (
        Clock.objects.filter(referral_id__in=ids, due_at__lte=now)
        .filter(due_at__lt=Coalesce("stopped_at", "paused_at", Value(now)))
        .order_by("-due_at", "-id")
    )
    return [
        TimelineEntry(
            at=c.due_at,
            kind="breach",
            title=f"{c.get_kind_display()} target missed",
            detail=(
                f"Target {duration(c.target)[1]}. "
                + (
                    f"Stopped {london(c.stopped_at)}, after the target."
                    if c.stopped_at is not None
                    else f"Paused {london(c.paused_at)}, after the target."
                    if c.paused_at is not None
                    else "Still waiting when this page was shown."
                )
            ),
            who="The system",
            referral=referrals[c.referral_id],
            tiebreak=c.pk,
        )
        for c in rows[:limit]
    ]


def _audit_entries(person: Person, ids: list[int], referrals: dict[int, Referral], limit: int) -> list[TimelineEntry]:
    rows = (
        AuditEvent.objects.filter(
            person_id=person.pk,
            action__in=list(_REFERRAL_AUDIT_ACTIONS),
            object_type="referrals.referral",
            object_id__in=[str(pk) for pk in ids],
        )
        .select_related("actor")
        .order_by("-at", "-id")
    )
    entries = []
    for event in rows[:limit]:
        detail = event.detail or {}
        parts = [("Next step", detail.get("next_step")), ("Note", detail.get("note")), ("Reason", detail.get("reason"))]
        text = " ".join(f"{label}: {str(value).strip()}" for label, value in parts if value)
        entries.append(
            TimelineEntry(
                at=event.at,
                kind="triage" if event.action == "referral.triage" else "ended",
                title=_REFERRAL_AUDIT_ACTIONS[event.action],
                detail=text,
                who=_name(event.actor),
                referral=referrals[int(event.object_id)],
                tiebreak=event.pk,
            )
        )
    return entries


def _risk_entries(person: Person, limit: int) -> list[TimelineEntry]:
    """Raised and resolved are two entries from one row; both orders come from one query."""
    # Ordered by each row's latest entry: a flag resolved today counts as today's news.
    rows = (
        RiskFlag.objects.filter(person=person)
        .select_related("raised_by", "resolved_by")
        .order_by(Coalesce("resolved_at", "raised_at").desc(), "-id")[:limit]
    )
    entries = []
    for flag in rows:
        entries.append(
            TimelineEntry(
                at=flag.raised_at,
                kind="risk",
                title=f"Risk flag raised: {flag.get_kind_display()}",
                detail=flag.note,
                who=_name(flag.raised_by),
                tiebreak=flag.pk,
            )
        )
        if flag.resolved_at is not None:
            entries.append(
                TimelineEntry(
                    at=flag.resolved_at,
                    kind="risk",
                    title=f"Risk flag resolved: {flag.get_kind_display()}",
                    detail=flag.resolution_note,
                    who=_name(flag.resolved_by),
                    tiebreak=flag.pk,
                )
            )
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)


def _consent_entries(person: Person, limit: int) -> list[TimelineEntry]:
    rows = (
        SharingConsent.objects.filter(person=person)
        .select_related("recorded_by", "withdrawn_by")
        .order_by(Coalesce("withdrawn_at", "recorded_at").desc(), "-id")
    )
    entries = []
    for consent in rows[:limit]:
        scope = f" ({consent.get_scope_display().lower()})" if consent.scope else ""
        entries.append(
            TimelineEntry(
                at=consent.recorded_at,
                kind="consent",
                title=f"Consent to share: {consent.get_decision_display().lower()}{scope}",
                detail=consent.note,
                who=_name(consent.recorded_by),
                tiebreak=consent.pk,
            )
        )
        if consent.withdrawn_at is not None:
            entries.append(
                TimelineEntry(
                    at=consent.withdrawn_at,
                    kind="consent",
                    title="Consent to share withdrawn",
                    who=_name(consent.withdrawn_by),
                    tiebreak=consent.pk,
                )
            )
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)


def _assessment_entries(person: Person, limit: int) -> list[TimelineEntry]:
    """The trusted assessment and its additions (headlines only: the text lives on the assessment page)."""
    rows = (
        AssessmentAddition.objects.filter(assessment__person=person)
        .select_related("added_by", "organisation")
        .order_by("-added_at", "-id")
    )
    entries = [
        TimelineEntry(
            at=a.added_at,
            kind="assessment",
            title=f"Trusted assessment: addition to {a.get_section_display().lower()}",
            detail=f"By {a.organisation}." if a.organisation else "",
            who=_name(a.added_by),
            tiebreak=a.pk,
        )
        for a in rows[:limit]
    ]
    written = TrustedAssessment.objects.filter(person=person).select_related("written_by", "organisation").first()
    if written is not None:
        entries.append(
            TimelineEntry(
                at=written.written_at,
                kind="assessment",
                title="Trusted assessment written",
                detail=f"By {written.organisation}." if written.organisation else "",
                who=_name(written.written_by),
                tiebreak=0,
            )
        )
    return sorted(entries, key=lambda e: e.sort_key, reverse=True)
