import time

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from accounts.models import User
from demo.catalogue import DEMO_PASSWORD
from demo.loader import clock_states, demo_is_loaded, demo_load, demo_logins, referral_status_counts
from referrals.models import Referral


class Command(BaseCommand):
    help = (
        "Load a synthetic demo service (six BNSSG localities, partners, staff and referrals) once. "
        "Does nothing if the demo is already loaded, so it is safe to run at every start."
    )

    def add_arguments(self, parser):
        parser.add_argument("--referrals", type=int, default=2000, help="How many referrals to make (default 2000).")
        parser.add_argument("--seed", type=int, default=2026, help="Random seed: the same seed gives the same demo.")

    def handle(self, *args, referrals: int, seed: int, **options):
        if referrals < 0:
            raise CommandError("--referrals must be zero or more.")
        if demo_is_loaded():
            self.stdout.write("Demo data is already loaded; nothing to do.")
            if not Referral.objects.exists():
                self.stdout.write(
                    self.style.WARNING(
                        "...but it has no referrals: an earlier load was interrupted. "
                        "Start again from an empty database (make clean) to load it in full."
                    )
                )
            self._print_logins()
            return
        if User.objects.filter(username="admin").exists():
            # Someone's own database: do not mix invented referrals into it.
            self.stdout.write(self.style.WARNING("A user named 'admin' exists but no demo data: not loading the demo."))
            return

        now = timezone.now()
        started = time.monotonic()
        self.stdout.write(f"Loading the demo service with {referrals} referrals received over the last year...")

        def progress(done: int, total: int) -> None:
            if done == total or done % 500 == 0:
                self.stdout.write(f"  {done}/{total} referrals ({time.monotonic() - started:.1f}s)")

        made = demo_load(referrals=referrals, seed=seed, now=now, progress=progress)
        self.stdout.write(self.style.SUCCESS(f"Loaded {made} referrals in {time.monotonic() - started:.1f}s."))

        self.stdout.write("\nReferrals by status:")
        for status, count in referral_status_counts().items():
            self.stdout.write(f"  {status:<14} {count:>6}")
        self.stdout.write(
            f"\nClocks at {timezone.localtime(now):%Y-%m-%d %H:%M %Z} (the clock sweep raises their alerts):"
        )
        self.stdout.write(f"  {'clock':<16} {'running':>8} {'near breach':>12} {'breached':>9} {'met':>6} {'late':>6}")
        for kind, row in sorted(clock_states(now).items()):
            self.stdout.write(
                f"  {kind:<16} {row['running']:>8} {row['near_breach']:>12} {row['breached']:>9} "
                f"{row['met']:>6} {row['stopped_late']:>6}"
            )
        self._print_logins()

    def _print_logins(self) -> None:
        logins = demo_logins()
        columns = ("username", "role", "job_title", "where")
        widths = {col: max([len(getattr(login, col)) for login in logins] + [len(col)]) for col in columns}
        self.stdout.write(f"\nDemo logins (password for every account unless changed: {DEMO_PASSWORD})")
        header = {"username": "username", "role": "role", "job_title": "job title", "where": "team"}
        for row in [header, *(vars(login) for login in logins)]:
            self.stdout.write("  " + "  ".join(f"{row[col]:<{widths[col]}}" for col in columns).rstrip())
