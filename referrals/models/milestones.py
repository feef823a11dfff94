"""Each referral's earliest event of each component of the referral-spell clock stop
(4w_waits_prep.py L495-L511, docs/measures.md), kept as the events are recorded.

Derived, never edited by hand: ``referrals.services.milestones.referral_milestones_refresh``
rewrites a referral's row in the transaction of every service that records one of these events,
and ``referral_milestones_rebuild`` (migration 0013, the bulk generator) computes every row from
the records. The national measure ``referral_spell`` reads them instead of looking each event up
(docs/measures.md "Performance"). A referral with none of these events has no row.

Which events count is the national measures' rule, with the shipped code lists and the SNOMED CT
members a trust loaded (``referrals.selectors.clock_stop_assessment_sql``,
``clock_stop_intervention_sql``; ``codes.snomed.OUTCOME_TOOL_BY_CODE``): when the shipped lists
change, a migration must run ``referral_milestones_rebuild`` (tests/referrals/services/test_milestones.py
pins them); a load never changes what an existing record counts for (docs/measures.md "Code lists").
"""

from django.db import models


class ReferralMilestones(models.Model):
    referral = models.OneToOneField(
        "referrals.Referral", primary_key=True, on_delete=models.CASCADE, related_name="milestones"
    )
    # The first contact that counts: attended (5, 6) and direct (01, 02, 04, 11) (L257-L281).
    first_counting_contact_at = models.DateTimeField(null=True, blank=True)
    # A baseline outcome measure with a coded tool (L383-L456).
    first_coded_outcome_at = models.DateTimeField(null=True, blank=True)
    # A coded assessment from the assessment reference set (L309-L343).
    first_coded_assessment_at = models.DateTimeField(null=True, blank=True)
    # An agreed care plan, and a coded intervention (L286-L343): kept apart, as the measure says
    # which of the two stopped the clock.
    first_care_plan_at = models.DateTimeField(null=True, blank=True)
    first_coded_intervention_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "referral milestones"
        # The measure reads a referral's row from the index alone (no visit to the table).
        indexes = [
            models.Index(
                fields=["referral"],
                include=[
                    "first_counting_contact_at",
                    "first_coded_outcome_at",
                    "first_coded_assessment_at",
                    "first_care_plan_at",
                    "first_coded_intervention_at",
                ],
                name="milestones_covering_idx",
            )
        ]

    def __str__(self) -> str:
        return f"Milestones of referral {self.referral_id}"
