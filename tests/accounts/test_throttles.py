"""The rate limits count every request, also when several arrive at once (accounts.throttles).

They are counted in Redis (the test settings' cache), as in production.
"""

import threading
from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.conf import settings
from django.core.cache import cache
from django.test import RequestFactory, override_settings
from rest_framework.test import APIClient

from accounts import throttles
from accounts.throttles import ApiThrottle, PerUserThrottle

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


class TenAMinute(PerUserThrottle):
    scope = "test"
    rate = "10/minute"


class TwoAMinute(PerUserThrottle):
    scope = "test"
    rate = "2/minute"


@pytest.fixture(autouse=True)
def _empty_cache():
    throttles.limiter.cache_clear()
    cache.clear()  # the test Redis database, where the counts are too
    yield
    cache.clear()
    throttles.limiter.cache_clear()


def request_by(user):
    request = RequestFactory().get("/api/v1/referrals/")
    request.user = user
    return request


def test_the_counts_are_kept_in_redis_and_go_with_their_last_request(alice):
    import redis

    TwoAMinute().allow_request(request_by(alice), None)

    client = redis.Redis.from_url(settings.RATE_LIMIT_STORAGE_URI)
    [key] = client.keys("LIMITS:*")
    assert 0 < client.ttl(key) <= 60


def test_twenty_requests_at_once_from_one_account_let_exactly_ten_through(alice):
    start = threading.Barrier(20)
    answers: list[bool] = []

    def send():
        throttle = TenAMinute()  # each request has its own, as in DRF
        start.wait()
        answers.append(throttle.allow_request(request_by(alice), None))

    threads = [threading.Thread(target=send) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(answers) == [False] * 10 + [True] * 10


def test_a_refused_request_does_not_count_and_retry_after_is_when_the_oldest_leaves_the_window(alice):
    answers = []
    with time_machine.travel(START, tick=False) as clock:
        for _ in range(2):
            answers.append(TwoAMinute().allow_request(request_by(alice), None))
            clock.shift(timedelta(seconds=10))
        refused = TwoAMinute()
        answers.append(refused.allow_request(request_by(alice), None))

        assert answers == [True, True, False]
        assert refused.wait() == pytest.approx(40)  # the first, at 0 s, leaves the minute at 60 s

        clock.shift(timedelta(seconds=41))  # 61 s after the first
        assert TwoAMinute().allow_request(request_by(alice), None)
        assert not TwoAMinute().allow_request(request_by(alice), None)  # the one at 10 s is still in
        clock.shift(timedelta(seconds=10))
        assert TwoAMinute().allow_request(request_by(alice), None)


def test_each_account_has_its_own_count(alice, tina):
    assert [TwoAMinute().allow_request(request_by(alice), None) for _ in range(3)] == [True, True, False]

    assert TwoAMinute().allow_request(request_by(tina), None)


def test_the_api_answers_429_with_retry_after_once_an_account_used_its_rate(alice, monkeypatch):
    monkeypatch.setattr(ApiThrottle, "rate", "2/minute", raising=False)
    api = APIClient()
    api.force_authenticate(alice)

    with time_machine.travel(START, tick=False):
        answers = [api.get("/api/v1/referrals/") for _ in range(3)]

    assert [a.status_code for a in answers] == [200, 200, 429]
    assert answers[2]["Retry-After"] == "60"


@override_settings(RATE_LIMIT_STORAGE_URI="memory://")
def test_without_redis_the_limit_still_holds_in_one_process(alice):
    throttles.limiter.cache_clear()

    with time_machine.travel(START, tick=False) as clock:
        answers = [TwoAMinute().allow_request(request_by(alice), None) for _ in range(3)]
        refused = TwoAMinute()
        refused.allow_request(request_by(alice), None)
        wait = refused.wait()
        clock.shift(timedelta(seconds=61))
        later = TwoAMinute().allow_request(request_by(alice), None)

    assert answers == [True, True, False]
    assert wait == pytest.approx(60)
    assert later
