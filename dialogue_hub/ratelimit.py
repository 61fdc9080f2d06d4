"""A small fixed-window rate limit on the shared cache (Redis in production), for public forms
that send email or take seats, and the admin's sign-in (dialogue_hub/admin_site.py). The
sign-in pages of the site itself are throttled by allauth (ACCOUNT_RATE_LIMITS)."""

from django.core.cache import cache


def client_ip(request) -> str:
    # Behind the production proxy REMOTE_ADDR is the proxy; gunicorn is configured with
    # forwarded-allow-ips so the real address arrives here. Good enough for throttling.
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under `key`; False once more than `limit` happened in the window."""
    cache_key = f"ratelimit:{key}"
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
