"""The events that stop the treatment clock under the 'referral spell' rule:
an assessment, an agreed care plan, an intervention and a baseline outcome measure."""

from django.conf import settings
from django.db import models

from codes.mhsds import CARE_PLAN_AGREED_BY, CARE_PLAN_TYPE


class Assessment(models.Model):
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="assessments")
    completed_at = models.DateTimeField()
    code = models.CharField(
        "SNOMED CT code", max_length=18, blank=True, help_text="From the assessment procedures reference set."
    )
    summary = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["completed_at", "id"]
        indexes = [
            # A referral's earliest coded assessment (reporting.measures.referral_spell), from the index alone.
            models.Index(fields=["referral", "completed_at"], include=["code"], name="assessment_earliest_idx"),
            # A quarter's uncoded assessments by team (reporting.data_quality), from the index alone.
            models.Index(fields=["completed_at"], include=["referral", "code"], name="assessment_completed_idx"),
        ]

    def __str__(self) -> str:
        return f"Assessment {self.completed_at:%Y-%m-%d}"


class CarePlan(models.Model):
    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="care_plans")
    agreed_at = models.DateTimeField()
    plan_type = models.CharField(max_length=2, choices=CARE_PLAN_TYPE.choices, default="10")
    # MHS009 CarePlanContentAgreedBy: who agreed it. Blank when not recorded (plans made before it
    # was asked): no default, as none would be true of every plan.
    agreed_by = models.CharField(
        "content agreed by", max_length=2, choices=CARE_PLAN_AGREED_BY.choices, blank=True, default=""
    )
    summary = models.TextField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["agreed_at", "id"]
        # A referral's earliest care plan (reporting.measures.referral_spell), from the index alone.
        indexes = [models.Index(fields=["referral", "agreed_at"], name="careplan_earliest_idx")]

    def __str__(self) -> str:
        return f"Care plan agreed {self.agreed_at:%Y-%m-%d}"


class CarePlanGoal(models.Model):
    """A goal the person set, in their words, with a date to review it."""

    care_plan = models.ForeignKey(CarePlan, on_delete=models.PROTECT, related_name="goals")
    description = models.TextField()
    review_date = models.DateField()
    achieved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["review_date", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class Intervention(models.Model):
    class Kind(models.TextChoices):
        TALKING_THERAPY = "talking_therapy", "Talking therapy"
        PEER_SUPPORT = "peer_support", "Peer support"
        DBT_SKILLS = "dbt_skills", "DBT skills group"
        STRUCTURED_CLINICAL_MANAGEMENT = "scm", "Structured clinical management"
        MEDICATION_REVIEW = "medication_review", "Medication review"
        DEBT_ADVICE = "debt_advice", "Debt and money advice"
        HOUSING_SUPPORT = "housing_support", "Housing support"
        EMPLOYMENT_SUPPORT = "employment_support", "Employment support"
        SOCIAL_ACTIVITIES = "social_activities", "Social and community activities"
        OTHER = "other", "Other"

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="interventions")
    care_plan = models.ForeignKey(
        CarePlan, null=True, blank=True, on_delete=models.PROTECT, related_name="interventions"
    )
    kind = models.CharField(max_length=32, choices=Kind.choices, default=Kind.OTHER)
    started_at = models.DateTimeField()
    code = models.CharField(
        "SNOMED CT code",
        max_length=18,
        blank=True,
        help_text="From the psychological therapy, psychosocial or medication reference sets.",
    )
    description = models.CharField(max_length=200, help_text="e.g. peer support, DBT skills group, debt advice")
    provider = models.ForeignKey(
        "localities.Organisation", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_date = models.DateField(null=True, blank=True)
    ended_at = models.DateTimeField(null=True, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["started_at", "id"]
        indexes = [
            # A referral's earliest coded intervention (reporting.measures.referral_spell), from the index alone.
            models.Index(fields=["referral", "started_at"], include=["code"], name="intervention_earliest_idx"),
            # A quarter's uncoded interventions by team (reporting.data_quality), from the index alone.
            models.Index(fields=["started_at"], include=["referral", "code"], name="intervention_started_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.description} from {self.started_at:%Y-%m-%d}"


class OutcomeMeasure(models.Model):
    class Stage(models.TextChoices):
        BASELINE = "baseline", "Baseline (start)"
        REVIEW = "review", "Review"
        DISCHARGE = "discharge", "Discharge"

    referral = models.ForeignKey("referrals.Referral", on_delete=models.PROTECT, related_name="outcome_measures")
    instrument = models.CharField(max_length=32, help_text="e.g. ReQoL-10, DIALOG, CORE-10, PHQ-9, GAD-7")
    tool_code = models.CharField(
        "SNOMED CT code of the tool's score",
        max_length=18,
        blank=True,
        help_text="Empty on records made before coding.",
    )
    score = models.DecimalField(max_digits=6, decimal_places=2)
    stage = models.CharField(max_length=16, choices=Stage.choices)
    recorded_at = models.DateTimeField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ["recorded_at", "id"]
        indexes = [
            # A referral's earliest outcome with a coded tool (reporting.measures.referral_spell), from the index alone.
            models.Index(fields=["referral", "recorded_at"], include=["tool_code"], name="outcome_earliest_idx"),
            # A quarter's outcome measures with no listed tool, by team (reporting.data_quality), from the index alone.
            models.Index(fields=["recorded_at"], include=["referral", "tool_code"], name="outcome_recorded_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} {self.score} ({self.stage})"
