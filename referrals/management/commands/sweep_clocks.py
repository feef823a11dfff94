from django.core.management.base import BaseCommand
from django.utils import timezone

from referrals.services.alerts import alert_deliver, clocks_sweep


class Command(BaseCommand):
    help = "Run one clock sweep now; with --deliver, deliver the alerts in this process too."

    def add_arguments(self, parser):
        parser.add_argument("--deliver", action="store_true", help="Deliver alerts here instead of queueing them.")

    def handle(self, *args, deliver: bool, **options):
        now = timezone.now()
        if deliver:
            result = clocks_sweep(now=now, on_alert=lambda pk: alert_deliver(alert_id=pk, now=timezone.now()))
        else:
            from referrals.tasks import deliver_alert

            result = clocks_sweep(now=now, on_alert=lambda pk: deliver_alert.delay(pk))
        self.stdout.write(f"clocks handled: {result['clocks']}, alerts re-queued: {result['requeued']}")
