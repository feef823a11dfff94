"""Migration referrals.0010 codes what was recorded before MHSDS coding and looks again at every
clock a contact stopped (docs/adr/0008): run on real PostgreSQL, from 0009 to 0010."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = ("referrals", "0009_clock_stopped_by_only_when_stopped")
AFTER = ("referrals", "0010_mhsds_coding")
T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def migrate(referrals_target):
    """The referrals app at ``referrals_target``, every other app at its latest migration that
    does not need a later referrals migration (or unmigrated, if none)."""
    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    later = {
        node
        for node in graph.nodes
        if node[0] == "referrals" and node != referrals_target and referrals_target in graph.forwards_plan(node)
    }
    targets = [referrals_target]
    for app in sorted({node[0] for node in graph.nodes} - {"referrals"}):
        usable = [node for node in graph.nodes if node[0] == app and not later & set(graph.forwards_plan(node))]
        targets.append(max(usable, key=lambda node: len(graph.forwards_plan(node))) if usable else (app, None))
    executor.migrate(targets)
    executor.loader.build_graph()
    # An app left unmigrated (its first migration needs a later referrals one) has no state to build.
    return executor.loader.project_state([node for node in targets if node[1] is not None]).apps


@pytest.fixture(autouse=True)
def back_to_the_latest():
    yield
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_contacts_are_coded_letters_become_indirect_activity_and_clocks_stopped_by_a_text_run_again():
    old = migrate(BEFORE)
    User = old.get_model("accounts", "User")
    Organisation = old.get_model("localities", "Organisation")
    Person = old.get_model("referrals", "Person")
    Referral = old.get_model("referrals", "Referral")
    Contact = old.get_model("referrals", "Contact")
    Clock = old.get_model("referrals", "Clock")
    trust = Organisation.objects.create(name="Synthetic Trust", kind="nhs_trust")
    staff = User.objects.create(username="mig", organisation=trust)
    person = Person.objects.create(given_name="Sam", family_name="Example", created_at=T0)
    referral = Referral.objects.create(
        person=person,
        source="gp",
        received_at=T0,
        urgency="routine",
        presenting_need="Low mood",
        status="received",
        status_changed_at=T0,
        created_at=T0,
        created_by=staff,
    )

    def clock(kind, stopped_at, reason):
        return Clock.objects.create(
            referral=referral,
            kind=kind,
            stop_rule="second_contact" if kind == "treatment" else "",
            started_at=T0,
            target=timedelta(days=28) if kind == "treatment" else timedelta(hours=24),
            warn_at=T0 + timedelta(hours=18),
            due_at=T0 + timedelta(days=28 if kind == "treatment" else 1),
            escalation_at=T0 + timedelta(days=31 if kind == "treatment" else 2),
            second_escalation_at=T0 + timedelta(days=35 if kind == "treatment" else 3),
            stopped_at=stopped_at,
            stop_reason=reason,
            next_alert_step=1,
            next_check_at=None,
        )

    def contact(hours, mode, outcome):
        return Contact.objects.create(
            referral=referral,
            occurred_at=T0 + timedelta(hours=hours),
            mode=mode,
            outcome=outcome,
            recorded_at=T0 + timedelta(hours=hours),
            recorded_by=staff,
        )

    contact(1, "text", "completed")  # stopped the first response: it must not have
    contact(2, "letter", "completed")
    contact(3, "telephone", "attempted")
    seen = contact(30, "face_to_face", "completed")
    contact(40, "video", "completed")
    first = clock("first_response", T0 + timedelta(hours=1), "first_completed_contact")
    treatment = clock("treatment", T0 + timedelta(hours=30), "second_completed_contact")  # text + face to face

    new = migrate(AFTER)

    Contact = new.get_model("referrals", "Contact")
    coded = dict(Contact.objects.values_list("occurred_at", "consultation_mechanism"))
    attended = dict(Contact.objects.values_list("occurred_at", "attendance"))
    assert coded == {
        T0 + timedelta(hours=1): "09",
        T0 + timedelta(hours=3): "02",
        T0 + timedelta(hours=30): "01",
        T0 + timedelta(hours=40): "11",
    }
    assert attended[T0 + timedelta(hours=3)] == "3" and attended[T0 + timedelta(hours=30)] == "5"
    letter = new.get_model("referrals", "IndirectActivity").objects.get()
    assert (letter.kind, letter.occurred_at) == ("letter", T0 + timedelta(hours=2))

    Clock = new.get_model("referrals", "Clock")
    first = Clock.objects.get(pk=first.pk)
    assert first.stopped_at == seen.occurred_at  # the face-to-face contact was the first that counts
    treatment = Clock.objects.get(pk=treatment.pk)
    assert treatment.stopped_at == T0 + timedelta(hours=40)  # the second that counts: video
    events = new.get_model("referrals", "ClockEvent").objects.filter(kind="reevaluated")
    assert events.count() == 2
    assert all("MHSDS coding" in e.reason for e in events)
    UrgencyChange = new.get_model("referrals", "UrgencyChange")
    assert list(UrgencyChange.objects.values_list("urgency", "at")) == [("routine", T0)]
