from django import forms

from .mhsds.period import BadPeriod, reporting_period


class ExtractRequestForm(forms.Form):
    period = forms.CharField(
        label="Reporting period", max_length=7, help_text="The calendar month, as YYYY-MM (for example, 2026-11)."
    )

    def clean_period(self) -> str:
        try:
            return reporting_period(self.cleaned_data["period"]).label
        except BadPeriod as exc:
            raise forms.ValidationError(str(exc)) from exc
