"""Who may call the API, and the OpenAPI schema that describes it."""

from io import StringIO

import pytest
import yaml
from django.core.management import call_command
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts.api_auth import TokenAuthentication
from tests.factories import make_referral

from .conftest import ALERTS, CODE_LISTS, REFERRALS, action_url, contacts_url, referral_body, referral_url

LIFECYCLE = [
    "triage",
    "assessments",
    "care-plans",
    "interventions",
    "outcome-measures",
    "hospital-stays",
    "redirect",
    "discharge",
    "close",
]


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", REFERRALS),
        ("post", REFERRALS),
        ("get", referral_url(1)),
        ("post", contacts_url(1)),
        *[("post", action_url(1, action)) for action in LIFECYCLE],
        ("get", CODE_LISTS),
        ("get", ALERTS),
    ],
)
def test_an_anonymous_caller_gets_a_401(client, db, method, url):
    response = getattr(client, method)(url, content_type="application/json")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_a_token_from_drf_create_token_works_in_the_authorization_header(client, alice, intake, north_practice):
    referral = make_referral(by=intake, practice=north_practice)
    out = StringIO()
    call_command("drf_create_token", "alice", stdout=out)
    key = out.getvalue().split()[2]  # "Generated token <key> for user alice"

    response = client.get(referral_url(referral.pk), headers={"Authorization": f"Token {key}"})

    assert response.status_code == 200
    assert response.json()["id"] == referral.pk


def test_a_token_can_post_a_referral(client, intake, north_team, north_practice):
    out = StringIO()
    call_command("drf_create_token", "intake", stdout=out)
    key = out.getvalue().split()[2]

    response = client.post(
        REFERRALS, referral_body(), content_type="application/json", headers={"Authorization": f"Token {key}"}
    )

    assert response.status_code == 201


def test_an_unknown_token_is_a_401(client, db):
    response = client.get(REFERRALS, headers={"Authorization": "Token not-a-real-token"})

    assert response.status_code == 401


def test_the_token_of_a_deactivated_account_is_a_401(client, intake):
    key = Token.objects.create(user=intake).key
    intake.is_active = False
    intake.save(update_fields=["is_active"])

    response = client.get(REFERRALS, headers={"Authorization": f"Token {key}"})

    assert response.status_code == 401
    assert response.json()["detail"] == "User inactive or deleted."


def test_a_token_authenticates_as_its_account_with_the_token_as_the_requests_auth(rf, alice, intake):
    token = Token.objects.create(user=alice)
    Token.objects.create(user=intake)
    request = rf.get(REFERRALS, headers={"Authorization": f"Token {token.key}"})

    user, auth = TokenAuthentication().authenticate(request)

    assert user == alice and user.username == "alice" and user.role == alice.role
    assert (auth.key, auth.user_id, auth.created) == (token.key, alice.pk, token.created)
    assert auth.user is user
    with pytest.raises(AuthenticationFailed, match="Invalid token"):
        TokenAuthentication().authenticate(rf.get(REFERRALS, headers={"Authorization": f"Token {token.key}x"}))


def test_a_signed_in_session_works_too(client, alice):
    client.force_login(alice)

    assert client.get(REFERRALS).status_code == 200


def test_the_schema_generates_without_warnings_and_validates(tmp_path):
    # --fail-on-warn: any drf-spectacular warning (an unknown type, a colliding enum) fails this test.
    target = tmp_path / "schema.yaml"

    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = target.read_text()
    for path in (
        "/api/v1/referrals/:",
        "/api/v1/referrals/{referral_id}/:",
        "/api/v1/referrals/{referral_id}/contacts/:",
        "/api/v1/alerts/:",
        "/api/v1/code-lists/:",
        *[f"/api/v1/referrals/{{referral_id}}/{action}/:" for action in LIFECYCLE],
    ):
        assert path in schema
    assert "Idempotency-Key" in schema


@pytest.fixture(scope="module")
def schema(tmp_path_factory, django_db_blocker) -> dict:
    target = tmp_path_factory.mktemp("schema") / "schema.yaml"
    with django_db_blocker.unblock():
        call_command("spectacular", "--file", str(target))
    return yaml.safe_load(target.read_text())


@pytest.mark.parametrize("action", ["contacts", *LIFECYCLE])
def test_every_lifecycle_endpoint_documents_its_success_bad_input_not_found_and_conflict(schema, action):
    operation = schema["paths"][f"/api/v1/referrals/{{referral_id}}/{action}/"]["post"]

    assert set(operation["responses"]) >= {"400", "404", "409"}
    assert set(operation["responses"]) & {"200", "201"}
    assert operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]


def test_the_list_documents_the_404_a_page_out_of_range_gets(schema):
    responses = schema["paths"]["/api/v1/referrals/"]["get"]["responses"]

    assert set(responses) >= {"200", "400", "404"}


def test_the_alerts_list_documents_a_bad_filter_and_a_bad_cursor(schema):
    assert set(schema["paths"]["/api/v1/alerts/"]["get"]["responses"]) >= {"200", "400", "404"}


def test_the_create_endpoint_documents_bad_input_a_refused_role_and_a_reused_key(schema):
    assert set(schema["paths"]["/api/v1/referrals/"]["post"]["responses"]) >= {"201", "400", "403", "409"}


@pytest.mark.parametrize("component", ["PersonInput", "PersonOutput"])
def test_a_person_without_a_known_gp_practice_is_allowed_by_the_schema(schema, component):
    assert schema["components"]["schemas"][component]["properties"]["gp_practice"]["nullable"] is True


def test_the_code_lists_are_described(schema):
    listed = schema["components"]["schemas"]["CodeListOutput"]["properties"]

    assert set(listed) == {"name", "national_set", "title", "codes", "loaded"}
    assert "origin" in schema["components"]["schemas"]["CodeOutput"]["properties"]


def test_the_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/referrals/" in schema.content
    assert docs.status_code == 200
