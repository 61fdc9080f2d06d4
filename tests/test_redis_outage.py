"""Redis stopped or hung never breaks the public site: the app as production runs it (gunicorn,
`dialogue_hub.settings.production`) against a redis-server of the test's own, which carries the
cache, every rate limit and the Celery broker.

With that Redis stopped (connections refused) and then paused with SIGSTOP (connections
accepted, never answered), every public page (each URL pattern a signed-out visitor may open,
from the URL conf, with the seeded world's slugs and tokens) and the sign-in, sign-up, password
reset, manage-link request and registration POSTs answer without a server error within two
seconds; the registrations are saved; /healthz answers 503 naming the broker and the cache.
Once Redis is back, the app uses it again (a new registration's email is handed to the broker
at once), and the relay hands the waiting emails to a worker, which sends each once.

Everything is committed (transaction=True) so the app's and the worker's connections see it.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import time
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest
import redis
from django.urls import get_resolver, reverse

from dialogue_hub.celery import app as celery_app
from dialogue_hub.models import OutboxMessage, OutboxStatus
from dialogue_hub.outbox import _message_id, outbox_relay
from participants.models import Participant

from . import processes as procs
from .conftest import IN_CI
from .dialogue_hub.test_urls import walk
from .factories import PASSWORD
from .helpers import registration_answers
from .processes import HOST, Process, http_request
from .security.access import url_for
from .security.world import build_world
from .smtp_sink import SmtpSink, free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

ANSWER_WITHIN = 2.0  # seconds, for every request while Redis is stopped or paused


# --- the processes ------------------------------------------------------------------------------


class RedisServer:
    """A redis-server of the test's own on a free port, with no persistence."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.log_path = log_dir / "redis.log"
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://{HOST}:{self.port}/0"

    def client(self) -> redis.Redis:
        return redis.Redis(host=HOST, port=self.port, socket_timeout=2, socket_connect_timeout=2)

    def start(self) -> None:
        binary = shutil.which("redis-server")
        if binary is None:
            message = "needs the redis-server program (apt-get install redis-server)"
            pytest.fail(message) if IN_CI else pytest.skip(message)
        self.process = subprocess.Popen(  # noqa: S603 (a program we found, our arguments)
            [binary, "--port", str(self.port), "--bind", HOST, "--save", "", "--appendonly", "no"],
            stdout=self.log_path.open("ab"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            with suppress(redis.RedisError):
                if self.client().ping():
                    return
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        with suppress(ProcessLookupError):
            self.process.send_signal(signal.SIGCONT)  # a paused server cannot act on SIGTERM
            self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)
        self.process = None

    def pause(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def resume(self) -> None:
        self.process.send_signal(signal.SIGCONT)


@pytest.fixture
def stack(tmp_path):
    """A redis-server, an SMTP sink and gunicorn on production settings (no worker yet)."""
    redis_server = RedisServer(tmp_path)
    redis_server.start()
    processes: list[Process] = []
    with SmtpSink() as sink:
        env = procs.production_environment(
            sink.port, tmp_path / "static", redis_url=redis_server.url
        )
        procs.collect_static(env)
        port = free_port()
        web = Process(
            "gunicorn",
            procs.gunicorn_argv(
                port, "--access-logfile", "-", "--access-logformat", "%(t)s %(r)s %(s)s %(L)ss"
            ),
            env,
            tmp_path,
        )
        processes.append(web)
        try:
            stack = Stack(redis_server, sink, web, port, env, tmp_path, processes)
            stack.wait_ready()
            yield stack
        finally:
            for process in processes:
                process.stop()
            redis_server.stop()


class Stack:
    def __init__(self, redis_server, sink, web, port, env, log_dir, processes):
        self.redis = redis_server
        self.sink = sink
        self.web = web
        self.port = port
        self.env = env
        self.log_dir = log_dir
        self.processes = processes
        self.cookies: dict[str, str] = {}

    def logs(self) -> str:
        return "\n".join(p.log_tail() for p in self.processes)

    def wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self.web.alive(), f"gunicorn exited:\n{self.logs()}"
            answer = procs.health(self.port)
            if answer is not None and answer.status == 200:
                return
            time.sleep(0.2)
        raise AssertionError(f"gunicorn did not answer /healthz in {timeout}s:\n{self.logs()}")

    def request(self, method, path, data=None, *, cookies=None, timeout=30.0):
        return http_request(self.port, method, path, data, cookies=cookies, timeout=timeout)

    def start_worker(self) -> Process:
        worker = Process("worker", procs.celery_worker_argv("--pool=solo"), self.env, self.log_dir)
        self.processes.append(worker)
        deadline = time.monotonic() + 60
        while not worker.logged(b" ready."):
            assert worker.alive(), f"the worker exited:\n{self.logs()}"
            assert time.monotonic() < deadline, f"the worker did not start:\n{self.logs()}"
            time.sleep(0.1)
        return worker


@contextmanager
def relay_to(broker_url: str):
    """outbox_relay() in this process hands messages to `broker_url`, as beat's would."""
    real, eager = celery_app.conf.broker_url, celery_app.conf.task_always_eager
    celery_app.conf.broker_url = broker_url
    celery_app.conf.task_always_eager = False
    procs.reset_producers()
    try:
        yield
    finally:
        celery_app.conf.broker_url, celery_app.conf.task_always_eager = real, eager
        procs.reset_producers()


# --- what a signed-out visitor reaches ------------------------------------------------------------


def public_paths(world) -> list[str]:
    """Every URL pattern a signed-out visitor may open (@login_not_required), filled with the
    world's initiative A: a new public view is walked without anyone listing it here."""
    paths = []
    for route, name in walk(get_resolver().url_patterns):
        if name.startswith("admin:") and name != "admin:login":
            continue  # the admin's own pages all need staff
        match = get_resolver().resolve(url_for(route, name, world.a))
        if getattr(match.func, "login_required", True) is False:
            paths.append(url_for(route, name, world.a))
    return sorted(set(paths))


def answers_with_redis_up(stack: Stack, world) -> dict[str, int]:
    """Each public page's status with Redis up (each page warmed once, as in use): the same
    status is expected of it with Redis down, not merely "not a 5xx"."""
    statuses = {
        path: stack.request("GET", path).status
        for path in public_paths(world)
        if path != "/healthz"
    }
    assert all(status < 500 for status in statuses.values()), statuses
    return statuses


def walk_public_site(
    stack: Stack, world, *, label: str, email: str, expected: dict[str, int]
) -> list[str]:
    """Every public page, the sign-in and the public forms' POSTs; returns the problems."""
    problems = []

    def check(response, what, ok=range(200, 500)):
        if response.status not in ok:
            errors = re.findall(
                rb'class="[^"]*(?:invalid-feedback|alert)[^"]*"[^>]*>([^<]{0,200})', response.body
            )
            problems.append(f"{label}: {what} answered {response.status} {errors[:3]}")
        if response.elapsed >= ANSWER_WITHIN:
            problems.append(f"{label}: {what} took {response.elapsed:.2f}s")
        return response

    for path, status in expected.items():
        check(stack.request("GET", path), f"GET {path}", ok=[status])

    initiative = world.a.initiative
    register = reverse("participants:register", args=[initiative.slug])
    posted = check(
        stack.request("POST", register, world_registration(world, email)),
        f"POST {register}",
        ok=[302],
    )
    thanks = posted.getheader("Location", "")
    if thanks:
        check(stack.request("GET", thanks, cookies=posted.cookies), f"GET {thanks}", ok=[200])
    if not Participant.objects.filter(initiative=initiative, email=email).exists():
        problems.append(f"{label}: the registration of {email} was not saved")

    check(
        stack.request(
            "POST", reverse("participants:link_request", args=[initiative.slug]), {"email": email}
        ),
        "POST the manage-link request",
        ok=[302],
    )
    organizer = world.a.users["organizer"]
    signed_in = check(
        stack.request(
            "POST", reverse("account_login"), {"login": organizer.email, "password": PASSWORD}
        ),
        "POST /accounts/login/",
        ok=[302],
    )
    session = {"sessionid": signed_in.cookies.get("sessionid", "")}
    home = check(stack.request("GET", "/", cookies=session), "GET / signed in", ok=[200])
    if reverse("account_logout").encode() not in home.body:
        problems.append(f"{label}: the sign-in did not sign in")
    check(
        stack.request(
            "POST",
            reverse("account_signup"),
            {
                "display_name": "New Person",
                "email": f"new-{label}@example.net",
                "password1": "a-long-new-password-42",
                "password2": "a-long-new-password-42",
            },
        ),
        "POST /accounts/signup/",
        ok=[302],
    )
    check(
        stack.request("POST", reverse("account_reset_password"), {"email": organizer.email}),
        "POST /accounts/password/reset/",
        ok=[302],
    )
    health = check(stack.request("GET", "/healthz"), "GET /healthz", ok=[503])
    status = json.loads(health.body or b"{}")
    if status.get("broker") != "error" or status.get("cache") != "error":
        problems.append(f"{label}: /healthz does not name Redis as down: {status}")
    return problems


def wait_for_redis_in_use(stack: Stack, register: str) -> None:
    """Until the app uses Redis again (it keeps the blank registration form there)."""
    client = stack.redis.client()
    client.flushall()
    deadline = time.monotonic() + 30
    while not client.keys("*registration-form*"):
        assert time.monotonic() < deadline, f"the app did not use Redis again:\n{stack.logs()}"
        stack.request("GET", register)
        time.sleep(0.5)


def world_registration(world, email) -> dict:
    """A valid registration for the security world's initiative A, which asks a required
    question of its own (world._add_questions)."""
    question = world.a.objects["question"]
    return registration_answers(
        email=email, **{question.field_name: str(question.choices.first().pk)}
    )


def test_every_public_page_and_sign_in_answers_with_redis_stopped_or_paused(stack):
    world = build_world()
    procs.production_password(world.a.users["organizer"])
    assert len(public_paths(world)) > 20  # the walk reaches the registration, links, feeds…
    register = reverse("participants:register", args=[world.a.initiative.slug])
    expected = answers_with_redis_up(stack, world)
    assert expected[register] == 200, stack.logs()

    stack.redis.stop()
    problems = walk_public_site(
        stack, world, label="stopped", email="stopped@example.net", expected=expected
    )

    stack.redis.start()  # same port, empty: as after a restart
    wait_for_redis_in_use(stack, register)

    stack.redis.pause()
    try:
        problems += walk_public_site(
            stack, world, label="paused", email="paused@example.net", expected=expected
        )
    finally:
        stack.redis.resume()
    assert not problems, "\n".join(problems) + "\n" + stack.logs()

    # Redis is back, and once the app tries it again its registrations are handed over at once.
    wait_for_redis_in_use(stack, register)
    after = stack.request("POST", register, world_registration(world, "after@example.net"))
    assert after.status == 302, stack.logs()
    handed = OutboxMessage.objects.get(to_email="after@example.net", kind="participant.confirm")
    assert handed.enqueued_at is not None, stack.logs()

    # The relay (beat, every minute) hands the waiting emails to a worker, which sends each
    # once: the registrations' confirmations, the links, the password reset.
    emails = ("stopped@example.net", "paused@example.net", world.a.users["organizer"].email)
    waiting = OutboxMessage.objects.filter(to_email__in=emails)
    confirmations = waiting.filter(kind="participant.confirm")
    assert set(confirmations.values_list("to_email", flat=True)) == set(emails[:2])
    stack.start_worker()
    with relay_to(stack.redis.url):
        deadline = time.monotonic() + 40
        while waiting.exclude(status=OutboxStatus.SENT).exists():
            assert time.monotonic() < deadline, f"emails not sent:\n{stack.logs()}"
            outbox_relay()
            time.sleep(1)
    sent = stack.sink.by_message_id()
    assert {_message_id(row): 1 for row in waiting} == {
        _message_id(row): sent[_message_id(row)] for row in waiting
    }
