"""Cold and mixed traffic for the page benchmark (bench/pages.py, issue 20).

Every registration changes its initiative's data. Before issue 20 every kept figure and
fragment of the initiative was keyed by one version that each registration dropped, so during
a recruitment drive the dashboards were cold far more often than a load test of one page at a
time would show. Now a registration drops only the registrations' token (initiatives/cache.py):
the pages that show nothing of a new person stay cached, and the staff dashboards of the people
follow the drive at most every DIALOGUE_HUB_REGISTRATIONS_LAG seconds.

- `cold_times`: in this process, each page after a real registration (the public form,
  through its view and service, as a person sends it) with the lag at 0, and cold (every
  initiative's kept figures dropped, as any other change does); the median of several. Each
  page gets its own registration just before it, so that no page is measured warm from
  another page's recomputation.
- `Registrations`: public-form registrations POSTed to gunicorn at a steady rate in the
  background (a schedule, not a loop as fast as it can: the rate is the workload, 20/s in the
  issue), each from its own loopback address in groups of 20 (the form allows 30 an hour per
  address), their outcome counted and their rows checked afterwards.
- `mixed`: each staff page loaded by wrk in turn while those registrations arrive throughout.
  One page at a time, as the quiet table does, so that each page's rate under the mix compares
  with its own quiet rate and with the trivial view at the same connection count; the
  registrations are what make it "mixed": their own cost, and the recomputations of the
  dashboards of the people they cause.
"""

from __future__ import annotations

import http.client
import statistics
import threading
import time
import urllib.parse

import wrk
from http_load import CSRF_INPUT, HOST, cookie_header, cookies_from, registration_form, request
from http_load import source_ip as address
from reminders import log

COLD_REPEAT = 5
# Loopback addresses by block, so that no two phases of a run post from the same addresses
# (30 registrations per address and hour): the registration POSTs use blocks from 0.
COLD_ADDRESSES = 20_000
MIXED_ADDRESSES = 40_000


