"""Forms for the triage queue's filters, triage itself, and redirecting a referral with a warm handover."""

from collections.abc import Iterable
from typing import Any

from django import forms
from django.db.models import QuerySet

from common.forms import LimitedCharField, form_field
from localities.models import Locality, Team
from referrals.models import Referral


class QueueFilterForm(forms.Form):
    team = forms.TypedChoiceField(label="Team", required=False, coerce=int, empty_value=None)
    locality = forms.TypedChoiceField(label="Locality", required=False, coerce=int, empty_value=None)
    q = forms.CharField(
        label="Reference, name or NHS number",
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search"}),
    )

    def __init__(self, *args: Any, teams: Iterable[Team], localities: Iterable[Locality], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "team", forms.TypedChoiceField).choices = [("", "All my teams")] + [
            (t.pk, t.name) for t in teams
        ]
        form_field(self, "locality", forms.TypedChoiceField).choices = [("", "All my localities")] + [
            (loc.pk, loc.name) for loc in localities
        ]


# What happens next and who does it: a few sentences, shown on the caseload lists.
NEXT_STEP_MAX_LENGTH = 1000


class TriageForm(forms.Form):
    urgency = forms.ChoiceField(
        label="Urgency",
        choices=Referral.Urgency.choices,
        widget=forms.RadioSelect,
        help_text="Changing it does not move a running clock's deadline",
        error_messages={"required": "Choose how urgent the referral is"},
    )
    thrive_grouping = forms.ChoiceField(
        label="THRIVE grouping",
        choices=Referral.Thrive.choices,
        widget=forms.RadioSelect,
        help_text="The person's needs now; it can change later",
        error_messages={"required": "Choose the THRIVE grouping that fits the person's needs now"},
    )
    next_step = LimitedCharField(
        label="Next step",
        max_length=NEXT_STEP_MAX_LENGTH,
        what="The next step",
        help_text="What happens next, and who does it",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the next step"},
    )
    note = forms.CharField(label="Triage note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class TeamChoiceField(forms.ModelChoiceField):  # not [Team]: Django's class is not generic at run time
    def label_from_instance(self, obj: Team) -> str:
        where = obj.locality.name if obj.locality is not None else "all localities"
        return f"{obj.name} ({obj.get_kind_display().lower()}, {where})"


class RedirectForm(forms.Form):
    """Another team or service takes the referral; nobody is rejected."""

    to_team = TeamChoiceField(
        label="Team or service to hand over to",
        queryset=None,
        empty_label="Choose a team or service",
        error_messages={"required": "Choose the team or service the referral goes to"},
    )
    note = forms.CharField(
        label="Handover note",
        help_text="What the receiving team needs to know, so the person does not have to tell their story again",
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": "Write a handover note for the receiving team"},
    )
    person_informed = forms.BooleanField(label="The person has been told where their referral has gone", required=False)

    def __init__(self, *args: Any, targets: QuerySet[Team], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        form_field(self, "to_team", TeamChoiceField).queryset = targets
