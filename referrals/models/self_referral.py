"""What someone who referred themselves online told us about reaching them safely."""

from django.db import models


class SelfReferral(models.Model):
    """The public form's answers that have no home on the referral or the person.

    Its presence also says the person was not matched in public: the form never looks anyone
    up, so its person record is new and unconfirmed until triage checks who they are
    (docs/adr/0012-public-self-referral.md).
    """

    referral = models.OneToOneField("referrals.Referral", on_delete=models.PROTECT, related_name="self_referral")
    in_immediate_danger = models.BooleanField(help_text="They said they were in danger now (they were shown 999).")
    contact_by_phone = models.BooleanField(default=False)
    contact_by_email = models.BooleanField(default=False)
    contact_by_post = models.BooleanField(default=False)
    phone = models.CharField(max_length=32, blank=True)
    email = models.EmailField(max_length=254, blank=True)
    address = models.TextField(max_length=300, blank=True, help_text="For letters; the postcode is the person's.")
    safe_to_leave_message = models.BooleanField(default=False)
    contact_times = models.CharField(max_length=200, blank=True, help_text="When it is safe to contact them.")
    others_involved = models.TextField(max_length=1000, blank=True, help_text="Who else is involved, in their words.")

    class Meta:
        constraints = [
            # Each way of contacting them that they chose comes with what it needs.
            models.CheckConstraint(
                condition=models.Q(contact_by_phone=True)
                | models.Q(contact_by_email=True)
                | models.Q(contact_by_post=True),
                name="self_referral_has_a_contact_method",
            ),
            models.CheckConstraint(
                condition=~models.Q(contact_by_phone=True, phone=""), name="self_referral_phone_has_number"
            ),
            models.CheckConstraint(
                condition=~models.Q(contact_by_email=True, email=""), name="self_referral_email_has_address"
            ),
            models.CheckConstraint(
                condition=~models.Q(contact_by_post=True, address=""), name="self_referral_post_has_address"
            ),
        ]

    def __str__(self) -> str:
        return f"Self-referral {self.referral_id}"
