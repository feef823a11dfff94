from django.conf import settings
from django.db import models


class Contact(models.Model):
    """A contact with the person about a referral: attempted, or completed."""

    class Mode(models.TextChoices):
        TELEPHONE = "telephone", "Telephone"
        FACE_TO_FACE = "face_to_face", "Face to face"
        VIDEO = "video", "Video"
        TEXT = "text", "Text message"
        LETTER = "letter", "Letter"

    class Outcome(models.TextChoices):
        COMPLETED = "completed", "Completed"
        ATTEMPTED = "attempted", "Attempted (no answer, did not attend)"

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="contacts")
    occurred_at = models.DateTimeField()
    mode = models.CharField(max_length=16, choices=Mode.choices)
    outcome = models.CharField(max_length=16, choices=Outcome.choices)
    starts_treatment = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["referral", "outcome", "occurred_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(starts_treatment=True) | models.Q(outcome="completed"),
                name="only_completed_contact_starts_treatment",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_mode_display()} {self.outcome} {self.occurred_at:%Y-%m-%d %H:%M}"
