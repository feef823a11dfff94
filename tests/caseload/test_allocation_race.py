"""Two people press "allocate" on one referral at the same moment: the slower one sees a message
on the page, not a 500, and nothing of theirs is saved.

Two real requests on their own threads and database connections; the first is held just before it
stores its allocation while the second queues on the referral's lock.
"""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from referrals.models import Allocation
from tests.referrals.services.concurrency import (
    WAIT,
    HoldAt,
    Transaction,
    before_insert_into,
    wait_until_blocked_or_done,
)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def referral_received_at():
    return timezone.now() - timedelta(hours=2)


def allocate_as(user, referral, link_worker):
    def post():
        client = Client()
        client.force_login(user)
        return client.post(
            f"/referrals/{referral.pk}/allocate/", {"link_worker": link_worker.pk, "team": referral.team_id}
        )

    return post


def test_the_second_of_two_people_allocating_at_once_is_told_someone_else_just_did(triaged_referral, tina, alice, bob):
    first = Transaction(
        allocate_as(tina, triaged_referral, bob), hold=HoldAt(before_insert_into("caseload_allocation"))
    ).start()
    assert first.hold.reached.wait(WAIT)
    second = Transaction(allocate_as(alice, triaged_referral, alice)).start()
    assert wait_until_blocked_or_done(second) == "blocked"
    first.hold.release.set()

    assert first.finish().status_code == 302
    response = second.finish()
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Someone else allocated this referral a moment ago, so your choice was not saved" in body
    assert list(Allocation.objects.filter(referral=triaged_referral).values_list("link_worker", "ended_at")) == [
        (bob.pk, None)
    ]
