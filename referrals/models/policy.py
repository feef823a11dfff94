from datetime import timedelta
from decimal import Decimal

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class ClockPolicy(models.Model):
    """The rules a team's clocks follow. Configuration, not code: edited in the admin.

    The default policy (is_default) applies to every team without one of its own.
    A clock copies the rule values it needs when it starts, so editing a policy
    never rewrites the history of clocks already running or stopped.
    """

    class TreatmentStopRule(models.TextChoices):
        NATIONAL = (
            "national",
            "As NHS England counts it for the team's type: the referral spell clock stop for community "
            "team types, else the second attended contact",
        )
        SECOND_CONTACT = "second_contact", "Second attended direct contact (NHS England CMH dashboard)"
        REFERRAL_SPELL = (
            "referral_spell",
            "Referral spell clock stop: first attended contact, coded assessment, care plan or intervention, "
            "and a baseline outcome measure",
        )
        TREATMENT_STARTED = "treatment_started", "An attended contact explicitly recorded as starting treatment"
        EIP = (
            "eip",
            "Early intervention in psychosis (NHS England EIP23a): the later of the first attended direct "
            "contact and the allocation of a care coordinator (link worker)",
        )

    name = models.CharField(max_length=120, unique=True)
    is_default = models.BooleanField(default=False)
    team = models.OneToOneField(
        "localities.Team", null=True, blank=True, on_delete=models.CASCADE, related_name="clock_policy"
    )
    treatment_target = models.DurationField(default=timedelta(days=28))
    treatment_stop_rule = models.CharField(
        max_length=32, choices=TreatmentStopRule.choices, default=TreatmentStopRule.NATIONAL
    )
    crisis_video_counts = models.BooleanField(
        "video counts as face to face for crisis and liaison",
        default=False,
        help_text="NHS England's published crisis measures count face-to-face contacts only; its dashboard "
        "also counts video. Off: only face to face stops a crisis or liaison first-response clock.",
    )
    treatment_escalation_after = models.DurationField(
        default=timedelta(days=3), help_text="After a treatment breach, escalate to the team manager."
    )
    treatment_second_escalation_after = models.DurationField(
        default=timedelta(days=7), help_text="After a treatment breach, escalate to the service manager."
    )
    warning_fraction = models.DecimalField(
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.75"),
        validators=[MinValueValidator(Decimal("0.01")), MaxValueValidator(Decimal("0.99"))],
        help_text="Warn when this fraction of the target has elapsed.",
    )
    restart_clocks_on_redirect = models.BooleanField(
        default=False,
        help_text="Pathway rule: a redirect restarts the clocks (recorded in their history). Off by default.",
    )

    class Meta:
        verbose_name_plural = "clock policies"
        constraints = [
            models.UniqueConstraint(
                fields=["is_default"], condition=models.Q(is_default=True), name="one_default_policy"
            ),
            models.CheckConstraint(
                condition=models.Q(is_default=True, team__isnull=True) | models.Q(is_default=False, team__isnull=False),
                name="policy_is_default_or_for_a_team",
            ),
            models.CheckConstraint(
                condition=models.Q(warning_fraction__gt=0, warning_fraction__lt=1), name="warning_fraction_between_0_1"
            ),
            models.CheckConstraint(
                condition=models.Q(treatment_second_escalation_after__gt=models.F("treatment_escalation_after")),
                name="treatment_escalations_in_order",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ResponseTarget(models.Model):
    """First-response target for one urgency (MHSDS ClinRespPriorityType) under a policy."""

    policy = models.ForeignKey(ClockPolicy, on_delete=models.CASCADE, related_name="response_targets")
    urgency = models.CharField(
        max_length=16,
        choices=[
            ("emergency", "Emergency"),
            ("very_urgent", "Very urgent"),
            ("urgent", "Urgent"),
            ("routine", "Routine"),
        ],
    )
    target = models.DurationField()
    escalation_after = models.DurationField(help_text="After a breach, escalate to the team manager.")
    second_escalation_after = models.DurationField(help_text="After a breach, escalate to the service manager.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["policy", "urgency"], name="one_target_per_urgency"),
            models.CheckConstraint(condition=models.Q(target__gt=timedelta(0)), name="target_positive"),
            models.CheckConstraint(
                condition=models.Q(second_escalation_after__gt=models.F("escalation_after")),
                name="escalations_in_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.policy}: {self.urgency} within {self.target}"
