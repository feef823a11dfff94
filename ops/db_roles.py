"""The application's own PostgreSQL role: owns nothing, may only read and add to the audit log.

The tables belong to the role that runs the migrations (the owner). The application connects as
another role, made and kept in step here (``manage.py db_roles``, after every ``migrate``), with:

* normal reads and writes (SELECT, INSERT, UPDATE, DELETE) on every table, and USAGE on every
  sequence, now and, through default privileges, on the tables later migrations make;
* on the audit log (accounts_auditevent), SELECT and INSERT only. Its trigger refuses UPDATE and
  DELETE to everyone; without ownership the application can neither TRUNCATE the table nor
  ALTER it to switch the trigger off;
* TRUNCATE on the reporting tables only, which ``facts_rebuild`` empties and fills again (and,
  from PostgreSQL 17, MAINTAIN, so its ANALYZE runs).

Why: docs/adr/0009-the-application-does-not-own-its-tables.md. Idempotent: every run grants the
same set from scratch, so running it twice, or after a migration, changes nothing else.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from django.apps import apps
from django.db import connection, transaction
from psycopg2 import sql  # type: ignore[import-untyped]  # types-psycopg2 is not a requirement
from psycopg2.extensions import cursor as Cursor  # type: ignore[import-untyped]  # psycopg2 ships no types for it

from accounts.models import AuditEvent

TABLE_DML = sql.SQL("SELECT, INSERT, UPDATE, DELETE")


class RoleSetupRefused(Exception):
    """The roles are set up in a way that would defeat the point (say so, change nothing)."""


@dataclass(frozen=True)
class RoleReport:
    role: str
    owner: str
    database: str
    created: bool
    append_only: tuple[str, ...]
    truncatable: tuple[str, ...]


def append_only_tables() -> tuple[str, ...]:
    """Tables the application may read and add to, never change: the audit log."""
    return (AuditEvent._meta.db_table,)


def truncatable_tables() -> tuple[str, ...]:
    """Tables the application empties with TRUNCATE: the reporting app's (reporting.rebuild).
    Read from the app registry: ops and reporting sit side by side and never import each other."""
    return tuple(sorted(model._meta.db_table for model in apps.get_app_config("reporting").get_models()))


def app_role_ensure(*, role: str, password: str) -> RoleReport:
    """Create or update ``role`` and grant it exactly what the application needs, in the database
    the default connection points at, connected as the tables' owner."""
    if connection.vendor != "postgresql":
        raise RoleSetupRefused("Database roles apply to PostgreSQL only (SQLite has none).")
    with transaction.atomic(), _cursor() as cursor:
        # The owner is whoever owns the audit log (made by migrate): the default privileges must
        # name the role that will make future tables, even when a superuser runs this.
        cursor.execute(
            "SELECT tableowner, current_database() FROM pg_tables WHERE schemaname = 'public' AND tablename = %s",
            [AuditEvent._meta.db_table],
        )
        found = cursor.fetchone()
        if found is None:
            raise RoleSetupRefused("No audit log table here yet: run `manage.py migrate` first.")
        owner, database = found
        if role == owner:
            raise RoleSetupRefused(
                f"The application's role {role!r} is the tables' owner, which could switch the audit "
                "log's trigger off. Connect the application as another role (DATABASE_URL) and run "
                "migrations and this command as the owner (MIGRATE_DATABASE_URL)."
            )
        created = _role_upsert(cursor, role=role, password=password)
        _refuse_if_owner_or_member(cursor, role=role, owner=owner)
        _grant(cursor, role=role, owner=owner, database=database)
    return RoleReport(
        role=role,
        owner=owner,
        database=database,
        created=created,
        append_only=append_only_tables(),
        truncatable=truncatable_tables(),
    )


@contextmanager
def _cursor() -> Iterator[Cursor]:
    """A plain psycopg2 cursor on Django's connection, for statements composed with psycopg2.sql
    (role and table names quoted as identifiers, the password as a literal)."""
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        yield cursor


def _role_upsert(cursor: Cursor, *, role: str, password: str) -> bool:
    cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
    created = cursor.fetchone() is None
    verb = sql.SQL("CREATE ROLE" if created else "ALTER ROLE")
    # A login and nothing more: no superuser, no creating databases or roles, no bypassing rules.
    cursor.execute(
        sql.SQL(
            "{} {} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS INHERIT PASSWORD {}"
        ).format(verb, sql.Identifier(role), sql.Literal(password))
    )
    return created


def _refuse_if_owner_or_member(cursor: Cursor, *, role: str, owner: str) -> None:
    cursor.execute(
        """
        SELECT c.relname FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner
        WHERE r.rolname = %s AND c.relnamespace = 'public'::regnamespace ORDER BY 1 LIMIT 5
        """,
        [role],
    )
    owned = [name for (name,) in cursor.fetchall()]
    if owned:
        raise RoleSetupRefused(
            f"{role!r} owns {', '.join(owned)}: an owner can switch the audit trigger off. Give them "
            f"to the owner first (as a superuser: REASSIGN OWNED BY {role} TO {owner})."
        )
    cursor.execute("SELECT pg_has_role(%s, %s, 'USAGE')", [role, owner])
    if cursor.fetchone()[0]:
        raise RoleSetupRefused(f"{role!r} is a member of the owner {owner!r}, so it acts as the owner.")


def _grant(cursor: Cursor, *, role: str, owner: str, database: str) -> None:
    app, own = sql.Identifier(role), sql.Identifier(owner)

    def run(statement: str, **names: sql.Composable) -> None:
        cursor.execute(sql.SQL(statement).format(app=app, owner=own, **names))

    run("GRANT CONNECT, TEMPORARY ON DATABASE {db} TO {app}", db=sql.Identifier(database))
    run("GRANT USAGE ON SCHEMA public TO {app}")
    run("REVOKE CREATE ON SCHEMA public FROM {app}")
    cursor.execute("SELECT has_schema_privilege(%s, 'public', 'CREATE')", [role])
    if cursor.fetchone()[0]:
        # Before PostgreSQL 15 every role (PUBLIC) could create tables in public; the application must not.
        run("REVOKE CREATE ON SCHEMA public FROM PUBLIC")
    # From scratch each time, so a privilege granted by hand and since dropped from here goes too.
    run("REVOKE ALL ON ALL TABLES IN SCHEMA public FROM {app}")
    run("GRANT {dml} ON ALL TABLES IN SCHEMA public TO {app}", dml=TABLE_DML)
    run("GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {app}")
    # The tables later migrations make (the owner makes them) get the same, with no re-run needed.
    run("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT {dml} ON TABLES TO {app}", dml=TABLE_DML)
    run("ALTER DEFAULT PRIVILEGES FOR ROLE {owner} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO {app}")
    for table in append_only_tables():
        run("REVOKE ALL ON TABLE {table} FROM {app}", table=sql.Identifier(table))
        run("GRANT SELECT, INSERT ON TABLE {table} TO {app}", table=sql.Identifier(table))
    # PostgreSQL 17's MAINTAIN lets the rebuild's ANALYZE run too; before it, ANALYZE by a non-owner
    # is skipped with a warning and autovacuum analyses the refilled tables instead.
    refill = "TRUNCATE, MAINTAIN" if cursor.connection.server_version >= 170000 else "TRUNCATE"
    for table in truncatable_tables():
        run("GRANT {refill} ON TABLE {table} TO {app}", refill=sql.SQL(refill), table=sql.Identifier(table))
