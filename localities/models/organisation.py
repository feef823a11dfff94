from django.db import models


class Organisation(models.Model):
    """A partner organisation: the NHS trust, a VCSE charity, a GP practice, the council..."""

    class Kind(models.TextChoices):
        NHS_TRUST = "nhs_trust", "NHS trust"
        VCSE = "vcse", "Voluntary, community or social enterprise"
        GP_PRACTICE = "gp_practice", "GP practice"
        LOCAL_AUTHORITY = "local_authority", "Local authority"
        TALKING_THERAPIES = "talking_therapies", "Talking therapies provider"
        OTHER = "other", "Other"

    name = models.CharField(max_length=200, unique=True)
    kind = models.CharField(max_length=32, choices=Kind.choices)
    ods_code = models.CharField("ODS code", max_length=12, blank=True)
    staff_group = models.OneToOneField(
        "auth.Group",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="organisation",
        help_text="The organisation's staff as a permission group: what a consent-based share is granted to.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
