"""The public self-referral form: a visitor with no account, answering each page in turn."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from tests.factories.localities import PostcodeDistrictFactory

ANSWERS = {
    "danger": {"in_immediate_danger": "no"},
    "name": {"given_name": "Jo", "family_name": "Weston"},
    "date-of-birth": {"birth_date_day": "15", "birth_date_month": "3", "birth_date_year": "1990"},
    "postcode": {"postcode": "bs5 6xx"},
    "contact": {"methods": ["phone", "email"], "phone": "07700 900982", "email": "jo@example.com", "address": ""},
    "safe-contact": {"safe_to_leave_message": "no", "times": ["weekday evenings"], "times_note": "Not Tuesdays"},
    "what-is-happening": {"what_is_happening": "Low mood and poor sleep for three months."},
    "others-involved": {"others_involved": "My sister knows."},
}


def step_url(slug: str) -> str:
    return reverse("referrals:self_referral_step", args=[slug])


def answer_all(client, **overrides) -> None:
    """Answer every question page, with ``overrides`` for a page's answers (by its slug)."""
    for slug, data in ANSWERS.items():
        response = client.post(step_url(slug), {**data, **overrides.get(slug.replace("-", "_"), {})})
        assert response.status_code == 302, (slug, response.content.decode()[:2000])


def send(client, **extra):
    return client.post(reverse("referrals:self_referral_check"), {"website": "", **extra}, REMOTE_ADDR="203.0.113.7")


@pytest.fixture(autouse=True)
def fresh_limits():
    """The limits count in Redis: every test starts from none."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def bs5(north, north_team):
    """Postcodes in BS5 route to North and West, whose triage queue North IPCT works."""
    return PostcodeDistrictFactory(outward_code="BS5", locality=north)
