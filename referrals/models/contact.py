from django.conf import settings
from django.db import models

from codes.mhsds import (
    ATTENDANCE,
    ATTENDANCE_CODES,
    ATTENDED,
    CONSULTATION_MECHANISM,
    CURRENT_MECHANISM_CODES,
    DIRECT_MECHANISMS,
)


class Contact(models.Model):
    """A care contact (MHSDS MHS201CareContact): a professional and the person, by a
    consultation mechanism, and whether the person attended.

    Only an attended, direct contact counts towards a clock (docs/measures.md). Letters, emails
    and other work without the person present are ``IndirectActivity``, not contacts.
    """

    class Mode(models.TextChoices):
        """The vocabulary before MHSDS coding, still accepted for one release by the API and
        services and mapped as migration 0010 mapped the stored rows (``LEGACY_MECHANISM``)."""

        TELEPHONE = "telephone", "Telephone"
        FACE_TO_FACE = "face_to_face", "Face to face"
        VIDEO = "video", "Video"
        TEXT = "text", "Text message"
        LETTER = "letter", "Letter"

    class Outcome(models.TextChoices):
        """Before MHSDS coding: completed is attended (5), attempted is did not attend (3)."""

        COMPLETED = "completed", "Completed"
        ATTEMPTED = "attempted", "Attempted (no answer, did not attend)"

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="contacts")
    occurred_at = models.DateTimeField()
    consultation_mechanism = models.CharField(max_length=2, choices=CONSULTATION_MECHANISM.choices)
    attendance = models.CharField(max_length=1, choices=ATTENDANCE.choices)
    starts_treatment = models.BooleanField(default=False)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["occurred_at", "id"]
        indexes = [
            models.Index(fields=["referral", "attendance", "occurred_at"], name="contact_attended_idx"),
            # The national measures (reporting.measures): only the contacts that count (attended and
            # direct), a referral's in date, time and id order, and a period's by time.
            models.Index(
                fields=["referral", "occurred_at", "id"],
                condition=models.Q(
                    attendance__in=sorted(ATTENDED), consultation_mechanism__in=sorted(DIRECT_MECHANISMS)
                ),
                name="contact_counting_idx",
            ),
            models.Index(
                fields=["occurred_at"],
                include=["referral"],
                condition=models.Q(
                    attendance__in=sorted(ATTENDED), consultation_mechanism__in=sorted(DIRECT_MECHANISMS)
                ),
                name="contact_counting_at_idx",
            ),
            # Every contact newest first, with its referral: the FHIR API's Encounter search with no
            # parameter, for a reader of a team's tens of thousands, walks it testing each contact's
            # referral until it has its page (interchange.fhir.selectors.page_ids; issue 17).
            models.Index(fields=["occurred_at", "id"], include=["referral"], name="contact_occurred_idx"),
            # Data quality (reporting.data_quality): the few contacts recorded with a retired
            # mechanism, by date, without reading every contact of the months (issue 17).
            models.Index(
                fields=["occurred_at"],
                include=["referral"],
                condition=~models.Q(consultation_mechanism__in=CURRENT_MECHANISM_CODES)
                | ~models.Q(attendance__in=ATTENDANCE_CODES),
                name="contact_uncoded_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(starts_treatment=True) | models.Q(attendance__in=sorted(ATTENDED)),
                name="only_attended_contact_starts_treatment",
            ),
            models.CheckConstraint(
                condition=models.Q(consultation_mechanism__in=[c.code for c in CONSULTATION_MECHANISM.codes]),
                name="contact_mechanism_is_mhsds",
            ),
            models.CheckConstraint(
                condition=models.Q(attendance__in=[c.code for c in ATTENDANCE.codes]),
                name="contact_attendance_is_mhsds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_consultation_mechanism_display()} {self.attendance} {self.occurred_at:%Y-%m-%d %H:%M}"

    @property
    def description(self) -> str:
        """How staff read it: "Telephone contact: did not attend, no advance warning"."""
        mechanism = MECHANISM_IN_WORDS.get(self.consultation_mechanism, self.consultation_mechanism)
        return f"{mechanism} contact: {ATTENDANCE_IN_WORDS.get(self.attendance, self.attendance)}"

    @property
    def attended(self) -> bool:
        return self.attendance in ATTENDED

    @property
    def counts(self) -> bool:
        """Attended and direct: a contact NHS England counts (4w_waits_prep.py L275-L276)."""
        return self.attended and self.consultation_mechanism in DIRECT_MECHANISMS


# Mechanism and attendance as a timeline or a message says them.
MECHANISM_IN_WORDS = {
    "01": "Face to face",
    "02": "Telephone",
    "03": "Telemedicine",
    "04": "Talk type",
    "09": "Text message",
    "10": "Instant messaging",
    "11": "Video",
    "12": "Message board",
    "13": "Chat room",
    "98": "Other",
}
ATTENDANCE_IN_WORDS = {
    "5": "attended",
    "6": "attended, late",
    "7": "arrived late, not seen",
    "3": "did not attend",
    "2": "cancelled by the person",
    "4": "cancelled by the service",
}

# How the vocabulary before MHSDS coding maps (migration 0010 and the one-release API fields).
LEGACY_MECHANISM = {"face_to_face": "01", "telephone": "02", "video": "11", "text": "09"}
LEGACY_ATTENDANCE = {"completed": "5", "attempted": "3"}


class IndirectActivity(models.Model):
    """Work on a referral without the person present (MHSDS MHS204): a letter, an email, a call
    to another professional. Never a care contact: it stops no clock."""

    class Kind(models.TextChoices):
        LETTER = "letter", "Letter"
        EMAIL = "email", "Email"
        OTHER = "other", "Other"

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="indirect_activities")
    occurred_at = models.DateTimeField()
    kind = models.CharField(max_length=16, choices=Kind.choices)
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    legacy_contact_id = models.BigIntegerField(
        null=True, blank=True, help_text="The contact row this was before MHSDS coding (migration 0010)."
    )

    class Meta:
        ordering = ["occurred_at", "id"]
        verbose_name_plural = "indirect activities"

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.occurred_at:%Y-%m-%d %H:%M}"
