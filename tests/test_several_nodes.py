"""Several nodes: two gunicorn instances and two Celery workers on the production settings,
sharing one PostgreSQL and one Redis, as docker-compose.yml runs `web` and `worker` scaled up.
Through real HTTP to both nodes:

- a write through node A is on node B's cached pages at B's very next request: B's copy of
  the roster (its rows and count are kept per initiative version, initiatives/cache.py) was
  warm, so a cache per process would show B the old list;
- a session signed in on A works on B, and signing out on B ends it on A;
- the rate limits count across the nodes: allauth's 5 failed sign-ins per account and the
  manage-link request's 10 per client, hit alternately on A and B, trip at those totals; the
  client is the address the first of compose's two proxies appended to X-Forwarded-For
  (DJANGO_TRUSTED_PROXY_HOPS=2), whatever the client wrote there itself;
- the meeting-reminder planner, triggered on both workers at once (as two beats would), sends
  each due reminder once.

Each gunicorn has one worker process, so "warm on B" is certain. The processes start once for
the module; each test commits its data (transaction=True) and starts with Redis's cache keys
and rate-limit counters gone (the broker's keys are left alone: the workers are bound to them).
"""

from __future__ import annotations

import ast
import json
import re
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.urls import reverse
from django.utils import timezone

from dialogue_hub.celery import app as celery_app
from dialogue_hub.models import OutboxMessage, OutboxStatus
from guides.services import reminders as reminder_services
from initiatives.models import Role
from participants.views import public as public_views

from . import processes as procs
from .factories import (
    PASSWORD,
    InitiativeFactory,
    MembershipFactory,
    ParticipantFactory,
    RegistrationSettingsFactory,
    UserFactory,
)
from .helpers import registration_answers
from .processes import HOST, Process, http_request
from .smtp_sink import SmtpSink, free_port
from .test_outbox_worker import (
    circles_meeting_in,
    purge_queue,  # noqa: F401 (used by real_broker)
    queued_tasks,
    real_broker,  # noqa: F401 (a fixture)
)

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

# The host's TLS proxy as compose's nginx sees it (the compose network's gateway).
TLS_PROXY = "172.18.0.1"
START_WITHIN = 120  # seconds, for all four processes together (a loaded `make test` is slow)


# --- the nodes ----------------------------------------------------------------------------------


