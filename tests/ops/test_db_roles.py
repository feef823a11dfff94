"""The application's own database role (manage.py db_roles, docs/adr/0009): connected as it, the
audit log can be read and added to, and nothing else: not updated, deleted, emptied, nor
altered to switch its trigger off. Real PostgreSQL: the test database, granted as its owner."""

import io
import uuid
from collections.abc import Iterator

import psycopg2
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test import override_settings
from django.utils import timezone
from psycopg2 import errors

from accounts.models import AuditEvent
from ops.db_roles import truncatable_tables

# Grants must be committed to be seen by the role's own connection, hence transactional tests.
pytestmark = pytest.mark.django_db(transaction=True)

AUDIT = AuditEvent._meta.db_table
REFUSED = errors.InsufficientPrivilege  # SQLSTATE 42501: "permission denied", "must be owner"


@pytest.fixture
def app_role() -> Iterator[tuple[str, str]]:
    """A role for this test database (role names are cluster-wide), dropped afterwards."""
    if connection.vendor != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    role, password = f"{connection.settings_dict['NAME']}_app", uuid.uuid4().hex
    yield role, password
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
        if cursor.fetchone():
            cursor.execute(f"DROP OWNED BY {connection.ops.quote_name(role)}")
            cursor.execute(f"DROP ROLE {connection.ops.quote_name(role)}")


def _connect_as(role: str, password: str):
    """A connection to the test database as the application's role, one statement per transaction."""
    settings = connection.settings_dict
    conn = psycopg2.connect(
        dbname=settings["NAME"],
        user=role,
        password=password,
        host=settings["HOST"] or None,
        port=settings["PORT"] or None,
        connect_timeout=5,
    )
    conn.autocommit = True
    return conn


def _granted(role: str, password: str):
    call_command("db_roles", role=role, password=password, stdout=io.StringIO())
    return _connect_as(role, password)


def _audit_row() -> AuditEvent:
    return AuditEvent.objects.create(at=timezone.now(), action="view", object_type="person", object_id="1")


def test_as_the_application_the_audit_log_can_be_read_and_added_to(app_role):
    existing = _audit_row()
    conn = _granted(*app_role)
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT action FROM {AUDIT} WHERE id = %s", [existing.pk])
        assert cursor.fetchone() == ("view",)

        cursor.execute(
            f"INSERT INTO {AUDIT} (at, action, object_type, object_id, detail) "
            "VALUES (now(), 'search', 'person', '2', '{}') RETURNING id"
        )
        assert AuditEvent.objects.filter(pk=cursor.fetchone()[0], action="search").exists()
    conn.close()


@pytest.mark.parametrize(
    "statement",
    [
        f"UPDATE {AUDIT} SET action = 'rewritten'",
        f"DELETE FROM {AUDIT}",
        f"TRUNCATE {AUDIT}",
        # An owner could switch the append-only trigger off, then rewrite history.
        f"ALTER TABLE {AUDIT} DISABLE TRIGGER ALL",
        f"ALTER TABLE {AUDIT} DISABLE TRIGGER audit_event_no_update_delete",
        f"DROP TRIGGER audit_event_no_update_delete ON {AUDIT}",
        f"DROP TABLE {AUDIT}",
        # Emptying a table the audit log points at, and the log with it.
        "TRUNCATE accounts_user CASCADE",
        "CREATE TABLE caseload_roles_probe (id int)",
    ],
)
def test_as_the_application_the_audit_log_cannot_be_changed_emptied_or_unguarded(app_role, statement):
    _audit_row()
    conn = _granted(*app_role)
    with pytest.raises(REFUSED), conn.cursor() as cursor:
        cursor.execute(statement)
    conn.close()

    assert AuditEvent.objects.filter(action="view").count() == 1
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgenabled FROM pg_trigger WHERE tgname = 'audit_event_no_update_delete'")
        assert cursor.fetchone() == ("O",)  # still there, still on


def test_the_application_reads_and_writes_every_other_table_and_owns_none(app_role):
    role, password = app_role
    _granted(role, password).close()

    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT c.relname,
                   has_table_privilege(%s, c.oid, 'SELECT'), has_table_privilege(%s, c.oid, 'INSERT'),
                   has_table_privilege(%s, c.oid, 'UPDATE'), has_table_privilege(%s, c.oid, 'DELETE'),
                   has_table_privilege(%s, c.oid, 'TRUNCATE'), pg_get_userbyid(c.relowner) = %s
            FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
            """,
            [role] * 6,
        )
        tables = {name: privileges for name, *privileges in cursor.fetchall()}

    assert tables[AUDIT] == [True, True, False, False, False, False]
    others = {name: privileges for name, privileges in tables.items() if name != AUDIT}
    assert len(others) > 50
    for name, (select, insert, update, delete, truncate, owns) in others.items():
        assert (select, insert, update, delete, owns) == (True, True, True, True, False), name
        # Only the reporting tables, which facts_rebuild empties, may be truncated.
        assert truncate is (name in truncatable_tables()), name


def test_tables_made_by_later_migrations_are_granted_without_a_rerun(app_role):
    role, password = app_role
    _granted(role, password).close()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE caseload_roles_later (id bigint GENERATED BY DEFAULT AS IDENTITY, note text)")
    try:
        conn = _connect_as(role, password)
        with conn.cursor() as cursor:
            cursor.execute("INSERT INTO caseload_roles_later (note) VALUES ('a') RETURNING id")
            (row_id,) = cursor.fetchone()
            cursor.execute("UPDATE caseload_roles_later SET note = 'b' WHERE id = %s", [row_id])
            cursor.execute("DELETE FROM caseload_roles_later WHERE id = %s", [row_id])
            assert cursor.rowcount == 1
        conn.close()
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE caseload_roles_later")


def test_granting_twice_changes_nothing_and_a_new_password_takes(app_role):
    role, _ = app_role
    _granted(role, "first-password").close()
    conn = _granted(role, "second-password")
    with conn.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {AUDIT}")
        with pytest.raises(REFUSED):
            cursor.execute(f"DELETE FROM {AUDIT}")
    conn.close()


def test_the_owner_is_never_made_the_applications_role():
    if connection.vendor != "postgresql":
        pytest.skip("database roles are PostgreSQL's")
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()

    # As if DATABASE_URL and MIGRATE_DATABASE_URL named the same user.
    with (
        override_settings(MIGRATE_DATABASE_URL="postgres://owner", APP_DATABASE_USER=owner, APP_DATABASE_PASSWORD="x"),
        pytest.raises(CommandError, match="is the tables' owner"),
    ):
        call_command("db_roles")


@override_settings(MIGRATE_DATABASE_URL="")
def test_with_one_database_url_there_is_no_separate_role_to_set_up(capsys):
    call_command("db_roles")

    assert "Nothing done" in capsys.readouterr().out


def test_a_role_that_owns_tables_is_refused(app_role):
    role, password = app_role
    _granted(role, password).close()
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE caseload_roles_owned (id int)")
        cursor.execute(f"ALTER TABLE caseload_roles_owned OWNER TO {connection.ops.quote_name(role)}")
    try:
        with pytest.raises(CommandError, match="owns caseload_roles_owned"):
            call_command("db_roles", role=role, password=password)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("DROP TABLE caseload_roles_owned")
