"""The small version of `make fuzz-api` (scripts/fuzz_api.py): schemathesis sends a few hundred
generated requests over the whole API schema to a live server, as a clinician with a token, and
checks that none is answered with a server error or outside the schema.

The full run (10,000+ cases, every role, the demo's data) is too long for every commit."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token

SCHEMATHESIS = Path(sys.executable).parent / "schemathesis"


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_generated_requests_get_no_server_error_and_answers_match_the_schema(live_server, alice, referral, tmp_path):
    token = Token.objects.create(user=alice)
    config = tmp_path / "schemathesis.toml"
    # Most requests to /referrals/{id}/... name a referral alice can see, so they reach the rules.
    config.write_text(
        f'[dictionaries.referrals]\nvalues = [{referral.pk}]\n\n[parameters]\n"path.referral_id" = '
        '{ dictionary = "referrals", probability = 0.8 }\n'
    )

    result = subprocess.run(
        [str(SCHEMATHESIS), "--no-color", "--config-file", str(config), "run", f"{live_server.url}/api/schema/"]
        + ["--checks", "not_a_server_error,response_schema_conformance"]
        + ["--header", f"Authorization: Token {token.key}", "--phases", "examples,fuzzing"]
        + ["--max-examples", "8", "--seed", "1", "--workers", "1", "--request-timeout", "30"]
        + ["--report", "ndjson", "--report-dir", str(tmp_path / "report")],
        cwd=tmp_path,  # schemathesis keeps its cache (.schemathesis/) in the working folder
        capture_output=True,
        text=True,
        timeout=600,
    )

    generated = re.search(r"^\s*(\d+) generated", result.stdout, re.MULTILINE)
    assert generated is not None, result.stdout + result.stderr
    assert int(generated.group(1)) >= 100
    assert result.returncode == 0, result.stdout[-20_000:]
