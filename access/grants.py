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

from accounts.models import RecordScope, Role, User
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


# --- Cover -----------------------------------------------------------------------------------


def cover_arrange(*, by: User, absent: User, covering: User, until: datetime, now: datetime, reason: str) -> int:
    """Let ``covering`` open the records of everyone ``absent`` holds now, until ``until``.

    Arranged by a team manager of a team they both belong to. People allocated to the absent
    worker later are not included (arrange cover again). Returns how many people it covers.
    """
    reason = reason_in_a_sentence(reason)
    if by.role != Role.TEAM_MANAGER:
        raise ValidationError("Only a team manager can arrange cover.")
    shared = set(absent.memberships.values_list("team_id", flat=True)) & set(
        covering.memberships.values_list("team_id", flat=True)
    )
    if not shared & set(by.memberships.values_list("team_id", flat=True)):
        raise ValidationError("Cover is arranged within one of your teams: both workers must be in it.")
    if covering.record_scope == RecordScope.NONE or covering == absent:
        raise ValidationError({"covering": "Choose a colleague who holds a caseload."})
    if until <= now:
        raise ValidationError({"until": "Cover must end in the future."})
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
        audit_read(
            by=by,
            action="access.cover",
            now=now,
            people=people,
            object_type="accounts.user",
            object_id=str(covering.pk),
            detail={"absent": absent.pk, "covering": covering.pk, "until": until.isoformat(), "reason": reason},
        )
    return len(people)


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
