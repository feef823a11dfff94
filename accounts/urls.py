from django.contrib.auth import views as auth_views
from django.urls import path

from . import oidc, views

app_name = "accounts"
urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    # Django's LogoutView accepts POST only (the header's "Log out" button), then redirects to
    # LOGOUT_REDIRECT_URL: the logged-out page below.
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("logged-out/", views.LoggedOutView.as_view(), name="logged-out"),
    path("two-factor/", views.TwoFactorVerifyView.as_view(), name="two-factor-verify"),
    path("two-factor/set-up/", views.TwoFactorSetupView.as_view(), name="two-factor-setup"),
    # Single sign-on (OpenID Connect): 404 unless configured (settings.OIDC_ENABLED).
    path("sso/", oidc.sso_login, name="sso-login"),
    path("sso/callback/", oidc.sso_callback, name="sso-callback"),
]
