"""Writes for explicit access grants: break-glass, cover and consent-based shares.

Everyday access needs no writes: it is derived from team membership, allocation and the
triage queue (``access.selectors.referrals_visible_to``), so allocating or handing someone
over grants and revokes access by itself. These services record the deliberate exceptions,
each audited in the transaction that makes it, on django-guardian's direct foreign-key
permission models (``access.models.grants``).
"""

from datetime import datetime

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Absence, RecordScope, Role, User
from accounts.services import audit_read, audit_record
from localities.models import Organisation
from referrals.models import Person, Referral, SharingConsent
from referrals.selectors import consent_in_force

from .models import BreakGlassReview, PersonGrant, PersonShare

MIN_REASON = 10  # characters: "emergency" alone is not a reason


def _view_person() -> Permission:
    return Permission.objects.get(content_type__app_label="referrals", codename="view_person")


def reason_in_a_sentence(reason: str, field: str = "reason") -> str:
    reason = (reason or "").strip()
    if len(reason) < MIN_REASON:
        raise ValidationError({field: f"Give the reason in a sentence (at least {MIN_REASON} characters)."})
    return reason


# --- Break-glass ---------------------------------------------------------------------------


def break_glass_open(
    *, user: User, person: Person, reason: str, now: datetime, source_ip: str | None = None
) -> PersonGrant:
    """Open a record outside the user's access, in an emergency, for a stated reason.

    Allowed for clinicians and team managers only. Lasts ``BREAK_GLASS_DURATION``; shows the
    whole record, the assessment and notes included; is audited; waits for an IG lead's review;
    and emails the IG leads once the transaction commits.
    """
    if user.record_scope != RecordScope.TEAM:
        raise ValidationError("Only clinicians can open a record with break-glass.")
    reason = reason_in_a_sentence(reason)
    expires_at = now + settings.BREAK_GLASS_DURATION
    with transaction.atomic():
        grant, _ = PersonGrant.objects.update_or_create(
            user=user,
            permission=_view_person(),
            content_object=person,
            defaults={
                "kind": PersonGrant.Kind.BREAK_GLASS,
                "reason": reason,
                "granted_at": now,
                "granted_by": user,
                "expires_at": expires_at,
            },
        )
        review = BreakGlassReview.objects.create(
            person=person, opened_by=user, reason=reason, opened_at=now, expires_at=expires_at, source_ip=source_ip
        )
        audit_record(
            by=user,
            action="access.break_glass",
            obj=person,
            person_id=person.pk,
            now=now,
            source_ip=source_ip,
            detail={"reason": reason, "expires_at": expires_at.isoformat(), "review": review.pk},
        )
        from .tasks import notify_ig_of_break_glass

        transaction.on_commit(lambda: notify_ig_of_break_glass.delay(review.pk))
    return grant


def break_glass_active(*, user: User, person: Person, now: datetime) -> PersonGrant | None:
    return PersonGrant.objects.filter(
        user=user, content_object=person, kind=PersonGrant.Kind.BREAK_GLASS, expires_at__gt=now
    ).first()


# --- Absence and cover -------------------------------------------------------------------------


def _manages_team_of(by: User, worker: User) -> set[int]:
    """The teams ``by`` manages that ``worker`` is in (empty: not theirs to manage)."""
    if by.role != Role.TEAM_MANAGER:
        return set()
    return set(worker.memberships.values_list("team_id", flat=True)) & set(
        by.memberships.values_list("team_id", flat=True)
    )


def absence_record(
    *,
    by: User,
    worker: User,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    kind: str = Absence.Kind.OTHER,
    capacity_during: int = 0,
    covering: User | None = None,
    reason: str = "",
) -> Absence:
    """Record that ``worker`` is away from ``starts_at`` to ``ends_at``, and who covers them.

    A team manager of a team the worker is in records it. While it is in force the worker's
    capacity is ``capacity_during``. With ``covering`` (a colleague in that team, a reason
    given), the colleague may open the records of everyone the worker holds, from the start to
    the end: at once if it has started, else when ``covers_start_due`` reaches it.
    """
    return _absence_record(
        by=by,
        worker=worker,
        starts_at=starts_at,
        ends_at=ends_at,
        now=now,
        kind=kind,
        capacity_during=capacity_during,
        covering=covering,
        reason=reason,
    )[0]


