"""/metrics: the app's gauges are right (computed in SQL at scrape time, in three queries),
django-prometheus's request and database figures are there, and only an allowed address or the
token reads it: anyone else gets the site's 404, behind proxies too. The heartbeats are
written by what they stand for: the sweep by the relay task, beat's by a publish in beat's
process only. A real gunicorn with several workers and a real Celery worker: tests/test_ops_stack.py.
"""

import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from celery.signals import after_task_publish, beat_init
from django.conf import settings as django_settings
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from dialogue_hub import tasks
from dialogue_hub.models import Heartbeat
from dialogue_hub.ops import celery_signals, heartbeats, selectors

from .ops_rows import MINUTE, message, mixed_outbox

pytestmark = pytest.mark.django_db

TOKEN = "t" * 40
OUTSIDE = "203.0.113.9"


def samples(body: bytes) -> dict:
    """{(name, ((label, value), …)): value} of every sample in a scrape."""
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(client) -> dict:
    response = client.get("/metrics")
    assert response.status_code == 200
    return samples(response.content)


def value(found: dict, name: str, **labels) -> float:
    return found[(name, tuple(sorted(labels.items())))]


def test_outbox_figures_count_every_status_and_channel_in_two_queries(
    django_assert_num_queries,
):
    mixed_outbox()
    now = timezone.now()
    with django_assert_num_queries(2):
        figures = selectors.outbox_figures(now=now)
    assert figures.counts == {
        ("pending", "email"): 4,
        ("pending", "text"): 1,
        ("sending", "email"): 1,
        ("sending", "text"): 0,
        ("sent", "email"): 2,
        ("sent", "text"): 1,
        ("failed", "email"): 2,
        ("failed", "text"): 1,
        ("cancelled", "email"): 1,
        ("cancelled", "text"): 0,
        ("skipped", "email"): 1,
        ("skipped", "text"): 0,
    }
    assert figures.due == 4  # the one scheduled for tomorrow is not due
    assert 40 * 60 - 5 <= figures.oldest_due_seconds <= 40 * 60 + 5
    assert figures.failed_last_hour == 2  # not the one that failed two hours ago
    assert figures.retrying == 1


def test_no_due_message_is_an_age_of_zero():
    message(due=-60 * MINUTE)  # scheduled, not due
    figures = selectors.outbox_figures()
    assert (figures.due, figures.oldest_due_at, figures.oldest_due_seconds) == (0, None, 0.0)


def test_metrics_show_the_app_gauges_in_three_queries(client, django_assert_num_queries):
    mixed_outbox()
    swept = timezone.now() - timedelta(minutes=3)
    heartbeats.heartbeat_record("sweep", at=swept)
    with django_assert_num_queries(3):
        response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=")  # Prometheus text format
    found = samples(response.content)
    assert value(found, "dialogue_hub_outbox_messages", status="pending", channel="email") == 4
    assert value(found, "dialogue_hub_outbox_messages", status="failed", channel="text") == 1
    assert value(found, "dialogue_hub_outbox_messages", status="skipped", channel="text") == 0
    assert value(found, "dialogue_hub_outbox_due_messages") == 4
    assert 40 * 60 - 5 <= value(found, "dialogue_hub_outbox_oldest_due_age_seconds") <= 40 * 60 + 5
    assert value(found, "dialogue_hub_outbox_failed_last_hour") == 2
    assert value(found, "dialogue_hub_outbox_retrying_messages") == 1
    sweep = value(found, "dialogue_hub_outbox_sweep_last_run_timestamp_seconds")
    assert sweep == pytest.approx(swept.timestamp())
    # Never recorded: 0, so "time() - x > 300" fires rather than staying silent.
    assert value(found, "dialogue_hub_worker_last_seen_timestamp_seconds") == 0
    assert value(found, "dialogue_hub_beat_last_handover_timestamp_seconds") == 0
    assert value(found, "dialogue_hub_backup_last_timestamp_seconds") == 0


def test_metrics_count_requests_per_view_and_database_time(client):
    client.get("/healthz")
    client.get("/healthz")
    found = samples(client.get("/metrics").content)
    requests = {
        labels: count
        for (name, labels), count in found.items()
        if name == "django_http_requests_total_by_view_transport_method_total"
    }
    assert any(
        dict(labels).get("view") == "healthz" and count >= 2 for labels, count in requests.items()
    )
    assert any(name.startswith("django_db_query_duration_seconds") for name, _labels in found)
    assert any(
        name == "django_http_requests_latency_seconds_by_view_method_count" for name, _ in found
    )


# --- who may read it ------------------------------------------------------------------------------


def test_an_address_outside_the_allowed_networks_gets_the_sites_404(client):
    response = client.get("/metrics", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 404
    assert b"dialogue_hub_outbox" not in response.content
    assert b"We can" in response.content  # the site's own 404 page, as for any unknown address
    assert client.post("/metrics", REMOTE_ADDR=OUTSIDE).status_code == 404


def test_loopback_is_allowed_by_default_and_posting_is_refused(client):
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="::ffff:127.0.0.1").status_code == 200
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 405


def test_the_allowed_networks_are_a_setting(client, settings):
    settings.DIALOGUE_HUB_METRICS_ALLOWED_IPS = ["10.0.0.0/8"]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="11.0.0.1").status_code == 404


def test_the_token_lets_any_address_in_and_nothing_else_does(client, settings):
    settings.DIALOGUE_HUB_METRICS_TOKEN = TOKEN
    bearer = {"REMOTE_ADDR": OUTSIDE}
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **bearer).status_code == 200
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"bearer {TOKEN}", **bearer).status_code == 200
    assert (
        client.get("/metrics", HTTP_AUTHORIZATION=f"Bearer {TOKEN}x", **bearer).status_code == 404
    )
    assert client.get("/metrics", HTTP_AUTHORIZATION=f"Basic {TOKEN}", **bearer).status_code == 404
    assert client.get("/metrics", **bearer).status_code == 404