def register_in_process(client, path: str, index: int, run_id: str) -> str:
    """One registration through the public form in this process; returns the email."""
    email = f"cold-{run_id}-{index:06d}@bench.example.net"
    response = client.post(
        path,
        registration_form(email, index),
        REMOTE_ADDR=address(COLD_ADDRESSES + index // 20)[0],
    )
    if response.status_code != 302:
        raise RuntimeError(f"registration POST answered {response.status_code} in-process")
    return email


def cold_times(
    pages: dict[str, tuple[str, object]],
    register_path: str,
    *,
    repeat: int = COLD_REPEAT,
    run_id: str,
    first_index: int = 0,
) -> dict[str, dict]:
    """pages: name → (path, a django.test.Client for the role that reads it). For each page,
    `repeat` times: a registration, then the page (timed: `after_registration`); then every
    initiative's cached figures dropped, as any change other than a registration does, and the
    page again (timed, its queries counted: `cold`, the page computed afresh); then the page
    once more (warm, for comparison). Medians in milliseconds.

    The registrations' lag is 0 here (DIALOGUE_HUB_REGISTRATIONS_LAG): the staff dashboards of
    the people are computed again after each one, as after a quiet spell, so the time after a
    registration is that of the recomputation, not of a lagged (warm) page. Pages unaffected
    by registrations are warm after one: that is the point of their scope."""
    from django.db import connection
    from django.test import Client, override_settings
    from django.test.utils import CaptureQueriesContext

    from initiatives import cache as initiative_cache
    from initiatives.models import Initiative
    from participants.models import Participant

    initiative_ids = list(Initiative.objects.values_list("pk", flat=True))
    registrant = Client(SERVER_NAME=HOST)
    emails = []
    for name, (path, client) in pages.items():  # sessions, language, per-process caches
        if client.get(path).status_code != 200:
            raise RuntimeError(f"{name} ({path}) does not answer 200 in-process")
    figures = {name: {"cold": [], "warm": [], "after": [], "queries": []} for name in pages}
    index = first_index

    def timed(client, path, name, what):
        started = time.perf_counter()
        response = client.get(path)
        figures[name][what].append((time.perf_counter() - started) * 1000)
        if response.status_code != 200:
            raise RuntimeError(f"{name} answered {response.status_code} ({what})")

    with override_settings(DIALOGUE_HUB_REGISTRATIONS_LAG=0):
        for _ in range(repeat):
            for name, (path, client) in pages.items():
                emails.append(register_in_process(registrant, register_path, index, run_id))
                index += 1
                timed(client, path, name, "after")
                for pk in initiative_ids:
                    initiative_cache.changed(pk)
                with CaptureQueriesContext(connection) as captured:
                    timed(client, path, name, "cold")
                # Read now: captured_queries slices the connection's log, which the next
                # request empties.
                figures[name]["queries"].append(len(captured.captured_queries))
                timed(client, path, name, "warm")
    if Participant.objects.filter(email__in=emails).count() != len(
        emails
    ):  # a duplicate changes nothing
        raise RuntimeError("a cold measurement's registration did not add its row")
    return {
        name: {
            "cold_ms": round(statistics.median(f["cold"]), 1),
            "warm_ms": round(statistics.median(f["warm"]), 1),
            "after_registration_ms": round(statistics.median(f["after"]), 1),
            "queries": max(f["queries"]),
            "runs_ms": [round(ms, 1) for ms in f["cold"]],
        }
        for name, f in figures.items()
    }


class Registrations:
    """Public-form registrations POSTed to gunicorn at `rate` per second, from `start()` to
    `stop()`. Request i is due at start + i / rate, whatever became of the earlier ones (an open
    system: a person does not wait for the previous one's answer)."""

    # Enough senders that the arrivals keep to the schedule while the server is saturated by
    # the page under load (a POST then waits seconds in its queue: 20/s × 5 s = 100 in flight).
    # If even these are all waiting, the sends fall behind: `late_s` says by how much, and the
    # rate achieved is below the target — the server could not absorb the arrivals.
    THREADS = 128

    def __init__(self, port: int, path: str, *, rate: float, run_id: str):
        self.port = port
        self.path = path
        self.rate = rate
        self.run_id = run_id
        self.lock = threading.Lock()
        self.stopping = threading.Event()
        self.next = 0
        self.late = 0.0  # the most a send fell behind its schedule, in seconds
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.emails: set[str] = set()
        self.threads: list[threading.Thread] = []

    def start(self) -> None:
        status, headers, body = request("GET", self.path, port=self.port)
        if status != 200:
            raise RuntimeError(f"the registration form answered {status}")
        token = CSRF_INPUT.search(body).group(1).decode()
        self.headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": cookie_header({"csrftoken": cookies_from(headers)["csrftoken"]}),
        }
        self.token = token
        self.started = time.monotonic()
        self.threads = [threading.Thread(target=self._send) for _ in range(self.THREADS)]
        for thread in self.threads:
            thread.start()

    def _send(self) -> None:
        while not self.stopping.is_set():
            with self.lock:
                index = self.next
                self.next += 1
            due = self.started + index / self.rate
            if self.stopping.wait(max(0.0, due - time.monotonic())):
                return  # stopped before this one was due: never sent, never counted
            late = time.monotonic() - due
            email = f"mix-{self.run_id}-{index:06d}@bench.example.net"
            form = urllib.parse.urlencode(
                {"csrfmiddlewaretoken": self.token, **registration_form(email, index)}
            )
            conn = http.client.HTTPConnection(
                HOST, self.port, timeout=30, source_address=address(MIXED_ADDRESSES + index // 20)
            )
            started = time.perf_counter()
            try:
                conn.request("POST", self.path, body=form, headers=self.headers)
                response = conn.getresponse()
                response.read()
                error = None if response.status == 302 else f"{response.status}"
            except (OSError, http.client.HTTPException) as exc:
                error = repr(exc)
            finally:
                conn.close()
            elapsed = time.perf_counter() - started
            with self.lock:
                self.late = max(self.late, late)
                self.emails.add(email)
                self.latencies.append(elapsed)
                if error:
                    self.errors.append(error)

    def stop(self) -> dict:
        """Stop sending; wait for the answers to those sent. The rate is over the time they
        were being sent."""
        wall = time.monotonic() - self.started
        self.stopping.set()
        for thread in self.threads:
            thread.join()
        latencies = sorted(self.latencies)

        def pct(p):
            return latencies[min(len(latencies) - 1, int(p * len(latencies)))] * 1000

        return {
            "target_rps": self.rate,
            "posts": len(latencies),
            "seconds": round(wall, 1),
            "rps": round(len(latencies) / wall, 2),
            "late_s": round(self.late, 2),
            "errors": len(self.errors),
            "first_errors": self.errors[:3],
            "p50_ms": round(pct(0.5), 1) if latencies else None,
            "p99_ms": round(pct(0.99), 1) if latencies else None,
        }


def mixed(
    port: int,
    pages: dict[str, tuple[str, dict]],
    register_path: str,
    *,
    rate: float,
    seconds: float,
    run_id: str,
) -> tuple[dict[str, dict], dict, set[str]]:
    """pages: name → (path, headers). Each page under wrk while registrations arrive at `rate`
    per second from before the first page to after the last. Returns the pages' figures, the
    registrations' and the emails posted."""
    registrations = Registrations(port, register_path, rate=rate, run_id=run_id)
    registrations.start()
    figures = {}
    try:
        time.sleep(1)  # the stream is running before the first page's window opens
        for name, (path, headers) in pages.items():
            # An error under the mix (a 500 from a race, a timeout) fails the row, not the run:
            # the other pages' figures are still worth having.
            try:
                figures[name] = wrk.run(port, path, headers, seconds=seconds)
            except wrk.LoadError as error:
                figures[name] = error.figures
                log(f"  mixed {name}: FAILED, {error}")
            log(
                f"  mixed {name:<20} {figures[name]['rps']:7.1f}/s "
                f"p50 {figures[name]['p50_ms']:6.1f} p99 {figures[name]['p99_ms']:6.1f} ms"
            )
    finally:
        outcome = registrations.stop()
    return figures, outcome, registrations.emails
