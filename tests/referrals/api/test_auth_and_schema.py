"""Who may call the API, and the OpenAPI schema that describes it."""

from io import StringIO

import pytest
from django.core.management import call_command

from tests.factories import make_referral

from .conftest import ALERTS, REFERRALS, contacts_url, referral_body, referral_url


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", REFERRALS),
        ("post", REFERRALS),
        ("get", referral_url(1)),
        ("post", contacts_url(1)),
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
    ):
        assert path in schema
    assert "Idempotency-Key" in schema


def test_the_schema_and_docs_are_served(client, db):
    schema = client.get("/api/schema/")
    docs = client.get("/api/docs/")

    assert schema.status_code == 200
    assert b"/api/v1/referrals/" in schema.content
    assert docs.status_code == 200
