"""One MHSDS extract run (who asked for which month, how far it got, and what it made), and each
FHIR message acted on (so a resend is answered, never acted on twice)."""

from django.conf import settings
from django.db import models


class ExtractRun(models.Model):
    """A month's MHSDS v6 extract, built in the background (``interchange.tasks``).

    ``progress`` is a percentage the page polls; ``counts`` the rows written per table;
    ``issues`` the validation failures per check, and ``sample`` the first of them to show on the
    page (every failure is in the zip's validation CSV).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready to download"
        FAILED = "failed", "Failed"

    period = models.CharField(max_length=7, help_text="The reporting period, a calendar month: YYYY-MM.")
    org_code = models.CharField("provider ODS code", max_length=12)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Empty when run from the command line (manage.py mhsds_extract).",
    )
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    step = models.CharField(max_length=64, blank=True, help_text="The table being written now.")
    file_path = models.CharField(max_length=500, blank=True)
    file_name = models.CharField(max_length=100, blank=True)
    file_size = models.BigIntegerField(null=True, blank=True)
    counts = models.JSONField(default=dict, blank=True)
    issues = models.JSONField(default=dict, blank=True)
    sample = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True)
    created_at = models.DateTimeField()
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(period__regex=r"^[0-9]{4}-(0[1-9]|1[0-2])$"), name="extract_period_is_a_month"
            ),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="extract_progress_is_a_percentage"),
            # Paired fields: a finished run has its end; a done run has its file.
            models.CheckConstraint(
                condition=~models.Q(status__in=["done", "failed"]) | models.Q(finished_at__isnull=False),
                name="extract_finished_has_finished_at",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="done") | (~models.Q(file_path="") & models.Q(file_size__isnull=False)),
                name="extract_done_has_file",
            ),
            models.CheckConstraint(
                condition=~models.Q(status="failed") | ~models.Q(error=""), name="extract_failed_has_error"
            ),
        ]

    def __str__(self) -> str:
        return f"MHSDS {self.org_code} {self.period} ({self.status})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)


class ProcessedMessage(models.Model):
    """A FHIR message ``POST /fhir/$process-message`` acted on, and the response it got.

    FHIR messaging: a receiver that gets a message it has already processed (the same
    ``MessageHeader.id`` from the same sender) returns the same response and does nothing else.
    The unique constraint, not a look-up, is what makes it so when two copies arrive at once
    (interchange.fhir.services).
    """

    sender = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    message_id = models.CharField(max_length=64, help_text="MessageHeader.id (a FHIR id: at most 64 characters).")
    fingerprint = models.CharField(max_length=64, help_text="SHA-256 of the message's entries.")
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="+")
    response = models.JSONField(help_text="The response message Bundle, sent again to a resend.")
    processed_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["sender", "message_id"], name="one_processing_per_fhir_message"),
        ]

    def __str__(self) -> str:
        return f"FHIR message {self.message_id} from user {self.sender_id}"
