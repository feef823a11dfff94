"""Forms for the trusted assessment, the person's decision about sharing it, and sharing the record."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone

from accounts.models import User
from common.forms import form_field
from localities.models import Organisation
from referrals.models import Referral, SharingConsent, TrustedAssessment

Section = TrustedAssessment.Section

# Hints shown under each section of the trusted assessment, in the order the form asks them.
SECTION_HINTS = {
    Section.PRESENTING_NEEDS: "What the person wants help with, in their own words.",
    Section.MENTAL_HEALTH: "How they have been feeling; any diagnosis, past support and medication.",
    Section.PHYSICAL_HEALTH: "Long-term conditions, disability, sleep, eating, alcohol and drugs.",
    Section.HOUSING: "Where they live, whether it is safe and settled.",
    Section.MONEY: "Income, benefits and debt.",
    Section.WORK: "Job, study, volunteering, or looking for work.",
    Section.ISOLATION: "Who they see, and how often; loneliness.",
    Section.RISK: "Risks to themselves or others, and what helps keep them safe.",
    Section.STRENGTHS: "What is going well; what has helped before.",
    Section.GOALS: "What matters to them and what they want to change.",
    Section.CARERS: "Family, friends or carers, and how the person wants them involved.",
}


class ReferralChoiceField(forms.ModelChoiceField):  # not [Referral]: Django's class is not generic at run time
    def label_from_instance(self, obj: Referral) -> str:
        return f"{obj.reference}: {obj.get_source_display()}, received {timezone.localtime(obj.received_at):%-d %B %Y}"


class TrustedAssessmentForm(forms.Form):
    """Written once. Every section but presenting needs may be left for later partners to add to."""

    referral = ReferralChoiceField(
        queryset=Referral.objects.none(),
        required=False,
        label="Which referral is this assessment for?",
        help_text="It also counts as that referral's assessment for the treatment clock.",
        empty_label="Not for a particular referral",
    )

    def __init__(self, *args: Any, referrals: QuerySet[Referral] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if referrals is not None:
            field = form_field(self, "referral", ReferralChoiceField)
            field.queryset = referrals
            # Usually written for the referral that is open now: the newest.
            field.initial = referrals.first()
        for section in Section:
            self.fields[section.value] = forms.CharField(
                label=section.label,
                help_text=SECTION_HINTS[section],
                required=False,
                widget=forms.Textarea({"rows": 5 if section == Section.PRESENTING_NEEDS else 3}),
            )

    def sections(self) -> dict[str, str]:
        return {section.value: self.cleaned_data[section.value] for section in Section}


class AssessmentAdditionForm(forms.Form):
    """Prefixed with the section's name, so each section's form has its own field ids; the
    section itself travels in a plain ``section`` field beside it."""

    text = forms.CharField(
        label="Add to this section",
        help_text="Your addition is dated and shows your name and organisation. The original is never changed.",
        required=False,
        widget=forms.Textarea({"rows": 3}),
    )


class ConsentForm(forms.Form):
    decision = forms.ChoiceField(
        choices=SharingConsent.Decision.choices,
        widget=forms.RadioSelect,
        label="Does the person agree to share their assessment with partner organisations?",
        error_messages={"required": "Choose whether the person gave or refused consent."},
    )
    scope = forms.ChoiceField(
        choices=SharingConsent.Scope.choices,
        widget=forms.RadioSelect,
        required=False,
        label="Who may see it?",
        help_text="Only if the person gave consent.",
    )
    organisations = forms.ModelMultipleChoiceField(
        queryset=Organisation.objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        label="Organisations named by the person",
        help_text="Only if they chose named organisations.",
    )
    note = forms.CharField(
        required=False,
        label="Note (optional)",
        widget=forms.Textarea({"rows": 2}),
        help_text="For example, any limits.",
    )


class ShareForm(forms.Form):
    organisation = forms.ModelChoiceField(
        label="Organisation",
        queryset=Organisation.objects.none(),
        empty_label="Choose an organisation",
        error_messages={"required": "Choose the organisation to share with."},
    )
    reason = forms.CharField(
        label="Why share the record with them?",
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        error_messages={"required": "Say why you are sharing the record."},
    )

    def __init__(self, *args: Any, user: User, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        organisations = Organisation.objects.order_by("name")
        if user.organisation_id is not None:
            organisations = organisations.exclude(pk=user.organisation_id)
        form_field(self, "organisation", forms.ModelChoiceField).queryset = organisations
