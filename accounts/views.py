"""Logging in and out, with Django's own auth views and NHS.UK-styled templates."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.views.generic import TemplateView


class LoginForm(AuthenticationForm):
    """Django's login form, with error messages in the NHS.UK style (say what to do)."""

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


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    # Someone already logged in goes straight on to where they were heading.
    redirect_authenticated_user = True


class LoggedOutView(TemplateView):
    """Where LOGOUT_REDIRECT_URL lands after the POST to logout."""

    template_name = "registration/logged_out.html"
