"""A local HTTP server that stands in for Sentry's ingest endpoint: the real sentry-sdk sends its
envelopes to it over real HTTP, and it records every request it receives, byte for byte.

    with SentryServer() as server:
        os.environ["SENTRY_DSN"] = server.dsn   # http://publickey@127.0.0.1:<port>/1
        ...
        server.wait_for_events(1, timeout=30)
        server.events()        # the error events received (dicts)
        server.received_bytes  # every request's path, headers and decompressed body

It answers `POST /api/<project>/envelope/` (and the older `/store/`) with 200 and the event id,
undoing the body's Content-Encoding (gzip, deflate or br, as the SDK chooses).
"""

from __future__ import annotations

import gzip
import json
import threading
import time
import zlib
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes  # decompressed

    def items(self) -> list[tuple[dict, bytes]]:
        """An envelope's items: (item header, payload)."""
        if "/envelope/" not in self.path:
            return [({"type": "event"}, self.body)]
        lines = self.body.split(b"\n", 1)
        rest = lines[1] if len(lines) > 1 else b""
        items = []
        while rest.strip():
            header_line, _, rest = rest.partition(b"\n")
            if not header_line.strip():
                continue
            header = json.loads(header_line)
            if "length" in header:
                payload, rest = rest[: header["length"]], rest[header["length"] :]
                rest = rest.removeprefix(b"\n")
            else:
                payload, _, rest = rest.partition(b"\n")
            items.append((header, payload))
        return items


def _decompress(body: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if encoding == "gzip":
        return gzip.decompress(body)
    if encoding == "deflate":
        return zlib.decompress(body)
    if encoding == "br":
        import brotli

        return brotli.decompress(body)
    return body


class SentryServer:
    def __init__(self):
        self.received: list[Received] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                body = _decompress(raw, self.headers.get("Content-Encoding", ""))
                with server._lock:
                    server.received.append(Received(self.path, dict(self.headers), body))
                answer = b"{}"
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.port}/1"

    def __enter__(self) -> SentryServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def snapshot(self) -> list[Received]:
        with self._lock:
            return list(self.received)

    def payloads(self, kind: str = "event") -> list[dict]:
        return [
            json.loads(payload)
            for request in self.snapshot()
            for header, payload in request.items()
            if header.get("type") == kind
        ]

    def events(self) -> list[dict]:
        return self.payloads("event")

    def wait_for_events(self, count: int, *, timeout: float) -> list[dict]:
        deadline = time.monotonic() + timeout
        while len(self.events()) < count:
            if time.monotonic() >= deadline:
                raise AssertionError(
                    f"{len(self.events())} of {count} events arrived after {timeout}s "
                    f"({len(self.snapshot())} requests)"
                )
            time.sleep(0.05)
        return self.events()

    def received_text(self) -> str:
        """Everything received, as text: each request's path, headers and body, and each item
        again with its JSON decoded (a non-ASCII value is escaped in the raw bytes)."""
        parts = []
        for request in self.snapshot():
            parts += [request.path, json.dumps(request.headers)]
            parts.append(request.body.decode("utf-8", errors="replace"))
            for _header, payload in request.items():
                try:
                    parts.append(json.dumps(json.loads(payload), ensure_ascii=False))
                except ValueError:
                    continue
        return "\n".join(parts)
