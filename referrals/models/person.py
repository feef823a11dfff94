from django.db import models

from codes.mhsds import DISABILITY
from referrals.nhs_number import validate_nhs_number


class Person(models.Model):
    """Someone referred to the service. One record per person, matched by NHS number."""

    class Ethnicity(models.TextChoices):
        # NHS Data Dictionary ethnic category codes (2001 census groups).
        WHITE_BRITISH = "A", "White: British"
        WHITE_IRISH = "B", "White: Irish"
        WHITE_OTHER = "C", "White: any other White background"
        MIXED_WHITE_BLACK_CARIBBEAN = "D", "Mixed: White and Black Caribbean"
        MIXED_WHITE_BLACK_AFRICAN = "E", "Mixed: White and Black African"
        MIXED_WHITE_ASIAN = "F", "Mixed: White and Asian"
        MIXED_OTHER = "G", "Mixed: any other mixed background"
        ASIAN_INDIAN = "H", "Asian or Asian British: Indian"
        ASIAN_PAKISTANI = "J", "Asian or Asian British: Pakistani"
        ASIAN_BANGLADESHI = "K", "Asian or Asian British: Bangladeshi"
        ASIAN_OTHER = "L", "Asian or Asian British: any other Asian background"
        BLACK_CARIBBEAN = "M", "Black or Black British: Caribbean"
        BLACK_AFRICAN = "N", "Black or Black British: African"
        BLACK_OTHER = "P", "Black or Black British: any other Black background"
        CHINESE = "R", "Other ethnic groups: Chinese"
        OTHER = "S", "Other ethnic groups: any other ethnic group"
        NOT_STATED = "Z", "Not stated"

    class Gender(models.TextChoices):
        MALE = "male", "Male"
        FEMALE = "female", "Female"
        NON_BINARY = "non_binary", "Non-binary"
        OTHER = "other", "Another gender"
        NOT_STATED = "not_stated", "Not stated"

    class SexualOrientation(models.TextChoices):
        HETEROSEXUAL = "heterosexual", "Heterosexual or straight"
        GAY_LESBIAN = "gay_lesbian", "Gay or lesbian"
        BISEXUAL = "bisexual", "Bisexual"
        OTHER = "other", "Another sexual orientation"
        NOT_STATED = "not_stated", "Not stated"

    class Disability(models.TextChoices):
        YES = "yes", "Yes"
        NO = "no", "No"
        NOT_STATED = "not_stated", "Not stated"

    nhs_number = models.CharField("NHS number", max_length=10, null=True, blank=True, validators=[validate_nhs_number])
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    birth_date = models.DateField(null=True, blank=True)
    postcode = models.CharField(max_length=8, blank=True)
    gp_practice = models.ForeignKey(
        "localities.Practice", null=True, blank=True, on_delete=models.PROTECT, related_name="patients"
    )
    # Equality monitoring: every field may be left unanswered ("not stated").
    ethnicity = models.CharField(max_length=1, choices=Ethnicity.choices, default=Ethnicity.NOT_STATED)
    gender = models.CharField(max_length=16, choices=Gender.choices, default=Gender.NOT_STATED)
    sexual_orientation = models.CharField(
        max_length=16, choices=SexualOrientation.choices, default=SexualOrientation.NOT_STATED
    )
    disability = models.CharField(max_length=16, choices=Disability.choices, default=Disability.NOT_STATED)
    created_at = models.DateTimeField()
    # Set while this record is merged into another (referrals.models.PersonMerge): it holds
    # nothing and is found by no search; an unmerge clears it.
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_records"
    )

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            # Unique when given; many people may arrive without one (self-referrals).
            models.UniqueConstraint(
                fields=["nhs_number"], condition=models.Q(nhs_number__isnull=False), name="unique_nhs_number"
            ),
            models.CheckConstraint(
                condition=models.Q(nhs_number__isnull=True) | models.Q(nhs_number__regex=r"^[0-9]{10}$"),
                name="nhs_number_is_ten_digits",
            ),
        ]
        indexes = [
            models.Index(fields=["family_name", "birth_date"]),
            # Age on a referral's received date for the national measures (reporting.measures),
            # read from the index alone.
            models.Index(fields=["id"], include=["birth_date"], name="person_birth_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.given_name} {self.family_name}"


class PersonDisability(models.Model):
    """One disability code (MHSDS MHS007 DisabCode, NHS Data Dictionary DISABILITY CODE) a person
    told us of: zero or more per person, set together by ``person_disabilities_set``. ``Person.disability``
    (yes / no / not stated) stays the equality-monitoring answer; these are its detail."""

    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="disabilities")
    code = models.CharField(max_length=2, choices=DISABILITY.choices)

    class Meta:
        ordering = ["person", "code"]
        constraints = [
            models.UniqueConstraint(fields=["person", "code"], name="one_row_per_person_disability"),
            models.CheckConstraint(
                condition=models.Q(code__in=[c.code for c in DISABILITY.codes]), name="disability_code_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {DISABILITY.display(self.code)}"
