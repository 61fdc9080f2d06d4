"""The caches on a Redis that is stopped (connections refused) or hung (connections accepted,
never answered): no call raises, a hung server costs one short timeout and not one per call
(the circuit breaker), the default cache keeps counting in per-process memory (rate limits
hold per process, and that is logged), and writes Redis missed are not read back stale from it
once it is reachable again."""

import socket
import time

import pytest
from django.core.cache import caches

from dialogue_hub import cache_backends, ratelimit


@pytest.fixture(autouse=True)
def _fresh_breakers(monkeypatch):
    cache_backends._breakers.clear()
    # The "counted per process" warning is logged once a minute: each test starts unwarned.
    monkeypatch.setattr(ratelimit, "_warned_at", -60.0)
    yield
    cache_backends._breakers.clear()


@pytest.fixture
def hung_redis():
    """A TCP port that accepts connections (the kernel completes the handshake) and never
    answers: what a paused (SIGSTOP) or wedged Redis looks like from outside."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as server:
        server.bind(("127.0.0.1", 0))
        server.listen(128)
        yield f"redis://127.0.0.1:{server.getsockname()[1]}/0"


@pytest.fixture
def stopped_redis():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there any more


def _caches(settings, url):
    settings.CACHES = {
        "default": {"BACKEND": "dialogue_hub.cache_backends.FallbackRedisCache", "LOCATION": url},
        "template_fragments": {
            "BACKEND": "dialogue_hub.cache_backends.TolerantRedisCache",
            "LOCATION": url,
        },
    }
    return caches["default"], caches["template_fragments"]


@pytest.mark.parametrize("server", ["hung_redis", "stopped_redis"])
def test_no_cache_call_raises_and_a_hung_server_costs_one_timeout(
    request, settings, server, caplog
):
    default, fragments = _caches(settings, request.getfixturevalue(server))
    started = time.monotonic()
    assert fragments.get("figure") is None
    first = time.monotonic() - started
    assert first < 1.5, f"the first call waited {first:.2f}s"
    assert "unreachable" in caplog.text

    started = time.monotonic()
    for _ in range(50):  # the breaker is open: nothing waits for the server again
        fragments.set("figure", 1)
        assert fragments.get("figure") is None  # a miss
        assert fragments.get_many(["a", "b"]) == {}
        assert fragments.add("token", "x") is False
        fragments.delete("token")
        assert default.add("lock", 1) is True  # per-process memory stands in
        assert default.get("lock") == 1
        default.delete("lock")
    assert time.monotonic() - started < 0.5


def test_rate_limits_count_per_process_while_redis_is_hung_and_say_so(settings, hung_redis, caplog):
    _caches(settings, hung_redis)
    results = [
        ratelimit.allow("register:203.0.113.9", limit=3, window_seconds=60) for _ in range(5)
    ]
    assert results == [True, True, True, False, False]
    assert ratelimit.attempts("register:203.0.113.9") == 5
    assert "Rate limits are counted per process" in caplog.text


@pytest.mark.redis
def test_a_write_redis_missed_is_not_read_back_stale_when_it_returns(settings):
    """A session or version token changed while Redis was unreachable: once Redis answers
    again the key is deleted there before anything reads it (not the value from before)."""
    _default, fragments = _caches(settings, settings.REDIS_URL)
    key = "test-missed-write"
    try:
        fragments.set(key, "before the outage", 60)
        assert fragments.get(key) == "before the outage"
        breaker = cache_backends.breaker_for(settings.REDIS_URL)
        breaker.trip(ConnectionError("simulated outage"))
        fragments.set(key, "during the outage", 60)  # skipped: Redis "unreachable"
        assert fragments.get(key) is None
        breaker._open_until = 0  # the retry time has come and Redis answers
        assert fragments.get(key) is None  # deleted there first: never "before the outage"
        assert not breaker.has_missed(fragments._location)
        fragments.set(key, "after", 60)
        assert fragments.get(key) == "after"
    finally:
        fragments.delete(key)
