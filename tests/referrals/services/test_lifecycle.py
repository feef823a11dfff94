"""The referral lifecycle: allowed moves, refused moves with a clear reason, and what each leaves behind."""

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from accounts.models import AuditEvent
from referrals.errors import InvalidTransition
from referrals.models import Allocation, Clock, Contact, Referral
from referrals.services import (
    caseload_allocate,
    contact_record,
    referral_assess,
    referral_close,
    referral_create,
    referral_discharge,
    referral_redirect,
    referral_triage,
)
from referrals.services.alerts import clocks_sweep
from tests.factories import PostcodeDistrictFactory, TeamFactory, make_referral, valid_nhs_number

pytestmark = pytest.mark.django_db
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
S = Referral.Status


def at(hours: float) -> datetime:
    return T0 + timedelta(hours=hours)


@pytest.fixture
def referral_received_at():
    """The standing referral (tests/conftest.py) arrives at T0."""
    return T0


def test_a_referral_walks_from_received_to_discharged(referral, alice, bob):
    referral_triage(referral=referral, by=alice, now=at(1), urgency="urgent", note="Low risk; needs assessment")
    referral_assess(referral=referral, by=alice, now=at(20))
    caseload_allocate(referral=referral, by=alice, now=at(21), link_worker=bob)
    contact_record(
        referral=referral,
        by=bob,
        now=at(30),
        occurred_at=at(30),
        mode="face_to_face",
        outcome="completed",
        starts_treatment=True,
    )
    referral_discharge(
        referral=referral,
        by=bob,
        now=at(24 * 60),
        note="Back to self-care; call the 24/7 line or your GP to come back.",
    )
    referral.refresh_from_db()
    assert referral.status == S.DISCHARGED and referral.ended_at == at(24 * 60)
    assert referral.urgency == "urgent"
    actions = list(
        AuditEvent.objects.filter(person_id=referral.person_id).order_by("id").values_list("action", flat=True)
    )
    assert actions == [
        "person.create",
        "referral.create",
        "referral.triage",
        "referral.assess",
        "caseload.allocate",
        "contact.record",
        "referral.discharge",
    ]
    assert not Allocation.objects.filter(referral=referral, ended_at__isnull=True).exists()


@pytest.mark.parametrize(
    ("setup", "move"),
    [
        ([], "discharge"),  # cannot discharge someone never taken on
        (["close"], "triage"),
        (["close"], "redirect"),
        (["triage", "assess"], "triage"),
    ],
)
def test_invalid_transitions_are_refused_with_a_reason(referral, alice, trust, setup, move):
    other = TeamFactory(name="Talking therapies", organisation=trust, locality=None, kind="system_service")
    moves = {
        "triage": lambda n: referral_triage(referral=referral, by=alice, now=at(n)),
        "assess": lambda n: referral_assess(referral=referral, by=alice, now=at(n)),
        "close": lambda n: referral_close(referral=referral, by=alice, now=at(n), reason="declined"),
        "discharge": lambda n: referral_discharge(referral=referral, by=alice, now=at(n), note="done"),
        "redirect": lambda n: referral_redirect(
            referral=referral, by=alice, now=at(n), to_team=other, note="Better met elsewhere", person_informed=True
        ),
    }
    for i, step in enumerate(setup):
        moves[step](i + 1)
    before = Referral.objects.get(pk=referral.pk).status
    with pytest.raises(InvalidTransition, match="cannot become"):
        moves[move](10)
    assert Referral.objects.get(pk=referral.pk).status == before


def test_closing_stops_open_clocks_and_a_late_close_is_still_a_breach(referral, alice):
    clocks_sweep(now=at(30))
    referral_close(referral=referral, by=alice, now=at(31), reason="no_contact", note="Three attempts, letter sent")
    first = referral.clocks.get(kind="first_response")
    assert first.stop_reason == Clock.StopReason.REFERRAL_ENDED and first.stopped_at == at(31)
    assert first.is_breached(at(31))
    assert referral.alerts.filter(level="breach").exists()  # never edited away


def test_closing_needs_a_known_reason(referral, alice):
    with pytest.raises(ValidationError) as info:
        referral_close(referral=referral, by=alice, now=at(1), reason="rejected")
    assert "reason" in info.value.message_dict


def test_nobody_is_simply_rejected_a_redirect_needs_a_handover_note(referral, alice, trust):
    other = TeamFactory(name="VCSE wellbeing service", organisation=trust, locality=None, kind="system_service")
    with pytest.raises(ValidationError) as info:
        referral_redirect(referral=referral, by=alice, now=at(1), to_team=other, note=" ", person_informed=True)
    assert "note" in info.value.message_dict


