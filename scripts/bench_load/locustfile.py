"""The load test's users (locust): distinct real users of the benchmark database in the issue's mix.

Run by scripts/bench_load/run.py, which writes the users file (BENCH_LOAD_USERS, JSON): for each
staff user a signed-in, two-factor-passed session cookie made server-side, the people and
referrals they may see; for the API accounts their tokens. Each locust user takes the next
staff user (or API account) in turn, so 50 locust users are 50 different people.

The users are locust's FastHttpUser (geventhttpclient), not HttpUser (requests): the load generator
shares the cores with the service it measures, and the faster client takes about half the
CPU per request that requests did (docs/performance.md), leaving that to gunicorn and PostgreSQL
as a generator on another machine would.
"""

import itertools
import json
import os
import random
import uuid

from locust import FastHttpUser, between, constant, task

# The mix, in percent of requests.
MIX = {
    "caseload": 30,
    "person": 25,
    "triage": 15,
    "team": 10,
    "api_list": 10,
    "contacts": 5,
    "api_intake": 5,
}


def nhs_number() -> str:
    """A random ten-digit number with a valid modulus-11 check digit (synthetic)."""
    while True:
        # 990 to 998: never demo.bulk's 999 range, whose people have other dates of birth (a
        # match on one would be refused, rightly, as a different person).
        first_nine = "99" + random.choice("012345678") + "".join(random.choice("0123456789") for _ in range(6))
        total = sum(int(d) * (10 - i) for i, d in enumerate(first_nine))
        check = 11 - total % 11
        if check == 11:
            check = 0
        if check != 10:
            return f"{first_nine}{check}"


def _load() -> dict:
    path = os.environ.get("BENCH_LOAD_USERS")
    if not path:
        return {"staff": [], "api": [], "practice": "", "cookie": "sessionid"}
    with open(path) as f:
        return json.load(f)


USERS = _load()
_staff = itertools.cycle(USERS["staff"] or [{}])
_api = itertools.cycle(USERS["api"] or [{}])


class Staff(FastHttpUser):
    """One member of staff and the integration traffic in the same proportions."""

    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        self.me = next(_staff)
        self.api = next(_api)
        # The signed-in session, sent with every page request (the API calls use their token).
        self.session = {"Cookie": f"{USERS['cookie']}={self.me['session']}"} if self.me.get("session") else {}

    def _get(self, url: str, name: str) -> None:
        with self.client.get(
            url, name=name, headers=self.session, allow_redirects=False, catch_response=True
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(MIX["caseload"])
    def caseload(self) -> None:
        self._get("/caseload/", "caseload")

    @task(MIX["person"])
    def person(self) -> None:
        people = self.me.get("people") or [0]
        self._get(f"/people/{random.choice(people)}/", "person")

    @task(MIX["triage"])
    def triage(self) -> None:
        self._get("/triage/", "triage")

    @task(MIX["team"])
    def team(self) -> None:
        self._get("/team/", "team")

    @task(MIX["contacts"])
    def contacts(self) -> None:
        referrals = self.me.get("referrals") or [0]
        self._get(f"/referrals/{random.choice(referrals)}/contacts/new/", "contacts")

    @task(MIX["api_list"])
    def api_list(self) -> None:
        with self.client.get(
            "/api/v1/referrals/",
            name="api_list",
            headers={"Authorization": f"Token {self.api.get('token', '')}"},
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")

    @task(MIX["api_intake"])
    def api_intake(self) -> None:
        referral_send(self.client, self.api)


class Intake(FastHttpUser):
    """An intake system sending referrals back to back, with no pause (``run.py --intake``)."""

    wait_time = constant(0)

    def on_start(self) -> None:
        self.api = next(_api)

    @task
    def api_intake(self) -> None:
        referral_send(self.client, self.api)


def referral_send(client, api: dict) -> None:
    """POST one new referral, for a new person, with its own Idempotency-Key."""
    body = {
        "person": {
            "nhs_number": nhs_number(),
            "given_name": "Load",
            "family_name": "Synthetic",
            "birth_date": "1990-05-17",
            "postcode": "BS1 4XX",
            "gp_practice": USERS["practice"],
        },
        "source": "gp",
        "urgency": "routine",
        "presenting_need": "Synthetic load-test referral: low mood.",
    }
    with client.post(
        "/api/v1/referrals/",
        json=body,
        name="api_intake",
        headers={
            "Authorization": f"Token {api.get('intake_token', '')}",
            "Idempotency-Key": str(uuid.uuid4()),
        },
        catch_response=True,
    ) as response:
        if response.status_code != 201:
            response.failure(f"{response.status_code}: {response.text[:200]}")
