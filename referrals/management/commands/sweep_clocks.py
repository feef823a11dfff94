from django.core.management.base import BaseCommand
from django.utils import timezone

from referrals.services.alerts import alert_deliver_next, clocks_sweep


class Command(BaseCommand):
    help = "Run one clock sweep now; with --deliver, deliver the alerts in this process too."

    def add_arguments(self, parser):
        parser.add_argument("--deliver", action="store_true", help="Deliver alerts here instead of queueing them.")

    def handle(self, *args, deliver: bool, **options):
        if deliver:
            result = clocks_sweep(now=timezone.now())
            delivered = 0
            while alert_deliver_next(now=timezone.now()) is not None:
                delivered += 1
            self.stdout.write(
                f"clocks handled: {result['clocks']}, alerts raised: {result['alerts']}, delivered: {delivered}"
            )
        else:
            from referrals.tasks import deliver_alerts

            result = clocks_sweep(now=timezone.now(), wake=deliver_alerts.delay)
            self.stdout.write(
                f"clocks handled: {result['clocks']}, alerts raised: {result['alerts']}, "
                f"awaiting delivery: {result['deliverable']}, publish failures: {result['publish_failures']}"
            )
