from django.conf import settings
from django.db import models

from .person import Person


class PersonMerge(models.Model):
    """Two records found to be one person, merged by the information governance lead: what moved
    from the duplicate to the record kept, so that an unmerge within 30 days puts back exactly that
    (docs/person-merge.md)."""

    kept = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_kept")
    duplicate = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="merges_in")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()
    reason = models.TextField()
    # {"<app_label.model>": {"field": "<the FK to Person>", "ids": [...]}, ...} and
    # "filled": {"<Person field>": value} for blanks of the kept record filled from the duplicate.
    moved = models.JSONField(default=dict)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    undo_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-at"]
        constraints = [
            models.CheckConstraint(condition=~models.Q(kept=models.F("duplicate")), name="merge_of_two_records"),
            models.CheckConstraint(
                condition=models.Q(undone_at__isnull=True, undone_by__isnull=True)
                | models.Q(undone_at__isnull=False, undone_by__isnull=False),
                name="merge_undone_by_someone",
            ),
            # A duplicate is merged into one record at a time.
            models.UniqueConstraint(
                fields=["duplicate"], condition=models.Q(undone_at__isnull=True), name="one_live_merge_per_duplicate"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.duplicate} into {self.kept}"
