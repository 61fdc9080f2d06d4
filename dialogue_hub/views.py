"""Project-level pages: the health check and the language switcher (the home page reads the
apps, so it lives in participants/views/home.py)."""

import logging

import redis
from django.contrib.auth.decorators import login_not_required
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import DatabaseError, connection
from django.http import HttpResponsePermanentRedirect, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.templatetags.static import static
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import set_language as django_set_language

from .cache_backends import RedisCache
from .celery import app as celery_app

logger = logging.getLogger(__name__)


def _database_status() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:  # any failure means "not healthy"; the reason goes to the log
        logger.exception("Health check: database unreachable")
        return "error"
    return "ok"


def _broker_status() -> str:
    url = celery_app.conf.broker_url or ""
    try:
        if url.startswith(("redis://", "rediss://")):
            # A hung Redis accepts the connection and never answers: give up after half a second.
            client = redis.Redis.from_url(url, socket_connect_timeout=0.5, socket_timeout=0.5)
            try:
                client.ping()
            finally:
                client.close()
        else:
            with celery_app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=2)
    except Exception:
        logger.exception("Health check: broker unreachable")
        return "error"
    return "ok"


def _cache_status() -> str:
    """The shared cache (Redis in production; other caches have nothing to be down)."""
    backend = caches[DEFAULT_CACHE_ALIAS]
    if isinstance(backend, RedisCache) and not backend.ping():
        return "error"
    return "ok"


@login_not_required
@never_cache
@require_GET
def healthz(request):
    checks = {
        "database": _database_status(),
        "broker": _broker_status(),
        "cache": _cache_status(),
    }
    healthy = all(value == "ok" for value in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "error", **checks},
        status=200 if healthy else 503,
    )


@login_not_required
@cache_control(max_age=86400, public=True)
@require_GET
def favicon(request):
    """Browsers ask for /favicon.ico where a document names no icon (an image, a PDF, a CSV opened
    in a tab). Answering with the site's icon, not the 404 page, keeps such requests from
    rendering a page: a 404 in the site's layout carries a form, so to a visitor without a CSRF
    cookie it issues one, which can overwrite the cookie of the page they are filling in."""
    return HttpResponsePermanentRedirect(static("favicon.svg"))


# The language switcher posts here; it must work before anyone signs in.
set_language = login_not_required(django_set_language)


# Unknown or expired short links a client may ask for in an hour: far beyond a person mistyping
# one, far below what guessing a 70-bit code would need. Links that work are never counted:
# a class on one school network opening their reminders shares one address.
SHORT_LINK_MISSES_PER_HOUR = 60


@login_not_required
@require_GET
@never_cache
def short_link(request, code: str):
    """/t/<code>/: a text message's short link, on to the page it stands for
    (dialogue_hub/shortlinks.py). Unknown or expired: a page saying so, nothing else."""
    from . import ratelimit, shortlinks  # noqa: PLC0415

    try:
        target = shortlinks.resolve(code)
    except DatabaseError:  # the database is down or too slow: say so, try again in a moment
        logger.exception("Short link: the database did not answer.")
        context = {"unavailable": True}
        response = render(request, "texts/short_link_gone.html", context, status=503)
        response["Retry-After"] = "60"
        return response
    if target is None:
        client = f"shortlink-miss:{ratelimit.client_key(request)}"
        if not ratelimit.allow(client, limit=SHORT_LINK_MISSES_PER_HOUR, window_seconds=3600):
            context = {"throttled": True}
            response = render(request, "texts/short_link_gone.html", context, status=429)
            response["Retry-After"] = "3600"
            return response
        return render(request, "texts/short_link_gone.html", {"throttled": False}, status=404)
    response = HttpResponseRedirect(target)
    response["Referrer-Policy"] = "no-referrer"
    return response
