"""The page benchmark's own machinery (bench/wrk.py, bench/pages_load.py, bench/pages_report.py):
a fast page that answers errors fails its row instead of looking fast, registrations keep to
their schedule while the server is slow, each simulated client has its own address, and the
report says which targets a run met. Against a small local HTTP server, with the real wrk."""

import re
import shutil
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import yaml

sys.path.append(str(Path(__file__).resolve().parent.parent / "bench"))

import http_load  # noqa: E402
import pages_load  # noqa: E402
import pages_report  # noqa: E402
import wrk  # noqa: E402
from http_load import source_ip  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

needs_wrk = pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    post_delay = 0.0
    posts: list[str] = []

    def log_message(self, *args):
        pass

    def answer(self, status, body=b"ok", headers=()):
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/ok":
            self.answer(200)
        elif self.path == "/register":
            self.answer(
                200,
                b'<input name="csrfmiddlewaretoken" value="form-token">',
                [("Set-Cookie", "csrftoken=cookie-token; Path=/")],
            )
        else:
            self.answer(403, b"denied")

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        form = self.rfile.read(length).decode()
        time.sleep(self.post_delay)
        type(self).posts.append(f"{self.client_address[0]} {form}")
        self.answer(302, b"", [("Location", "/thanks")])


@pytest.fixture
def server():
    Handler.posts = []
    Handler.post_delay = 0.0
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd.server_address[1]
    httpd.shutdown()
    httpd.server_close()


@needs_wrk
def test_wrk_measures_a_page_and_fails_one_that_answers_errors(server):
    figures = wrk.run(server, "/ok", seconds=1, connections=4)
    assert figures["errors"] == 0
    assert figures["requests"] >= wrk.MIN_REQUESTS
    assert figures["rps"] > 0
    assert 0 < figures["p50_ms"] <= figures["p99_ms"]

    # Fast 403s would make a great-looking row: they must fail it.
    with pytest.raises(wrk.LoadError, match="status") as failed:
        wrk.run(server, "/denied", seconds=1, connections=4)
    assert failed.value.figures["error_kinds"]["status"] == failed.value.figures["requests"] > 0


@needs_wrk
def test_wrk_sends_the_credentials(server):
    """A header given to the row reaches the server (the pages' cookie or token)."""
    seen = []

    class Recording(Handler):
        def do_GET(self):
            seen.append(self.headers.get("Authorization"))
            self.answer(200)

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Recording)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    try:
        wrk.run(httpd.server_address[1], "/", {"Authorization": "Bearer t0k"}, seconds=1)
    finally:
        httpd.shutdown()
        httpd.server_close()
    assert seen
    assert set(seen) == {"Bearer t0k"}


def test_registrations_keep_their_rate_while_the_server_is_slow(server):
    """An open system: each registration is sent when due, whatever became of the earlier
    ones, so a slow server gets the arrivals it would get from people, not fewer."""
    Handler.post_delay = 0.3  # each answer takes longer than the gap between two arrivals
    registrations = pages_load.Registrations(server, "/register", rate=40, run_id="t")
    registrations.start()
    time.sleep(1.5)
    outcome = registrations.stop()
    assert outcome["errors"] == 0
    assert 0.85 * 40 <= outcome["rps"] <= 1.1 * 40
    assert outcome["late_s"] < 0.5  # sent on schedule, not after the earlier answers
    assert outcome["posts"] == len(Handler.posts) == len(registrations.emails)
    # The form's token and distinct emails, twenty per source address.
    assert all("csrfmiddlewaretoken=form-token" in post for post in Handler.posts)
    addresses = [post.split()[0] for post in Handler.posts]
    assert max(addresses.count(a) for a in addresses) <= 20


def test_every_simulated_client_has_its_own_address():
    addresses = [source_ip(n)[0] for n in range(70_000)]
    assert len(set(addresses)) == len(addresses)
    for address in addresses:
        parts = [int(p) for p in address.split(".")]
        assert parts[0] == 127
        assert 0 < parts[3] < 255
        assert re.fullmatch(r"127\.\d+\.\d+\.\d+", address)


def mixed_result(**changes) -> dict:
    result = {
        "inclusion_cold_ms_20k": 18.0,
        "inclusion_cold_ms_200k": 26.0,
        "mixed": {
            "pages": {
                "roster": {"rps": 60.0, "ratio": 0.04, "p50_ms": 90.0, "p99_ms": 140.0},
                "inclusion": {"rps": 60.0, "ratio": 0.04, "p50_ms": 90.0, "p99_ms": 140.0},
            },
            "registrations": {"rps": 19.8, "late_s": 0.2, "errors": 0, "exact": True},
        },
    }
    for path, value in changes.items():
        *keys, last = path.split("__")
        target = result
        for key in keys:
            target = target[key]
        target[last] = value
    return pages_report.judge(result)


def test_the_report_says_which_targets_a_run_met():
    result = mixed_result()
    assert result["inclusion_cold_met"] == {"20k": True, "200k": True}
    assert result["mixed"]["met"] is True

    slow = mixed_result(inclusion_cold_ms_20k=21.0)
    assert slow["inclusion_cold_met"]["20k"] is False
    grows = mixed_result(inclusion_cold_ms_200k=28.0)  # > 1.5 × 18
    assert grows["inclusion_cold_met"]["200k"] is False

    late = mixed_result(mixed__pages__roster__p99_ms=151.0)
    assert late["mixed"]["pages"]["roster"]["met"] is False
    assert late["mixed"]["pages"]["inclusion"]["met"] is True
    assert late["mixed"]["met"] is False
    assert mixed_result(mixed__pages__roster__ratio=0.029)["mixed"]["met"] is False
    assert mixed_result(mixed__pages__roster__errors=3)["mixed"]["met"] is False
    assert mixed_result(mixed__registrations__rps=15.0)["mixed"]["met"] is False
    assert mixed_result(mixed__registrations__errors=1)["mixed"]["met"] is False
    # On average 20/s, but only by catching up after falling seconds behind.
    assert mixed_result(mixed__registrations__late_s=30.0)["mixed"]["met"] is False
    assert mixed_result(mixed__registrations__exact=False)["mixed"]["met"] is False


def test_the_bench_serves_pages_with_as_many_workers_as_production():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    web = compose["services"]["web"]["command"]
    assert http_load.WORKERS == int(web[web.index("--workers") + 1]) >= 2
