"""manage.py db_roles: create or update the application's PostgreSQL role and its grants.

Run it as the tables' owner after every ``migrate`` (docker compose's migrate service and
``make demo`` do): with MIGRATE_DATABASE_URL set, the settings connect this command as the owner,
and it grants to DATABASE_URL's user, with DATABASE_URL's password. Safe to run again.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from ops.db_roles import RoleSetupRefused, app_role_ensure


class Command(BaseCommand):
    help = "Create or update the application's database role (DATABASE_URL's user) and its grants, as the owner."

    def add_arguments(self, parser):
        parser.add_argument("--role", default="", help="The role to set up (default: DATABASE_URL's user).")
        parser.add_argument(
            "--password", default="", help="Its password (default: DATABASE_URL's). Prefer the environment."
        )

    def handle(self, *args, role: str, password: str, **options):
        if connection.vendor != "postgresql":
            self.stdout.write("Database roles apply to PostgreSQL only: nothing to do on SQLite.")
            return
        role = role or settings.APP_DATABASE_USER
        password = password or settings.APP_DATABASE_PASSWORD
        if not role or (not settings.MIGRATE_DATABASE_URL and role == settings.APP_DATABASE_USER):
            self.stdout.write(
                "MIGRATE_DATABASE_URL is not set, so the application connects as the tables' owner and "
                "there is no separate role to set up (see docs/adr/0009). Nothing done."
            )
            return
        if not password:
            raise CommandError(f"No password for {role!r}: put it in DATABASE_URL (or pass --password).")
        try:
            report = app_role_ensure(role=role, password=password)
        except RoleSetupRefused as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"{'Created' if report.created else 'Updated'} role {report.role} in database {report.database} "
            f"(owner {report.owner}): reads and writes on every table, "
            f"only SELECT and INSERT on {', '.join(report.append_only)}, "
            f"TRUNCATE on the {len(report.truncatable)} reporting tables."
        )