def test_contact_after_discharge_is_refused(referral, alice, bob):
    referral_triage(referral=referral, by=alice, now=at(1))
    caseload_allocate(referral=referral, by=alice, now=at(2), link_worker=bob)
    referral_discharge(referral=referral, by=bob, now=at(5), note="Self-care plan agreed")
    with pytest.raises(InvalidTransition):
        contact_record(referral=referral, by=bob, now=at(6), occurred_at=at(6), mode="telephone", outcome="completed")


def test_a_discharge_dated_before_the_allocation_is_refused_clearly_and_nothing_ends(referral, alice, bob):
    referral_triage(referral=referral, by=alice, now=at(1))
    caseload_allocate(referral=referral, by=alice, now=at(3), link_worker=bob)
    with pytest.raises(ValidationError) as refused:
        referral_discharge(referral=referral, by=bob, now=at(5), note="Self-care plan agreed", at=at(2))
    assert "allocated after this time" in str(refused.value.message_dict["at"])
    referral.refresh_from_db()
    assert referral.status == S.ALLOCATED and referral.ended_at is None
    assert Allocation.objects.get(referral=referral).ended_at is None


@pytest.mark.parametrize(
    ("occurred", "field"),
    [(at(50), "occurred_at"), (T0 - timedelta(hours=1), "occurred_at")],
)
def test_contacts_in_the_future_or_before_the_referral_are_refused(referral, alice, occurred, field):
    with pytest.raises(ValidationError) as info:
        contact_record(
            referral=referral, by=alice, now=at(2), occurred_at=occurred, mode="telephone", outcome="completed"
        )
    assert field in info.value.message_dict
    assert not Contact.objects.exists()


def test_only_a_completed_contact_can_start_treatment(referral, alice):
    with pytest.raises(ValidationError) as info:
        contact_record(
            referral=referral,
            by=alice,
            now=at(2),
            occurred_at=at(1),
            mode="telephone",
            outcome="attempted",
            starts_treatment=True,
        )
    assert "starts_treatment" in info.value.message_dict


def test_reallocation_needs_a_handover_note_and_keeps_the_history(referral, alice, bob, tina):
    referral_triage(referral=referral, by=alice, now=at(1))
    caseload_allocate(referral=referral, by=tina, now=at(2), link_worker=bob)
    with pytest.raises(ValidationError):
        caseload_allocate(referral=referral, by=tina, now=at(3), link_worker=alice)
    caseload_allocate(
        referral=referral, by=tina, now=at(3), link_worker=alice, handover_note="Bob on leave; Alice knows the family"
    )
    history = list(Allocation.objects.filter(referral=referral).values_list("link_worker__username", "ended_at"))
    assert history == [("bob", at(3)), ("alice", None)]
    referral.refresh_from_db()
    assert referral.allocated_to == alice and referral.status == S.ALLOCATED


def test_a_person_is_matched_by_nhs_number_and_not_duplicated(alice, north_practice):
    number = valid_nhs_number()
    first = make_referral(by=alice, practice=north_practice, nhs_number=number, now=T0)
    second = make_referral(by=alice, practice=None, nhs_number=number, now=at(48), source="self")
    assert first.person_id == second.person_id
    assert second.team == first.team  # the person's GP practice still routes the new referral


def test_nhs_number_with_a_different_birth_date_is_refused_not_linked(alice, north_practice):
    from datetime import date

    number = valid_nhs_number()
    make_referral(by=alice, practice=north_practice, nhs_number=number, birth_date=date(1990, 1, 1), now=T0)
    with pytest.raises(ValidationError) as info:
        make_referral(by=alice, nhs_number=number, birth_date=date(1991, 1, 1), now=at(1))
    assert "birth_date" in info.value.message_dict
    assert Referral.objects.count() == 1


def test_a_self_referral_without_nhs_number_is_still_recorded(alice, south):
    PostcodeDistrictFactory(outward_code="BS13", locality=south)
    referral = make_referral(by=alice, nhs_number=None, source="self", postcode="bs13 7aa", now=T0)
    assert referral.person.nhs_number is None
    assert referral.locality == south and "postcode" in referral.routing_reason


def test_an_invalid_nhs_number_says_so_and_writes_nothing(alice):
    with pytest.raises(ValidationError) as info:
        make_referral(by=alice, nhs_number="9434765918", now=T0)
    assert "check digit" in str(info.value.message_dict["nhs_number"])
    assert Referral.objects.count() == 0


def test_received_at_in_the_future_is_refused(alice):
    with pytest.raises(ValidationError) as info:
        referral_create(
            by=alice,
            now=T0,
            received_at=at(1),
            source="gp",
            urgency="routine",
            presenting_need="Anxiety",
            given_name="A",
            family_name="B",
        )
    assert "received_at" in info.value.message_dict
