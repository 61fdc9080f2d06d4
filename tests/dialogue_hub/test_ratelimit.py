"""The rate limit counts each attempt once, on the real Redis (one round trip) and on the other
caches alike, and its window expires."""

import uuid

import pytest
from django.core.cache import caches

from dialogue_hub import ratelimit


def test_attempts_beyond_the_limit_are_refused_and_counted():
    key = f"test:{uuid.uuid4().hex}"
    assert [ratelimit.allow(key, limit=3, window_seconds=60) for _ in range(5)] == [
        True,
        True,
        True,
        False,
        False,
    ]
    assert ratelimit.attempts(key) == 5
    assert ratelimit.attempts(f"{key}:other") == 0


@pytest.fixture
def redis_cache(settings):
    """The default cache on the real Redis, as in production, under a key prefix of its own."""
    settings.CACHES = {
        "default": {
            "BACKEND": "dialogue_hub.cache_backends.RedisCache",
            "LOCATION": settings.REDIS_URL,
            "KEY_PREFIX": f"test-{uuid.uuid4().hex}",
        }
    }
    return caches["default"]


@pytest.mark.redis
def test_on_redis_one_counter_with_the_windows_expiry(redis_cache):
    backend = redis_cache
    key = "register:203.0.113.7"
    try:
        results = [ratelimit.allow(key, limit=2, window_seconds=30) for _ in range(4)]
        assert results == [True, True, False, False]
        assert ratelimit.attempts(key) == 4
        client = backend._cache.get_client()
        ttl = client.ttl(backend.make_key(f"ratelimit:{key}"))
        assert 0 < ttl <= 30  # set once, by the first attempt: later ones do not extend it
    finally:
        backend.delete(f"ratelimit:{key}")


@pytest.mark.redis
def test_the_redis_cache_reuses_one_client_and_still_reads_and_writes(redis_cache):
    backend = redis_cache
    try:
        assert backend._cache.get_client() is backend._cache.get_client(write=True)
        backend.set("a", {"n": 1}, 30)
        assert backend.get_many(["a", "b"]) == {"a": {"n": 1}}
        assert backend.add("a", 2) is False
        backend.delete("a")
        assert backend.get("a") is None
    finally:
        backend.delete("a")