def _absence_record(
    *,
    by: User,
    worker: User,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    kind: str,
    capacity_during: int,
    covering: User | None,
    reason: str,
) -> tuple[Absence, int]:
    """``absence_record``, also returning how many people the cover reaches now."""
    shared = _manages_team_of(by, worker)
    if by.role != Role.TEAM_MANAGER:
        raise ValidationError("Only a team manager can record an absence or arrange cover.")
    if not shared:
        raise ValidationError("Absence and cover are arranged within one of your teams: both workers must be in it.")
    errors: dict[str, str] = {}
    if kind not in Absence.Kind.values:
        errors["kind"] = f"Choose one of: {', '.join(Absence.Kind.values)}."
    if ends_at <= now:
        errors["until"] = "Cover must end in the future."
    elif ends_at <= starts_at:
        errors["until"] = "The absence must end after it starts."
    if capacity_during < 0 or capacity_during > 1000:
        errors["capacity_during"] = "Give a capacity from 0 to 1000."
    if covering is not None:
        reason = reason_in_a_sentence(reason)
        if covering.record_scope == RecordScope.NONE or covering == worker or not covering.is_active:
            errors["covering"] = "Choose a colleague who holds a caseload."
        elif not set(covering.memberships.values_list("team_id", flat=True)) & shared:
            raise ValidationError("Cover is arranged within one of your teams: both workers must be in it.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        absence = Absence.objects.create(
            user=worker,
            kind=kind,
            starts_at=starts_at,
            ends_at=ends_at,
            capacity_during=capacity_during,
            covering=covering,
            cover_reason=reason if covering is not None else "",
            recorded_at=now,
            recorded_by=by,
        )
        audit_record(
            by=by,
            action="accounts.absence",
            obj=absence,
            now=now,
            detail={
                "worker": worker.pk,
                "starts_at": starts_at.isoformat(),
                "ends_at": ends_at.isoformat(),
                "capacity_during": capacity_during,
                "covering": covering.pk if covering is not None else None,
            },
        )
        covered = _cover_start(absence, now=now) if covering is not None and starts_at <= now else 0
    return absence, covered


def _cover_start(absence: Absence, *, now: datetime) -> int:
    """Grant the cover of ``absence`` over everyone its worker holds now. Returns how many people."""
    absent, covering, by = absence.user, absence.covering, absence.recorded_by
    assert covering is not None  # noqa: S101 - callers pass only absences with cover
    until, reason = absence.ends_at, absence.cover_reason
    people = set(
        Referral.objects.filter(allocated_to=absent, ended_at__isnull=True).values_list("person_id", flat=True)
    )
    permission = _view_person()
    with transaction.atomic():
        existing = {
            g.content_object_id: g
            for g in PersonGrant.objects.select_for_update().filter(user=covering, content_object_id__in=people)
        }
        new = [
            PersonGrant(
                user=covering,
                permission=permission,
                content_object_id=person_id,
                kind=PersonGrant.Kind.COVER,
                reason=reason,
                granted_at=now,
                granted_by=by,
                expires_at=until,
            )
            for person_id in people - existing.keys()
        ]
        PersonGrant.objects.bulk_create(new)
        for grant in existing.values():
            if grant.expires_at < until:  # never shortens a break-glass or a longer cover
                grant.expires_at = until
                grant.save(update_fields=["expires_at"])
        Absence.objects.filter(pk=absence.pk).update(cover_started_at=now)
        absence.cover_started_at = now
        audit_read(
            by=by,
            action="access.cover",
            now=now,
            people=people,
            object_type="accounts.user",
            object_id=str(covering.pk),
            detail={
                "absent": absent.pk,
                "covering": covering.pk,
                "from": absence.starts_at.isoformat(),
                "until": until.isoformat(),
                "reason": reason,
            },
        )
    return len(people)


def cover_arrange(
    *,
    by: User,
    absent: User,
    covering: User,
    until: datetime,
    now: datetime,
    reason: str,
    starts: datetime | None = None,
    kind: str = Absence.Kind.OTHER,
) -> int:
    """Let ``covering`` open the records of everyone ``absent`` holds, from ``starts`` (now if
    not given) until ``until``: an absence with cover (``absence_record``).

    Arranged by a team manager of a team they both belong to. People allocated to the absent
    worker after the cover starts are not included (arrange cover again). Returns how many
    people it covers now: 0 for a cover that starts later (it is granted when it starts).
    """
    return _absence_record(
        by=by,
        worker=absent,
        starts_at=starts if starts is not None else now,
        ends_at=until,
        now=now,
        kind=kind,
        covering=covering,
        capacity_during=0,
        reason=reason,
    )[1]


