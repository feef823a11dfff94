"""Cover for an absent colleague, and consent-based shares with another organisation."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from access.consent import consent_record, consent_withdraw
from access.grants import cover_arrange, share_with_organisation
from access.models import PersonShare
from access.selectors import people_visible_to, referrals_visible_to
from accounts.models import AuditEvent, Role
from localities.models import Organisation
from tests.factories import OrganisationFactory, TeamFactory, UserFactory

pytestmark = pytest.mark.django_db
REASON = "Annual leave for two weeks; Dee covers her caseload."


@pytest.fixture
def dee(vcse, north_team):
    return UserFactory(username="dee", role=Role.LINK_WORKER, organisation=vcse, teams=[north_team])


def test_cover_lets_a_colleague_see_everyone_the_absent_worker_holds_until_the_date(held_by_bob, bob, dee, tina):
    now = timezone.now()
    assert held_by_bob not in referrals_visible_to(dee)

    covered = cover_arrange(by=tina, absent=bob, covering=dee, until=now + timedelta(days=14), now=now, reason=REASON)

    assert covered == 1
    assert held_by_bob in referrals_visible_to(dee)
    assert AuditEvent.objects.filter(action="access.cover", person_id=held_by_bob.person_id).exists()
    with time_machine.travel(now + timedelta(days=14, seconds=1)):
        assert held_by_bob not in referrals_visible_to(dee)


def test_only_a_team_manager_of_both_arranges_cover(held_by_bob, bob, dee, alice, charlie, tina):
    until = timezone.now() + timedelta(days=3)
    with pytest.raises(ValidationError, match="team manager"):
        cover_arrange(by=alice, absent=bob, covering=dee, until=until, now=timezone.now(), reason=REASON)
    with pytest.raises(ValidationError, match="both workers"):
        cover_arrange(by=tina, absent=bob, covering=charlie, until=until, now=timezone.now(), reason=REASON)
    with pytest.raises(ValidationError):
        cover_arrange(by=tina, absent=bob, covering=dee, until=timezone.now(), now=timezone.now(), reason=REASON)


@pytest.fixture
def talking(db):
    return OrganisationFactory(name="Synthetic Talking Therapies", kind=Organisation.Kind.TALKING_THERAPIES)


@pytest.fixture
def therapist(talking):
    team = TeamFactory(name="Talking therapies", organisation=talking, locality=None, kind="system_service")
    return UserFactory(username="thea", role=Role.CLINICIAN, organisation=talking, teams=[team])


def test_a_share_needs_consent_that_covers_the_organisation(person, alice, talking, vcse):
    with pytest.raises(ValidationError, match="has not agreed"):
        share_with_organisation(person=person, organisation=talking, by=alice, now=timezone.now(), reason=REASON)
    consent_record(
        person=person, by=alice, now=timezone.now(), decision="given", scope="named_organisations", organisations=[vcse]
    )
    with pytest.raises(ValidationError, match="has not agreed"):
        share_with_organisation(person=person, organisation=talking, by=alice, now=timezone.now(), reason=REASON)


def test_a_share_opens_the_record_to_that_organisations_clinicians_until_consent_is_withdrawn(
    client, person, alice, talking, therapist
):
    consent = consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")
    share_with_organisation(person=person, organisation=talking, by=alice, now=timezone.now(), reason=REASON)
    client.force_login(therapist)
    assert client.get(reverse("referrals:person", args=[person.pk])).status_code == 200
    assert therapist.has_perm("referrals.view_person", person)  # guardian, through the staff group

    consent_withdraw(consent=consent, by=alice, now=timezone.now())

    assert client.get(reverse("referrals:person", args=[person.pk])).status_code == 404
    assert not PersonShare.objects.exists()
    assert AuditEvent.objects.filter(action="access.share_ended", person_id=person.pk).exists()


def test_a_narrower_decision_ends_the_shares_it_no_longer_covers(person, alice, talking, vcse, therapist):
    consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")
    share_with_organisation(person=person, organisation=talking, by=alice, now=timezone.now(), reason=REASON)
    assert person in people_visible_to(therapist)

    consent_record(
        person=person, by=alice, now=timezone.now(), decision="given", scope="named_organisations", organisations=[vcse]
    )

    assert person not in people_visible_to(therapist)


def test_link_workers_in_the_organisation_do_not_get_shared_records(person, alice, talking):
    worker = UserFactory(username="lw", role=Role.LINK_WORKER, organisation=talking)
    consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")
    share_with_organisation(person=person, organisation=talking, by=alice, now=timezone.now(), reason=REASON)
    assert person not in people_visible_to(worker)


def test_sharing_from_the_assessment_page(client, person, alice, talking, therapist):
    consent_record(person=person, by=alice, now=timezone.now(), decision="given", scope="care_team")
    client.force_login(alice)
    page = client.get(reverse("referrals:assessment", args=[person.pk])).content.decode()
    assert "Share the record with another organisation" in page

    empty = client.post(reverse("referrals:share", args=[person.pk]), {"organisation": "", "reason": ""})
    assert empty.status_code == 200 and "Choose the organisation to share with." in empty.content.decode()

    done = client.post(reverse("referrals:share", args=[person.pk]), {"organisation": talking.pk, "reason": REASON})
    assert done.status_code == 302
    assert person in people_visible_to(therapist)
