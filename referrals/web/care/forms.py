"""Forms for the care plan, outcomes and discharge pages.

They only adapt what a person typed (dates, numbers, choices) into service arguments; the rules
live in the services, whose ValidationErrors go back on the form with ``common.web.add_service_errors``
(``service_fields`` names a service argument the form calls something else).
"""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django import forms
from django.utils import timezone

from codes.mhsds import CARE_PLAN_AGREED_BY
from common.forms import nhs_date_field
from common.london import london_midnight
from localities.models import Organisation
from referrals.models import Intervention, OutcomeMeasure, Referral

from .coding import intervention_choices

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


def date_field(label: str, *, required: bool = True, help_text: str = "For example, 27 3 2026") -> forms.DateField:
    return nhs_date_field(
        label,
        required=required,
        help_text=help_text,
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
    start = london_midnight(day)
    if day == timezone.localdate(referral.received_at):
        return max(start, referral.received_at)
    return start


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
    agreed_by = forms.ChoiceField(
        label="Who agreed it",
        required=False,
        choices=[("", "Not recorded"), *((c.code, c.display) for c in CARE_PLAN_AGREED_BY.codes)],
        help_text="Sent in the monthly MHSDS extract.",
        error_messages={"invalid_choice": "Choose from the list."},
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
    code = forms.ChoiceField(
        label="Coded as (SNOMED CT)",
        required=False,
        help_text="A psychological therapy, psychosocial or medication intervention counts toward the 4-week "
        "treatment clock when coded; leave it as not coded for support outside those lists.",
        error_messages={"invalid_choice": "Choose a code from the list, or not coded."},
    )
    started_on = date_field("Start date")
    review_date = date_field("Review date", required=False, help_text="Optional. For example, 27 3 2026")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # With the members the trust loaded, read when the form is made.
        self.fields["code"].choices = intervention_choices()  # type: ignore[attr-defined]


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

    def clean(self) -> dict[str, Any]:
        super().clean()
        cleaned = self.cleaned_data
        instrument: str | None = cleaned.get("instrument")
        score: Decimal | None = cleaned.get("score")
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
