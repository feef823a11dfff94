"""The Redis cache keeps one client per connection pool (ops/cache.py) and otherwise behaves as
Django's: values round trip, threads share it, a forked worker and a restarted Redis both work."""

import multiprocessing
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from ops.cache import RedisCache
from tests.integration.test_sweep_faults import PrivateRedis, _free_port


def _cache_on(url: str) -> RedisCache:
    return RedisCache(url, {"KEY_PREFIX": "ops-cache-test"})


def test_the_project_cache_is_the_one_that_keeps_its_client():
    assert settings.CACHES["default"]["BACKEND"] == "ops.cache.RedisCache"
    assert isinstance(caches["default"], RedisCache)


def test_every_call_uses_the_same_redis_client_where_djangos_makes_a_new_one():
    ours, djangos = _cache_on(settings.REDIS_URL), DjangoRedisCache(settings.REDIS_URL, {})
    ours.set("a", 1)
    first = ours._cache.get_client(write=True)
    assert ours.get("a") == 1
    assert ours._cache.get_client() is first
    assert ours._cache.get_client(write=True) is first
    # What this module is for: Django's makes another client for every call.
    assert djangos._cache.get_client() is not djangos._cache.get_client()


def test_values_round_trip_as_with_djangos_cache():
    ours = _cache_on(settings.REDIS_URL)
    ours.clear()
    ours.set("session", {"user": 7, "verified": True}, 30)
    ours.set_many({"x": "text", "n": 5})
    assert ours.get("session") == {"user": 7, "verified": True}
    assert ours.get_many(["x", "n", "missing"]) == {"x": "text", "n": 5}
    assert ours.incr("n", 2) == 7
    assert ours.add("x", "other") is False
    assert ours.delete("x") is True
    assert ours.get("x", "gone") == "gone"
    assert ours.touch("session", 60) is True
    assert ours.has_key("session")


def test_threads_share_the_client_without_mixing_their_answers():
    ours = _cache_on(settings.REDIS_URL)

    def round_trips(thread: int) -> list[bool]:
        answers = []
        for i in range(40):
            ours.set(f"t{thread}-{i}", (thread, i), 30)
            answers.append(ours.get(f"t{thread}-{i}") == (thread, i))
        return answers

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = [ok for answers in pool.map(round_trips, range(8)) for ok in answers]
    assert len(results) == 320 and all(results)


def _in_a_forked_child(url: str, queue) -> None:
    # The child inherits the parent's cache, client and pool, as a gunicorn worker forked from a
    # master that had used it would.
    child = _FORKED[url]
    child.set("from-child", "hello", 30)
    queue.put(child.get("from-child"))


_FORKED: dict[str, RedisCache] = {}


def test_a_forked_process_uses_the_inherited_cache_on_connections_of_its_own():
    ours = _FORKED.setdefault(settings.REDIS_URL, _cache_on(settings.REDIS_URL))
    ours.set("before-fork", 1, 30)  # the parent's pool now holds a connection
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_in_a_forked_child, args=(settings.REDIS_URL, queue))
    child.start()
    child.join(20)
    assert child.exitcode == 0
    assert queue.get(timeout=5) == "hello"
    assert ours.get("from-child") == "hello" and ours.get("before-fork") == 1  # the parent's still works


@pytest.mark.slow
def test_the_kept_client_works_again_once_redis_is_back_after_a_restart(tmp_path):
    server = PrivateRedis(port=_free_port(), workdir=tmp_path)
    server.start()
    try:
        ours = _cache_on(server.url)
        ours.set("k", "before", 30)
        client = ours._cache.get_client()
        server.stop()
        with pytest.raises(redis.ConnectionError):  # as with Django's: the call fails, not the process
            ours.get("k")
        server.start()  # no persistence: the restart lost every key
        assert ours.get("k", "lost") == "lost"
        ours.set("k", "after", 30)
        assert ours.get("k") == "after"
        assert ours._cache.get_client() is client
    finally:
        server.stop()
