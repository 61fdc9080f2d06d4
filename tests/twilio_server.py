"""A local HTTP server that speaks Twilio's Messages API, for tests and the benchmark: nothing
leaves the machine, yet the real `twilio` package makes real HTTP requests to it.

    with TwilioServer() as server:
        settings.DIALOGUE_HUB_SMS_URL = server.sms_url()
        ...
        server.wait_for(10, timeout=30)
        server.messages  # a snapshot list of ReceivedText

It answers `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form fields To, From or
MessagingServiceSid, Body; HTTP basic auth with the account SID and auth token) with 201 and a
message resource shaped like Twilio's (sid "SM…", status "queued"), and records the message.
HTTP/1.1 with keep-alive, one thread per connection, as a batch over one session expects.

Its error answers are Twilio's JSON ({"code", "message", "more_info", "status"}), chosen by the
recipient (Twilio's own magic test numbers where it has them, a few of ours for the rest, or
`fail(number, error)`) or for every request at once (`mode = "down"`):

    invalid       400, code 21211  the To number is not a valid phone number
    unsubscribed  400, code 21610  the recipient answered STOP at the carrier
    rate_limited  429, code 20429  too many requests
    down          503, code 20503  the service is unavailable
"""

from __future__ import annotations

import base64
import json
import re
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import formatdate
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, quote

from .smtp_sink import free_port

ACCOUNT_SID = "AC" + "0" * 28 + "0d18"  # "AC" and 32 hex digits, like Twilio's
AUTH_TOKEN = "local-twilio-auth-token-not-a-secret"
FROM_NUMBER = "+15005550006"  # Twilio's magic "valid sender" test number

# Recipients that always get an error answer (Twilio's magic numbers for the first two).
INVALID_NUMBER = "+15005550001"
UNSUBSCRIBED_NUMBER = "+15005550004"
RATE_LIMITED_NUMBER = "+15005550429"
DOWN_NUMBER = "+15005550503"

ERRORS = {
    "invalid": (400, 21211, "The 'To' number {to} is not a valid phone number."),
    "unsubscribed": (
        400,
        21610,
        "Attempt to send to unsubscribed recipient",
    ),
    "rate_limited": (429, 20429, "Too Many Requests"),
    "down": (503, 20503, "Service Unavailable"),
    "auth": (401, 20003, "Authenticate"),
    "no_body": (400, 21602, "Message body is required."),
    "no_from": (400, 21603, "A 'From' phone number is required."),
    "not_found": (404, 20404, "The requested resource {path} was not found"),
}
NUMBER_ERRORS = {
    INVALID_NUMBER: "invalid",
    UNSUBSCRIBED_NUMBER: "unsubscribed",
    RATE_LIMITED_NUMBER: "rate_limited",
    DOWN_NUMBER: "down",
}
E164 = re.compile(r"^\+[1-9]\d{6,14}$")
MESSAGES_PATH = re.compile(r"^/2010-04-01/Accounts/(?P<sid>AC\w+)/Messages\.json$")


@dataclass(frozen=True)
class ReceivedText:
    """One message as the server accepted it."""

    sid: str
    to: str
    from_: str
    messaging_service_sid: str
    body: str
    received_at: float  # time.monotonic()


