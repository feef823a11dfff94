"""Forms for triage and for redirecting a referral with a warm handover."""

from django import forms

from referrals.models import Referral


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
    next_step = forms.CharField(
        label="Next step",
        help_text="What happens next, and who does it",
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write the next step"},
    )
    note = forms.CharField(label="Triage note (optional)", required=False, widget=forms.Textarea(attrs={"rows": 3}))


class RedirectForm(forms.Form):
    """Another team or service takes the referral; nobody is rejected."""

    to_team = forms.ModelChoiceField(
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

    def __init__(self, *args, targets, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_team"].queryset = targets
        self.fields["to_team"].label_from_instance = _team_label


def _team_label(team) -> str:
    where = team.locality.name if team.locality_id else "all localities"
    return f"{team.name} ({team.get_kind_display().lower()}, {where})"
