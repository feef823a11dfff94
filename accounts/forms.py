"""Forms for logging in and for the second factor, with NHS.UK-style messages (say what to do)."""

from django import forms
from django.contrib.auth.forms import AuthenticationForm


class LoginForm(AuthenticationForm):
    """Django's login form, with error messages in the NHS.UK style."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "Enter a correct username and password. Both are case-sensitive.",
        "inactive": "This account is switched off. Ask your administrator to switch it back on.",
    }

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].error_messages["required"] = "Enter your username"
        self.fields["password"].error_messages["required"] = "Enter your password"
        # NHS.UK and GOV.UK advise against autofocus: it skips the page's context for screen readers.
        self.fields["username"].widget.attrs.pop("autofocus", None)


class SecurityCodeForm(forms.Form):
    """The 6-digit code from an authenticator app. Spaces are allowed (apps show "123 456")."""

    code = forms.CharField(
        label="Security code",
        max_length=12,
        error_messages={"required": "Enter the 6-digit security code from your authenticator app"},
        widget=forms.TextInput(
            attrs={
                "autocomplete": "one-time-code",
                "inputmode": "numeric",
                "spellcheck": "false",
            }
        ),
    )

    def clean_code(self) -> str:
        code = "".join(self.cleaned_data["code"].split())
        if not (code.isdigit() and len(code) == 6):
            raise forms.ValidationError("Enter the security code as 6 digits, like 123456")
        return code

    def code_was_wrong(self) -> None:
        self.add_error("code", "The security code is not right. Enter the code your app shows now")


class EnrolmentForm(SecurityCodeForm):
    """Setting up an app: the one-time set-up code an administrator gave, then the app's code."""

    enrolment_code = forms.CharField(
        label="Set-up code from your administrator",
        max_length=40,
        error_messages={"required": "Enter the set-up code your administrator gave you"},
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}),
    )
    field_order = ["enrolment_code", "code"]
