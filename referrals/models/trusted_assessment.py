"""One trusted assessment per person: written once, then built on by dated additions."""

from django.conf import settings
from django.db import models


class TrustedAssessment(models.Model):
    """The person's story, told once. Later partners add to it; nobody retypes or overwrites it."""

    class Section(models.TextChoices):
        PRESENTING_NEEDS = "presenting_needs", "Presenting needs"
        MENTAL_HEALTH = "mental_health", "Mental health"
        PHYSICAL_HEALTH = "physical_health", "Physical health"
        HOUSING = "housing", "Housing"
        MONEY = "money", "Money and debt"
        WORK = "work", "Work, education and training"
        ISOLATION = "isolation", "Loneliness and isolation"
        RISK = "risk", "Risk"
        STRENGTHS = "strengths", "Strengths"
        GOALS = "goals", "What matters to me: goals"
        CARERS = "carers", "Carers and family"

    person = models.OneToOneField("referrals.Person", on_delete=models.PROTECT, related_name="trusted_assessment")
    referral = models.ForeignKey(
        "referrals.Referral",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The referral it was written for.",
    )
    presenting_needs = models.TextField()
    mental_health = models.TextField(blank=True)
    physical_health = models.TextField(blank=True)
    housing = models.TextField(blank=True)
    money = models.TextField(blank=True)
    work = models.TextField(blank=True)
    isolation = models.TextField(blank=True)
    risk = models.TextField(blank=True)
    strengths = models.TextField(blank=True)
    goals = models.TextField(blank=True)
    carers = models.TextField(blank=True)
    written_at = models.DateTimeField()
    written_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("localities.Organisation", null=True, on_delete=models.PROTECT, related_name="+")

    def __str__(self) -> str:
        return f"Trusted assessment for person {self.person_id}"


class AssessmentAddition(models.Model):
    """A dated addition to one section of the trusted assessment, by a named partner."""

    assessment = models.ForeignKey(TrustedAssessment, on_delete=models.PROTECT, related_name="additions")
    section = models.CharField(max_length=32, choices=TrustedAssessment.Section.choices)
    text = models.TextField()
    added_at = models.DateTimeField()
    added_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    organisation = models.ForeignKey("localities.Organisation", null=True, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["added_at", "id"]

    def __str__(self) -> str:
        return f"{self.get_section_display()} addition {self.added_at:%Y-%m-%d}"
