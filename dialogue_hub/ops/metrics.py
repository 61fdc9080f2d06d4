"""/metrics: Prometheus's text format, for an allowed scraper only.

What it holds:
- django-prometheus's counters and histograms of this web server: requests, responses and
  latency per view (django_http_*), database queries and their time (django_db_*). Each gunicorn
  worker process counts its own; with PROMETHEUS_MULTIPROC_DIR set they write their counts to
  files there and this adds them all up, whichever worker answers the scrape.
- the app's own gauges (`AppCollector`), computed in SQL at each scrape (three queries): the
  outbox by status and channel, the due messages and the age of the oldest, failures in the
  last hour, messages waiting for a retry, and the heartbeats' times (beat's hand-over of the
  sweep, the last sweep, a worker, a backup) as Unix timestamps, 0 for never. They read the
  database only, so a Redis outage changes nothing here.

Who may read it: a client whose address (dialogue_hub.ratelimit.client_ip, which follows
DJANGO_TRUSTED_PROXY_HOPS) is in DIALOGUE_HUB_METRICS_ALLOWED_IPS, or one that sends
`Authorization: Bearer <DIALOGUE_HUB_METRICS_TOKEN>`. Anyone else gets the site's 404.
"""

from __future__ import annotations

import ipaddress
import os
import platform
from functools import lru_cache

import django
from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily

from .. import backups, ratelimit
from . import heartbeats, selectors

HEARTBEATS = {
    "beat": (
        "dialogue_hub_beat_last_handover_timestamp_seconds",
        "When Celery beat last handed the outbox sweep to the broker (Unix time, 0: never).",
    ),
    "sweep": (
        "dialogue_hub_outbox_sweep_last_run_timestamp_seconds",
        "When a worker last finished the outbox sweep beat starts every minute (0: never).",
    ),
    "worker": (
        "dialogue_hub_worker_last_seen_timestamp_seconds",
        "When a Celery worker last showed it is running; every 30 s while one runs (0: never).",
    ),
}
BACKUP_METRIC = (
    "dialogue_hub_backup_last_timestamp_seconds",
    "When the last backup was written, from deploy/backup.sh's latest.json (0: none known).",
)


class AppCollector:
    """The app's gauges, read from the database when Prometheus scrapes."""

    def collect(self):
        now = timezone.now()
        figures = selectors.outbox_figures(now=now)
        beats = heartbeats.heartbeats()
        info = GaugeMetricFamily(
            "dialogue_hub_info", "The versions running.", labels=["version", "django", "python"]
        )
        info.add_metric(
            [selectors.app_version(), django.get_version(), platform.python_version()], 1
        )
        yield info
        messages = GaugeMetricFamily(
            "dialogue_hub_outbox_messages",
            "Outbox messages (emails and texts) by status and channel.",
            labels=["status", "channel"],
        )
        for (status, channel), count in sorted(figures.counts.items()):
            messages.add_metric([status, channel], count)
        yield messages
        yield GaugeMetricFamily(
            "dialogue_hub_outbox_due_messages",
            "Pending messages whose send time has come.",
            value=figures.due,
        )
        yield GaugeMetricFamily(
            "dialogue_hub_outbox_oldest_due_age_seconds",
            "How long the oldest due pending message has waited past its send time (0: none).",
            value=figures.oldest_due_seconds,
        )
        yield GaugeMetricFamily(
            "dialogue_hub_outbox_failed_last_hour",
            "Messages that ended failed (no more tries) in the last hour.",
            value=figures.failed_last_hour,
        )
        yield GaugeMetricFamily(
            "dialogue_hub_outbox_retrying_messages",
            "Pending messages waiting to be tried again after a failed try.",
            value=figures.retrying,
        )
        for name, (metric, documentation) in HEARTBEATS.items():
            at = beats.get(name)
            yield GaugeMetricFamily(metric, documentation, value=at.timestamp() if at else 0)
        backup = backups.last_backup()
        yield GaugeMetricFamily(*BACKUP_METRIC, value=backup["time"].timestamp() if backup else 0)


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]):
    return tuple(ipaddress.ip_network(network, strict=False) for network in allowed)


def _bearer(request) -> str:
    scheme, _, credentials = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" else ""


def scrape_allowed(request) -> bool:
    """The token, when one is set and sent; otherwise the client's address."""
    token = settings.DIALOGUE_HUB_METRICS_TOKEN
    given = _bearer(request)
    if token and given and constant_time_compare(given, token):
        return True
    try:
        address = ipaddress.ip_address(ratelimit.client_ip(request))
    except ValueError:
        return False
    if address.version == 6 and address.ipv4_mapped is not None:  # ::ffff:127.0.0.1
        address = address.ipv4_mapped
    return any(
        address in network
        for network in _networks(tuple(settings.DIALOGUE_HUB_METRICS_ALLOWED_IPS))
    )


def exposition() -> bytes:
    """Every metric in Prometheus's text format: this web server's (all its gunicorn workers'
    with PROMETHEUS_MULTIPROC_DIR), then the app's gauges."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    app = CollectorRegistry(auto_describe=False)
    app.register(AppCollector())
    return generate_latest(processes) + generate_latest(app)


def metrics_response() -> HttpResponse:
    response = HttpResponse(exposition(), content_type=CONTENT_TYPE_LATEST)
    response["Cache-Control"] = "no-store"
    return response
