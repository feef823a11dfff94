from django.db import models


class Locality(models.Model):
    """A neighbourhood partnership that a referral is routed to."""

    name = models.CharField(max_length=120, unique=True)
    code = models.SlugField(max_length=40, unique=True)
    intake_team = models.ForeignKey(
        "localities.Team",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The team that receives new referrals routed to this locality.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "localities"

    def __str__(self) -> str:
        return self.name


class PostcodeDistrict(models.Model):
    """Postcode outward code (e.g. BS5) to locality: the fallback route when no GP is known."""

    outward_code = models.CharField(max_length=4, unique=True)
    locality = models.ForeignKey(Locality, on_delete=models.PROTECT, related_name="postcode_districts")

    class Meta:
        ordering = ["outward_code"]

    def __str__(self) -> str:
        return f"{self.outward_code} → {self.locality}"