def segments_of(body: str) -> int:
    """Roughly as Twilio counts: 160 characters (153 per part) in GSM-7, else 70 (67)."""
    single, part = (160, 153) if all(ord(c) < 128 for c in body) else (70, 67)
    return 1 if len(body) <= single else -(-len(body) // part)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: every answer carries its Content-Length
    server: _HTTPServer

    def setup(self):
        super().setup()
        self.server.owner._connected()

    def log_message(self, format, *args):  # noqa: A002 (the stdlib's name)
        return  # quiet: thousands of requests in a benchmark

    def _answer(self, status: int, document: dict) -> None:
        body = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        # Headers and body in one write: two small writes on a kept-alive connection would
        # wait for the client's delayed ACK (Nagle), some 40 ms per message.
        self._headers_buffer.extend([b"\r\n", body])
        self.flush_headers()

    def _error(self, error: str, **values) -> None:
        status, code, message = ERRORS[error]
        self._answer(
            status,
            {
                "code": code,
                "message": message.format(**values),
                "more_info": f"https://www.twilio.com/docs/errors/{code}",
                "status": status,
            },
        )

    def do_GET(self):  # noqa: N802 (the stdlib's name)
        self._error("not_found", path=self.path)

    def do_POST(self):  # noqa: N802
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        owner = self.server.owner
        match = MESSAGES_PATH.match(self.path.split("?", 1)[0])
        if not match:
            self._error("not_found", path=self.path)
            return
        if not owner._authorized(match["sid"], self.headers.get("Authorization", "")):
            self._error("auth")
            return
        form = {key: values[-1] for key, values in parse_qs(raw.decode("utf-8")).items()}
        to = form.get("To", "").strip()
        error = owner._error_for(to)
        if error:
            self._error(error, to=to)
            return
        if not E164.match(to):
            self._error("invalid", to=to)
            return
        body = form.get("Body", "")
        if not body:
            self._error("no_body")
            return
        sender, service = form.get("From", ""), form.get("MessagingServiceSid", "")
        if not sender and not service:
            self._error("no_from")
            return
        sid = "SM" + uuid.uuid4().hex
        now = formatdate(usegmt=True).replace("GMT", "+0000")
        uri = f"/2010-04-01/Accounts/{match['sid']}/Messages/{sid}"
        document = {
            "account_sid": match["sid"],
            "api_version": "2010-04-01",
            "body": body,
            "date_created": now,
            "date_sent": None,
            "date_updated": now,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": sender or None,
            "messaging_service_sid": service or None,
            "num_media": "0",
            "num_segments": str(segments_of(body)),
            "price": None,
            "price_unit": "USD",
            "sid": sid,
            "status": "queued" if sender else "accepted",
            "subresource_uris": {"media": f"{uri}/Media.json"},
            "to": to,
            "uri": f"{uri}.json",
        }
        owner._record(
            ReceivedText(
                sid=sid,
                to=to,
                from_=sender,
                messaging_service_sid=service,
                body=body,
                received_at=time.monotonic(),
            )
        )
        self._answer(201, document)  # recorded first: a client that has its answer finds it


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64

    def __init__(self, address, owner: TwilioServer):
        self.owner = owner
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address):
        # A client that died mid-request (a worker killed by a test) is expected, not news.
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)


class TwilioServer:
    """The server in a thread of this process. `keep=False` keeps only the count and calls
    `on_message(received)` / `on_connect()` (the benchmark: no memory for many messages).
    `mode`: None (answer normally) or an error name for every request."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int | None = None,
        account_sid: str = ACCOUNT_SID,
        auth_token: str = AUTH_TOKEN,
        keep: bool = True,
        on_message: Callable[[ReceivedText], None] | None = None,
        on_connect: Callable[[], None] | None = None,
    ):
        self.host = host
        self.port = port or free_port(host)
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.keep = keep
        self.on_message = on_message
        self.on_connect = on_connect
        self.mode: str | None = None
        self._failing: dict[str, str] = {}
        self._lock = threading.Condition()
        self._messages: list[ReceivedText] = []
        self._count = 0
        self._connections = 0
        self._http: _HTTPServer | None = None
        self._thread: threading.Thread | None = None
        expected = f"{account_sid}:{auth_token}".encode()
        self._authorization = "Basic " + base64.b64encode(expected).decode()

    # --- life cycle ---------------------------------------------------------------------------

    def start(self) -> TwilioServer:
        self._http = _HTTPServer((self.host, self.port), self)
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._http is not None:
            self._http.shutdown()
            self._http.server_close()
            self._http = None

    def __enter__(self) -> TwilioServer:
        return self.start()

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def sms_url(self, *, sender: str = FROM_NUMBER, service: str = "") -> str:
        """The DIALOGUE_HUB_SMS_URL that sends through this server."""
        query = f"service={quote(service)}" if service else f"from={quote(sender, safe='')}"
        return (
            f"twilio+http://{self.account_sid}:{quote(self.auth_token, safe='')}"
            f"@{self.host}:{self.port}?{query}"
        )

    # --- behaviour ----------------------------------------------------------------------------

    def fail(self, number: str, error: str | None) -> None:
        """Answer `error` (a key of ERRORS) to every message for `number`; None: answer it
        normally (even one of the error numbers above)."""
        with self._lock:
            if error is None:
                self._failing[number] = ""
            elif error in ERRORS:
                self._failing[number] = error
            else:
                raise ValueError(f"unknown error {error!r}: one of {sorted(ERRORS)}")

    def _error_for(self, to: str) -> str | None:
        with self._lock:
            if self.mode:
                return self.mode
            return (self._failing[to] or None) if to in self._failing else NUMBER_ERRORS.get(to)

    def _authorized(self, sid: str, header: str) -> bool:
        return sid == self.account_sid and header == self._authorization

    # --- recording ----------------------------------------------------------------------------

    def _record(self, received: ReceivedText) -> None:
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
        """How many HTTP connections clients opened."""
        with self._lock:
            return self._connections

    @property
    def count(self) -> int:
        with self._lock:
            return self._count

    @property
    def messages(self) -> list[ReceivedText]:
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
        (False); `while_waiting()` is called about every `every` seconds meanwhile."""
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

    def by_recipient(self) -> Counter:
        """How many messages each number received."""
        return Counter(message.to for message in self.messages)
