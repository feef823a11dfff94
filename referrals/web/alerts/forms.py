"""The alerts inbox's filters (GET)."""

from typing import TypedDict

from django import forms

from referrals.models import Alert


class InboxFilters(TypedDict):
    """The arguments of ``access.selectors.notifications_for`` the filters set."""

    level: str
    unseen_only: bool


class InboxFilterForm(forms.Form):
    level = forms.ChoiceField(label="Type of alert", required=False, choices=[("", "All alerts"), *Alert.Level.choices])
    unseen = forms.BooleanField(label="Only show alerts I have not seen", required=False)

    def filters(self) -> InboxFilters:
        if not self.is_valid():
            return {"level": "", "unseen_only": False}
        return {"level": self.cleaned_data["level"], "unseen_only": self.cleaned_data["unseen"]}
