"""The issue's "Done when", as a host would try it, on the real things: PostgreSQL, a
redis-server of the test's own, gunicorn on the production settings with three workers counting
into PROMETHEUS_MULTIPROC_DIR, an SMTP sink, and later a real Celery worker process.

With the worker stopped, a due email waits: "oldest pending message" grows on /metrics and on
the superusers' status page (which says to look at the worker); once the worker starts, the
email is sent and both show none waiting, and the worker's heartbeat appears. The request
counts /metrics shows are the sum over the three gunicorn workers, whichever answers the scrape.
With Redis stopped, /metrics and the status page still answer (the page says Redis is down).
A real `celery beat` with no worker records its hand-over of the sweep and not the sweep: the
page tells a stopped worker from a stopped beat.

Everything is committed (transaction=True) so the app's and the worker's connections see it.
"""

from __future__ import annotations

import http.client
import re
import sys
import time
from contextlib import suppress

import pytest
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from prometheus_client.parser import text_string_to_metric_families

from dialogue_hub.models import OutboxMessage, OutboxStatus, User
from dialogue_hub.outbox import outbox_relay

from . import processes as procs
from .dialogue_hub.ops_rows import MINUTE, message
from .processes import HOST, Process, http_request
from .smtp_sink import SmtpSink, free_port
from .test_redis_outage import RedisServer, relay_to

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

STATUS = "/ops/status/"
GUNICORN_WORKERS = 3


def gauges(body: bytes) -> dict:
    found = {}
    for family in text_string_to_metric_families(body.decode()):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


class Stack:
    def __init__(self, tmp_path, redis_server, sink):
        self.tmp_path = tmp_path
        self.redis = redis_server
        self.env = procs.production_environment(
            sink.port, tmp_path / "static", redis_url=redis_server.url
        )
        self.env["PROMETHEUS_MULTIPROC_DIR"] = str(tmp_path / "prometheus")
        self.processes: list[Process] = []
        self.port = free_port()

    def logs(self) -> str:
        return "\n".join(process.log_tail() for process in self.processes)

    def start_web(self) -> None:
        procs.collect_static(self.env)
        web = Process(
            "gunicorn",
            [
                sys.executable,
                "-m",
                "gunicorn",
                "dialogue_hub.wsgi:application",
                "--bind",
                f"{HOST}:{self.port}",
                "--workers",
                str(GUNICORN_WORKERS),
                "--timeout",
                "60",
                "--graceful-timeout",
                "2",
            ],
            self.env,
            self.tmp_path,
        )
        self.processes.append(web)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert web.alive(), f"gunicorn exited:\n{self.logs()}"
            with suppress(OSError):
                if self.get("/healthz", timeout=5).status == 200:
                    return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer:\n{self.logs()}")

    def stop_worker(self) -> None:
        for process in [p for p in self.processes if p.name == "worker"]:
            process.stop()
            self.processes.remove(process)

    def start_worker(self) -> None:
        worker = Process(
            "worker",
            procs.celery_worker_argv("--pool=solo"),
            self.env,
            self.tmp_path,
        )
        self.processes.append(worker)
        deadline = time.monotonic() + 60
        while b" ready." not in worker.log_path.read_bytes():
            assert worker.alive(), f"the worker exited:\n{self.logs()}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{self.logs()}"
            time.sleep(0.1)

    def get(self, path, *, cookies=None, timeout=30.0):
        return http_request(self.port, "GET", path, cookies=cookies, timeout=timeout)

    def metrics(self) -> dict:
        response = self.get("/metrics")
        assert response.status == 200, response.body[:300]
        return gauges(response.body)

    def status_page(self, cookies) -> str:
        response = self.get(STATUS, cookies=cookies)
        assert response.status == 200, (response.status, response.body[:300])
        return " ".join(response.body.decode().split())

    def stop(self) -> None:
        for process in self.processes:
            process.stop()


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    """One stack for the module (collecting the static files takes a while): each test leaves
    it as it found it (no worker running, Redis up)."""
    tmp_path = tmp_path_factory.mktemp("ops_stack")
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    with SmtpSink() as sink:
        stack = Stack(tmp_path, redis_server, sink)
        stack.sink = sink
        try:
            stack.start_web()
            yield stack
        finally:
            stack.stop()
            redis_server.stop()


def superuser_cookies() -> dict:
    """A signed-in session of a superuser, written where the app keeps sessions (the database)."""
    user = User.objects.create_superuser(email="host@example.org", password="x" * 20)
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return {"sessionid": session.session_key}


def waited_seconds(page: str) -> int:
    found = re.search(r"waiting for [^(<]+\((\d+) seconds\)", page)
    assert found, page[page.find("Oldest message waiting") :][:300]
    return int(found.group(1))


