"""A small fixed-window rate limit on the shared cache (Redis in production), for public forms
that send email or take seats, and the admin's sign-in (dialogue_hub/admin_site.py). The
sign-in pages of the site itself are throttled by allauth (ACCOUNT_RATE_LIMITS), keyed on the
same client address (dialogue_hub/adapters.py).

Each form counts per client (the visitor's address, `client_key`) and per target (the email
address or username it is about), so one client cannot close a form for everyone and a
stream of clients cannot pound one address.

When Redis is unreachable the default cache falls back to per-process memory
(dialogue_hub/cache_backends.py): the limits then count per web process, so each of N processes
allows the limit (N times it in all) until Redis is back. That is logged (a warning, at most
once a minute per process)."""

import ipaddress
import logging
import time

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, cache, caches

logger = logging.getLogger(__name__)
_warned_at = -60.0


def client_ip(request) -> str:
    """The visitor's address. With DIALOGUE_HUB_TRUSTED_PROXY_HOPS = 0 (the default: no proxy
    in front) it is REMOTE_ADDR, and X-Forwarded-For is ignored: anyone can send one. Behind N
    proxies of our own, each appending the address it received the request from to
    X-Forwarded-For (nginx's $proxy_add_x_forwarded_for, Caddy, Traefik, cloud load balancers),
    REMOTE_ADDR is the last proxy and the client is the N-th entry from the right; entries
    further left were written by the client and are not trusted. gunicorn does not rewrite
    REMOTE_ADDR (its forwarded-allow-ips only concerns the scheme headers)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    hops = settings.DIALOGUE_HUB_TRUSTED_PROXY_HOPS
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if hops <= 0 or not forwarded:
        return remote
    entries = [entry.strip() for entry in forwarded.split(",") if entry.strip()]
    if not entries:
        return remote
    # Fewer entries than proxies: the request came through fewer (or a proxy did not append);
    # the leftmost is then the address our outermost proxy that appended saw.
    candidate = _without_port(entries[-min(hops, len(entries))])
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        logger.warning("Unusable X-Forwarded-For entry %r: counting REMOTE_ADDR.", candidate)
        return remote


def _without_port(entry: str) -> str:
    """An X-Forwarded-For entry as an address: some load balancers write "203.0.113.5:4711"
    or "[2001:db8::1]:4711"."""
    if entry.startswith("["):
        return entry[1:].split("]", 1)[0]
    if entry.count(":") == 1:  # IPv4 with a port (a bare IPv6 address has several colons)
        return entry.split(":", 1)[0]
    return entry


def client_key(request) -> str:
    """What a per-client limit counts under: the client's address, or for IPv6 its /64 network
    (one household's or machine's addresses: a client can pick any in it)."""
    ip = client_ip(request)
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def _note_per_process(backend) -> None:
    global _warned_at
    if getattr(backend, "degraded", False):
        now = time.monotonic()
        if now - _warned_at >= 60:
            _warned_at = now
            logger.warning(
                "Rate limits are counted per process: the shared cache (Redis) is unreachable."
            )


def allow(key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one attempt under `key`; False once more than `limit` happened in the window."""
    cache_key = f"ratelimit:{key}"
    backend = caches[DEFAULT_CACHE_ALIAS]
    if hasattr(backend, "count_in_window"):  # Redis: one round trip, not add + incr
        count = backend.count_in_window(cache_key, window_seconds)
        _note_per_process(backend)
        return count <= limit
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
