"""Django's Redis cache with one Redis client per connection pool, not one per call.

Django's ``RedisCacheClient.get_client`` makes a new ``redis.Redis`` for every cache call
(Django 5.2: ``self._client(connection_pool=pool)``), and each ``redis.Redis`` builds its table of
about 170 response callbacks as it is made. A signed-in page reads and renews its session in the
cache (``ops.sessions``), so every page paid for two of them: about 90 microseconds each on a slow
2-core machine (timeit), for nothing, since the connections come from the same pool either way.

redis-py's clients are safe to share between threads: a client takes a connection from its pool
for each command and gives it back afterwards, and the pool notices a fork and starts afresh in
the child. So each pool gets one client, made on first use and kept. Everything else (keys,
pickling, timeouts, the pools themselves) is Django's.
"""

from typing import Any

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _OneClientPerPool(RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}  # id of a pool (kept in self._pools for good) -> its client

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django's, not in the stubs
        client = self._clients.get(id(pool))
        if client is None:
            # Two threads making one at once each keep a working client; the last one stays.
            client = self._clients[id(pool)] = self._client(connection_pool=pool)  # type: ignore[attr-defined]  # redis.Redis
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server: Any, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _OneClientPerPool
