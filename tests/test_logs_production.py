"""Logs under the production configuration, from the real processes: gunicorn started with
dialogue_hub/gunicorn_conf.py (as the Dockerfile and compose start it), a Celery worker and
Celery beat started as compose starts them (`--quiet`), on the production settings, with
PostgreSQL, Redis and an SMTP server. Nothing is mocked.

A person registers, follows the confirmation link from the email the worker sent, opens their
manage page, unsubscribes from reminders; a 15-year-old registers and their guardian opens the
consent link; a stranger tries an API token and a wrong private link. Then everything the three
processes wrote (standard output and error, the access log) is read: every line is one JSON
object; no token of those links, no API token, session or CSRF value, no name, email address or
phone number appears anywhere; the access log shows the routes with their secrets replaced; and
the request id of the registration POST is on the worker's line for the confirmation email's
task.

The test commits its data (transaction=True) so the processes' own connections see it.
"""

from __future__ import annotations

import json
import re
import sys
import time
import uuid
from urllib.parse import urlsplit

import pytest
from django.urls import reverse

from dialogue_hub import outbox

from . import processes as procs
from .factories import InitiativeFactory, RegistrationSettingsFactory
from .helpers import registration_answers
from .processes import HOST, Process, http_request
from .smtp_sink import SmtpSink, free_port

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.redis,
    pytest.mark.django_db(transaction=True),
]

START_WITHIN = 90  # seconds, for the three processes

ADULT = {"name": "Marisol Quintanilla", "email": "marisol.quintanilla@example.net"}
PHONE = "+1 201 555 0173"
TEEN = {"name": "Teodoro Quintanilla", "email": "teodoro.q@example.net"}
GUARDIAN = {"guardian_name": "Rosalinda Quintanilla", "guardian_email": "rosalinda.q@example.net"}
API_TOKEN = "dh_" + "Zq8" * 14  # shaped like one (api/models.py), valid or not
SESSION_ID = "s3ss10nvalue9k2j4h5g6f7d8s9a0p1o"


class Stack:
    def __init__(self, port: int, processes: list[Process], sink: SmtpSink):
        self.port, self.processes, self.sink = port, processes, sink
        self.web, self.worker, self.beat = processes

    def request(self, method, path, data=None, *, cookies=None, headers=None):
        return http_request(
            self.port, method, path, data, cookies=cookies, host=HOST, headers=headers
        )

    def logs(self) -> str:
        return "\n".join(process.log() for process in self.processes)

    def tails(self) -> str:
        return "\n".join(process.log_tail() for process in self.processes)

    def email_to(self, address: str) -> str:
        """The plain-text body of the first email the worker sent to `address`."""

        def sent():
            return [m for m in self.sink.messages if address in m.recipients]

        procs.wait_until(lambda: sent(), timeout=60, message=self.tails())
        return sent()[0].email().get_body(preferencelist=("plain",)).get_content()


@pytest.fixture(scope="module")
def stack(django_db_setup, tmp_path_factory):
    log_dir = tmp_path_factory.mktemp("logs")
    with SmtpSink() as sink:
        # INFO: production's default, every INFO line is scanned.
        env = procs.production_environment(sink.port, log_dir / "static", DJANGO_LOG_LEVEL="INFO")
        procs.collect_static(env)
        port = free_port()
        processes = []
        try:
            processes.append(
                Process(
                    "web",
                    # The Dockerfile's command, with a port of its own and one worker.
                    procs.gunicorn_argv(
                        port, config="python:dialogue_hub.gunicorn_conf", graceful_timeout=None
                    ),
                    env,
                    log_dir,
                )
            )
            processes.append(
                Process(
                    "worker",
                    procs.celery_worker_argv("--concurrency=1", "--pool=prefork", quiet=True),
                    # Celery warns a worker started as root before any logging is set up (a
                    # plain line); the image runs it as the user `app` (Dockerfile), not root.
                    {
                        **env,
                        "PYTHONWARNINGS": "ignore:You're running the worker with superuser privileges",
                    },
                    log_dir,
                )
            )
            beat = [sys.executable, "-m", "celery", "--quiet", "-A", "dialogue_hub", "beat"]
            processes.append(Process("beat", [*beat, "--loglevel=INFO"], env, log_dir))
            found = Stack(port, processes, sink)

            def ready() -> bool:
                for process in processes:
                    assert process.alive(), f"{process.name} exited:\n{found.tails()}"
                answer = procs.health(port, timeout=30)
                return (
                    answer is not None
                    and answer.status == 200
                    and found.worker.logged(b" ready.")
                    and found.beat.logged(b"beat: Starting")
                )

            deadline = time.monotonic() + START_WITHIN
            while not ready():
                assert time.monotonic() < deadline, (
                    f"not ready in {START_WITHIN}s:\n{found.tails()}"
                )
                time.sleep(0.3)
            yield found
        finally:
            for process in processes:
                process.stop()


def _path(body: str, pattern: str) -> str:
    """The path of the email's first link matching `pattern`."""
    links = re.findall(rf"https?://\S+?({pattern})", body)
    assert links, body
    return links[0]


def _entries(text: str) -> list[dict]:
    entries = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            pytest.fail(f"line {number} is not JSON: {line[:300]}")
        assert isinstance(entry, dict)
        assert {"time", "level", "logger", "message"} <= set(entry)
        entries.append(entry)
    return entries


