"""common.inserts: new rows written in one INSERT whose text is built once (issue 17) are the rows
Django's own save writes."""

from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import signals
from django.db.models.functions import Now

import accounts.services
import referrals.services.clocks
import referrals.services.people
import referrals.services.referrals
from accounts.models import AuditEvent
from common.inserts import insert
from referrals.models import Clock, ClockEvent, Person, Referral, UrgencyChange
from referrals.services import referral_create

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 11, 3, 10, 30, tzinfo=UTC)


def save_each(objs):
    """Django's own way, for comparison."""
    for obj in objs:
        obj.save(force_insert=True)


def take_referral(*, by, practice, nhs_number):
    referral, _ = referral_create(
        by=by,
        now=NOW,
        source="gp",
        urgency="urgent",
        presenting_need="Low mood and poor sleep",
        received_at=NOW - timedelta(hours=2),
        nhs_number=nhs_number,
        given_name="Ada",
        family_name="Okafor",
        birth_date=date(1990, 5, 17),
        postcode="bs1 4xx",
        gp_practice=practice,
        source_of_referral="A1",
        primary_reason="02",
        idempotency_key=f"key-{nhs_number}",
    )
    return referral


def rows_of(referral: Referral) -> dict:
    """Everything one intake wrote, less the keys and what differs by design (NHS number, the
    random reference, the idempotency key and its fingerprint)."""

    def plain(qs, *leave_out, order=("id",)):
        return [{k: v for k, v in row.items() if k not in {"id", *leave_out}} for row in qs.order_by(*order).values()]

    clocks = Clock.all_kinds.filter(referral=referral)
    return {
        "person": plain(Person.objects.filter(pk=referral.person_id), "nhs_number"),
        "referral": plain(
            Referral.objects.filter(pk=referral.pk),
            "person_id",
            "reference",
            "idempotency_key",
            "idempotency_fingerprint",
        ),
        "urgency": plain(UrgencyChange.objects.filter(referral=referral), "referral_id"),
        "clocks": plain(clocks, "referral_id", order=("kind",)),
        "events": plain(ClockEvent.objects.filter(clock__in=clocks), "clock_id", order=("clock__kind",)),
        "audit": plain(
            AuditEvent.objects.filter(person_id=referral.person_id),
            "object_id",
            "person_id",
            order=("action",),
        ),
    }


def test_an_intake_writes_the_same_rows_as_it_does_through_djangos_save(
    intake, north_team, north_practice, monkeypatch
):
    through_insert = take_referral(by=intake, practice=north_practice, nhs_number="9434765919")
    for module in (
        referrals.services.referrals,
        referrals.services.clocks,
        referrals.services.people,
        accounts.services,
    ):
        monkeypatch.setattr(module, "insert", save_each)
    through_save = take_referral(by=intake, practice=north_practice, nhs_number="9434765870")

    written, expected = rows_of(through_insert), rows_of(through_save)
    assert written == expected
    assert [len(written[kind]) for kind in written] == [1, 1, 1, 2, 2, 2]


def test_the_rows_are_marked_as_stored_with_their_keys_in_one_statement(intake, django_assert_num_queries):
    events = [AuditEvent(at=NOW, actor=intake, action=f"test.{n}", object_type="t", object_id=str(n)) for n in (1, 2)]

    with django_assert_num_queries(1):
        insert(events)

    stored = {e.pk: e.action for e in AuditEvent.objects.filter(action__startswith="test.")}
    assert stored == {events[0].pk: "test.1", events[1].pk: "test.2"}
    assert all(not e._state.adding and e._state.db == "default" for e in events)
    assert events[0].detail == {} and AuditEvent.objects.get(pk=events[0].pk).detail == {}


def test_a_row_the_database_refuses_undoes_no_more_than_the_savepoint_around_it(intake):
    Person.objects.create(nhs_number="9434765919", given_name="A", family_name="B", created_at=NOW)

    with transaction.atomic():
        with pytest.raises(IntegrityError), transaction.atomic():
            insert([Person(nhs_number="9434765919", given_name="C", family_name="D", created_at=NOW)])
        insert([Person(nhs_number="9434765870", given_name="E", family_name="F", created_at=NOW)])

    assert sorted(Person.objects.values_list("given_name", flat=True)) == ["A", "E"]


def test_a_refused_row_outside_a_savepoint_leaves_the_transaction_marked_for_rollback_as_save_does(intake):
    Person.objects.create(nhs_number="9434765919", given_name="A", family_name="B", created_at=NOW)

    with transaction.atomic():
        with pytest.raises(IntegrityError):
            insert([Person(nhs_number="9434765919", given_name="C", family_name="D", created_at=NOW)])
        assert connection.needs_rollback


def test_a_model_whose_saves_someone_listens_to_is_saved_one_by_one_through_django(intake):
    heard = []

    def listener(sender, instance, created, **kwargs):
        heard.append((instance.action, created))

    signals.post_save.connect(listener, sender=AuditEvent)
    try:
        insert([AuditEvent(at=NOW, action=f"heard.{n}", object_type="t", object_id="1") for n in (1, 2)])
    finally:
        signals.post_save.disconnect(listener, sender=AuditEvent)

    assert heard == [("heard.1", True), ("heard.2", True)]


def test_a_value_the_database_works_out_is_left_to_django(intake):
    def database_now():
        with connection.cursor() as cursor:
            cursor.execute("SELECT STATEMENT_TIMESTAMP()")
            return cursor.fetchone()[0]

    event = AuditEvent(at=Now(), action="now", object_type="t", object_id="1")

    before = database_now()
    insert([event])
    after = database_now()

    assert before <= AuditEvent.objects.get(pk=event.pk).at <= after


def test_a_row_whose_key_is_given_is_saved_with_that_key(intake):
    key = 10_000_000
    insert([AuditEvent(pk=key, at=NOW, action="keyed", object_type="t", object_id="1")])

    assert AuditEvent.objects.get(pk=key).action == "keyed"
