"""A small fixed-window rate limit on the shared cache (Redis in production), for public forms
that send email or take seats, and the admin's sign-in (dialogue_hub/admin_site.py). The
sign-in pages of the site itself are throttled by allauth (ACCOUNT_RATE_LIMITS)."""

from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches
from django.core.cache.backends.redis import RedisCache


def client_ip(request) -> str:
    # Behind the production proxy REMOTE_ADDR is the proxy; gunicorn is configured with
    # forwarded-allow-ips so the real address arrives here. Good enough for throttling.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _count_on_redis(backend: RedisCache, cache_key: str, window_seconds: int) -> int:
    """Count one attempt in one round trip: create the counter with the window's expiry if
    it does not exist, then increment it (MULTI/EXEC: nothing runs in between). The value is
    the plain integer Django's Redis cache stores for ints, so `attempts` reads it."""
    key = backend.make_and_validate_key(cache_key)
    # Django's cache API has no "increment or create"; its Redis client gives the connection.
    client = backend._cache.get_client(key, write=True)
    with client.pipeline(transaction=True) as pipe:
        pipe.set(key, 0, ex=window_seconds, nx=True)
        pipe.incr(key)
        _created, count = pipe.execute()
    return count


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under `key`; False once more than `limit` happened in the window."""
    cache_key = f"ratelimit:{key}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache):  # add + exists + incr would be three round trips
        return _count_on_redis(backend, cache_key, window_seconds) <= limit
    if cache.add(cache_key, 1, timeout=window_seconds):
        return True
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.add(cache_key, 1, timeout=window_seconds)
        return True
    return count <= limit


def attempts(key: str) -> int:
    """How many attempts `allow` has counted under `key` in the current window (counts none)."""
    return cache.get(f"ratelimit:{key}", 0)
