"""Forms for the trusted assessment, consent, care plan, outcomes and discharge pages.

They only adapt what a person typed (dates, numbers, choices) into service arguments; the rules
live in the services, whose ValidationErrors are put back on the form with ``add_service_errors``.
"""

from datetime import date, datetime, time
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from localities.models import Organisation
from referrals.models import Intervention, OutcomeMeasure, Referral, SharingConsent, TrustedAssessment

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

# (name, lowest score, highest score, higher is better): the measures the services collect.
INSTRUMENTS: dict[str, tuple[Decimal, Decimal, bool]] = {
    "ReQoL-10": (Decimal(0), Decimal(40), True),
    "ReQoL-20": (Decimal(0), Decimal(80), True),
    "DIALOG": (Decimal(1), Decimal(7), True),
    "CORE-10": (Decimal(0), Decimal(40), False),
    "PHQ-9": (Decimal(0), Decimal(27), False),
    "GAD-7": (Decimal(0), Decimal(21), False),
    "SWEMWBS": (Decimal(7), Decimal(35), True),
    "Goal-based outcome": (Decimal(0), Decimal(10), True),
}


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: field errors inline, the rest at the top.

    Services name the arguments they were given (``agreed_at``, ``note``); a form may call the
    field something else, so ``field_map`` on the form translates.
    """
    field_map = getattr(form, "service_fields", {})
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        field = field_map.get(name, name)
        form.add_error(field if field in form.fields else None, messages)


def date_field(label: str, *, required: bool = True, help_text: str = "For example, 27 3 2026") -> forms.DateField:
    """A date typed into the NHS.UK day/month/year boxes (``nhsuk_field`` draws SelectDateWidget so)."""
    return forms.DateField(
        label=label,
        required=required,
        help_text=help_text,
        widget=forms.SelectDateWidget,
        error_messages={
            "required": f"Enter the {label.lower()}.",
            "invalid": f"The {label.lower()} must be a real date, for example 27 3 2026.",
        },
    )


def instant_on(day: date, *, referral: Referral, now: datetime) -> datetime:
    """A day someone typed, as the instant the services store.

    Today means now. On the day the referral arrived it means no earlier than its arrival, so
    "agreed the same day" is never refused as "before the referral was received". Other days
    mean the start of that day in London; a day before the referral or in the future stays
    outside the referral's span, and the service says so.
    """
    if day == timezone.localdate(now):
        return now
    start = timezone.make_aware(datetime.combine(day, time.min))
    if day == timezone.localdate(referral.received_at):
        return max(start, referral.received_at)
    return start


# --- Trusted assessment and consent -----------------------------------------------------------


class TrustedAssessmentForm(forms.Form):
    """Written once. Every section but presenting needs may be left for later partners to add to."""

    referral = forms.ModelChoiceField(
        queryset=Referral.objects.none(),
        required=False,
        label="Which referral is this assessment for?",
        help_text="It also counts as that referral's assessment for the treatment clock.",
        empty_label="Not for a particular referral",
    )

    def __init__(self, *args, referrals=None, **kwargs):
        super().__init__(*args, **kwargs)
        if referrals is not None:
            self.fields["referral"].queryset = referrals
            # Usually written for the referral that is open now: the newest.
            self.fields["referral"].initial = referrals.first()
            self.fields["referral"].label_from_instance = lambda r: (
                f"{r.reference}: {r.get_source_display()}, received {timezone.localtime(r.received_at):%-d %B %Y}"
            )
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


# --- Care plan, goals, interventions ----------------------------------------------------------


class CarePlanForm(forms.Form):
    service_fields = {"agreed_at": "agreed_on"}

    agreed_on = date_field("Date the plan was agreed")
    summary = forms.CharField(
        label="What the person and their worker agreed",
        help_text="In the person's words where possible.",
        widget=forms.Textarea({"rows": 4}),
        error_messages={"required": "Write what was agreed."},
    )


class GoalForm(forms.Form):
    description = forms.CharField(
        label="Goal",
        help_text='In the person\'s words, for example "Get back to my allotment twice a week".',
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    review_date = date_field(
        "Review date", help_text="When you will look at this goal together again, for example 27 3 2026."
    )


class InterventionForm(forms.Form):
    service_fields = {"started_at": "started_on"}

    kind = forms.ChoiceField(
        choices=[("", "Choose the kind of support"), *Intervention.Kind.choices],
        label="Kind of support",
        error_messages={"required": "Choose the kind of intervention."},
    )
    description = forms.CharField(
        label="Description",
        max_length=200,
        help_text="For example, DBT skills group (20 weeks) on Tuesday evenings.",
        error_messages={"required": "Describe the intervention."},
    )
    provider = forms.ModelChoiceField(
        queryset=Organisation.objects.order_by("name"),
        required=False,
        label="Provided by",
        empty_label="Choose the organisation",
    )
    started_on = date_field("Start date")
    review_date = date_field("Review date", required=False, help_text="Optional. For example, 27 3 2026")


# --- Outcomes ---------------------------------------------------------------------------------


class OutcomeForm(forms.Form):
    service_fields = {"recorded_at": "recorded_on"}

    instrument = forms.ChoiceField(
        choices=[("", "Choose the measure"), *((name, name) for name in INSTRUMENTS)],
        label="Measure",
        error_messages={"required": "Choose the outcome measure."},
    )
    stage = forms.ChoiceField(
        choices=OutcomeMeasure.Stage.choices,
        widget=forms.RadioSelect,
        label="Stage",
        error_messages={"required": "Choose the stage: baseline, review or discharge."},
    )
    score = forms.DecimalField(
        label="Score",
        max_digits=6,
        decimal_places=2,
        error_messages={"required": "Enter the score.", "invalid": "The score must be a number, like 12 or 3.5."},
        widget=forms.TextInput({"inputmode": "decimal", "class": "nhsuk-input--width-5"}),
    )
    recorded_on = date_field("Date completed")

    def clean(self):
        cleaned = super().clean()
        instrument, score = cleaned.get("instrument"), cleaned.get("score")
        if instrument in INSTRUMENTS and score is not None:
            low, high, _ = INSTRUMENTS[instrument]
            if not low <= score <= high:
                self.add_error("score", f"{instrument} scores run from {low} to {high}.")
        return cleaned


# --- Discharge --------------------------------------------------------------------------------


class DischargeForm(forms.Form):
    """Checked here before the confirmation page, and again by the service when confirmed."""

    service_fields = {"note": "note", "reason": "reason", "return_route": "return_route"}

    reason = forms.ChoiceField(
        choices=Referral.DischargeReason.choices,
        widget=forms.RadioSelect,
        label="Why is the person being discharged?",
        error_messages={"required": "Choose the reason for discharge."},
    )
    note = forms.CharField(
        label="Return-to-self-care plan",
        help_text="What the person will keep doing to stay well, and who else supports them.",
        widget=forms.Textarea({"rows": 4}),
        error_messages={"required": "Write the return-to-self-care plan."},
    )
    return_route = forms.CharField(
        label="How to get back in touch",
        help_text="For example, self-refer to the team on 0117 000 0000 within 6 months, or ask your GP.",
        widget=forms.Textarea({"rows": 3}),
        error_messages={"required": "Say how the person can get back in touch."},
    )
