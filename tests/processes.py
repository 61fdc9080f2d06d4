"""Helpers for the tests that start real processes (gunicorn, Celery, a script) on the
production settings and talk to them over real HTTP: tests/test_redis_outage.py,
tests/test_several_nodes.py, tests/test_logs_production.py, tests/test_backup_restore.py and
tests/test_outbox_worker.py (not a test module itself).

- `Process`: a child in its own session (so a signal reaches its children too), its output in
  a log file; `gunicorn_argv` and `celery_worker_argv`: the commands they start.
- `production_environment`: the environment of `dialogue_hub.settings.production` against the
  test database; `collect_static` / `start_collect_static`: the manifest that production's
  static storage needs before the app loads.
- `http_request`: one request as through the TLS proxy, with a CSRF cookie and token on POSTs.
- `wait_until`, `production_password`, `reset_producers`.
"""

from __future__ import annotations

import http.client
import os
import secrets
import signal
import subprocess
import sys
import time
from contextlib import suppress
from pathlib import Path
from urllib.parse import quote, urlencode

import kombu.pools
from django.conf import settings as django_settings
from django.contrib.auth.hashers import Argon2PasswordHasher
from django.db import connection

from dialogue_hub.celery import app as celery_app

from .factories import PASSWORD

BASE_DIR = Path(django_settings.BASE_DIR)
HOST = "127.0.0.1"

# The production storage (whitenoise's CompressedManifestStaticFilesStorage) reads only the
# manifest at run time; collecting without the compression takes seconds instead of a minute
# and a half, and gives the same manifest.
COLLECT_STATIC = """
import django
from django.conf import settings
settings.STORAGES = {
    **settings.STORAGES,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.ManifestStaticFilesStorage"},
}
django.setup()
from django.core.management import call_command
call_command("collectstatic", interactive=False, verbosity=0)
"""


# --- the environment ------------------------------------------------------------------------------


def database_url() -> str:
    """The test database pytest-django created (test_<name>), for the processes' connections."""
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    host = db["HOST"] or HOST
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"postgres://{user}{password}@{host}{port}/{db['NAME']}"


