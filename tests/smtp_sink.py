"""A real SMTP server for tests and the benchmark: aiosmtpd in a thread on a free local port.

It accepts every message and records who it was for and the headers the outbox sets
(Message-ID, stable per outbox row, so duplicates can be counted; X-Dialogue-Hub-Kind).
Recording is thread-safe: the server runs in its own thread, tests read from theirs.

    with SmtpSink() as sink:
        settings.EMAIL_PORT = sink.port
        ...
        sink.wait_for(10, timeout=30)
        sink.messages  # a snapshot list of Received
"""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email import policy
from email.parser import BytesHeaderParser, BytesParser
from email.utils import getaddresses

from aiosmtpd.controller import Controller

# aiosmtpd logs every connection at INFO; a sweep of thousands would drown the test output.
logging.getLogger("mail.log").setLevel(logging.WARNING)


@dataclass(frozen=True)
class Received:
    """One message as the server accepted it."""

    recipients: tuple[str, ...]  # the SMTP envelope (RCPT TO), lower-cased
    to: tuple[str, ...]  # the To: header's addresses, lower-cased
    message_id: str
    kind: str  # X-Dialogue-Hub-Kind
    subject: str
    headers: dict[str, str]
    received_at: float  # time.monotonic()
    raw: bytes = b""  # the whole message as it arrived

    def email(self):
        """The whole message parsed (body, attachments)."""
        return BytesParser(policy=policy.default).parsebytes(self.raw)


def free_port(host: str = "127.0.0.1") -> int:
    """A port nobody listens on right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


class _Handler:
    def __init__(self, sink: SmtpSink):
        self.sink = sink
        self.parser = BytesHeaderParser()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        raw = envelope.original_content or envelope.content or b""
        headers = self.parser.parsebytes(raw)
        received = Received(
            recipients=tuple(r.lower() for r in envelope.rcpt_tos),
            to=tuple(addr.lower() for _name, addr in getaddresses(headers.get_all("To", []))),
            message_id=str(headers.get("Message-ID", "")).strip(),
            kind=str(headers.get("X-Dialogue-Hub-Kind", "")).strip(),
            subject=" ".join(str(headers.get("Subject", "")).split()),
            headers={key: str(value) for key, value in headers.items()},
            received_at=time.monotonic(),
            raw=raw if self.sink.keep else b"",
        )
        self.sink._record(received)
        return "250 Message accepted for delivery"


class _Controller(Controller):
    def __init__(self, sink: SmtpSink, **kwargs):
        self.sink = sink
        super().__init__(_Handler(sink), **kwargs)

    def factory(self):
        # One SMTP server instance per client connection: count them.
        self.sink._connected()
        return super().factory()


class SmtpSink:
    """An SMTP server that keeps what it receives. `on_message(received)` and `on_connect()`,
    if given, are called (in the server's thread) after each message and on each new client
    connection; with `keep=False` only the counts and the callbacks remain (the benchmark: no
    memory for 10,000 messages)."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        keep: bool = True,
        on_message: Callable[[Received], None] | None = None,
        on_connect: Callable[[], None] | None = None,
    ):
        self.host = host
        self.port = port or free_port(host)
        self.keep = keep
        self.on_message = on_message
        self.on_connect = on_connect
        self._lock = threading.Condition()
        self._messages: list[Received] = []
        self._count = 0
        self._connections = 0
        self._controller: Controller | None = None

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> SmtpSink:
        self._controller = _Controller(
            self,
            hostname=self.host,
            port=self.port,
            ready_timeout=10,
            # A fixed name: otherwise aiosmtpd looks up the machine's FQDN on every connection.
            server_hostname="sink.dialoguehub.test",
        )
        self._controller.start()
        self.clear()  # start() connects once to check the server is up
        return self

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def __enter__(self) -> SmtpSink:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    # --- recording ----------------------------------------------------------------------------

    def _record(self, received: Received) -> None:
        with self._lock:
            self._count += 1
            if self.keep:
                self._messages.append(received)
            self._lock.notify_all()
        if self.on_message is not None:
            self.on_message(received)

    def _connected(self) -> None:
        with self._lock:
            self._connections += 1
        if self.on_connect is not None:
            self.on_connect()

    def clear(self) -> None:
        with self._lock:
            self._messages.clear()
            self._count = 0
            self._connections = 0

    @property
    def connections(self) -> int:
        """How many SMTP connections clients opened (the trigger probe at start-up excluded)."""
        with self._lock:
            return self._connections

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    @property
    def messages(self) -> list[Received]:
        """A snapshot: later messages do not change the returned list."""
        with self._lock:
            return list(self._messages)

    def wait_for(
        self,
        count: int,
        *,
        timeout: float,
        while_waiting: Callable[[], object] | None = None,
        every: float = 0.5,
    ) -> bool:
        """Wait until at least `count` messages arrived (True) or `timeout` seconds passed
        (False). `while_waiting()` is called about every `every` seconds meanwhile (e.g. the
        outbox relay)."""
        deadline = time.monotonic() + timeout
        next_call = time.monotonic() + every
        with self._lock:
            while self._count < count:
                now = time.monotonic()
                if now >= deadline:
                    return False
                if while_waiting is not None and now >= next_call:
                    self._lock.release()
                    try:
                        while_waiting()
                    finally:
                        self._lock.acquire()
                    next_call = time.monotonic() + every
                    continue
                self._lock.wait(min(deadline, next_call) - now)
            return True

    # --- questions tests ask ------------------------------------------------------------------

    def by_recipient(self) -> Counter:
        """How many messages each address received."""
        return Counter(r for message in self.messages for r in message.recipients)

    def by_message_id(self) -> Counter:
        return Counter(message.message_id for message in self.messages)
