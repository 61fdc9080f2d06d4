"""The page benchmark's server and client (bench/pages.py): gunicorn with as many sync workers as
production runs (`production_workers`) on bench/settings.py; what the bench sends (the sign-in
form, registration POSTs, each simulated client from its own loopback address); and a threaded Python load generator. The pages are
loaded by wrk (bench/wrk.py): this client reaches only about two thirds of the trivial view's
real rate. It sends the registration POSTs (each needs its own form data and source address,
and 100/s is far below its ceiling) and gives the trivial view's rate as a side figure."""

from __future__ import annotations

import http.client
import json
import os
import re
import threading
import time
import urllib.parse
from contextlib import suppress
from pathlib import Path

from reminders import Server

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CONNECTIONS = 16


def production_workers() -> int:
    """gunicorn's worker processes in production (the Dockerfile's command, which
    docker-compose.yml repeats for each web replica): the bench serves pages as production
    does, so a worker waiting on a lock or the disk costs what it costs there."""
    command = re.search(r"^CMD (\[.*\])$", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    words = json.loads(command.group(1))
    return int(words[words.index("--workers") + 1])


WORKERS = production_workers()


# --- gunicorn -----------------------------------------------------------------------------


class Gunicorn(Server):
    name = "gunicorn"

    def __init__(self, port: int, log_path: Path):
        super().__init__(log_path)
        self.port = port

    def start(self, timeout: float = 60) -> None:
        self.launch(
            [
                "gunicorn",
                f"--workers={WORKERS}",
                "--worker-class=sync",
                f"--bind={HOST}:{self.port}",
                f"--pythonpath={ROOT}",
                "--timeout=60",
                "dialogue_hub.wsgi",
            ],
            env={**os.environ, "DJANGO_SETTINGS_MODULE": "bench.settings"},
            ready=self._answers,
            timeout=timeout,
            pause=0.2,
        )

    def _answers(self) -> bool:
        with suppress(OSError):
            status, _, _ = request("GET", "/bench/ok", port=self.port)
            return status == 200 and len(self.workers()) == WORKERS
        return False

    def workers(self) -> list[int]:
        """The live worker pids, from the "Booting worker with pid" lines of the log (gunicorn
        has another child besides its workers: the control-socket server)."""
        pids = []
        with suppress(OSError):
            for match in re.finditer(r"Booting worker with pid: (\d+)", self.log_path.read_text()):
                pid = int(match.group(1))
                if Path(f"/proc/{pid}").exists() and pid not in pids:
                    pids.append(pid)
        return pids

    def rss_mb(self) -> list[float]:
        sizes = []
        for pid in self.workers():
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    sizes.append(round(int(line.split()[1]) / 1024, 1))
        return sizes


# --- HTTP client --------------------------------------------------------------------------


def request(method, path, *, port, headers=None, body=None, conn=None, source=None):
    """One request; returns (status, headers, body). A fresh connection unless `conn` given."""
    own = conn is None
    if own:
        conn = http.client.HTTPConnection(HOST, port, timeout=30, source_address=source)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        return response.status, response.getheaders(), data
    finally:
        if own:
            conn.close()


def cookies_from(headers) -> dict[str, str]:
    jar = {}
    for name, value in headers:
        if name.lower() == "set-cookie":
            key, _, rest = value.partition("=")
            jar[key.strip()] = rest.split(";", 1)[0]
    return jar


def cookie_header(jar: dict) -> str:
    return "; ".join(f"{k}={v}" for k, v in jar.items())


CSRF_INPUT = re.compile(rb'name="csrfmiddlewaretoken" value="([^"]+)"')


class Load:
    """CONNECTIONS threads, each with its own keep-alive connection (reopened when the server
    closes it: gunicorn's sync workers close after every response), sharing a request budget
    and a deadline."""

    def __init__(self, port: int, *, requests: int, seconds: float):
        self.port = port
        self.requests = requests
        self.seconds = seconds

    def run(self, make_request) -> dict:
        """make_request(index) → (method, path, headers, body, ok(status, body) -> bool, source)."""
        lock = threading.Lock()
        issued = 0
        latencies: list[float] = []
        errors: list[str] = []
        deadline = time.monotonic() + self.seconds

        def worker():
            nonlocal issued
            conn = None
            source = None
            while True:
                with lock:
                    if issued >= self.requests or time.monotonic() >= deadline:
                        break
                    index = issued
                    issued += 1
                method, path, headers, body, ok, want_source = make_request(index)
                if conn is None or want_source != source:
                    if conn is not None:
                        conn.close()
                    source = want_source
                    conn = http.client.HTTPConnection(
                        HOST, self.port, timeout=30, source_address=source
                    )
                started = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    data = response.read()
                    elapsed = time.perf_counter() - started
                    good = ok(response.status, data)
                    if response.will_close:
                        conn.close()
                        conn = None
                except (OSError, http.client.HTTPException) as error:
                    elapsed = time.perf_counter() - started
                    good = False
                    data = repr(error).encode()
                    conn.close()
                    conn = None
                    response = None
                with lock:
                    latencies.append(elapsed)
                    if not good:
                        status = response.status if response is not None else "error"
                        errors.append(f"{status}: {data[:200]!r}")
            if conn is not None:
                conn.close()

        threads = [threading.Thread(target=worker) for _ in range(CONNECTIONS)]
        started = time.perf_counter()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.perf_counter() - started
        latencies.sort()

        def pct(p):
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

        return {
            "requests": len(latencies),
            "seconds": wall,
            "rps": len(latencies) / wall,
            "p50_ms": pct(0.50),
            "p99_ms": pct(0.99),
            "errors": len(errors),
            "first_errors": errors[:3],
        }


def get_page(path: str, headers: dict[str, str]):
    """Requests for `path` with these headers (a session cookie, a token), answered 200."""

    def make(_index):
        return "GET", path, headers, None, lambda status, body: status == 200, None

    return make


def source_ip(n: int) -> tuple[str, int]:
    """Loopback source address number n (127.1.0.1, 127.1.0.2, …, never .0 or .255 last, all
    distinct up to 16 million): the registration form allows 30 POSTs per client address an
    hour, so each simulated client gets its own."""
    n, last = divmod(n, 254)
    n, third = divmod(n, 256)
    return (f"127.{1 + n % 254}.{third}.{last + 1}", 0)


# --- clients: signing in, registering ----------------------------------------------------


def sign_in(port: int, email: str, password: str) -> str:
    """POST the allauth sign-in form (with its CSRF token); returns the Cookie header."""
    status, headers, body = request("GET", "/accounts/login/", port=port)
    jar = cookies_from(headers)
    token = CSRF_INPUT.search(body).group(1).decode()
    form = urllib.parse.urlencode(
        {"login": email, "password": password, "csrfmiddlewaretoken": token}
    )
    status, headers, body = request(
        "POST",
        "/accounts/login/",
        port=port,
        body=form,
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header(jar),
        },
    )
    jar.update(cookies_from(headers))
    if status != 302 or "sessionid" not in jar:
        raise RuntimeError(f"signing in {email} failed: {status} {body[:300]!r}")
    return cookie_header(jar)


def registration_form(email: str, index: int) -> dict:
    return {
        "name": f"Registrant {index}",
        "email": email,
        "phone": "",
        "preferred_language": "en",
        "age_band": "25_34",
        "role_category": "resident",
        "neighborhood": "Eastside",
        "availability": "Tuesday evening",
        "race_ethnicity": "hispanic",
        "consent_participation": "on",
        "consent_contact": "on",
    }


def registration_posts(load: Load, path: str, run_id: str) -> tuple[dict, set[str]]:
    # One CSRF cookie + form token, fetched once (tokens are not tied to the client address).
    status, headers, body = request("GET", path, port=load.port)
    jar = cookies_from(headers)
    token = CSRF_INPUT.search(body).group(1).decode()
    emails: set[str] = set()
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "Cookie": cookie_header({"csrftoken": jar["csrftoken"]}),
    }

    def make(index):
        email = f"reg-{run_id}-{index:06d}@bench.example.net"
        emails.add(email)
        form = urllib.parse.urlencode(
            {"csrfmiddlewaretoken": token, **registration_form(email, index)}
        )
        ok = lambda status, body: status == 302  # noqa: E731 (the thank-you redirect)
        return "POST", path, headers, form, ok, source_ip(index // 20)

    return load.run(make), emails
