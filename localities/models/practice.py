from django.core.validators import RegexValidator
from django.db import models

ods_code_validator = RegexValidator(
    r"^[A-Z][0-9]{5}$", "A GP practice ODS code is a letter and five digits, e.g. L81001."
)


class Practice(models.Model):
    """A GP practice. Its locality is how a referral is routed."""

    ods_code = models.CharField("ODS code", max_length=6, unique=True, validators=[ods_code_validator])
    name = models.CharField(max_length=200)
    locality = models.ForeignKey("localities.Locality", on_delete=models.PROTECT, related_name="practices")
    organisation = models.OneToOneField(
        "localities.Organisation", null=True, blank=True, on_delete=models.SET_NULL, related_name="practice"
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.ods_code})"
