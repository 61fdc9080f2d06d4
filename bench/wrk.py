"""The page benchmark's load generator: wrk (C, epoll; Debian's package, installed by bench/run).

The bench used to drive the pages from its own threaded Python client; measured beside wrk it
reached only about two thirds of the trivial view's real rate, so every page's ratio to the
trivial view came out about 1.5× too high (issue 20). wrk is not the bottleneck at these rates
(one wrk thread sends tens of thousands of requests a second), and `client_check` shows it in
every run: the trivial view must reach the same rate with half the connections, or the client
(or the machine it shares with the server) is what limits the figures.

wrk and gunicorn share the machine's two cores: wrk runs one thread (`THREADS`), which spends a
small fraction of a core at ~1,500 requests/s, and leaves the rest to the server.

wrk's own summary is parsed from the JSON its `done()` hook prints (bench/wrk_done.lua): exact
request counts, the errors by kind and latency percentiles from its histogram. wrk counts a
status ≥ 400 as an error (`status`); a 3xx is not, so every page is first checked to answer 200
to the same credentials (bench/pages.py), and any socket error or error status fails the row.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

from http_load import HOST

SCRIPT = Path(__file__).resolve().parent / "wrk_done.lua"
THREADS = 1
CONNECTIONS = 16
TIMEOUT_S = 30  # organizer_home took seconds under load: a timeout would hide that
MIN_REQUESTS = 40  # per row, for a p99 worth the name
MAX_SECONDS = 30
CLIENT_OK_SHARE = 0.9  # half the connections must reach this share of the trivial view's rate


class LoadError(RuntimeError):
    """A page answered errors (status ≥ 400, socket errors, timeouts) under load; `figures`:
    what wrk measured all the same."""

    def __init__(self, message: str, figures: dict):
        super().__init__(message)
        self.figures = figures


def version() -> str:
    """wrk's version line ("wrk debian/4.1.0-3+b2 [epoll]")."""
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed: bench/run installs it (apt-get install wrk)")
    out = subprocess.run(  # noqa: S603 (wrk from PATH, our arguments)
        ["wrk", "--version"],  # noqa: S607
        capture_output=True,
        text=True,
        check=False,
    )
    return (out.stdout or out.stderr).splitlines()[0].split(" Copyright")[0].strip()


def run(
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    seconds: float = 5,
    connections: int = CONNECTIONS,
    threads: int = THREADS,
) -> dict:
    """Load GET `path` for `seconds` at `connections`, longer (up to MAX_SECONDS) when fewer than
    MIN_REQUESTS completed: wrk drops the requests still in flight when its time is up, so a
    page slower than seconds ÷ connections would otherwise show no requests, or a p99 of a
    handful. Returns requests, rps, p50/p99 (ms) and the errors; raises LoadError when any
    request failed."""
    figures = once(port, path, headers, seconds=seconds, connections=connections, threads=threads)
    while figures["requests"] < MIN_REQUESTS and figures["seconds"] < MAX_SECONDS - 1:
        done = max(figures["requests"], 1)
        seconds = min(MAX_SECONDS, max(2 * seconds, 1.3 * seconds * MIN_REQUESTS / done))
        figures = once(
            port, path, headers, seconds=seconds, connections=connections, threads=threads
        )
    if not figures["requests"]:  # none in MAX_SECONDS: its latency is at least that
        figures["p50_ms"] = figures["p99_ms"] = figures["seconds"] * 1000
        figures["censored"] = True
    return figures


def once(port, path, headers, *, seconds, connections, threads) -> dict:
    command = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{max(1, round(seconds))}s",
        f"--timeout={TIMEOUT_S}s",
        "-s",
        str(SCRIPT),
    ]
    for name, value in (headers or {}).items():
        command += ["-H", f"{name}: {value}"]
    command.append(f"http://{HOST}:{port}{path}")
    done = subprocess.run(command, capture_output=True, text=True, check=False)  # noqa: S603
    match = re.search(r"^WRK_JSON (\{.*\})$", done.stdout, re.MULTILINE)
    if done.returncode != 0 or match is None:
        raise RuntimeError(f"wrk failed ({done.returncode}): {done.stdout}{done.stderr}")
    raw = json.loads(match.group(1))
    errors = {key: raw[key] for key in ("connect", "read", "write", "status", "timeout")}
    wall = raw["duration_us"] / 1e6
    figures = {
        "requests": raw["requests"],
        "seconds": wall,
        "rps": raw["requests"] / wall,
        "p50_ms": raw["p50_us"] / 1000,
        "p99_ms": raw["p99_us"] / 1000,
        "max_ms": raw["max_us"] / 1000,
        "errors": sum(errors.values()),
        "error_kinds": {key: n for key, n in errors.items() if n},
    }
    if figures["errors"]:
        raise LoadError(
            f"{path}: {figures['requests']} requests, errors {figures['error_kinds']}", figures
        )
    return figures


def client_check(port: int, path: str, *, seconds: float, rounds: int = 2) -> dict:
    """The trivial view at CONNECTIONS and at half as many. With a client that is not the
    bottleneck the server is saturated either way (the sync workers need as many requests in flight),
    so the rates match; if the full count gets clearly more, the client was what limited it.
    Alternated, `rounds` times each, and the best of each compared: a burst of other work on
    the machine lowers one round, not the best of two."""
    full, half = [], []
    for _ in range(rounds):
        full.append(run(port, path, seconds=seconds, connections=CONNECTIONS))
        half.append(run(port, path, seconds=seconds, connections=CONNECTIONS // 2))
    best_full = max(full, key=lambda figures: figures["rps"])
    best_half = max(half, key=lambda figures: figures["rps"])
    return {
        "rps_full": best_full["rps"],
        "rps_half": best_half["rps"],
        "rounds_full": [round(f["rps"], 1) for f in full],
        "rounds_half": [round(f["rps"], 1) for f in half],
        "connections": [CONNECTIONS, CONNECTIONS // 2],
        "ok": best_half["rps"] >= CLIENT_OK_SHARE * best_full["rps"],
        "full": best_full,
    }
