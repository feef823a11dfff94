"""The members of the SNOMED CT reference sets the measures read, loaded from a trust's licensed
SNOMED CT UK release (``manage.py load_snomed_refsets``, docs/measures.md "Code lists").

The shipped members (``codes.snomed``) need no row here; a loaded member adds to them. An
inactive member is kept, so records coded with it while it was active still read as coded, but
no new record may use it.
"""

from django.db import models


class SnomedRefsetMember(models.Model):
    refset_id = models.CharField(max_length=18, help_text="The SNOMED CT reference set, e.g. 1853481000000101.")
    concept_id = models.CharField(max_length=18, help_text="The member concept (RF2 referencedComponentId).")
    term = models.TextField(blank=True, help_text="The concept's term from the release's descriptions.")
    active = models.BooleanField(help_text="Inactive: old records stay coded, new ones are refused.")
    effective_time = models.DateField(help_text="The RF2 effectiveTime of the row that set this state.")
    loaded_at = models.DateTimeField(help_text="When this row last changed in a load.")
    # A username, not a foreign key: codes is the lowest layer and points at no other app. The
    # load's audit row (accounts.AuditEvent) names the user properly.
    loaded_by = models.CharField(max_length=150, blank=True, help_text="Who ran the load; empty from the command line.")

    class Meta:
        verbose_name = "SNOMED CT reference set member"
        constraints = [
            models.UniqueConstraint(fields=["refset_id", "concept_id"], name="snomed_refset_member_unique"),
        ]

    def __str__(self) -> str:
        state = "" if self.active else " (inactive)"
        return f"{self.refset_id}: {self.concept_id} {self.term}{state}"
