"""Django's Redis cache, made fast (one redis-py client per connection pool) and made to survive
an unreachable Redis (stopped, or hung: a paused server accepts connections and never answers).

- `RedisCache`: Django's, with one redis-py client per connection pool instead of one per call.
  `RedisCacheClient.get_client()` builds a new `redis.Redis` for every cache operation, and
  building one fills its table of ~170 response callbacks: about 0.07 ms a call, over a
  millisecond for a page that reads its session and a few kept figures. A redis-py client is
  thread-safe and holds no state beyond its pool, so one per pool serves every call. It raises
  when Redis is unreachable: for tests and tools that must see that.
- `TolerantRedisCache`: Redis unreachable is a miss, and a write is skipped. For what is kept only
  to be fast and is correct to recompute: the kept figures and `{% cache %}` fragments
  (initiatives/cache.py). Sessions are not cached (production keeps them in PostgreSQL): a
  session's copy that Redis kept through an outage could outlive a sign-out made during it.
- `FallbackRedisCache`: Redis unreachable, a per-process local-memory cache stands in. For the
  default cache: the rate limits (ours, dialogue_hub/ratelimit.py, and allauth's) then count per
  web process (each process allows the limit, so N processes allow N times it) instead of
  across the site, and the blank registration form is rendered once per process. Nothing that
  needs one value across processes may use the default cache.

Both tolerant caches use short socket timeouts (half a second unless OPTIONS say otherwise) and
a circuit breaker per Redis server and process: after one failure Redis is not tried again for
`RETRY_AFTER_SECONDS`, so a hung Redis costs a page at most one timeout, not one per call.
Writes skipped meanwhile (a session changed, a version token dropped) are remembered, and their
keys are deleted from Redis before it is used again, so Redis never serves a value older than
the one the database (or the outage's stand-in) holds. That list is per process and bounded
(`MAX_MISSED_KEYS`); a process restarted during the outage forgets it, and the values it missed
then live until they expire. Each outage and each recovery is logged (warning), once.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)
REDIS_ERRORS = (RedisError, OSError)
RETRY_AFTER_SECONDS = 5.0
SOCKET_TIMEOUT_SECONDS = 0.5
MAX_MISSED_KEYS = 100_000
FALLBACK_MAX_ENTRIES = 20_000


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

    def count_in_window(self, key, window_seconds: int, version=None) -> int:
        """Count one attempt under `key` in one round trip: create the counter with the
        window's expiry if it does not exist, then increment it (MULTI/EXEC: nothing runs in
        between). The value is the plain integer Django's Redis cache stores for ints, so
        `get` reads it. For dialogue_hub/ratelimit.py."""
        key = self.make_and_validate_key(key, version=version)
        client = self._cache.get_client(key, write=True)
        with client.pipeline(transaction=True) as pipe:
            pipe.set(key, 0, ex=window_seconds, nx=True)
            pipe.incr(key)
            _created, count = pipe.execute()
        return count

    def ping(self) -> bool:
        """Whether Redis answers now (for /healthz); never raises."""
        try:
            return bool(self._cache.get_client(write=True).ping())
        except REDIS_ERRORS as error:
            logger.error("Health check: cache unreachable (%s)", error)
            return False


def _server_name(location) -> str:
    first = location[0] if isinstance(location, list | tuple) else location.split(",")[0]
    parts = urlsplit(first.split(";")[0].strip())
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"  # never the password


class CircuitBreaker:
    """One per Redis server (host:port) and process, shared by every cache (and the outbox's
    publish, dialogue_hub/outbox.py) that talks to it, in every thread."""

    def __init__(self, server: str):
        self.server = server
        self._lock = threading.Lock()
        self._open_until = 0.0
        self._down_since: float | None = None
        self._missed: dict[str, set] = {}  # location -> keys whose write Redis missed
        self._overflowed: set[str] = set()
        self._on_recovery: dict[str, object] = {}

    @property
    def is_open(self) -> bool:
        """Redis failed less than RETRY_AFTER_SECONDS ago: don't wait for it again yet."""
        return time.monotonic() < self._open_until

    def trip(self, error) -> None:
        with self._lock:
            first = self._down_since is None
            if first:
                self._down_since = time.monotonic()
            self._open_until = time.monotonic() + RETRY_AFTER_SECONDS
        if first:
            logger.warning(
                "Redis at %s unreachable (%s): not tried again for %.0f s at a time. Meanwhile "
                "rate limits count per process, sessions are read from the database, kept "
                "figures are computed, and emails wait in the outbox for the relay.",
                self.server,
                error or "no answer",
                RETRY_AFTER_SECONDS,
            )

    def succeeded(self) -> None:
        if self._down_since is None:
            return
        with self._lock:
            if self._down_since is None:
                return
            down_for = time.monotonic() - self._down_since
            self._down_since = None
            callbacks = list(self._on_recovery.values())
        logger.warning("Redis at %s reachable again after %.1f s.", self.server, down_for)
        for callback in callbacks:
            callback()

    def on_recovery(self, name: str, callback) -> None:
        with self._lock:
            self._on_recovery[name] = callback

    def missed(self, location: str, keys) -> None:
        with self._lock:
            pending = self._missed.setdefault(location, set())
            for key in keys:
                if len(pending) >= MAX_MISSED_KEYS:
                    self._overflowed.add(location)
                    break
                pending.add(key)

    def take_missed(self, location: str) -> tuple[list, bool]:
        with self._lock:
            keys = list(self._missed.pop(location, ()))
            overflowed = location in self._overflowed
            self._overflowed.discard(location)
        return keys, overflowed

    def has_missed(self, location: str) -> bool:
        return bool(self._missed.get(location)) or location in self._overflowed


