"""common.raw.rows: written-out SQL read into model instances as Django's own raw query reads it
(issue 17), its other columns set as they come."""

import pytest

from accounts.models import User
from common.raw import rows
from referrals.models import ClockPolicy

pytestmark = pytest.mark.django_db


def stored(instance) -> dict:
    return {f.attname: getattr(instance, f.attname) for f in type(instance)._meta.concrete_fields}


def test_rows_read_as_djangos_raw_query_reads_them_converted_with_the_other_columns_beside():
    sql = f"SELECT policy.*, policy.name || '!' AS shout FROM {ClockPolicy._meta.db_table} AS policy ORDER BY id"

    read = rows(ClockPolicy, sql, [])
    raw = list(ClockPolicy.objects.raw(sql))

    assert read and [stored(p) for p in read] == [stored(p) for p in raw]
    assert [p.shout for p in read] == [f"{p.name}!" for p in raw]  # type: ignore[attr-defined]
    assert all(not p._state.adding and p._state.db == "default" for p in read)
    # Durations come back as durations (the ORM's conversion, not the driver's value as read).
    assert all(p.treatment_target == raw_p.treatment_target for p, raw_p in zip(read, raw, strict=True))


def test_a_users_times_and_flags_are_as_the_orm_reads_them(alice):
    (read,) = rows(User, f"SELECT * FROM {User._meta.db_table} WHERE id = %s", [alice.pk])

    assert stored(read) == stored(User.objects.get(pk=alice.pk))


def test_a_query_that_leaves_out_a_column_of_the_model_is_refused():
    with pytest.raises(KeyError):
        rows(ClockPolicy, f"SELECT id, name FROM {ClockPolicy._meta.db_table}", [])