def test_registration_to_unsubscribe_logs_json_lines_without_secrets_or_people(stack):
    initiative = InitiativeFactory(is_published=True)
    RegistrationSettingsFactory(initiative=initiative)
    register = reverse("participants:register", args=[initiative.slug])
    request_id = f"edge-{uuid.uuid4().hex}"

    # Registration: the confirmation email goes out from the worker.
    answers = registration_answers(email=ADULT["email"], name=ADULT["name"], phone=PHONE)
    registered = stack.request("POST", register, answers, headers={"X-Request-ID": request_id})
    assert registered.status == 302, re.findall(
        rb"invalid-feedback[^<]*<[^>]*>[^<]*", registered.body
    )
    assert registered.getheader("X-Request-ID") == request_id
    confirm = _path(stack.email_to(ADULT["email"]), r"/registration/[^/\s]+/confirm/")

    # The confirmation link, then the manage page it leads to.
    assert stack.request("GET", confirm).status == 200
    confirmed = stack.request("POST", confirm, {})
    assert confirmed.status == 302, confirmed.body[:2000]
    manage = urlsplit(confirmed.getheader("Location")).path
    assert re.fullmatch(r"/registration/[^/]+/", manage), manage
    assert stack.request("GET", manage, cookies=confirmed.cookies).status == 200

    # Unsubscribing from reminders: the one-click address of a reminder's List-Unsubscribe.
    _page, one_click = outbox.unsubscribe_urls(
        email=ADULT["email"], category="reminders", language="en"
    )
    one_click = urlsplit(one_click).path
    opened = stack.request("GET", one_click)
    assert opened.status == 302
    preferences = urlsplit(opened.getheader("Location")).path
    assert stack.request("GET", preferences).status == 200
    assert stack.request("POST", one_click, {}).status == 200

    # A 15-year-old registers; their guardian opens the consent link.
    teen = registration_answers(
        email=TEEN["email"],
        name=TEEN["name"],
        age_band="13_17",
        role_category="young_person",
        **GUARDIAN,
    )
    assert stack.request("POST", register, teen).status == 302
    guardian = _path(stack.email_to(GUARDIAN["guardian_email"]), r"/guardian/[^/\s]+/")
    assert stack.request("GET", guardian).status == 200

    # A stranger: an API token, a session cookie, a private link that leads nowhere.
    api = stack.request(
        "GET",
        f"/api/v1/initiatives/{initiative.slug}/",
        headers={"Authorization": f"Bearer {API_TOKEN}"},
        cookies={"sessionid": SESSION_ID},
    )
    assert api.status == 401
    assert stack.request("GET", manage + "nowhere/").status == 404

    # The worker's lines for the confirmation email's task (written after it ran).
    def confirmation_task_logged() -> bool:
        return any(
            e.get("task_name") == "dialogue_hub.tasks.outbox_send"
            and e.get("request_id") == request_id
            and "succeeded" in e["message"]
            for e in _entries(stack.worker.log())
        )

    procs.wait_until(confirmation_task_logged, timeout=30, message=stack.tails())
    time.sleep(1)  # the access lines of the last requests

    text = stack.logs()
    entries = _entries(text)  # every line of the three processes is JSON
    assert len(entries) > 20

    secrets = {
        "confirmation token": confirm.split("/")[2],
        "manage token": manage.split("/")[2],
        "unsubscribe token": one_click.split("/")[3],
        "guardian token": guardian.split("/")[2],
        "API token": API_TOKEN,
        "session id": SESSION_ID,
        "name": ADULT["name"],
        "surname": "Quintanilla",
        "email": ADULT["email"],
        "teen's email": TEEN["email"],
        "guardian's email": GUARDIAN["guardian_email"],
        "guardian's name": GUARDIAN["guardian_name"],
        "phone": "555 0173",
    }
    for what, secret in secrets.items():
        assert secret not in text, f"{what} in the logs:\n" + "\n".join(
            line for line in text.splitlines() if secret in line
        )
    assert "@example.net" not in text

    # The access log: the routes, their secrets replaced, each with its request id.
    access = [e for e in entries if e["logger"] == "gunicorn.access"]
    paths = {e["path"] for e in access}
    assert {
        "/registration/[redacted]/confirm/",
        "/registration/[redacted]/",
        "/registration/[redacted]/nowhere/",
        "/email/unsubscribe/[redacted]/",
        "/email/preferences/[redacted]/",
        "/guardian/[redacted]/",
        register,
    } <= paths, paths
    [posted] = [
        e
        for e in access
        if e["method"] == "POST" and e["path"] == register and e["request_id"] == request_id
    ]
    assert posted["status"] == 302
    assert all(re.fullmatch(r"[\w.-]{8,64}", e["request_id"]) for e in access)

    # The request's own lines carry its id; Django's "Not Found" names the route, redacted.
    [not_found] = [
        e for e in entries if e["logger"] == "django.request" and e.get("status_code") == 404
    ]
    assert not_found["message"] == "Not Found: /registration/[redacted]/nowhere/"
    assert not_found["request_id"]
    # Beat writes JSON too, without a request id.
    assert any(e["logger"].startswith("celery.beat") for e in entries)
