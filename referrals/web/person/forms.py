"""The person's own details a clinician records on their page."""

from django import forms

from codes.mhsds import DISABILITY


class DisabilitiesForm(forms.Form):
    disabilities = forms.MultipleChoiceField(
        label="Disability",
        required=False,
        widget=forms.CheckboxSelectMultiple,
        choices=[(c.code, c.display[:1].upper() + c.display[1:]) for c in DISABILITY.codes],
        help_text="Select all that the person tells you of, or 'no disability', or 'not stated' if they "
        "would rather not say. Leave all unselected if you have not asked.",
        error_messages={"invalid_choice": "Choose from the list."},
    )
