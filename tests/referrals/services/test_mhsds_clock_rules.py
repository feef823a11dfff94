"""The live clocks stop only on what NHS England counts (docs/measures.md): an attended contact
by a direct mechanism, face to face for crisis and liaison teams; a DNA, a cancellation, a text
or a letter never stops a clock, so the alerts still go out while the person waits."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from referrals.models import Clock, ClockEvent, IndirectActivity, UrgencyChange
from referrals.services import (
    contact_record,
    outcome_measure_record,
    referral_triage,
)
from referrals.services.clocks import clocks_reevaluate
from referrals.services.contacts import indirect_activity_record
from tests.factories import make_received_referral
from tests.factories.policies import make_team_policy


def first_response(referral) -> Clock:
    return referral.clocks.get(kind=Clock.Kind.FIRST_RESPONSE, is_current=True)


@pytest.fixture
def waiting(alice, north_practice):
    return make_received_referral(by=alice, now=timezone.now() - timedelta(hours=3), practice=north_practice)


def record(referral, by, mechanism: str, attendance: str, *, hours_ago: int = 1):
    now = timezone.now()
    return contact_record(
        referral=referral,
        by=by,
        now=now,
        occurred_at=now - timedelta(hours=hours_ago),
        consultation_mechanism=mechanism,
        attendance=attendance,
    )


def test_a_text_message_does_not_stop_the_first_response_clock(waiting, alice):
    record(waiting, alice, "09", "5")
    assert first_response(waiting).stopped_at is None
    assert first_response(waiting).next_check_at is not None  # the sweep still looks at it


@pytest.mark.parametrize("attendance", ["3", "2", "4", "7"])
def test_a_did_not_attend_or_a_cancellation_stops_nothing(waiting, alice, attendance):
    record(waiting, alice, "01", attendance)
    assert waiting.clocks.filter(stopped_at__isnull=False).count() == 0


def test_an_attended_telephone_call_stops_a_community_first_response(waiting, alice):
    contact = record(waiting, alice, "02", "5", hours_ago=2)
    clock = first_response(waiting)
    assert clock.stopped_at == contact.occurred_at
    assert clock.stop_reason == Clock.StopReason.FIRST_COMPLETED_CONTACT


def test_a_crisis_team_first_response_is_face_to_face(waiting, alice, north_team):
    north_team.mhsds_team_type = "A02"  # crisis resolution / home treatment
    north_team.save()
    record(waiting, alice, "02", "5", hours_ago=2)  # a phone call
    assert first_response(waiting).stopped_at is None
    record(waiting, alice, "11", "5", hours_ago=1)  # video, not counted by default
    assert first_response(waiting).stopped_at is None
    seen = record(waiting, alice, "01", "6", hours_ago=0)  # arrived late but seen, face to face
    assert first_response(waiting).stopped_at == seen.occurred_at


def test_video_in_crisis_counts_only_when_the_policy_says_so(waiting, alice, north_team):
    north_team.mhsds_team_type = "A19"
    north_team.save()
    make_team_policy(north_team, crisis_video_counts=True)
    video = record(waiting, alice, "11", "5")
    assert first_response(waiting).stopped_at == video.occurred_at


def test_a_letter_is_not_a_care_contact(waiting, alice):
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        contact_record(
            referral=waiting,
            by=alice,
            now=now,
            occurred_at=now,
            mode="letter",
            outcome="completed",
        )
    assert "indirect activity" in str(refused.value)
    activity = indirect_activity_record(
        referral=waiting, by=alice, now=now, occurred_at=now, kind="letter", note="Sent"
    )
    assert IndirectActivity.objects.filter(pk=activity.pk).exists()
    assert first_response(waiting).stopped_at is None


def test_attendance_has_no_default(waiting, alice):
    now = timezone.now()
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        contact_record(referral=waiting, by=alice, now=now, occurred_at=now, consultation_mechanism="01")
    assert "attendance" in refused.value.message_dict


def test_the_words_used_before_coding_are_mapped_for_one_release(waiting, alice):
    now = timezone.now()
    now = timezone.now()
    contact = contact_record(referral=waiting, by=alice, now=now, occurred_at=now, mode="video", outcome="attempted")
    assert (contact.consultation_mechanism, contact.attendance) == ("11", "3")


def test_urgency_raised_at_triage_is_kept_with_its_time(waiting, alice):
    now = timezone.now()
    referral_triage(referral=waiting, by=alice, now=now, urgency="very_urgent")
    history = list(UrgencyChange.objects.filter(referral=waiting).values_list("urgency", "at"))
    assert history == [("routine", waiting.received_at), ("very_urgent", now)]


def test_an_outcome_score_outside_the_tools_range_is_refused(waiting, alice):
    now = timezone.now()
    with pytest.raises(ValidationError) as refused:
        outcome_measure_record(
            referral=waiting,
            by=alice,
            now=now,
            recorded_at=now,
            instrument="PHQ-9",
            score=Decimal(28),
            stage="baseline",
        )
    assert "between 0 and 27" in str(refused.value)
    measure = outcome_measure_record(
        referral=waiting, by=alice, now=now, recorded_at=now, instrument="PHQ-9", score=Decimal(27), stage="baseline"
    )
    assert measure.tool_code == "720433000"


def test_re_evaluation_reopens_a_clock_stopped_by_a_contact_that_no_longer_counts(waiting, alice, north_team):
    record(waiting, alice, "02", "5", hours_ago=2)  # counted while the team had no type
    assert first_response(waiting).stopped_at is not None
    north_team.mhsds_team_type = "A18"  # then coded as a single point of access: face to face only
    north_team.save()

    changed = clocks_reevaluate(referral=waiting, now=timezone.now(), reason="team type set to A18")

    clock = first_response(waiting)
    assert [c.pk for c in changed] == [clock.pk]
    assert clock.stopped_at is None and clock.next_check_at is not None
    event = clock.events.get(kind=ClockEvent.Kind.REEVALUATED)
    assert "team type set to A18" in event.reason


def test_the_reevaluate_command_looks_again_after_team_types_are_set(waiting, alice, north_team):
    from io import StringIO

    from django.core.management import call_command

    record(waiting, alice, "02", "5", hours_ago=2)
    north_team.mhsds_team_type = "A19"
    north_team.save()
    out = StringIO()

    call_command("clocks_reevaluate", "--team", str(north_team.pk), stdout=out)

    assert "1 clock(s) changed." in out.getvalue()
    assert first_response(waiting).stopped_at is None
