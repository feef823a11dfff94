"""manage.py load_snomed_refsets <release folder or RF2 files...> [--by username]: load the four
SNOMED CT reference sets the clock stop reads from the trust's SNOMED CT UK release.

Reads the simple reference set files (der2_Refset_Simple*.txt) and the description files
(sct2_Description_*.txt) for the terms; a folder is searched with its subfolders, preferring
its Snapshot files. Safe to run again; audited (docs/measures.md, "Code lists").
"""

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from accounts.models import User
from codes.rf2 import ReleaseError
from referrals.services.codes import snomed_refsets_load


class Command(BaseCommand):
    help = "Load the assessment and intervention reference sets from a SNOMED CT UK release (RF2)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", type=Path, help="The release folder, or RF2 files.")
        parser.add_argument("--by", default="", help="The username to audit the load under (default: none).")

    def handle(self, *args: Any, paths: list[Path], by: str, **options: Any) -> None:
        try:
            user = User.objects.get(username=by, is_active=True) if by else None
        except User.DoesNotExist:
            raise CommandError("No active account has that username.") from None
        try:
            loads = snomed_refsets_load(paths=paths, by=user, now=timezone.now())
        except ReleaseError as exc:
            raise CommandError(str(exc)) from exc
        for load in loads:
            self.stdout.write(
                f"{load.refset_id} {load.title}: {load.active:,} active, {load.inactive:,} inactive "
                f"({load.added:,} added, {load.changed:,} changed)"
            )
