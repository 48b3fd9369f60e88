"""A real HTTP webhook receiver on a loopback port, recording what it gets.

It also serves files by path (``files``), for media sent by URL.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Delivery:
    """One request the receiver got."""

    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        """The delivered event, parsed."""
        parsed: dict[str, Any] = json.loads(self.body)
        return parsed


@dataclass
class Receiver:
    """A receiver that records deliveries and returns ``status`` to every request."""

    status: int = 200
    deliveries: list[Delivery] = field(default_factory=list)
    # Path -> (content type, body) served to GET; other paths get 404.
    files: dict[str, tuple[str, bytes]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """The URL to register as a webhook."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/hook"

    def start(self) -> None:
        """Listen on a free loopback port in a background thread."""
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                headers = {name.lower(): value for name, value in self.headers.items()}
                with receiver._lock:
                    receiver.deliveries.append(Delivery(headers=headers, body=body))
                self.send_response(receiver.status)
                self.end_headers()

            def do_GET(self) -> None:
                served = receiver.files.get(self.path)
                if served is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                content_type, body = served
                self.send_response(200)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        """Stop listening."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    def file_url(self, path: str) -> str:
        """The URL at which GET serves ``files[path]``."""
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}{path}"

    def wait_for(self, event_type: str, timeout: float = 20.0) -> Delivery:
        """Return the first delivery of ``event_type``, waiting up to ``timeout``."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                for delivery in self.deliveries:
                    if delivery.event.get("type") == event_type:
                        return delivery
            time.sleep(0.1)
        raise AssertionError(f"no {event_type} delivery within {timeout} s")