class Node:
    """One gunicorn instance (one worker process) on a port of its own."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name = name
        self.port = free_port()
        self.process = Process(name, procs.gunicorn_argv(self.port), env, log_dir)

    def ready(self) -> bool:
        assert self.process.alive(), f"gunicorn {self.name} exited:\n{self.process.log_tail()}"
        answer = procs.health(self.port)
        return answer is not None and answer.status == 200

    def request(
        self, method, path, data=None, *, cookies=None, client=None, forged=None, timeout=30.0
    ):
        """A request as docker-compose.yml's two proxies forward it to any node: with the
        site's one Host (allauth's per-account sign-in limit counts under the host's name too)
        and, given a `client` (the address the host's TLS proxy received the request from), an
        X-Forwarded-For to which the TLS proxy appended `client` and compose's nginx the TLS
        proxy's address, after whatever the client sent itself (`forged`). Without a client
        there is none, and the nodes count the connection's own address (127.0.0.1)."""
        headers = {}
        if client:
            chain = [forged] if forged else []
            headers["X-Forwarded-For"] = ", ".join([*chain, client, TLS_PROXY])
        return http_request(
            self.port,
            method,
            path,
            data,
            cookies=cookies,
            host=HOST,
            headers=headers,
            timeout=timeout,
        )

    def sign_in(self, email: str, password: str = PASSWORD, *, client=None):
        return self.request(
            "POST", reverse("account_login"), {"login": email, "password": password}, client=client
        )


class Worker:
    """One `celery worker` (prefork, one child): with prefetch 1 and late acks it holds one
    task at a time, so two tasks sent at once go one to each worker."""

    def __init__(self, name: str, env: dict, log_dir: Path):
        self.name = name
        self.process = Process(
            name,
            procs.celery_worker_argv("--pool=prefork", "--concurrency=1", f"--hostname={name}@%h"),
            env,
            log_dir,
        )

    def ready(self) -> bool:
        assert self.process.alive(), f"{self.name} exited:\n{self.process.log_tail()}"
        return self.process.logged(b" ready.")

    def task_runs(self, task: str) -> list[tuple[datetime, float, dict]]:
        """(received at, seconds it ran, what it returned) for each run of `task`, from the
        worker's log (production's: one JSON object a line, dialogue_hub/logs.py)."""
        received, runs = {}, []
        for line in self.process.log().splitlines():
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            message = entry.get("message", "")
            if found := re.fullmatch(rf"Task {re.escape(task)}\[([\w-]+)\] received", message):
                received[found.group(1)] = datetime.fromisoformat(entry["time"])
            elif found := re.fullmatch(
                rf"Task {re.escape(task)}\[([\w-]+)\] succeeded in ([\d.]+)s: (\{{.*\}})", message
            ):
                task_id, seconds, result = found.groups()
                runs.append((task_id, float(seconds), ast.literal_eval(result)))
        return [(received[task_id], seconds, result) for task_id, seconds, result in runs]


class Cluster:
    def __init__(self, a: Node, b: Node, workers: list[Worker], sink: SmtpSink):
        self.a, self.b, self.workers, self.sink = a, b, workers, sink
        self.redis = redis.Redis.from_url(django_settings.REDIS_URL, socket_connect_timeout=2)

    def logs(self) -> str:
        parts = [node.process for node in (self.a, self.b)] + [w.process for w in self.workers]
        return "\n".join(process.log_tail() for process in parts)

    def cache_keys(self, pattern: str) -> list[bytes]:
        """The keys of the nodes' Django caches (prefix ":1:") matching `pattern`."""
        return list(self.redis.scan_iter(f":1:{pattern}"))

    def wait_until(self, predicate, *, timeout: float) -> None:
        try:
            procs.wait_until(predicate, timeout=timeout)
        except AssertionError as error:
            raise AssertionError(f"{error}\n{self.logs()}") from None

    def wait_idle(self, timeout: float = 30) -> None:
        """Until both workers answer and run no task (the tests before left emails to send):
        two tasks sent now then go one to each."""

        def idle() -> bool:
            active = celery_app.control.inspect(timeout=1).active() or {}
            return len(active) == len(self.workers) and not any(active.values())

        self.wait_until(idle, timeout=timeout)

    def forget_cache(self) -> None:
        """Empty the nodes' caches and rate-limit counters; the broker's keys stay."""
        keys = self.cache_keys("*")
        if keys:
            self.redis.delete(*keys)


@pytest.fixture(scope="module")
def cluster(django_db_setup, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("nodes")
    with SmtpSink() as sink:
        # Two proxies of ours in front of the nodes, as in docker-compose.yml (Node.request).
        env = procs.production_environment(
            sink.port, log_dir / "static", DJANGO_TRUSTED_PROXY_HOPS="2"
        )
        # Before the nodes start: whitenoise reads the manifest when the app loads.
        procs.collect_static(env)
        started: list[Node | Worker] = []
        try:
            for name in ("web-a", "web-b"):
                started.append(Node(name, env, log_dir))
            for name in ("worker-a", "worker-b"):
                started.append(Worker(name, env, log_dir))
            a, b, *workers = started
            found = Cluster(a, b, workers, sink)
            deadline = time.monotonic() + START_WITHIN
            waiting = list(started)
            while waiting:
                assert time.monotonic() < deadline, f"not ready in {START_WITHIN}s:\n{found.logs()}"
                waiting = [one for one in waiting if not one.ready()]
                time.sleep(0.2)
            yield found
        finally:
            procs.stop_all([one.process for one in started])


@pytest.fixture
def nodes(cluster):
    cluster.forget_cache()
    cluster.sink.clear()
    yield cluster
    cluster.forget_cache()


def _signed_in(response) -> dict[str, str]:
    assert response.status == 302, response.body[:2000]
    return {"sessionid": response.cookies["sessionid"]}


# --- one write, every node's cache --------------------------------------------------------------


def test_a_write_on_one_node_is_on_the_other_nodes_cached_page_and_the_session_is_shared(nodes):
    initiative = InitiativeFactory(is_published=True)
    RegistrationSettingsFactory(initiative=initiative)
    ParticipantFactory(initiative=initiative, name="Early Bird")
    organizer = MembershipFactory(initiative=initiative, role=Role.ORGANIZER).user
    procs.production_password(organizer)
    roster = reverse("participants:roster", args=[initiative.slug])

    # Signed in on A, the session works on B (sessions live in PostgreSQL).
    session = _signed_in(nodes.a.sign_in(organizer.email))
    warm = nodes.b.request("GET", roster, cookies=session)
    assert warm.status == 200, nodes.logs()
    assert b"Early Bird" in warm.body
    # B kept the roster's rows under the initiative's version, in the shared Redis: a cache
    # per process would keep them in B alone (and show B the old rows below).
    assert nodes.cache_keys(f"initiative-version:{initiative.pk}")
    assert nodes.cache_keys('template.cache."roster-rows".*')
    assert b"Early Bird" in nodes.b.request("GET", roster, cookies=session).body

    # A participant registers through A; B's very next roster shows her.
    register = reverse("participants:register", args=[initiative.slug])
    posted = nodes.a.request(
        "POST", register, registration_answers(email="nodea@example.net", name="Nodea Newcomer")
    )
    assert posted.status == 302, posted.body[:2000]
    after = nodes.b.request("GET", roster, cookies=session)
    assert after.status == 200
    assert b"Nodea Newcomer" in after.body, "node B served its stale copy of the roster"
    assert b"Early Bird" in after.body

    # Signed out on B, the session is over on A too.
    assert nodes.b.request("POST", reverse("account_logout"), cookies=session).status == 302
    refused = nodes.a.request("GET", roster, cookies=session)
    assert refused.status == 302
    assert refused.getheader("Location", "").startswith(reverse("account_login"))


# --- rate limits: one count across the nodes ----------------------------------------------------


def test_rate_limits_count_the_requests_to_every_node_together(nodes):
    member = UserFactory(email="member@example.org")
    procs.production_password(member)
    alternate = [nodes.a, nodes.b]

    # allauth: 5 failed sign-ins per account in 5 minutes; the 6th attempt is refused even
    # with the right password. Counted per node, A would have seen 3 and B 2.
    for n in range(5):
        failed = alternate[n % 2].sign_in(member.email, "not-the-password", client="198.51.100.7")
        assert failed.status == 200, n
        assert b"Too many failed login attempts" not in failed.body, n
        assert "sessionid" not in failed.cookies
    refused = nodes.b.sign_in(member.email, client="198.51.100.7")
    assert refused.status == 200
    assert b"Too many failed login attempts" in refused.body
    assert "sessionid" not in refused.cookies

    # The manage-link request: 10 an hour per client, the address the TLS proxy appended; an
    # X-Forwarded-For of the client's own, new each time, changes nothing.
    initiative = InitiativeFactory(is_published=True)
    RegistrationSettingsFactory(initiative=initiative)
    url = reverse("participants:link_request", args=[initiative.slug])
    limit = public_views.LINK_REQUESTS_PER_IP_PER_HOUR
    for n in range(limit):
        answered = alternate[n % 2].request(
            "POST",
            url,
            {"email": f"someone-{n}@example.net"},
            client="203.0.113.9",
            forged=f"192.0.2.{n}",
        )
        assert answered.status == 302, (n, answered.body[:2000])
    for node in alternate:
        over = node.request("POST", url, {"email": "one-more@example.net"}, client="203.0.113.9")
        assert over.status == 429, node.name
    # Another client behind the same proxy is not held back by the first one's count.
    other = nodes.a.request("POST", url, {"email": "x@example.net"}, client="203.0.113.10")
    assert other.status == 302


# --- the planner on two workers at once ---------------------------------------------------------


@pytest.mark.usefixtures("real_broker")
def test_the_planner_triggered_on_both_workers_at_once_sends_each_reminder_once(nodes):
    circles, members = 10, 10
    people = circles * members
    circles_meeting_in(timedelta(hours=47), circles=circles, members=members)

    # As if two beats fired the every-5-minutes entry at the same moment: one task per worker.
    nodes.wait_idle()
    for _ in range(2):
        celery_app.send_task("guides.tasks.reminders_plan")

    due = OutboxMessage.objects.filter(
        kind=reminder_services.REMINDER, send_after__lte=timezone.now()
    )
    nodes.wait_until(lambda: due.filter(status=OutboxStatus.SENT).count() == people, timeout=60)
    nodes.wait_until(lambda: queued_tasks() == 0, timeout=30)

    runs = {w.name: w.task_runs("guides.tasks.reminders_plan") for w in nodes.workers}
    assert all(len(found) == 1 for found in runs.values()), (runs, nodes.logs())
    (start_a, took_a, planned_a), (start_b, took_b, planned_b) = (r[0] for r in runs.values())
    # The two runs overlapped: the race was on.
    end_a, end_b = start_a + timedelta(seconds=took_a), start_b + timedelta(seconds=took_b)
    assert start_a < end_b, runs
    assert start_b < end_a, runs
    # Between them they planned each row once (the 48-hour reminder, due, and the 2-hour one).
    assert planned_a["reminders"] + planned_b["reminders"] == 2 * people, runs

    expected = set(due.values_list("to_email", flat=True))
    assert len(expected) == people
    received = [m for m in nodes.sink.messages if m.kind == reminder_services.REMINDER]
    assert Counter(r for m in received for r in m.recipients) == dict.fromkeys(expected, 1)
    assert OutboxMessage.objects.filter(kind=reminder_services.REMINDER).count() == 2 * people
