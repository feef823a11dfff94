"""Access that changes over time (docs/adr/0006-access-control.md): break-glass, cover, hand-over,
consent-based shares and withdrawal, each seen through the pages and the API as a user meets them."""

from datetime import timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.exceptions import ValidationError
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from access.consent import consent_record, consent_withdraw
from access.grants import break_glass_open, cover_arrange, share_with_organisation
from access.models import BreakGlassReview, PersonShare
from accounts.models import AuditEvent
from referrals.models import SharingConsent
from referrals.services import caseload_allocate, referral_close, referral_triage
from tests.factories import make_referral

REASON = "Found in crisis at A&E; the record is needed now."


def web(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def person_page(user, record) -> int:
    return web(user).get(f"/people/{record.person.pk}/").status_code


def referral_api(user, referral) -> int:
    return api(user).get(f"/api/v1/referrals/{referral.pk}/").status_code


def assessment_body(user, record) -> str:
    response = web(user).get(f"/people/{record.person.pk}/assessment/")
    assert response.status_code == 200
    return response.content.decode()


def timeline_body(user, record) -> str:
    response = web(user).get(f"/people/{record.person.pk}/timeline/")
    assert response.status_code == 200
    return response.content.decode()


# --- Break-glass -----------------------------------------------------------------------------


def test_break_glass_opens_the_whole_record_for_eight_hours_audited_and_for_review(w):
    charlie = w.users["charlie"]  # South: alice's people are outside his access
    record = w.record("clinician", "consent_none")  # assessment by the VCSE partner, no consent to share
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        assert person_page(charlie, record) == 404
        assert referral_api(charlie, record.referral) == 404

        opened_at = timezone.now()
        break_glass_open(user=charlie, person=record.person, reason=REASON, now=opened_at, source_ip="192.0.2.7")

        assert person_page(charlie, record) == 200
        assert referral_api(charlie, record.referral) == 200
        body = assessment_body(charlie, record)
        assert record.assessment_text in body, "break-glass shows the assessment, whoever wrote it"
        assert record.contact_note in timeline_body(charlie, record)
        opening = AuditEvent.objects.get(actor=charlie, action="access.break_glass", person_id=record.person.pk)
        assert opening.detail["reason"] == REASON
        assert AuditEvent.objects.filter(actor=charlie, action="record.view", person_id=record.person.pk).exists()
        review = BreakGlassReview.objects.get(person=record.person, opened_by=charlie)
        assert (review.reason, review.opened_at, review.reviewed_at) == (REASON, opened_at, None)
        assert review.expires_at == opened_at + settings.BREAK_GLASS_DURATION

        traveller.move_to(opened_at + settings.BREAK_GLASS_DURATION - timedelta(seconds=1))
        assert person_page(charlie, record) == 200

        traveller.move_to(opened_at + settings.BREAK_GLASS_DURATION + timedelta(seconds=1))
        assert person_page(charlie, record) == 404
        assert referral_api(charlie, record.referral) == 404


def test_break_glass_needs_a_reason_and_a_clinician(w):
    record = w.record("clinician", "own")
    with pytest.raises(ValidationError):
        break_glass_open(user=w.users["charlie"], person=record.person, reason="urgent", now=timezone.now())
    for role in ("link_worker", "service_manager", "ig_lead", "administrator"):
        with pytest.raises(ValidationError):
            break_glass_open(user=w.users[role], person=record.person, reason=REASON, now=timezone.now())
    assert person_page(w.users["charlie"], record) == 404


# --- Cover -------------------------------------------------------------------------------------


def test_cover_lets_a_colleague_open_the_absent_workers_people_until_the_date(w):
    tina, bob, wendy = w.users["team_manager"], w.users["link_worker"], w.users["wendy"]
    bobs = [w.record("link_worker", relation) for relation in ("own", "consent_given", "consent_none")]
    with time_machine.travel(timezone.now(), tick=False) as traveller:
        now = timezone.now()
        assert {person_page(wendy, r) for r in bobs} == {404}

        covered = cover_arrange(
            by=tina, absent=bob, covering=wendy, until=now + timedelta(days=3), now=now, reason="Bob is on leave."
        )

        assert covered == 4  # bob's four people
        assert {person_page(wendy, r) for r in bobs} == {200}
        assert {referral_api(wendy, r.referral) for r in bobs} == {200}
        assert person_page(bob, bobs[0]) == 200, "the absent worker keeps their people"

        traveller.move_to(now + timedelta(days=3, seconds=1))
        assert {person_page(wendy, r) for r in bobs} == {404}


def test_cover_does_not_reach_people_allocated_to_the_absent_worker_afterwards(w):
    tina, bob, wendy = w.users["team_manager"], w.users["link_worker"], w.users["wendy"]
    now = timezone.now()
    cover_arrange(
        by=tina, absent=bob, covering=wendy, until=now + timedelta(days=3), now=now, reason="Bob is on leave."
    )
    later = make_referral(by=w.users["administrator"], practice=w.practices["north"], family_name="Zqlaterx")
    referral_triage(referral=later, by=tina, now=timezone.now())
    caseload_allocate(referral=later, by=tina, now=timezone.now(), link_worker=bob)

    assert web(wendy).get(f"/people/{later.person_id}/").status_code == 404


def test_only_a_team_manager_arranges_cover(w):
    now = timezone.now()
    with pytest.raises(ValidationError):
        cover_arrange(
            by=w.users["clinician"],
            absent=w.users["link_worker"],
            covering=w.users["wendy"],
            until=now + timedelta(days=1),
            now=now,
            reason="Bob is on leave.",
        )


# --- Hand-over -----------------------------------------------------------------------------------


def test_after_a_handover_the_old_link_worker_loses_the_person_at_once(w):
    bob, wendy, tina = w.users["link_worker"], w.users["wendy"], w.users["team_manager"]
    record = w.record("link_worker", "own")
    assert person_page(bob, record) == 200

    caseload_allocate(
        referral=record.referral, by=tina, now=timezone.now(), link_worker=wendy, handover_note="Wendy knows them."
    )

    assert person_page(bob, record) == 404
    assert referral_api(bob, record.referral) == 404
    assert f'"/people/{record.person.pk}/' not in web(bob).get("/caseload/").content.decode()
    assert person_page(wendy, record) == 200
    assert referral_api(wendy, record.referral) == 200


def test_after_a_handover_the_old_link_worker_keeps_a_person_they_still_hold_another_referral_of(w):
    bob, wendy, tina = w.users["link_worker"], w.users["wendy"], w.users["team_manager"]
    record = w.record("link_worker", "own")
    second = make_referral(
        by=w.users["administrator"], practice=w.practices["north"], nhs_number=record.person.nhs_number
    )
    assert second.person_id == record.person.pk
    referral_triage(referral=second, by=tina, now=timezone.now())
    caseload_allocate(referral=second, by=tina, now=timezone.now(), link_worker=bob)

    caseload_allocate(
        referral=record.referral, by=tina, now=timezone.now(), link_worker=wendy, handover_note="Wendy knows them."
    )

    assert person_page(bob, record) == 200, "bob still holds the person's other referral"
    assert referral_api(bob, second) == 200
    assert referral_api(bob, record.referral) == 404, "the referral handed over is no longer bob's"


def test_a_link_worker_loses_a_person_when_their_referral_ends_and_the_team_keeps_it(w):
    bob, alice = w.users["link_worker"], w.users["clinician"]
    record = w.record("link_worker", "own")

    referral_close(referral=record.referral, by=alice, now=timezone.now(), reason="no_contact")

    assert person_page(bob, record) == 404, "a link worker holds only open referrals"
    assert referral_api(bob, record.referral) == 404
    assert person_page(alice, record) == 200, "the team's referrals stay open to the team after they end"


# --- Consent: shares with another organisation, withdrawal, named organisations --------------------


def test_a_share_with_an_organisation_opens_the_record_to_its_clinicians_and_ends_with_the_consent(w):
    alice, vera, bob = w.users["clinician"], w.users["vera"], w.users["link_worker"]
    record = w.record("clinician", "own")  # North, trust-written; vera is a VCSE clinician outside North
    assert person_page(vera, record) == 404
    with pytest.raises(ValidationError):
        share_with_organisation(
            person=record.person, organisation=w.orgs["vcse"], by=alice, now=timezone.now(), reason=REASON
        )
    consent = consent_record(
        person=record.person, by=alice, now=timezone.now(), decision=SharingConsent.Decision.GIVEN, scope="care_team"
    )

    share_with_organisation(
        person=record.person, organisation=w.orgs["vcse"], by=alice, now=timezone.now(), reason=REASON
    )

    assert person_page(vera, record) == 200
    assert referral_api(vera, record.referral) == 200
    assert record.assessment_text in assessment_body(vera, record)
    assert person_page(bob, record) == 404, "a share reaches the organisation's clinicians, not its link workers"

    consent_withdraw(consent=consent, by=alice, now=timezone.now())

    assert not PersonShare.objects.filter(content_object=record.person).exists()
    assert person_page(vera, record) == 404
    assert referral_api(vera, record.referral) == 404


def test_a_new_consent_that_no_longer_covers_the_organisation_ends_its_share(w):
    alice, vera = w.users["clinician"], w.users["vera"]
    record = w.record("clinician", "own")
    now = timezone.now()
    consent_record(person=record.person, by=alice, now=now, decision=SharingConsent.Decision.GIVEN, scope="care_team")
    share_with_organisation(person=record.person, organisation=w.orgs["vcse"], by=alice, now=now, reason=REASON)
    assert person_page(vera, record) == 200

    consent_record(
        person=record.person,
        by=alice,
        now=timezone.now(),
        decision=SharingConsent.Decision.GIVEN,
        scope="named_organisations",
        organisations=[w.orgs["trust"]],
    )

    assert not PersonShare.objects.filter(content_object=record.person).exists()
    assert person_page(vera, record) == 404


def test_withdrawal_withholds_the_other_organisations_notes_on_the_very_next_request(w):
    bob = w.users["link_worker"]
    record = w.record("link_worker", "consent_given")  # bob holds them; alice's trust colleague wrote the notes
    assert record.assessment_text in assessment_body(bob, record)
    assert record.contact_note in timeline_body(bob, record)

    consent_withdraw(consent=record.consent, by=w.users["clinician"], now=timezone.now())

    body = assessment_body(bob, record)
    assert record.assessment_text not in body
    assert 'id="withheld"' in body
    assert record.contact_note not in timeline_body(bob, record)
    assert person_page(bob, record) == 200, "withdrawal withholds notes; the record itself stays open to its holder"


def test_consent_naming_organisations_shows_the_notes_only_to_those_named(w):
    bob, alice = w.users["link_worker"], w.users["clinician"]
    record = w.record("link_worker", "consent_none")
    assert record.assessment_text not in assessment_body(bob, record)

    consent_record(
        person=record.person,
        by=alice,
        now=timezone.now(),
        decision=SharingConsent.Decision.GIVEN,
        scope="named_organisations",
        organisations=[w.orgs["vcse"], w.orgs["trust"]],
    )
    assert record.assessment_text in assessment_body(bob, record)
    assert record.contact_note in timeline_body(bob, record)

    consent_record(
        person=record.person,
        by=alice,
        now=timezone.now(),
        decision=SharingConsent.Decision.GIVEN,
        scope="named_organisations",
        organisations=[w.orgs["trust"]],
    )
    body = assessment_body(bob, record)
    assert record.assessment_text not in body
    assert "agreed to share it only with the organisations named" in body
    assert record.contact_note not in timeline_body(bob, record)


# --- Referrers -------------------------------------------------------------------------------------


def test_the_account_that_sent_a_referral_in_cannot_open_it_afterwards(w):
    intake = w.users["administrator"]  # sent every referral in this world
    record = w.record("clinician", "own")
    assert record.referral.created_by_id == intake.pk
    assert referral_api(intake, record.referral) == 404
    assert person_page(intake, record) == 404
