"""The referrer kept informed: a short message when the referral is triaged, redirected, first
seen and discharged, with the reference, team, date and (where allowed) the outcome, never
clinical detail; written with the clinical action, never breaking it."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from referrals.errors import InvalidTransition
from referrals.models import Referral, ReferrerUpdate, ReferrerUpdateRule
from referrals.services import (
    assessment_record,
    caseload_allocate,
    contact_record,
    referral_discharge,
    referral_redirect,
    referral_triage,
    risk_flag_raise,
)
from referrals.services.referrer import referrer_set, referrer_update_record
from tests.factories import REFERRER_MAILBOX, make_referral_from_referrer

pytestmark = pytest.mark.django_db

Event = ReferrerUpdate.Event

# Words that must never reach a referrer: each is written into the record somewhere below.
NEED = "Hearing-voices-since-March presenting need"
RISK = "Overdose-risk-at-weekends note"
TRIAGE_NOTE = "Triage-note-about-family-conflict"
NEXT_STEP = "Next-step-psychiatry-review"
HANDOFF_NOTE = "Handoff-note-about-trauma-history"
DIAGNOSIS = "Diagnosis-emotionally-unstable-personality"
CONTACT_NOTE = "Contact-note-discussed-self-harm"
DISCHARGE_NOTE = "Discharge-plan-keep-taking-sertraline"
RETURN_ROUTE = "Return-route-call-the-crisis-line"
GIVEN, FAMILY = "Zebedee", "Quixotic"
POLICE_REFERENCE = "PR-2026-0042"


@pytest.fixture
def referral_received_at():
    """The standing referral (tests/conftest.py) arrived two hours ago."""
    return timezone.now() - timedelta(hours=2)


def _messages(referral: Referral) -> list[ReferrerUpdate]:
    return list(ReferrerUpdate.objects.filter(referral=referral).order_by("at", "pk"))


def _whole_journey(*, alice, charlie, south_team, north_practice, now):
    """A referral with clinical detail at every step: triaged, redirected, first seen, discharged."""
    referral = make_referral_from_referrer(
        by=alice,
        now=now,
        practice=north_practice,
        presenting_need=NEED,
        given_name=GIVEN,
        family_name=FAMILY,
        police_reference=POLICE_REFERENCE,
        birth_date=now.date().replace(year=1990),
    )
    risk_flag_raise(person=referral.person, by=alice, now=now, kind="other", note=RISK)
    referral_triage(
        referral=referral,
        by=alice,
        now=now,
        urgency=Referral.Urgency.URGENT,
        thrive_grouping=Referral.Thrive.GETTING_RISK_SUPPORT,
        next_step=NEXT_STEP,
        note=TRIAGE_NOTE,
    )
    later = now + timedelta(days=1)
    referral_redirect(
        referral=referral, by=alice, now=later, to_team=south_team, note=HANDOFF_NOTE, person_informed=True
    )
    caseload_allocate(referral=referral, by=charlie, now=later, link_worker=charlie)
    assessment_record(referral=referral, by=charlie, now=later, completed_at=later, summary=DIAGNOSIS)
    seen = now + timedelta(days=3)
    contact_record(
        referral=referral,
        by=charlie,
        now=seen,
        occurred_at=seen,
        consultation_mechanism="01",
        attendance="5",
        starts_treatment=True,
        note=CONTACT_NOTE,
    )
    ended = now + timedelta(days=40)
    referral_discharge(
        referral=referral,
        by=charlie,
        now=ended,
        note=DISCHARGE_NOTE,
        return_route=RETURN_ROUTE,
        reason=Referral.DischargeReason.GOALS_MET,
    )
    referral.refresh_from_db()
    return referral


def test_the_referrer_gets_a_message_at_triage_redirect_first_seen_and_discharge(
    alice, charlie, north_team, south_team, north_practice
):
    now = timezone.now() - timedelta(days=60)
    referral = _whole_journey(
        alice=alice, charlie=charlie, south_team=south_team, north_practice=north_practice, now=now
    )

    messages = _messages(referral)

    assert [m.event for m in messages] == [Event.TRIAGED, Event.REDIRECTED, Event.FIRST_SEEN, Event.DISCHARGED]
    assert all(m.to_send and m.address == REFERRER_MAILBOX and m.sent_at is None for m in messages)
    triaged, redirected, first_seen, discharged = messages
    assert triaged.subject == f"Referral {referral.reference}: triaged"
    assert f"Triaged by {north_team.name}" in triaged.body and referral.reference in triaged.body
    assert "Passed on" in redirected.body and f"to {south_team.name}" in redirected.body
    assert f"from {north_team.name}" in redirected.body
    assert "Why: the person's GP practice or home is in that team's area." in redirected.body
    assert redirected.team == south_team
    assert f"First seen by {south_team.name}" in first_seen.body and first_seen.at == now + timedelta(days=3)
    assert f"Discharged by {south_team.name}" in discharged.body
    assert "Outcome: Goals met: back to self-care." in discharged.body
    assert f"Your reference: {POLICE_REFERENCE}" in discharged.body


def test_no_message_to_the_referrer_carries_clinical_detail_or_the_persons_identity(
    alice, charlie, south_team, north_practice
):
    now = timezone.now() - timedelta(days=60)
    referral = _whole_journey(
        alice=alice, charlie=charlie, south_team=south_team, north_practice=north_practice, now=now
    )
    person = referral.person
    forbidden = [
        NEED,
        RISK,
        TRIAGE_NOTE,
        NEXT_STEP,
        HANDOFF_NOTE,
        DIAGNOSIS,
        CONTACT_NOTE,
        DISCHARGE_NOTE,
        RETURN_ROUTE,
        GIVEN,
        FAMILY,
        person.nhs_number,
        person.postcode,
        "1990",  # the year of birth
        Referral.Thrive.GETTING_RISK_SUPPORT.label,
        "urgent",
        "sertraline",
        "self-harm",
    ]

    messages = _messages(referral)

    assert len(messages) == 4
    for message in messages:
        text = f"{message.subject}\n{message.body}".lower()
        leaked = [word for word in forbidden if word and word.lower() in text]
        assert leaked == [], f"{message.event} message carries {leaked}"
        assert len(message.body) < 700  # short: a fixed template, not a record


def test_only_the_first_attended_contact_counts_as_first_seen(alice, triaged_referral):
    referral = triaged_referral
    referrer_set(referral=referral, by=alice, now=timezone.now(), email=REFERRER_MAILBOX)
    now = timezone.now()

    contact_record(
        referral=referral,
        by=alice,
        now=now,
        occurred_at=now - timedelta(minutes=30),
        consultation_mechanism="02",
        attendance="7",
    )  # did not attend
    assert not ReferrerUpdate.objects.filter(referral=referral, event=Event.FIRST_SEEN).exists()

    contact_record(
        referral=referral,
        by=alice,
        now=now,
        occurred_at=now - timedelta(minutes=20),
        consultation_mechanism="02",
        attendance="5",
    )
    contact_record(
        referral=referral,
        by=alice,
        now=now,
        occurred_at=now - timedelta(minutes=10),
        consultation_mechanism="01",
        attendance="6",
    )

    first_seen = ReferrerUpdate.objects.filter(referral=referral, event=Event.FIRST_SEEN)
    assert first_seen.count() == 1 and first_seen.get().at == now - timedelta(minutes=20)


def test_a_source_switched_off_in_the_configuration_is_dated_but_not_sent(alice, north_practice):
    ReferrerUpdateRule.objects.create(source=Referral.Source.POLICE, on_triaged=False, include_outcome=False)
    referral = make_referral_from_referrer(by=alice, practice=north_practice, source=Referral.Source.POLICE)

    referral_triage(referral=referral, by=alice, now=timezone.now())

    message = ReferrerUpdate.objects.get(referral=referral)
    assert message.event == Event.TRIAGED and message.to_send is False and message.at is not None


def test_without_the_outcome_a_redirect_and_a_discharge_say_only_what_where_and_when(
    alice, charlie, south_team, north_practice
):
    ReferrerUpdateRule.objects.create(source=Referral.Source.GP, include_outcome=False)
    now = timezone.now() - timedelta(days=60)

    referral = _whole_journey(
        alice=alice, charlie=charlie, south_team=south_team, north_practice=north_practice, now=now
    )

    redirected = ReferrerUpdate.objects.get(referral=referral, event=Event.REDIRECTED)
    discharged = ReferrerUpdate.objects.get(referral=referral, event=Event.DISCHARGED)
    assert south_team.name in redirected.body and "Why:" not in redirected.body
    assert "Discharged by" in discharged.body and "Outcome:" not in discharged.body
    assert redirected.to_send and discharged.to_send


def test_without_a_mailbox_nothing_is_sent_but_the_event_is_still_dated(alice, triaged_referral):
    assert triaged_referral.referrer_email == ""

    message = ReferrerUpdate.objects.get(referral=triaged_referral)

    assert message.event == Event.TRIAGED and message.to_send is False and message.address == ""


def test_a_refused_clinical_action_leaves_no_message(alice, north_practice):
    referral = make_referral_from_referrer(by=alice, practice=north_practice)

    with pytest.raises(InvalidTransition):
        referral_discharge(referral=referral, by=alice, now=timezone.now(), note="Plan")

    assert not ReferrerUpdate.objects.filter(referral=referral).exists()


def test_a_message_that_cannot_be_written_never_stops_the_triage(alice, north_practice, monkeypatch, caplog):
    referral = make_referral_from_referrer(by=alice, practice=north_practice)

    def broken(**kwargs):
        raise RuntimeError("template went wrong")

    # The message's template breaks; the thing under test is the triage, which must still happen.
    monkeypatch.setattr("referrals.services.referrer.referrer_message", broken)
    referral_triage(referral=referral, by=alice, now=timezone.now())

    referral.refresh_from_db()
    assert referral.status == Referral.Status.TRIAGED
    assert not ReferrerUpdate.objects.filter(referral=referral).exists()
    assert "could not record the referrer's triaged message" in caplog.text


def test_discharge_is_told_once_even_if_recorded_twice(alice, north_practice):
    referral = make_referral_from_referrer(by=alice, practice=north_practice)
    referral_triage(referral=referral, by=alice, now=timezone.now())

    first = referrer_update_record(referral=referral, event=Event.DISCHARGED, at=timezone.now(), now=timezone.now())
    second = referrer_update_record(referral=referral, event=Event.DISCHARGED, at=timezone.now(), now=timezone.now())

    assert first is not None and second is None
    assert ReferrerUpdate.objects.filter(referral=referral, event=Event.DISCHARGED).count() == 1


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-a-mailbox"}, "referrer_email"),
        ({"ods_code": "L8-1001"}, "referrer_ods_code"),
        ({"police_reference": "x" * 41}, "referrer_police_reference"),
    ],
)
def test_who_referred_is_checked(alice, north_practice, fields, field):
    referral = make_referral_from_referrer(by=alice, practice=north_practice, email="")

    with pytest.raises(ValidationError) as refused:
        referrer_set(referral=referral, by=alice, now=timezone.now(), **fields)

    assert field in refused.value.message_dict


def test_dates_in_messages_are_london_days(alice, north_practice):
    # 23:30 UTC on 30 June is 00:30 on 1 July in London (BST).
    with time_machine.travel("2026-06-30 23:30:00+00:00", tick=False):
        referral = make_referral_from_referrer(by=alice, practice=north_practice)
        referral_triage(referral=referral, by=alice, now=timezone.now())

    assert "on Wed 1 Jul 2026" in ReferrerUpdate.objects.get(referral=referral).body
