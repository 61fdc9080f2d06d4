"""Django's Redis cache, with one redis-py client per connection pool instead of one per call.

`django.core.cache.backends.redis.RedisCacheClient.get_client()` builds a new `redis.Redis`
for every cache operation, and building one fills its table of ~170 response callbacks: about
0.07 ms a call, over a millisecond for a page that reads its session and a few kept figures
and fragments. A redis-py client is thread-safe and holds no state beyond its pool, so one per
pool serves every call (Django's cache handler already gives each thread its own backend).
"""

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
REDIS_ERRORS = (RedisError, OSError)


class ReusedClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusedClientRedisCacheClient


class TolerantRedisCache(RedisCache):
    """For what is only kept to be fast (initiatives/cache.py's figures and tokens, `{% cache %}`
    fragments): Redis unreachable is a miss, not an error. The page is then computed as if
    nothing were kept and a write still commits; nothing depends on these values being there.
    Configure it with short socket timeouts (settings: the "template_fragments" cache)."""

    def _unavailable(self, error) -> None:
        now = time.monotonic()
        if now - self.__dict__.get("_warned_at", -60.0) >= 60:
            self._warned_at = now
            logger.warning(
                "Cache unreachable (%s): kept figures and fragments are computed.", error
            )

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except REDIS_ERRORS as error:
            self._unavailable(error)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except REDIS_ERRORS as error:
            self._unavailable(error)
            return {}

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except REDIS_ERRORS as error:
            self._unavailable(error)
            return False

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except REDIS_ERRORS as error:
            self._unavailable(error)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().set_many(data, timeout, version)
        except REDIS_ERRORS as error:
            self._unavailable(error)
            return list(data)

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except REDIS_ERRORS as error:
            self._unavailable(error)
            return False
