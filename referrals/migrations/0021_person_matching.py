# Scored person matching at intake (issue 15, item 3): indexes for tolerant name search.
# pg_trgm and GIN trigram indexes on lower(family_name) and lower(given_name), on PostgreSQL only
# (the SQLite demo scores names in Python). The indexes are kept out of Person.Meta on purpose, so
# the migration state (and `make check-migrations` on SQLite) is unchanged. See docs/person-matching.md.

from django.contrib.postgres.operations import TrigramExtension
from django.db import migrations

CREATE = [
    "CREATE INDEX IF NOT EXISTS referrals_person_family_trgm ON referrals_person USING gin (lower(family_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS referrals_person_given_trgm ON referrals_person USING gin (lower(given_name) gin_trgm_ops)",
]
DROP = [
    "DROP INDEX IF EXISTS referrals_person_family_trgm",
    "DROP INDEX IF EXISTS referrals_person_given_trgm",
]


def _run(statements):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor != "postgresql":
            return
        for sql in statements:
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0020_referrer"),
    ]

    operations = [
        TrigramExtension(),
        migrations.RunPython(_run(CREATE), _run(DROP)),
    ]
