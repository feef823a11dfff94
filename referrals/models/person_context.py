"""What travels with the person across referrals: risk flags, carers, and consent to share."""

from django.conf import settings
from django.db import models


class RiskFlag(models.Model):
    """A risk everyone working with the person must see, until someone resolves it with a note."""

    class Kind(models.TextChoices):
        SUICIDE = "suicide", "Risk of suicide"
        SELF_HARM = "self_harm", "Self-harm"
        RISK_TO_OTHERS = "risk_to_others", "Risk to others"
        SAFEGUARDING_ADULT = "safeguarding_adult", "Adult safeguarding concern"
        SAFEGUARDING_CHILD = "safeguarding_child", "Child safeguarding concern"
        SUBSTANCE_USE = "substance_use", "Substance use"
        SELF_NEGLECT = "self_neglect", "Self-neglect"
        LONE_WORKING = "lone_working", "Lone working: do not visit alone"
        OTHER = "other", "Other"

    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="risk_flags")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    note = models.TextField()
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    resolution_note = models.TextField(blank=True)

    class Meta:
        ordering = ["-raised_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(resolved_at__isnull=True, resolved_by__isnull=True, resolution_note="")
                | (models.Q(resolved_at__isnull=False, resolved_by__isnull=False) & ~models.Q(resolution_note="")),
                name="risk_flag_resolved_together",
            )
        ]
        indexes = [models.Index(fields=["person"], condition=models.Q(resolved_at__isnull=True), name="open_risk_idx")]

    def __str__(self) -> str:
        return self.get_kind_display()


class Carer(models.Model):
    """A carer is a partner in care: recorded, involved with consent, offered their own assessment."""

    class CarersAssessment(models.TextChoices):
        NOT_OFFERED = "not_offered", "Not yet offered"
        OFFERED = "offered", "Offered"
        ACCEPTED = "accepted", "Accepted"
        DECLINED = "declined", "Declined"
        COMPLETED = "completed", "Completed"

    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="carers")
    name = models.CharField(max_length=200)
    relationship = models.CharField(max_length=100, help_text="e.g. mother, partner, friend")
    phone = models.CharField(max_length=32, blank=True)
    involved_with_consent = models.BooleanField(
        default=False, help_text="The person agrees that this carer is involved in their care."
    )
    carers_assessment = models.CharField(
        max_length=16, choices=CarersAssessment.choices, default=CarersAssessment.NOT_OFFERED
    )
    carers_assessment_updated_at = models.DateTimeField(null=True, blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["name", "id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.relationship})"


class SharingConsent(models.Model):
    """What the person agreed to share with partner organisations, and when.

    A new decision supersedes the last; withdrawing keeps the row and records when.
    """

    class Decision(models.TextChoices):
        GIVEN = "given", "Consent given"
        REFUSED = "refused", "Consent refused"

    class Scope(models.TextChoices):
        CARE_TEAM = "care_team", "All partners in the person's care team"
        NAMED_ORGANISATIONS = "named_organisations", "Only the organisations named"

    person = models.ForeignKey("referrals.Person", on_delete=models.PROTECT, related_name="consents")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    scope = models.CharField(max_length=32, choices=Scope.choices, blank=True)
    organisations = models.ManyToManyField("localities.Organisation", blank=True, related_name="+")
    note = models.TextField(blank=True)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(decision="refused", scope="") | models.Q(decision="given") & ~models.Q(scope=""),
                name="given_consent_has_scope",
            ),
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True, withdrawn_by__isnull=True)
                | models.Q(withdrawn_at__isnull=False, withdrawn_by__isnull=False),
                name="consent_withdrawn_together",
            ),
        ]

    def __str__(self) -> str:
        return self.get_decision_display()