def test_oldest_pending_grows_while_the_worker_is_stopped_and_drains_once_it_runs(stack):
    cookies = superuser_cookies()
    stack.sink.clear()
    row = message(due=16 * MINUTE)  # an email due 16 minutes ago, the worker stopped since
    with relay_to(stack.redis.url):
        assert outbox_relay() == 1  # handed to the broker: it waits in Redis for a worker

    first = stack.metrics()
    assert first[("dialogue_hub_outbox_due_messages", ())] == 1
    age = first[("dialogue_hub_outbox_oldest_due_age_seconds", ())]
    assert age >= 16 * 60
    assert first[("dialogue_hub_worker_last_seen_timestamp_seconds", ())] == 0
    page = stack.status_page(cookies)
    assert "Messages are waiting: the oldest has waited 16 minutes." in page
    assert "docker compose up -d worker" in page
    assert "No Celery worker has been seen running." in page
    seconds = waited_seconds(page)

    time.sleep(1.5)
    later = stack.metrics()
    assert later[("dialogue_hub_outbox_oldest_due_age_seconds", ())] >= age + 1
    assert waited_seconds(stack.status_page(cookies)) >= seconds + 1

    started = time.time()
    stack.start_worker()
    try:
        drains(stack, row, cookies, started)
    finally:
        stack.stop_worker()


def drains(stack, row, cookies, started) -> None:
    assert stack.sink.wait_for(1, timeout=30), stack.logs()
    deadline = time.monotonic() + 30
    while stack.metrics()[("dialogue_hub_outbox_due_messages", ())] != 0:
        assert time.monotonic() < deadline, stack.logs()
        time.sleep(0.2)
    drained = stack.metrics()
    assert drained[("dialogue_hub_outbox_oldest_due_age_seconds", ())] == 0
    sent = ("dialogue_hub_outbox_messages", (("channel", "email"), ("status", "sent")))
    assert drained[sent] == 1
    assert drained[("dialogue_hub_worker_last_seen_timestamp_seconds", ())] >= started - 1
    page = stack.status_page(cookies)
    assert "none waiting" in page
    assert "Messages are waiting" not in page
    assert "No Celery worker" not in page
    assert OutboxMessage.objects.get(pk=row.pk).status == OutboxStatus.SENT
    assert stack.sink.count == 1


def test_request_counts_add_up_over_the_gunicorn_workers(stack):
    """Each of the three workers counts the requests it answers into its own file; every scrape,
    whichever worker answers it, shows the total."""

    def favicon_requests(found):
        return sum(
            count
            for (name, labels), count in found.items()
            if name == "django_http_requests_total_by_view_transport_method_total"
            and dict(labels).get("view") == "favicon"
        )

    # Three connections open at once: a sync worker takes one connection and waits for its
    # request, so each is taken by a different worker; four rounds, four requests each.
    for _ in range(4):
        connections = [
            http.client.HTTPConnection(HOST, stack.port, timeout=30)
            for _ in range(GUNICORN_WORKERS)
        ]
        for connection in connections:
            connection.connect()
        time.sleep(0.2)
        headers = {"Host": f"{HOST}:{stack.port}", "X-Forwarded-Proto": "https"}
        for connection in connections:
            connection.request("GET", "/favicon.ico", headers=headers)
        assert [connection.getresponse().status for connection in connections] == [301] * 3
        for connection in connections:
            connection.close()
    assert [favicon_requests(stack.metrics()) for _ in range(6)] == [12] * 6


def test_with_redis_stopped_metrics_and_the_status_page_still_answer(stack):
    cookies = superuser_cookies()
    stack.redis.stop()
    try:
        started = time.monotonic()
        found = stack.metrics()
        assert ("dialogue_hub_outbox_due_messages", ()) in found
        page = stack.status_page(cookies)
        assert time.monotonic() - started < 4
        assert "Redis does not answer." in page
        assert "docker compose up -d redis" in page
    finally:
        stack.redis.start()
    assert "Redis does not answer." not in stack.status_page(cookies)


def test_beat_handing_over_the_sweep_is_told_apart_from_a_worker_running_it(stack):
    """A real `celery beat` with no worker: its hand-over of the sweep is recorded (at the start
    of the next minute), the sweep itself is not, and the status page blames the worker."""
    cookies = superuser_cookies()
    beat = Process(
        "beat",
        [sys.executable, "-m", "celery", "-A", "dialogue_hub", "beat", "--loglevel=INFO"],
        stack.env,
        stack.tmp_path,
    )
    stack.processes.append(beat)
    handover = ("dialogue_hub_beat_last_handover_timestamp_seconds", ())
    try:
        deadline = time.monotonic() + 90  # beat sends the sweep at the start of each minute
        while stack.metrics()[handover] == 0:
            assert beat.alive(), stack.logs()
            assert time.monotonic() < deadline, stack.logs()
            time.sleep(1)
    finally:
        beat.stop()
        stack.processes.remove(beat)
        stack.redis.client().flushall()  # the tasks beat sent, which no worker will run here
    found = stack.metrics()
    assert found[handover] >= time.time() - 120
    assert found[("dialogue_hub_outbox_sweep_last_run_timestamp_seconds", ())] == 0
    page = stack.status_page(cookies)
    assert "The outbox sweep has never run." in page
    assert "no worker runs it" in page
    assert "Celery beat is probably stopped" not in page
