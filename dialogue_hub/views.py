"""Project-level pages: the home page, the health check and the language switcher."""

import logging

import redis
from django.contrib.auth.decorators import login_not_required
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django.views.i18n import set_language as django_set_language

from dialogue_hub.privacy import suppress
from initiatives import cache as initiative_cache
from initiatives import selectors as initiative_selectors
from initiatives.permissions import has_perm
from participants import selectors as participant_selectors

from .cache_backends import RedisCache
from .celery import app as celery_app

logger = logging.getLogger(__name__)


def _shown(count: int):
    """A single count as it may be shown: None (rendered "fewer than 10") when 1 to 9."""
    return suppress({"n": count}).total_value


@login_not_required
@require_GET
def home(request):
    """Signed in: my initiatives and what needs attention. Anonymous: published initiatives."""
    if request.user.is_authenticated:
        summaries = initiative_selectors.initiative_summaries_for_user(user=request.user)
        # Counting every participant of a large initiative on each visit is the page's slowest
        # query: the counts are kept per initiative until it changes (initiatives/cache.py).
        counts = initiative_cache.cached_many(
            [s.initiative.pk for s in summaries],
            "participant-counts",
            participant_selectors.participant_counts,
        )
        for summary in summaries:
            mine = counts.get(summary.initiative.pk) or {
                "active": 0,
                "waitlisted": 0,
                "awaiting_guardian": 0,
            }
            # Small counts are hidden from everyone but the data steward (who sees individuals).
            if has_perm(summary.roles, "demographics.view"):
                summary.participants = mine
            elif has_perm(summary.roles, "participants.view"):
                summary.participants = {key: _shown(value) for key, value in mine.items()}
            else:
                # Roles without the roster see the total only.
                summary.participants = {"active": _shown(mine["active"])}
        return render(request, "home.html", {"summaries": summaries})
    initiatives = initiative_selectors.public_initiatives()
    return render(request, "home_public.html", {"initiatives": initiatives})


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


# The language switcher posts here; it must work before anyone signs in.
set_language = login_not_required(django_set_language)
