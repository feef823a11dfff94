"""Issue a one-time set-up code for someone's authenticator app, from the server's command line.

For the first administrator, who cannot reach the admin (where codes are usually issued) before
they have an app of their own. Audited like a code issued in the admin.

    python manage.py enrolment_code alice --by root-admin
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from accounts.services import ENROLMENT_CODE_VALIDITY, enrolment_code_issue


class Command(BaseCommand):
    help = "Issue a one-time code that lets a member of staff set up their authenticator app."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help="Whose app the code sets up")
        parser.add_argument("--by", default="", help="The administrator issuing it (default: the user themself)")

    def handle(self, *args: Any, username: str, by: str, **options: Any) -> None:
        try:
            user = User.objects.get(username=username, is_active=True)
            issuer = User.objects.get(username=by, is_active=True) if by else user
        except User.DoesNotExist:
            raise CommandError("No active account has that username.") from None
        code = enrolment_code_issue(user=user, by=issuer, now=timezone.now())
        hours = int(ENROLMENT_CODE_VALIDITY.total_seconds() // 3600)
        self.stdout.write(f"Set-up code for {user.username}: {code}\nIt can be used once, within {hours} hours.")