def production_environment(
    smtp_port: int,
    static_root: Path,
    *,
    redis_url: str | None = None,
    db_url: str | None = None,
    **overrides: str,
) -> dict:
    """This process's environment without pytest's, Celery's and the app's own variables, on
    the production settings: `db_url` (default: the test database), `redis_url` (the cache,
    the rate limits and the broker; default: the tests' Redis), email to an SMTP server on
    `smtp_port`; static files collected into `static_root`; then `overrides`."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST_", "CELERY_", "DJANGO_", "DIALOGUE_HUB_"))
        and key not in ("DATABASE_URL", "REDIS_URL", "EMAIL_URL")
    }
    env.update(
        DJANGO_SETTINGS_MODULE="dialogue_hub.settings.production",
        DJANGO_SECRET_KEY=django_settings.SECRET_KEY,  # links the test signs are valid there
        DJANGO_ALLOWED_HOSTS=HOST,
        DIALOGUE_HUB_BASE_URL=f"http://{HOST}",
        DJANGO_SECURE_SSL_REDIRECT="false",
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_LOG_LEVEL="WARNING",
        DATABASE_URL=db_url or database_url(),
        DJANGO_CONN_MAX_AGE="0",  # pytest-django flushes or drops the database after the test
        REDIS_URL=redis_url or django_settings.REDIS_URL,
        EMAIL_URL=f"smtp://{HOST}:{smtp_port}",
        CELERY_BEAT_SCHEDULE_FILENAME=str(static_root.parent / "celerybeat-schedule"),
        PYTHONUNBUFFERED="1",
    )
    env.update(overrides)
    return env


def start_collect_static(env: dict) -> subprocess.Popen:
    """Collect the static files (COLLECT_STATIC) in the background; its output on .stdout."""
    return subprocess.Popen(  # noqa: S603 (our own interpreter and script)
        [sys.executable, "-c", COLLECT_STATIC],
        cwd=BASE_DIR,
        env={**env, "PYTHONPATH": str(BASE_DIR)},
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )


def collect_static(env: dict, *, timeout: float = 300) -> None:
    """Collect the static files before the app starts: whitenoise reads the manifest when the
    app loads."""
    collecting = start_collect_static(env)
    try:
        output, _ = collecting.communicate(timeout=timeout)
    finally:
        if collecting.poll() is None:
            collecting.kill()
            collecting.wait(timeout=30)
    assert collecting.returncode == 0, output.decode(errors="replace")


def production_password(user) -> None:
    """The test settings hash with MD5, which production does not accept: Argon2, as there."""
    hasher = Argon2PasswordHasher()
    user.password = hasher.encode(PASSWORD, hasher.salt())
    user.save(update_fields=["password"])


# --- the processes --------------------------------------------------------------------------------


def gunicorn_argv(
    port: int, *options: str, config: str | None = None, graceful_timeout: int | None = 2
) -> list[str]:
    """gunicorn serving the app on HOST:`port` with one worker process (so what one request
    warmed is warm for the next); `config`: a --config of its own, `options`: any more."""
    argv = [sys.executable, "-m", "gunicorn"]
    if config:
        argv += ["--config", config]
    argv += [
        "dialogue_hub.wsgi:application",
        "--bind",
        f"{HOST}:{port}",
        "--workers",
        "1",
        "--timeout",
        "60",
    ]
    if graceful_timeout is not None:
        argv += ["--graceful-timeout", str(graceful_timeout)]
    return argv + list(options)


def celery_worker_argv(*options: str, quiet: bool = False) -> list[str]:
    """`celery worker` for the app, without the chatter between workers (heartbeat, mingle,
    gossip), logging at INFO (its " ready." line says it takes tasks); `options`: the pool and
    the like."""
    return [
        sys.executable,
        "-m",
        "celery",
        *(["--quiet"] if quiet else []),
        "-A",
        "dialogue_hub",
        "worker",
        *options,
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        "--loglevel=INFO",
    ]


class Process:
    """A child process in its own session, its output in a log file."""

    def __init__(self, name: str, argv: list[str], env: dict, log_dir: Path):
        self.name = name
        self.log_path = log_dir / f"{name}.log"
        self.process = subprocess.Popen(  # noqa: S603 (our own interpreter and arguments)
            argv,
            cwd=BASE_DIR,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self.log_path.open("wb"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_tail(self, lines: int = 60) -> str:
        return f"--- {self.name} log ---\n" + "\n".join(self.log().splitlines()[-lines:])

    def logged(self, marker: bytes) -> bool:
        return marker in self.log_path.read_bytes()

    def alive(self) -> bool:
        return self.process.poll() is None

    def terminate(self) -> None:
        """SIGTERM to the whole session, without waiting (stop() waits)."""
        with suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGTERM)

    def stop(self) -> None:
        self.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def stop_all(processes: list[Process]) -> None:
    """SIGTERM to all at once (each takes a second or two to shut down), then wait for each."""
    for process in processes:
        process.terminate()
    for process in processes:
        process.stop()


# --- talking to them ------------------------------------------------------------------------------


def http_request(
    port, method, path, data=None, *, cookies=None, host=None, headers=None, timeout=30.0
):
    """One request to the app on `port` as through the TLS proxy (X-Forwarded-Proto: https),
    with a CSRF cookie and token of our own on POSTs; `host`: the Host header (default
    HOST:port), `headers`: any more (e.g. the X-Forwarded-For a proxy appends). Returns the
    response with .body, .elapsed, .cookies."""
    csrf = secrets.token_hex(16)  # 32 characters: a valid CSRF secret
    host = host or f"{HOST}:{port}"
    headers = {"Host": host, "X-Forwarded-Proto": "https", **(headers or {})}
    jar = {**(cookies or {})}
    body = None
    if method == "POST":
        jar["csrftoken"] = csrf
        headers["Origin"] = f"https://{host}"
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        body = urlencode({**(data or {}), "csrfmiddlewaretoken": csrf}, doseq=True)
    if jar:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in jar.items())
    conn = http.client.HTTPConnection(HOST, port, timeout=timeout)
    started = time.monotonic()
    try:
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        response.body = response.read()
    finally:
        conn.close()
    response.elapsed = time.monotonic() - started
    response.cookies = {}
    for header, value in response.getheaders():
        if header.lower() == "set-cookie":
            name, _, rest = value.partition("=")
            response.cookies[name.strip()] = rest.split(";", 1)[0]
    return response


def health(port: int, timeout: float = 5):
    """The app's /healthz response, or None while nothing answers on `port`."""
    with suppress(OSError):
        return http_request(port, "GET", "/healthz", timeout=timeout)
    return None


def wait_until(predicate, *, timeout: float, every: float = 0.1, message: str = "") -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"not true after {timeout}s")
        time.sleep(every)


def reset_producers() -> None:
    """Celery caches its broker connection and producers; drop them so the next publish
    connects to whatever broker_url says now (kombu keeps them in global pools too)."""
    kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None
