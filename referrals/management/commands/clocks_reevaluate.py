"""Look again at clocks stopped by a contact, under today's rules (docs/adr/0008).

Run it after setting teams' MHSDS types: a crisis team's clock stopped by a phone call runs
again until a face-to-face contact, and each change is recorded as a clock event.
"""

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from referrals.models import Clock, Referral
from referrals.services.clocks import clocks_reevaluate

BY_CONTACT = [
    Clock.StopReason.FIRST_COMPLETED_CONTACT,
    Clock.StopReason.SECOND_COMPLETED_CONTACT,
    Clock.StopReason.TREATMENT_STARTED,
]


class Command(BaseCommand):
    help = "Re-evaluate clocks stopped by a contact under the current rules (after setting team types)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--team", type=int, help="Only referrals of this team id.")
        parser.add_argument("--reason", default="Re-evaluated under the current clock rules")

    def handle(self, *args: Any, **options: Any) -> None:
        referrals = Referral.objects.filter(clocks__is_current=True, clocks__stop_reason__in=BY_CONTACT).distinct()
        if options["team"]:
            referrals = referrals.filter(team_id=options["team"])
        changed = 0
        for referral in referrals.order_by("pk").iterator():
            changed += len(clocks_reevaluate(referral=referral, now=timezone.now(), reason=options["reason"]))
        self.stdout.write(f"{changed} clock(s) changed.")
