"""The audit log is append-only, enforced by the database itself.

A trigger refuses UPDATE and DELETE on accounts_auditevent for every database
user, the application's included. TRUNCATE is not a row operation: the test
runner's flush needs it, and in production it is kept from the application by
table ownership (the application's role does not own the table).
"""

from django.db import migrations

PG_FORWARD = """
CREATE OR REPLACE FUNCTION audit_event_is_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit events are append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER audit_event_no_update_delete
    BEFORE UPDATE OR DELETE ON accounts_auditevent
    FOR EACH ROW EXECUTE FUNCTION audit_event_is_append_only();
"""
PG_REVERSE = """
DROP TRIGGER IF EXISTS audit_event_no_update_delete ON accounts_auditevent;
DROP FUNCTION IF EXISTS audit_event_is_append_only();
"""
SQLITE_FORWARD = [
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON accounts_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: UPDATE refused'); END;",
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON accounts_auditevent "
    "BEGIN SELECT RAISE(ABORT, 'audit events are append-only: DELETE refused'); END;",
]
SQLITE_REVERSE = ["DROP TRIGGER IF EXISTS audit_event_no_update;", "DROP TRIGGER IF EXISTS audit_event_no_delete;"]


def forward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(PG_FORWARD, params=None)
    elif schema_editor.connection.vendor == "sqlite":
        for statement in SQLITE_FORWARD:
            schema_editor.execute(statement, params=None)


def reverse(apps, schema_editor):
    statements = {"postgresql": [PG_REVERSE], "sqlite": SQLITE_REVERSE}.get(schema_editor.connection.vendor, [])
    for statement in statements:
        schema_editor.execute(statement, params=None)


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]
    operations = [migrations.RunPython(forward, reverse)]