_breakers: dict[str, CircuitBreaker] = {}
_breakers_lock = threading.Lock()


def breaker_for(location) -> CircuitBreaker:
    """The circuit breaker of the Redis server at `location` (a redis:// URL)."""
    server = _server_name(location)
    with _breakers_lock:
        if server not in _breakers:
            _breakers[server] = CircuitBreaker(server)
        return _breakers[server]


class TolerantRedisCache(RedisCache):
    """Redis unreachable: reads miss, writes are skipped (see the module)."""

    def __init__(self, server, params):
        params = {**params, "OPTIONS": dict(params.get("OPTIONS") or {})}
        params["OPTIONS"].setdefault("socket_connect_timeout", SOCKET_TIMEOUT_SECONDS)
        params["OPTIONS"].setdefault("socket_timeout", SOCKET_TIMEOUT_SECONDS)
        super().__init__(server, params)
        self._location = server if isinstance(server, str) else ",".join(server)
        self._breaker = breaker_for(server)

    # What stands in for Redis; here: nothing.
    def _stand_in(self, method, *args, default=None):
        return default

    @property
    def degraded(self) -> bool:
        """Redis was found unreachable and is not being tried right now."""
        return self._breaker.is_open

    def _replay_missed(self) -> None:
        keys, overflowed = self._breaker.take_missed(self._location)
        if overflowed:
            logger.warning(
                "Redis at %s missed more than %d writes during the outage: values kept before "
                "it may be read until they expire.",
                self._breaker.server,
                MAX_MISSED_KEYS,
            )
        client = self._cache.get_client(write=True)
        try:
            for start in range(0, len(keys), 1000):
                client.delete(*keys[start : start + 1000])
        except REDIS_ERRORS:
            self._breaker.missed(self._location, keys)
            raise

    def _attempt(self, method, call, *, writes=None, default=None, args=()):
        """call() on Redis, or the stand-in when Redis is unreachable; `writes()` names the
        keys a write changes, remembered when it did not reach Redis (see the module)."""
        if not self._breaker.is_open:
            try:
                if self._breaker.has_missed(self._location):
                    self._replay_missed()
                result = call()
            except REDIS_ERRORS as error:
                self._breaker.trip(error)
            else:
                self._breaker.succeeded()
                return result
        if writes is not None:
            self._breaker.missed(self._location, writes())
        return self._stand_in(method, *args, default=default)

    def _key(self, key, version):
        return self.make_and_validate_key(key, version=version)

    def get(self, key, default=None, version=None):
        return self._attempt(
            "get",
            lambda: super(TolerantRedisCache, self).get(key, default, version),
            default=default,
            args=(key, default, version),
        )

    def get_many(self, keys, version=None):
        keys = list(keys)
        return self._attempt(
            "get_many",
            lambda: super(TolerantRedisCache, self).get_many(keys, version),
            default={},
            args=(keys, version),
        )

    def has_key(self, key, version=None):
        return self._attempt(
            "has_key",
            lambda: super(TolerantRedisCache, self).has_key(key, version),
            default=False,
            args=(key, version),
        )

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "add",
            lambda: super(TolerantRedisCache, self).add(key, value, timeout, version),
            writes=lambda: [self._key(key, version)],
            default=False,
            args=(key, value, timeout, version),
        )

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._attempt(
            "set",
            lambda: super(TolerantRedisCache, self).set(key, value, timeout, version),
            writes=lambda: [self._key(key, version)],
            args=(key, value, timeout, version),
        )

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._attempt(
            "touch",
            lambda: super(TolerantRedisCache, self).touch(key, timeout, version),
            writes=lambda: [self._key(key, version)],
            default=False,
            args=(key, timeout, version),
        )

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        data = dict(data)
        return self._attempt(
            "set_many",
            lambda: super(TolerantRedisCache, self).set_many(data, timeout, version),
            writes=lambda: [self._key(key, version) for key in data],
            default=[],
            args=(data, timeout, version),
        )

    def delete(self, key, version=None):
        return self._attempt(
            "delete",
            lambda: super(TolerantRedisCache, self).delete(key, version),
            writes=lambda: [self._key(key, version)],
            default=False,
            args=(key, version),
        )

    def delete_many(self, keys, version=None):
        keys = list(keys)
        return self._attempt(
            "delete_many",
            lambda: super(TolerantRedisCache, self).delete_many(keys, version),
            writes=lambda: [self._key(key, version) for key in keys],
            args=(keys, version),
        )

    def incr(self, key, delta=1, version=None):
        def missing():
            raise ValueError(f"Key '{key}' not found")  # what Django raises for a missing key

        result = self._attempt(
            "incr",
            lambda: super(TolerantRedisCache, self).incr(key, delta, version),
            writes=lambda: [self._key(key, version)],
            default=missing,
            args=(key, delta, version),
        )
        return result() if result is missing else result

    def count_in_window(self, key, window_seconds: int, version=None) -> int:
        # Unreachable: one attempt in a fresh window (a miss cache has nothing to count in).
        # Not remembered as missed: the count Redis kept from before the outage is still right
        # to go on from (deleting it on recovery would give every client a fresh window).
        return self._attempt(
            "count_in_window",
            lambda: super(TolerantRedisCache, self).count_in_window(key, window_seconds, version),
            default=1,
            args=(key, window_seconds, version),
        )

    def clear(self):
        return self._attempt("clear", lambda: super(TolerantRedisCache, self).clear())


class FallbackRedisCache(TolerantRedisCache):
    """Redis unreachable: a per-process local-memory cache stands in (see the module); it is
    emptied when Redis is back, so the next outage starts from nothing."""

    def __init__(self, server, params):
        super().__init__(server, params)
        name = f"redis-fallback:{self._location}:{self.key_prefix}"
        self._local = LocMemCache(
            name,
            {
                "TIMEOUT": params.get("TIMEOUT", 300),
                "KEY_PREFIX": self.key_prefix,
                "VERSION": self.version,
                "KEY_FUNCTION": params.get("KEY_FUNCTION"),
                "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES},
            },
        )
        self._breaker.on_recovery(name, self._local.clear)

    def _stand_in(self, method, *args, default=None):
        if method == "count_in_window":
            key, window_seconds, version = args
            if self._local.add(key, 1, timeout=window_seconds, version=version):
                return 1
            try:
                return self._local.incr(key, version=version)
            except ValueError:  # expired between add and incr
                self._local.add(key, 1, timeout=window_seconds, version=version)
                return 1
        return getattr(self._local, method)(*args)
