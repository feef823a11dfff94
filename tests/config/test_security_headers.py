"""What every response says about caching and browser features, and the inputs refused before
any view runs (config/middleware.py); the API's OPTIONS answer (config/api_metadata.py)."""

import pytest
from django.test import override_settings
from django.urls import reverse
from rest_framework.authtoken.models import Token

from config.middleware import NUL_REFUSED

pytestmark = pytest.mark.django_db
HOME = reverse("referrals:home")


def _cache_control(response) -> set[str]:
    return {part.strip() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_a_signed_in_page_is_never_stored_by_the_browser_or_a_proxy(client, alice):
    client.force_login(alice)

    response = client.get(HOME)

    assert response.status_code == 200
    assert {"no-store", "private"} <= _cache_control(response)


def test_an_api_answer_to_a_token_is_never_stored(client, alice):
    token = Token.objects.create(user=alice)

    response = client.get(reverse("api:alert-list"), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    assert "no-store" in _cache_control(response)


def test_a_download_of_the_caseload_is_never_stored(client, alice):
    client.force_login(alice)

    response = client.get(reverse("caseload:team_csv"))

    assert response.status_code == 200
    assert "no-store" in _cache_control(response)


# The tests run without collectstatic: WhiteNoise serves straight from the finders here.
@override_settings(WHITENOISE_USE_FINDERS=True)
def test_static_files_keep_their_cache_lifetimes_even_when_signed_in(client, alice):
    client.force_login(alice)

    stylesheet = client.get("/static/css/app.css")
    stylesheet.close()  # WhiteNoise answers with an open file

    assert stylesheet.status_code == 200
    assert "no-store" not in _cache_control(stylesheet)
    assert "Permissions-Policy" not in stylesheet  # answered by WhiteNoise, before this middleware


def test_healthz_answers_as_before(client):
    response = client.get(reverse("healthz") + "?only=database")

    assert response.status_code == 200
    assert "no-store" in _cache_control(response)  # never_cache, its own


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/healthz?only=database", "/api/v1/referrals/"])
def test_every_response_switches_off_camera_microphone_and_location(client, path):
    policy = client.get(path)["Permissions-Policy"]

    for feature in ("camera", "microphone", "geolocation", "payment", "usb"):
        assert f"{feature}=()" in policy


def test_no_server_header_comes_from_the_application(client, alice):
    client.force_login(alice)

    assert "Server" not in client.get(HOME)


# --- bad input ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["caseload:team", "caseload:team_csv", "caseload:mine", "referrals:triage"])
def test_a_nul_in_a_search_is_a_bad_request_not_a_server_error(client, alice, name):
    client.force_login(alice)

    response = client.get(reverse(name) + "?q=%00")

    assert response.status_code == 400
    assert NUL_REFUSED in response.content.decode()


def test_a_nul_anywhere_in_the_query_string_is_refused_even_in_a_parameter_name(client, alice):
    client.force_login(alice)

    assert client.get(HOME + "?a%00b=1").status_code == 400
    assert client.get(HOME + "?q=ab%00cd&page=2").status_code == 400
    assert client.get(HOME + "?q=%2500").status_code == 200  # the text "%00", not a NUL


def test_a_nul_in_an_api_query_is_refused_as_json(client, alice):
    token = Token.objects.create(user=alice)

    response = client.get(reverse("api:referral-list") + "?status=%00", HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 400
    assert response.json() == {"detail": NUL_REFUSED}


def test_a_nul_in_a_posted_form_is_refused(client, alice):
    client.force_login(alice)

    response = client.post(reverse("referrals:triage"), {"q": "a\x00b"})

    assert response.status_code == 400


def test_a_nul_in_the_path_is_refused(client, alice):
    client.force_login(alice)

    assert client.get("/people/%00/").status_code == 400


@pytest.mark.parametrize("page", ["99999999999999999999", "100001", "0", "-1", "2.5", "two", "", "١"])
def test_a_page_of_a_timeline_that_cannot_exist_is_not_found(client, alice, referral, page):
    client.force_login(alice)

    response = client.get(reverse("referrals:timeline", args=[referral.person_id]) + f"?page={page}")

    assert response.status_code == 404


def test_the_first_page_of_a_timeline_still_shows(client, alice, referral):
    client.force_login(alice)
    url = reverse("referrals:timeline", args=[referral.person_id])

    assert client.get(url).status_code == 200
    assert client.get(url + "?page=1").status_code == 200


# --- the API ------------------------------------------------------------------------------


def test_options_names_the_endpoint_and_points_at_the_schema(client, alice):
    token = Token.objects.create(user=alice)

    response = client.options(reverse("api:referral-list"), HTTP_AUTHORIZATION=f"Token {token.key}")

    assert response.status_code == 200
    body = response.json()
    assert body["schema"] == "/api/schema/"
    assert "actions" not in body


def test_the_api_docs_load_only_from_this_site_under_the_strict_policy(client, alice):
    client.force_login(alice)

    response = client.get(reverse("api-docs"))

    assert response.status_code == 200
    policy = response["Content-Security-Policy"]
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "http" not in policy.replace("https://assets.nhs.uk", "")  # fonts only, as on every page
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";"))
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    html = response.content.decode()
    assert "<style" not in html
    assert "<script>" not in html  # every script has a src
    assert "cdn" not in html
    for asset in ("swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"):
        assert f"/static/drf_spectacular_sidecar/swagger-ui-dist/{asset}" in html


def test_the_api_docs_start_up_script_is_served_from_the_same_page(client, alice):
    client.force_login(alice)

    response = client.get(reverse("api-docs") + "?script=")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "SwaggerUIBundle" in response.content.decode()


@override_settings(WHITENOISE_USE_FINDERS=True)
@pytest.mark.parametrize(
    "asset", ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css", "favicon-32x32.png"]
)
def test_swagger_ui_is_served_from_our_static_files(client, asset):
    response = client.get(f"/static/drf_spectacular_sidecar/swagger-ui-dist/{asset}")
    response.close()  # WhiteNoise answers with an open file

    assert response.status_code == 200