def covers_start_due(*, now: datetime) -> int:
    """Grant every cover whose date range has begun and not yet ended (a beat task). Returns how
    many it started. Each is claimed under a row lock, so two runs never start one twice."""
    started = 0
    while True:
        with transaction.atomic():
            absence = (
                Absence.objects.select_for_update(skip_locked=True)
                .select_related("user", "covering", "recorded_by")
                .filter(covering__isnull=False, cover_started_at__isnull=True, starts_at__lte=now, ends_at__gt=now)
                .order_by("starts_at", "pk")
                .first()
            )
            if absence is None:
                return started
            _cover_start(absence, now=now)
        started += 1


# --- Consent-based shares with another organisation -------------------------------------------


def organisation_staff_group(organisation: Organisation) -> Group:
    """The organisation's staff as a permission group (made on first use)."""
    group = organisation.staff_group
    if group is None:
        with transaction.atomic():
            organisation = Organisation.objects.select_for_update().get(pk=organisation.pk)
            group = organisation.staff_group  # another request may have made it meanwhile
            if group is None:
                group, _ = Group.objects.get_or_create(name=f"Staff of {organisation.name}"[:150])
                organisation.staff_group = group
                organisation.save(update_fields=["staff_group"])
                group.user_set.add(*User.objects.filter(organisation=organisation))
    return group


def consent_covers(consent: SharingConsent | None, organisation: Organisation) -> bool:
    if consent is None or consent.withdrawn_at is not None or consent.decision != "given":
        return False
    return consent.scope == "care_team" or consent.organisations.filter(pk=organisation.pk).exists()


def share_with_organisation(
    *, person: Person, organisation: Organisation, by: User, now: datetime, reason: str
) -> PersonShare:
    """Share a person's record with another organisation's clinicians, under the consent in force."""
    reason = reason_in_a_sentence(reason)
    if by.record_scope != RecordScope.TEAM:
        raise ValidationError("Only clinicians can share a record.")
    if organisation.pk == by.organisation_id:
        raise ValidationError({"organisation": "Your own organisation's teams see their people already."})
    consent = consent_in_force(person)
    if consent is None or not consent_covers(consent, organisation):
        raise ValidationError(
            {"organisation": f"The person has not agreed to share with {organisation}: record their consent first."}
        )
    group = organisation_staff_group(organisation)
    with transaction.atomic():
        share, _ = PersonShare.objects.update_or_create(
            group=group,
            permission=_view_person(),
            content_object=person,
            defaults={
                "organisation": organisation,
                "consent": consent,
                "reason": reason,
                "granted_at": now,
                "granted_by": by,
            },
        )
        audit_record(
            by=by,
            action="access.share",
            obj=person,
            person_id=person.pk,
            now=now,
            detail={"organisation": organisation.pk, "reason": reason},
        )
    return share


def shares_end_beyond_consent(*, person: Person, by: User, now: datetime) -> int:
    """End every share the person's decision in force no longer covers. Called by the consent
    services in their own transaction, so a withdrawal takes effect at once."""
    consent = consent_in_force(person)
    ended = [
        s
        for s in PersonShare.objects.select_related("organisation").filter(content_object=person)
        if not consent_covers(consent, s.organisation)
    ]
    for share in ended:
        audit_record(
            by=by,
            action="access.share_ended",
            obj=person,
            person_id=person.pk,
            now=now,
            detail={"organisation": share.organisation_id, "why": "consent no longer covers it"},
        )
    PersonShare.objects.filter(pk__in=[s.pk for s in ended]).delete()
    return len(ended)


def staff_group_sync(user: User) -> None:
    """Keep the user in their organisation's staff group (and in no other organisation's)."""
    current = Organisation.objects.filter(staff_group__isnull=False).values_list("staff_group_id", flat=True)
    own_group_id = user.organisation.staff_group_id if user.organisation is not None else None
    user.groups.remove(*[g for g in current if g != own_group_id])
    if own_group_id:
        user.groups.add(own_group_id)
