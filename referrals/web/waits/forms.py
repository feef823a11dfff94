"""Forms for offering an intervention, starting it and withdrawing the offer: they adapt what a
person typed into service arguments; the rules are in ``referrals.services.intervention_waits``."""

from typing import Any

from django import forms
from django.db.models import QuerySet

from common.forms import nhs_date_field
from localities.models import Team
from referrals.models import Intervention


def _date(label: str) -> forms.DateField:
    return nhs_date_field(
        label,
        help_text="For example, 27 3 2026",
        error_messages={
            "required": f"Enter the {label.lower()}.",
            "invalid": f"The {label.lower()} must be a real date, for example 27 3 2026.",
        },
    )


class OfferForm(forms.Form):
    service_fields = {"decided_at": "decided_on"}

    kind = forms.ChoiceField(
        choices=[("", "Choose the kind of intervention"), *Intervention.Kind.choices],
        label="Intervention",
        error_messages={"required": "Choose the kind of intervention."},
    )
    description = forms.CharField(
        label="What is offered",
        max_length=200,
        help_text="For example, CBT for psychosis (16 sessions).",
        error_messages={"required": "Say what is offered."},
    )
    code = forms.CharField(
        label="SNOMED CT code (optional)",
        required=False,
        max_length=18,
        help_text="A psychological therapy, psychosocial or medication intervention code, if you know it.",
    )
    team = forms.ModelChoiceField(
        queryset=Team.objects.none(),
        label="Team that will deliver it",
        help_text="The person joins this team's waiting list.",
        empty_label=None,
        error_messages={"invalid_choice": "Choose a team from the list."},
    )
    decided_on = _date("Date it was decided")

    def __init__(self, *args: Any, teams: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = teams  # type: ignore[attr-defined]


class StartForm(forms.Form):
    service_fields = {"started_at": "started_on"}

    started_on = _date("Start date")


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why it is no longer offered",
        widget=forms.Textarea({"rows": 3}),
        help_text="For example, chose the DBT skills group instead.",
        error_messages={"required": "Give a reason: withdrawing an offer is audited."},
    )