def test_without_a_token_set_no_bearer_gets_in(client, settings):
    settings.DIALOGUE_HUB_METRICS_TOKEN = ""
    response = client.get("/metrics", HTTP_AUTHORIZATION="Bearer ", REMOTE_ADDR=OUTSIDE)
    assert response.status_code == 404


def test_behind_a_proxy_the_client_is_read_as_the_rate_limits_read_it(client, settings):
    """A TLS proxy on this machine connects from 127.0.0.1: the visitor it passes on is the
    address it appended to X-Forwarded-For, not the proxy's loopback, whatever the visitor
    wrote there themselves."""
    settings.DIALOGUE_HUB_TRUSTED_PROXY_HOPS = 1
    through_proxy = {"REMOTE_ADDR": "127.0.0.1"}
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR=OUTSIDE, **through_proxy).status_code == 404
    forged = f"127.0.0.1, {OUTSIDE}"
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR=forged, **through_proxy).status_code == 404
    # Prometheus on this machine, straight to gunicorn: no X-Forwarded-For.
    assert client.get("/metrics", **through_proxy).status_code == 200


def test_a_scraper_naming_the_replica_by_its_address_is_answered(client):
    """Prometheus sends the target's address as Host: not a host the site answers to."""
    allowed = client.get("/metrics", HTTP_HOST="10.0.3.7:8000")
    assert allowed.status_code == 200
    assert b"dialogue_hub_outbox_messages" in allowed.content
    refused = client.get("/metrics", HTTP_HOST="10.0.3.7:8000", REMOTE_ADDR=OUTSIDE)
    assert refused.status_code == 400  # the host check, as for any page


def test_metrics_read_no_redis(client, settings):
    """The gauges come from the database alone: a Redis that is down changes nothing."""
    settings.REDIS_URL = "redis://127.0.0.1:1/0"
    response = client.get("/metrics")
    assert response.status_code == 200
    assert b"dialogue_hub_outbox_due_messages" in response.content


# --- the heartbeats -------------------------------------------------------------------------------


def test_the_relay_task_records_the_sweep():
    assert heartbeats.heartbeats() == {}
    before = timezone.now()
    tasks.outbox_relay.delay()
    assert heartbeats.heartbeats()["sweep"] >= before


def test_a_heartbeat_is_one_row_overwritten(django_assert_num_queries):
    first = timezone.now() - timedelta(minutes=5)
    heartbeats.heartbeat_record("worker", at=first)
    with django_assert_num_queries(1):
        heartbeats.heartbeat_record("worker")
    assert Heartbeat.objects.filter(name="worker").count() == 1
    assert heartbeats.heartbeats()["worker"] > first


@pytest.fixture
def not_beat():
    saved = dict(celery_signals._state)
    celery_signals._state["beat"] = False
    yield
    celery_signals._state.update(saved)


def test_only_beats_process_records_beats_handover(not_beat):
    after_task_publish.send(sender=celery_signals.SWEEP_TASK)  # a web or worker process
    assert "beat" not in heartbeats.heartbeats()
    beat_init.send(sender=None)  # this process is now beat's
    after_task_publish.send(sender="dialogue_hub.tasks.outbox_send")
    assert "beat" not in heartbeats.heartbeats()
    after_task_publish.send(sender=celery_signals.SWEEP_TASK)
    assert "beat" in heartbeats.heartbeats()


def test_the_last_backup_is_the_time_the_backup_job_wrote(client, settings, tmp_path):
    settings.DIALOGUE_HUB_BACKUP_DIR = str(tmp_path)
    assert value(scrape(client), "dialogue_hub_backup_last_timestamp_seconds") == 0  # unknown
    written = timezone.now() - timedelta(hours=3)
    marker = {"time": written.isoformat(), "file": "dialogue-x.dump", "size": 1234}
    (tmp_path / "latest.json").write_text(json.dumps(marker))
    found = scrape(client)
    assert value(found, "dialogue_hub_backup_last_timestamp_seconds") == pytest.approx(
        written.timestamp()
    )


def test_the_alerts_and_the_readme_name_metrics_the_endpoint_has(client):
    """deploy/prometheus/alerts.yml (compose's Prometheus) and the README's PromQL name only
    metrics /metrics serves: renaming one without them fails here."""
    root = Path(django_settings.BASE_DIR)
    rules = yaml.safe_load((root / "deploy/prometheus/alerts.yml").read_text())
    alerts = {rule["alert"]: rule["expr"] for rule in rules["groups"][0]["rules"]}
    assert {"OutboxMessageWaiting", "NoBeatSweep", "HighErrorRate"} <= set(alerts)
    readme = (root / "README.md").read_text()
    section = readme.split("### Metrics and the status page", 1)[1].split("\n## ", 1)[0]
    code = re.findall(r"`([^`]+)`", section)
    metric = re.compile(r"\b(?:dialogue_hub|django)_[a-z_]+")
    named = set(metric.findall(" ".join([*alerts.values(), *code])))
    assert "dialogue_hub_outbox_oldest_due_age_seconds" in named
    client.get("/healthz")  # a response for django-prometheus to count
    served = {name for name, _labels in samples(client.get("/metrics").content)}
    families = {
        name.removesuffix("_bucket").removesuffix("_count").removesuffix("_sum") for name in served
    }
    assert named - served - families == set()
