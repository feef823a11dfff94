"""A referral sent twice with one Idempotency-Key is made once, however the second copy arrives;
two first referrals for one new NHS number make one person.

Intake does not look for an earlier use of the key before it writes (issue 17: every intake would
pay for the look); the referral's unique (created_by, idempotency_key) refuses the second copy
and everything that copy wrote is undone before the first referral is returned. Nor does it take
a savepoint around a new person: the unique NHS number refuses the loser of a race, whose
referral is then made again, matched to the winner's person.
"""

from datetime import date, timedelta

import pytest
from django.db import OperationalError, transaction
from django.utils import timezone

from accounts.models import AuditEvent
from referrals.models import Clock, Person, Referral
from referrals.services import referral_create
from tests.factories import valid_nhs_number
from tests.referrals.services.concurrency import (
    HoldAt,
    Transaction,
    before_insert_into,
    wait_until_blocked_or_done,
)


def send(*, by, now, key: str = "intake-0001", nhs_number: str | None = None, birth_date: date | None = None):
    return referral_create(
        by=by,
        now=now,
        source=Referral.Source.GP,
        urgency=Referral.Urgency.ROUTINE,
        presenting_need="Low mood for three months.",
        nhs_number=nhs_number,
        given_name="Alex",
        family_name="Example",
        birth_date=birth_date,
        postcode="BS1 4XX",
        idempotency_key=key,
    )


@pytest.mark.django_db
def test_a_retry_for_someone_with_no_nhs_number_leaves_no_second_person_or_audit_row(alice):
    now = timezone.now()
    first, created = send(by=alice, now=now)
    written = (Person.objects.count(), AuditEvent.objects.count(), Clock.objects.count())

    again, created_again = send(by=alice, now=now + timedelta(seconds=3))

    assert (created, created_again) == (True, False)
    assert again.pk == first.pk
    # The retry made a person (nobody can be matched without an NHS number) before its referral was
    # refused: that person and their audit row went with it.
    assert (Person.objects.count(), AuditEvent.objects.count(), Clock.objects.count()) == written


@pytest.mark.django_db
def test_a_retry_is_answered_with_the_first_referral_even_when_it_would_now_be_refused(alice):
    now = timezone.now()
    number = valid_nhs_number()
    first, _ = send(by=alice, now=now, nhs_number=number, birth_date=date(1990, 5, 17))
    # Since the first send, the person's date of birth was corrected: the same request sent afresh
    # would be refused as naming someone else. A retry of the first is not a new request.
    Person.objects.filter(pk=first.person_id).update(birth_date=date(1991, 1, 1))

    again, created = send(by=alice, now=now + timedelta(seconds=3), nhs_number=number, birth_date=date(1990, 5, 17))

    assert created is False
    assert again.pk == first.pk
    assert Referral.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_copies_of_one_referral_sent_at_once_make_it_once_and_both_are_answered_with_it(alice):
    now = timezone.now()
    # The first copy is held once its referral is written (not yet committed); the second then
    # writes its own person and waits on the first's key, until the first commits.
    first = Transaction(lambda: send(by=alice, now=now), hold=HoldAt(before_insert_into("referrals_clock"))).start()
    assert first.hold.reached.wait(10)
    second = Transaction(lambda: send(by=alice, now=now + timedelta(seconds=1))).start()
    assert wait_until_blocked_or_done(second) == "blocked"
    first.hold.release.set()

    made, created = first.finish()
    answered, created_second = second.finish()

    assert (created, created_second) == (True, False)
    assert answered.pk == made.pk
    assert Referral.objects.count() == 1
    assert Person.objects.count() == 1  # the second copy's person was undone with it
    assert Clock.objects.filter(referral=made).count() == 2


@pytest.mark.django_db(transaction=True)
def test_two_first_referrals_for_one_new_nhs_number_sent_at_once_make_one_person_with_both(alice):
    now = timezone.now()
    number = valid_nhs_number()
    first = Transaction(
        lambda: send(by=alice, now=now, key="gp-1", nhs_number=number),
        hold=HoldAt(before_insert_into("referrals_clock")),
    ).start()
    assert first.hold.reached.wait(10)
    # The second waits on the first's uncommitted person (the unique NHS number) until it commits.
    second = Transaction(lambda: send(by=alice, now=now + timedelta(seconds=1), key="gp-2", nhs_number=number)).start()
    assert wait_until_blocked_or_done(second) == "blocked"
    first.hold.release.set()

    made, _ = first.finish()
    other, created = second.finish()

    assert created is True and other.pk != made.pk
    assert Person.objects.filter(nhs_number=number).count() == 1
    assert other.person_id == made.person_id
    assert other.person_has_other_referrals is True
    actions = list(AuditEvent.objects.order_by("pk").values_list("action", "object_id"))
    assert actions == [
        ("person.create", str(made.person_id)),
        ("referral.create", str(made.pk)),
        ("referral.create", str(other.pk)),
    ]


@pytest.mark.django_db(transaction=True)
def test_two_referrals_for_someone_known_sent_at_once_wait_for_each_other_and_each_knows_of_the_other(alice):
    now = timezone.now()
    number = valid_nhs_number()
    earlier, _ = send(by=alice, now=now - timedelta(days=30), key="gp-0", nhs_number=number)
    first = Transaction(
        lambda: send(by=alice, now=now, key="gp-1", nhs_number=number),
        hold=HoldAt(before_insert_into("referrals_clock")),
    ).start()
    assert first.hold.reached.wait(10)
    # The match holds the person's row until the first commits (SELECT ... FOR UPDATE): a merge or
    # an edit of the person waits for the intake, as the second intake does.
    with pytest.raises(OperationalError, match="could not obtain lock"), transaction.atomic():
        Person.objects.select_for_update(nowait=True).get(pk=earlier.person_id)
    second = Transaction(lambda: send(by=alice, now=now + timedelta(seconds=1), key="gp-2", nhs_number=number)).start()
    assert wait_until_blocked_or_done(second) == "blocked"
    first.hold.release.set()

    made, _ = first.finish()
    other, _ = second.finish()

    assert {made.person_id, other.person_id} == {earlier.person_id}
    assert all(
        referral.person_has_other_referrals
        for referral in Referral.objects.filter(pk__in=[earlier.pk, made.pk, other.pk])
    )
    assert made.person.gp_practice_id == earlier.person.gp_practice_id
