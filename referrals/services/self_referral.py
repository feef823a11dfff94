"""Online self-referral from the public (docs/adr/0012-public-self-referral.md).

The public form has no account, but every referral, clock start and audit row names who made
it: that is one clearly named, inactive system account, ``SELF_REFERRAL_USERNAME``, which can
never log in. The referral goes through ``referral_create`` like any other (routed by postcode,
both clocks started, audited); the person is never looked up from the public side, so a new,
unconfirmed person record is made and triage matches them to anyone already known.
"""

from dataclasses import dataclass
from datetime import date, datetime

from django.contrib.auth.hashers import make_password
from django.db import transaction

from accounts.models import Role, User
from accounts.services import audit_record
from referrals.models import Referral, SelfReferral

from .referrals import referral_create

SELF_REFERRAL_USERNAME = "public-self-referral-form"


def self_referral_account() -> User:
    """The account the public form acts as: inactive, no password, no team, so nothing can sign
    in as it and it sees no records. Made the first time it is needed."""
    # get_or_create: two first self-referrals at once both end up with the one account.
    user, _ = User.objects.get_or_create(
        username=SELF_REFERRAL_USERNAME,
        defaults={
            "first_name": "Online self-referral",
            "last_name": "(public form)",
            "role": Role.INTAKE,
            "is_active": False,
            "caseload_capacity": 0,
            "password": make_password(None),  # unusable from the first moment
        },
    )
    return user


@dataclass(frozen=True)
class SelfReferralAnswers:
    """What the public form asks, and nothing else."""

    in_immediate_danger: bool
    given_name: str
    family_name: str
    birth_date: date
    postcode: str
    contact_by_phone: bool
    contact_by_email: bool
    contact_by_post: bool
    phone: str
    email: str
    address: str
    safe_to_leave_message: bool
    contact_times: str
    what_is_happening: str
    others_involved: str


@transaction.atomic
def self_referral_submit(*, answers: SelfReferralAnswers, now: datetime, source_ip: str | None) -> Referral:
    """Record a self-referral: a referral with source 'self', routed by postcode, both clocks
    started, and its contact answers beside it. Someone in danger now is marked urgent so the
    triage queue shows them first and escalation comes sooner; triage can change it."""
    by = self_referral_account()
    referral, _ = referral_create(
        by=by,
        now=now,
        source=Referral.Source.SELF,
        urgency=Referral.Urgency.URGENT if answers.in_immediate_danger else Referral.Urgency.ROUTINE,
        presenting_need=answers.what_is_happening,
        nhs_number=None,  # never asked, so never matched in public
        given_name=answers.given_name,
        family_name=answers.family_name,
        birth_date=answers.birth_date,
        postcode=answers.postcode,
    )
    details = SelfReferral.objects.create(
        referral=referral,
        in_immediate_danger=answers.in_immediate_danger,
        contact_by_phone=answers.contact_by_phone,
        contact_by_email=answers.contact_by_email,
        contact_by_post=answers.contact_by_post,
        phone=answers.phone.strip(),
        email=answers.email.strip(),
        address=answers.address.strip(),
        safe_to_leave_message=answers.safe_to_leave_message,
        contact_times=answers.contact_times.strip(),
        others_involved=answers.others_involved.strip(),
    )
    audit_record(
        by=by,
        action="referral.self_referral",
        obj=details,
        now=now,
        person_id=referral.person_id,
        source_ip=source_ip,
        detail={"referral": referral.reference, "in_immediate_danger": answers.in_immediate_danger},
    )
    return referral
