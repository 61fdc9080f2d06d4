"""The benchmark's servers in a process of their own (as a real mail server or text provider
would be): the tests' aiosmtpd sink (tests/smtp_sink.py) or the tests' server that speaks
Twilio's Messages API (tests/twilio_server.py), counting into shared memory instead of keeping
the messages."""

from __future__ import annotations

import multiprocessing
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _server(kind: str):
    if kind == "twilio":
        from tests.twilio_server import TwilioServer

        return TwilioServer
    from tests.smtp_sink import SmtpSink

    return SmtpSink


def _serve(kind, port, count, connections, last_at, ready, stop) -> None:
    sys.path.insert(0, str(ROOT))
    server = _server(kind)

    def on_message(received) -> None:
        with count.get_lock():
            count.value += 1
            last_at.value = received.received_at

    def on_connect() -> None:
        with connections.get_lock():
            connections.value += 1

    with server(port=port, keep=False, on_message=on_message, on_connect=on_connect):
        with connections.get_lock():
            connections.value = 0  # the start-up probe
        ready.set()
        stop.wait()


class SinkProcess:
    """`kind`: "smtp" (the SMTP sink) or "twilio" (the text provider's API)."""

    def __init__(self, port: int, kind: str = "smtp"):
        self.port = port
        self.kind = kind
        context = multiprocessing.get_context("spawn")
        self._count = context.Value("q", 0)
        self._connections = context.Value("q", 0)
        self._last_at = context.Value("d", 0.0)  # time.monotonic() of the latest message
        self._ready = context.Event()
        self._stop = context.Event()
        self._process = context.Process(
            target=_serve,
            args=(
                kind,
                port,
                self._count,
                self._connections,
                self._last_at,
                self._ready,
                self._stop,
            ),
            name=f"bench-{kind}-sink",
            daemon=True,
        )

    def start(self) -> SinkProcess:
        self._process.start()
        if not self._ready.wait(20):
            self.stop()
            raise RuntimeError(f"the {self.kind} sink did not start")
        return self

    def stop(self) -> None:
        self._stop.set()
        self._process.join(10)
        if self._process.is_alive():
            self._process.kill()
            self._process.join(5)

    def reset(self) -> None:
        with self._count.get_lock():
            self._count.value = 0
            self._last_at.value = 0.0
        with self._connections.get_lock():
            self._connections.value = 0

    @property
    def count(self) -> int:
        return self._count.value

    @property
    def connections(self) -> int:
        return self._connections.value

    @property
    def last_at(self) -> float:
        return self._last_at.value
